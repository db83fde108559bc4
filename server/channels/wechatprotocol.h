#pragma once

#include "domain/crypto.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QLatin1String>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

/// WeChat Pay APIv3 (JSAPI / mini-program), docs/wechat-pay.md: the signed request header, the
/// signed answers and notifications, the AEAD_AES_256_GCM resources, the `wx.requestPayment`
/// parameters and the JSON of transactions and refunds. Shared by the client (WechatClient) and
/// the simulator (WechatSandbox) so that both sides sign and encrypt exactly the same bytes.
///
/// Requests: `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",
/// serial_no="…",signature="…"`, the signature being Base64 SHA256withRSA (merchant private key)
/// of `METHOD\nURL\ntimestamp\nnonce\nbody\n` (URL = path plus `?query`; body empty for GET).
/// Answers and notifications: `Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial` headers,
/// signature of `timestamp\nnonce\nbody\n` with the platform private key.
namespace pomelo::wechat {

/// |now − timestamp| allowed for requests, answers and notifications, in seconds.
inline constexpr int TimestampWindowSeconds = 300;
inline constexpr QLatin1String AuthScheme("WECHATPAY2-SHA256-RSA2048");
/// WeChat probes merchants with signatures that start so; they must never verify.
inline constexpr QLatin1String SignTestPrefix("WECHATPAY/SIGNTEST/");
inline constexpr QLatin1String Algorithm("AEAD_AES_256_GCM");
inline constexpr QLatin1String ResourceType("encrypt-resource");
inline constexpr QLatin1String CurrencyCny("CNY");
inline constexpr QLatin1String TradeTypeJsapi("JSAPI");
/// Length of the APIv3 key (ASCII characters = bytes).
inline constexpr int ApiV3KeySize = 32;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

namespace header {
inline constexpr QLatin1String timestamp("Wechatpay-Timestamp");
inline constexpr QLatin1String nonce("Wechatpay-Nonce");
inline constexpr QLatin1String signature("Wechatpay-Signature");
inline constexpr QLatin1String serial("Wechatpay-Serial");
inline constexpr QLatin1String signatureType("Wechatpay-Signature-Type");
inline constexpr QLatin1String requestId("Request-ID");
} // namespace header

// ---- Endpoints, relative to the base URL (https://api.mch.weixin.qq.com) ------------------------
namespace path {
inline constexpr QLatin1String jsapi("/v3/pay/transactions/jsapi");
/// + {out_trade_no} (query ?mchid=), + {out_trade_no}/close
inline constexpr QLatin1String byOutTradeNo("/v3/pay/transactions/out-trade-no/");
/// + {transaction_id} (query ?mchid=)
inline constexpr QLatin1String byTransactionId("/v3/pay/transactions/id/");
/// POST to create; + /{out_refund_no} to query
inline constexpr QLatin1String refunds("/v3/refund/domestic/refunds");
} // namespace path

// ---- Error codes of `{"code", "message"}` answers -----------------------------------------------
namespace code {
inline constexpr QLatin1String paramError("PARAM_ERROR"); // 400
inline constexpr QLatin1String invalidRequest("INVALID_REQUEST"); // 400, business rule
inline constexpr QLatin1String orderPaid("ORDERPAID"); // 400
inline constexpr QLatin1String orderClosed("ORDER_CLOSED"); // 400
inline constexpr QLatin1String notEnough("NOT_ENOUGH"); // 400
inline constexpr QLatin1String signError("SIGN_ERROR"); // 401
inline constexpr QLatin1String noAuth("NO_AUTH"); // 403
inline constexpr QLatin1String orderNotExist("ORDER_NOT_EXIST"); // 404
inline constexpr QLatin1String resourceNotExists("RESOURCE_NOT_EXISTS"); // 404
inline constexpr QLatin1String rateLimitExceeded("RATELIMIT_EXCEEDED"); // 429
inline constexpr QLatin1String systemError("SYSTEM_ERROR"); // 500
} // namespace code

namespace event {
inline constexpr QLatin1String transactionSuccess("TRANSACTION.SUCCESS");
inline constexpr QLatin1String refundSuccess("REFUND.SUCCESS");
inline constexpr QLatin1String refundAbnormal("REFUND.ABNORMAL");
inline constexpr QLatin1String refundClosed("REFUND.CLOSED");
} // namespace event

enum class TradeState {
    Success, ///< paid
    Refund, ///< paid, then (partly) refunded ("转入退款")
    NotPay, ///< waiting for the user
    Closed, ///< closed by the merchant or expired at time_expire
    Revoked, ///< cancelled (payment-code payments only)
    UserPaying, ///< the user is entering the password
    PayError, ///< the attempt failed (bank refused …); the user may try again
    Accept, ///< accepted, to be deducted (deferred deduction)
};
QString tradeStateName(TradeState state); ///< "SUCCESS", "REFUND", "NOTPAY", …
std::optional<TradeState> tradeStateFromName(const QString &name);

enum class RefundStatus { Success, Closed, Processing, Abnormal };
QString refundStatusName(RefundStatus status); ///< "SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"
std::optional<RefundStatus> refundStatusFromName(const QString &name);

// ---- Time ---------------------------------------------------------------------------------------

/// RFC 3339 in Beijing time, seconds precision: "2024-05-01T12:00:00+08:00".
QString formatTime(const QDateTime &time);
/// RFC 3339 with an explicit offset (or Z); invalid QDateTime otherwise.
QDateTime parseTime(const QString &text);

// ---- Signing ------------------------------------------------------------------------------------

/// 32 upper-case hex characters from the CSPRNG.
QString newNonce();
/// Base64 SHA256withRSA of @p message.
QString signBase64(const crypto::RsaPrivateKey &key, const QByteArray &message);
/// True iff @p signatureBase64 is a valid Base64 SHA256withRSA signature of @p message. Always
/// false for a signature that starts with `WECHATPAY/SIGNTEST/`.
bool verifyBase64(const crypto::RsaPublicKey &key, const QByteArray &message,
                  const QString &signatureBase64);

/// `METHOD\nURL\ntimestamp\nnonce\nbody\n`.
QByteArray requestMessage(const QByteArray &method, const QString &url, const QString &timestamp,
                          const QString &nonce, const QByteArray &body);
/// `timestamp\nnonce\nbody\n`: what answers and notifications sign.
QByteArray answerMessage(const QString &timestamp, const QString &nonce, const QByteArray &body);

/// The parameters of an Authorization header.
struct Authorization
{
    QString mchId;
    QString nonce;
    QString timestamp; ///< Unix seconds, as text
    QString serialNo; ///< serial of the merchant API certificate
    QString signature;
};
/// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`.
QByteArray authorizationHeader(const Authorization &authorization);
/// nullopt unless the scheme is right and each of the five parameters occurs exactly once.
std::optional<Authorization> parseAuthorization(const QByteArray &value);

/// Signs a request (fresh @p nonce if empty). @p url is the path with `?query` as sent.
Authorization signRequest(const crypto::RsaPrivateKey &merchantKey, const QString &mchId,
                          const QString &merchantSerial, const QByteArray &method,
                          const QString &url, const QByteArray &body, qint64 nowSeconds,
                          QString nonce = {});

/// Why a signed message was refused, in the order the checks run.
enum class Verdict {
    Ok,
    Malformed, ///< header missing or ill-formed (timestamp not an integer …)
    WrongMerchant, ///< requests: mchid is not the expected one
    WrongSerial, ///< the serial / key id does not name the expected key
    SignTest, ///< a `WECHATPAY/SIGNTEST/` probe
    BadSignature,
    Expired, ///< timestamp outside the window (either direction)
};
QLatin1String verdictName(Verdict verdict);

/// Checks a request: mchid, serial (case-insensitive), signature with the merchant public key over
/// @p method, @p url, @p body, then the timestamp window.
Verdict verifyRequest(const Authorization &authorization, const QByteArray &method,
                      const QString &url, const QByteArray &body,
                      const crypto::RsaPublicKey &merchantPublicKey, const QString &expectedMchId,
                      const QString &expectedSerial, qint64 nowSeconds,
                      int windowSeconds = TimestampWindowSeconds);

/// The four Wechatpay-* headers of an answer or a notification.
struct SignatureHeaders
{
    QString timestamp;
    QString nonce;
    QString signature;
    QString serial;
};
/// Signs @p body with the platform key (fresh nonce if empty).
SignatureHeaders signAnswer(const crypto::RsaPrivateKey &platformKey, const QString &platformSerial,
                            const QByteArray &body, qint64 nowSeconds, QString nonce = {});
/// The headers as HTTP header pairs (+ Wechatpay-Signature-Type).
HeaderList toHeaderList(const SignatureHeaders &headers);
/// Reads them from HTTP headers (names case-insensitive); missing ones stay empty.
SignatureHeaders signatureHeadersFrom(const HeaderList &headers);
/// Case-insensitive header lookup; empty when absent.
QByteArray headerValue(const HeaderList &headers, QLatin1String name);

/// Checks an answer or a notification: the headers present, the serial equal to @p expectedSerial
/// (a certificate serial or a `PUB_KEY_ID_…`, case-insensitive), not a SIGNTEST probe, the
/// signature with the platform public key, then |now − timestamp| ≤ window.
Verdict verifyAnswer(const SignatureHeaders &headers, const QByteArray &body,
                     const crypto::RsaPublicKey &platformKey, const QString &expectedSerial,
                     qint64 nowSeconds, int windowSeconds = TimestampWindowSeconds);

// ---- AEAD resources -----------------------------------------------------------------------------

/// `resource` of a notification.
struct EncryptedResource
{
    QString algorithm = QString(Algorithm);
    QString ciphertext; ///< Base64 of ciphertext ‖ 16-byte tag
    QString associatedData;
    QString nonce; ///< 12 characters, used as bytes
    QString originalType; ///< "transaction", "refund"
};
/// Encrypts @p plaintext with the 32-byte APIv3 key (fresh 12-character nonce if empty).
EncryptedResource encryptResource(const QByteArray &apiV3Key, const QByteArray &plaintext,
                                  const QString &associatedData, const QString &originalType,
                                  QString nonce = {});
/// nullopt for another algorithm, bad Base64, a wrong key / nonce / associated data or tag.
std::optional<QByteArray> decryptResource(const QByteArray &apiV3Key,
                                          const EncryptedResource &resource);
QJsonObject resourceToJson(const EncryptedResource &resource);
std::optional<EncryptedResource> resourceFromJson(const QJsonObject &json);

/// The JSON envelope of a notification.
struct NotificationEnvelope
{
    QString id;
    QString createTime; ///< RFC 3339
    QString eventType; ///< event::…
    QString resourceType = QString(ResourceType);
    QString summary;
    EncryptedResource resource;
};
QJsonObject envelopeToJson(const NotificationEnvelope &envelope);
/// nullopt when a field is missing or ill-typed or resource_type is not "encrypt-resource".
std::optional<NotificationEnvelope> envelopeFromJson(const QJsonObject &json);

// ---- wx.requestPayment --------------------------------------------------------------------------

/// `appId\ntimeStamp\nnonceStr\npackage\n`.
QByteArray paySignMessage(const QString &appId, const QString &timeStamp, const QString &nonceStr,
                          const QString &package);
/// `{appId, timeStamp, nonceStr, package: "prepay_id=…", signType: "RSA", paySign}`.
QJsonObject requestPaymentParams(const crypto::RsaPrivateKey &merchantKey, const QString &appId,
                                 const QString &prepayId, qint64 nowSeconds, QString nonce = {});
/// What the mini-program (and WeChat) checks: every field a string, signType RSA, paySign valid.
bool verifyRequestPaymentParams(const crypto::RsaPublicKey &merchantPublicKey,
                                const QJsonObject &params);

// ---- Transactions and refunds -------------------------------------------------------------------

/// A transaction as query answers and TRANSACTION.* notifications describe it.
struct Transaction
{
    QString appId;
    QString mchId;
    QString outTradeNo;
    QString transactionId; ///< once paid
    QString tradeType; ///< "JSAPI" once paid
    TradeState tradeState = TradeState::NotPay;
    QString tradeStateDesc;
    QString bankType;
    QString attach;
    QDateTime successTime; ///< once paid
    qint64 total = 0; ///< fen
    std::optional<qint64> payerTotal; ///< what the user paid, once paid
    QString currency = QString(CurrencyCny);
    QString payerOpenId;
};
/// nullopt (and @p error says which field) when a required field is missing or has the wrong type:
/// appid, mchid, out_trade_no, trade_state (a known name); SUCCESS also needs transaction_id,
/// success_time and amount.total. Optional fields of the wrong type are refused too.
std::optional<Transaction> parseTransaction(const QJsonObject &json, QString *error = nullptr);
QJsonObject transactionToJson(const Transaction &transaction);

struct Refund
{
    QString refundId;
    QString outRefundNo;
    QString transactionId;
    QString outTradeNo;
    RefundStatus status = RefundStatus::Processing;
    QDateTime successTime; ///< once SUCCESS
    QDateTime createTime;
    QString channel; ///< "ORIGINAL"
    QString userReceivedAccount;
    qint64 refund = 0; ///< fen
    qint64 total = 0; ///< the order's total
    std::optional<qint64> payerRefund;
    std::optional<qint64> payerTotal;
    QString currency = QString(CurrencyCny);
};
/// Reads a refund answer (`status`) or a REFUND.* resource (`refund_status`). Required:
/// out_refund_no, refund_id, out_trade_no, the status (a known name), amount.refund, amount.total.
std::optional<Refund> parseRefund(const QJsonObject &json, QString *error = nullptr);
/// @p asNotification: the REFUND.* resource form (`refund_status`, mchid), else the API answer.
QJsonObject refundToJson(const Refund &refund, bool asNotification = false,
                         const QString &mchId = {});

/// `{"code": …, "message": …}`.
QJsonObject errorBody(const QString &code, const QString &message);

} // namespace pomelo::wechat
