#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1String>
#include <QString>

#include <optional>

/// The campus e-card (校园一卡通) third-party payment protocol, docs/ecard-protocol.md: message
/// fields, signing and verification. Shared by the client (EcardClient) and the simulator
/// (EcardSandbox) so that both sides sign exactly the same bytes.
///
/// sign = lower-case hex HMAC-SHA256(partner_key, canonical string).
///
/// The canonical string holds every top-level field except `sign` whose value is not empty (null
/// and "" are skipped), as `key=value`, sorted by key, joined by `&`. Keys are [a-z0-9_]{1,32};
/// values are strings or integers only (|n| ≤ 2^53, written in decimal). String values are
/// percent-encoded (UTF-8, every byte outside RFC 3986's unreserved set `A-Z a-z 0-9 - . _ ~` as
/// `%XX` with upper-case hex), so a value containing `&` or `=` can never be read as another field.
/// A message with any other key or value type cannot be signed and never verifies.
namespace pomelo::ecard {

/// |now − timestamp| allowed for requests, answers and notifications, in seconds.
inline constexpr int TimestampWindowSeconds = 300;
inline constexpr int NonceMinLength = 16;
inline constexpr int NonceMaxLength = 32;

// ---- Field names (snake_case, as card-center vendors write them) --------------------------------
namespace field {
inline constexpr QLatin1String partnerId("partner_id");
inline constexpr QLatin1String timestamp("timestamp");
inline constexpr QLatin1String nonceStr("nonce_str");
inline constexpr QLatin1String sign("sign");
inline constexpr QLatin1String retcode("retcode");
inline constexpr QLatin1String retmsg("retmsg");
inline constexpr QLatin1String outTradeNo("out_trade_no");
inline constexpr QLatin1String studentNo("student_no");
inline constexpr QLatin1String amount("amount");
inline constexpr QLatin1String subject("subject");
inline constexpr QLatin1String attach("attach");
inline constexpr QLatin1String notifyUrl("notify_url");
inline constexpr QLatin1String expireTime("expire_time");
inline constexpr QLatin1String prepayId("prepay_id");
inline constexpr QLatin1String cashierUrl("cashier_url");
inline constexpr QLatin1String tradeNo("trade_no");
inline constexpr QLatin1String tradeState("trade_state");
inline constexpr QLatin1String paidTime("paid_time");
inline constexpr QLatin1String closeTime("close_time");
inline constexpr QLatin1String refundedAmount("refunded_amount");
inline constexpr QLatin1String errCode("err_code");
inline constexpr QLatin1String errMsg("err_msg");
inline constexpr QLatin1String outRefundNo("out_refund_no");
inline constexpr QLatin1String refundId("refund_id");
inline constexpr QLatin1String refundAmount("refund_amount");
inline constexpr QLatin1String refundReason("refund_reason");
inline constexpr QLatin1String refundState("refund_state");
inline constexpr QLatin1String refundTime("refund_time");
inline constexpr QLatin1String notifyId("notify_id");
inline constexpr QLatin1String notifyType("notify_type");
} // namespace field

// ---- Endpoints, relative to the base URL --------------------------------------------------------
namespace path {
inline constexpr QLatin1String payCreate("/api/v1/pay/create");
inline constexpr QLatin1String payQuery("/api/v1/pay/query");
inline constexpr QLatin1String payClose("/api/v1/pay/close");
inline constexpr QLatin1String refundCreate("/api/v1/refund/create");
inline constexpr QLatin1String refundQuery("/api/v1/refund/query");
} // namespace path

// ---- Return codes (`retcode`, four digits as a string) ------------------------------------------
namespace retcode {
inline constexpr QLatin1String success("0000");
inline constexpr QLatin1String invalidParameter("1000");
inline constexpr QLatin1String signError("1001");
inline constexpr QLatin1String timestampExpired("1002");
inline constexpr QLatin1String nonceReused("1003");
inline constexpr QLatin1String studentNotFound("2001");
inline constexpr QLatin1String insufficientBalance("2002");
inline constexpr QLatin1String orderNotFound("2003");
inline constexpr QLatin1String orderClosed("2004");
inline constexpr QLatin1String duplicateOutTradeNo("2005");
inline constexpr QLatin1String orderStateInvalid("2006");
inline constexpr QLatin1String refundExceedsAmount("2007");
inline constexpr QLatin1String refundNotFound("2008");
inline constexpr QLatin1String duplicateOutRefundNo("2009");
inline constexpr QLatin1String paymentFailed("2010");
inline constexpr QLatin1String systemError("9999");
} // namespace retcode

/// The card center's (Chinese) message of @p code; "未知错误" for a code not in the table.
QString retmsgOf(const QString &code);

inline constexpr QLatin1String NotifyTypePayResult("PAY_RESULT");

enum class TradeState {
    NotPay, ///< created, waiting for the student
    Success, ///< paid
    Closed, ///< closed by the partner or expired unpaid
    PayError, ///< the payment attempt failed (insufficient balance, card frozen …); final
    Refund, ///< paid, then (partly) refunded
};
QString tradeStateName(TradeState state); ///< "NOTPAY", "SUCCESS", "CLOSED", "PAYERROR", "REFUND"
std::optional<TradeState> tradeStateFromName(const QString &name);

enum class RefundState { Processing, Success, Failed };
QString refundStateName(RefundState state); ///< "PROCESSING", "SUCCESS", "FAILED"
std::optional<RefundState> refundStateFromName(const QString &name);

// ---- Signing ------------------------------------------------------------------------------------

/// The canonical string of @p message (see above), or nullopt when the message has a key or a value
/// the protocol does not allow.
std::optional<QByteArray> canonicalString(const QJsonObject &message);

/// 64 lower-case hex characters. Throws Error(Internal) for an empty key or an unsignable message:
/// the signer builds its messages itself, so either is a programming error.
QString sign(const QJsonObject &message, const QByteArray &key);

/// @p message with `sign` set (replaced if present).
QJsonObject withSignature(QJsonObject message, const QByteArray &key);

/// True iff `sign` is 64 lower-case hex characters equal, compared in constant time, to
/// sign(message, key). False for an empty key or an unsignable message.
bool verifySignature(const QJsonObject &message, const QByteArray &key);

/// Why a message was refused, in the order the checks run. The signature is checked before the
/// clock so that a forger learns nothing about the timestamp window.
enum class Verdict {
    Ok,
    Malformed, ///< envelope field missing or ill-typed, or the message cannot be signed (→ 1000)
    WrongPartner, ///< partner_id is not the expected one (→ 1001)
    BadSignature, ///< (→ 1001)
    Expired, ///< timestamp outside the window (→ 1002)
};
QLatin1String verdictName(Verdict verdict);
/// The retcode a card center answers for @p verdict ("0000" for Ok).
QLatin1String verdictRetcode(Verdict verdict);

/// Checks the envelope of a request, an answer or a notification: `partner_id` equal to
/// @p partnerId, integer `timestamp`, `nonce_str` per isValidNonce(), `sign`, then the signature
/// with @p key, then |nowSeconds − timestamp| ≤ @p windowSeconds.
Verdict verify(const QJsonObject &message, const QString &partnerId, const QByteArray &key,
               qint64 nowSeconds, int windowSeconds = TimestampWindowSeconds);

/// @p fields plus the envelope: partner_id, timestamp (@p nowSeconds), a fresh nonce_str. Not yet
/// signed (withSignature()).
QJsonObject stamped(QJsonObject fields, const QString &partnerId, qint64 nowSeconds);

/// 32 lower-case hex characters from the CSPRNG.
QString newNonce();
/// 16–32 characters of [A-Za-z0-9].
bool isValidNonce(const QString &nonce);

// ---- Field access -------------------------------------------------------------------------------

/// The integer value of @p key: a JSON number with an integral value and |n| ≤ 2^53; nullopt for
/// anything else (absent, string, fraction, bool …).
std::optional<qint64> integerField(const QJsonObject &message, QLatin1String key);
/// The string value of @p key; nullopt when absent or not a string.
std::optional<QString> stringField(const QJsonObject &message, QLatin1String key);

/// @p message without `sign`, as compact JSON: what the client and the simulator log. The key is
/// never in a message, so nothing secret remains.
QByteArray forLog(const QJsonObject &message);

} // namespace pomelo::ecard
