#pragma once

#include "channels/ecardprotocol.h"
#include "domain/errors.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QUrl>

#include <optional>

namespace pomelo {

class Config;

struct EcardClientOptions
{
    QUrl baseUrl; ///< e.g. http://127.0.0.1:8080/sandbox/ecard; the paths of ecard::path follow it
    QString partnerId;
    QByteArray partnerKey; ///< HMAC key: a secret, never logged
    int timeoutMs = 5000; ///< budget of one call, retries included
    int maxAttempts = 3; ///< attempts of one call after transport errors, HTTP 5xx and retcode 9999

    /// `channels.ecard_base_url` (empty: `<server.public_base_url>/sandbox/ecard`),
    /// `ecard.partner_id`, `ecard.partner_key`.
    static EcardClientOptions fromConfig(const Config &config);
};

/// Pay init (`/api/v1/pay/create`).
struct EcardPayRequest
{
    QString outTradeNo; ///< [A-Za-z0-9_-]{1,32}, unique per partner
    QString studentNo; ///< 学号
    qint64 amount = 0; ///< fen
    QString subject; ///< 1..127 characters
    QUrl notifyUrl; ///< where the card center POSTs the result
    QDateTime expireTime; ///< invalid: the card center's default (15 min after creation)
    QString attach; ///< optional, echoed in query answers and notifications
};

/// An order at the card center: the answer of create, query and close.
struct EcardTrade
{
    QString outTradeNo;
    QString prepayId; ///< the card center's reference number of the order
    QString cashierUrl; ///< the card center's H5 cashier for this order
    QString studentNo;
    ecard::TradeState tradeState = ecard::TradeState::NotPay;
    qint64 amount = 0;
    qint64 refundedAmount = 0;
    QString tradeNo; ///< the card center's transaction serial, once paid
    QDateTime expireTime; ///< UTC
    QDateTime paidTime; ///< UTC, once paid
    QDateTime closeTime; ///< UTC, once closed
    QString errCode; ///< PAYERROR: why (a retcode, e.g. "2002" insufficient balance)
    QString errMsg;
    QString attach;
};

struct EcardRefundRequest
{
    QString outTradeNo;
    QString outRefundNo; ///< [A-Za-z0-9_-]{1,32}, the idempotency key of the refund
    qint64 refundAmount = 0; ///< fen, at most the amount not yet refunded
    QString reason; ///< optional
};

struct EcardRefund
{
    QString outTradeNo;
    QString outRefundNo;
    QString refundId; ///< the card center's refund serial
    qint64 refundAmount = 0;
    ecard::RefundState refundState = ecard::RefundState::Processing;
    QDateTime refundTime; ///< UTC, once SUCCESS
    qint64 refundedAmount = 0; ///< the order's refunded total after this refund
};

/// A verified asynchronous notification (pay result) of the card center.
struct EcardNotification
{
    QString notifyId; ///< the same on every delivery of one notification: the de-duplication key
    QString notifyType; ///< "PAY_RESULT"
    QString outTradeNo;
    QString prepayId;
    QString studentNo;
    ecard::TradeState tradeState = ecard::TradeState::NotPay; ///< SUCCESS or PAYERROR
    qint64 amount = 0;
    QString tradeNo; ///< SUCCESS only
    QDateTime paidTime; ///< SUCCESS only, UTC
    QString errCode; ///< PAYERROR only
    QString errMsg;
    QString attach;
};

/// A signed, well-formed answer of the card center with a retcode other than "0000": the business
/// refused (student not found, order closed, over-refund …). Its code() is ChannelError; catch it
/// before pomelo::Error where the retcode matters.
class EcardError : public Error
{
public:
    EcardError(QString retcode, QString retmsg, const QString &detail);
    const QString &retcode() const noexcept { return m_retcode; }
    const QString &retmsg() const noexcept { return m_retmsg; }

private:
    QString m_retcode;
    QString m_retmsg;
};

/// The campus e-card client (docs/ecard-protocol.md). Blocking: call it from worker threads, never
/// from the server's thread. Stateless and thread-safe.
///
/// Every call signs its request with a fresh timestamp and nonce, logs the request and the answer
/// (lcChannels, without `sign`; the key is never in a message) and verifies the answer's signature,
/// partner id and timestamp: a forged or unsigned answer is an error, never a result.
/// Transport errors, timeouts, HTTP errors and forged or malformed answers throw
/// Error(ChannelError); a call never takes longer than timeoutMs (plus HttpClient's 250 ms guard).
/// Calls are retried (within the budget) after a refused connection, HTTP 5xx or retcode 9999.
/// That is safe because every operation is idempotent at the card center: create by out_trade_no
/// (the same fields give the same order), close (closing a closed order succeeds), refund by
/// out_refund_no, and queries.
class EcardClient
{
public:
    explicit EcardClient(EcardClientOptions options);

    /// Pay init: the order (NOTPAY) with its prepay id and cashier URL. Repeating it with the same
    /// fields returns the same order in its current state; other fields: EcardError 2005.
    EcardTrade createPayment(const EcardPayRequest &request) const;
    /// nullopt when the card center does not know the order (2003).
    std::optional<EcardTrade> query(const QString &outTradeNo) const;
    /// Closes an unpaid order (CLOSED). A paid order: EcardError 2006 (refund it instead).
    EcardTrade close(const QString &outTradeNo) const;
    /// Refunds (part of) a paid order; the card center refunds at once (SUCCESS).
    EcardRefund refund(const EcardRefundRequest &request) const;
    /// nullopt when the card center does not know the refund (2008).
    std::optional<EcardRefund> queryRefund(const QString &outRefundNo) const;

    /// Checks a notification body: JSON object, signature, partner id, timestamp window, fields.
    /// nullopt (and a warning log line) when anything is wrong. Does not de-duplicate: that is the
    /// receiver's job, on notifyId.
    std::optional<EcardNotification> verifyNotification(const QByteArray &body) const;

    /// The body that acknowledges a notification: `{"retcode":"0000","retmsg":"OK"}`. Anything else
    /// (or no answer) makes the card center deliver it again later.
    static QByteArray notificationAck();

    const EcardClientOptions &options() const { return m_options; }

private:
    QJsonObject call(QLatin1String path, const QJsonObject &fields, QLatin1String correlationKey,
                     const QString &correlationValue) const;
    QUrl endpoint(QLatin1String path) const;

    EcardClientOptions m_options;
};

/// The seed's EcardCashierParam: what the mini-program needs to open the card center's cashier.
struct EcardCashierParam
{
    bool quickJump = true; ///< jump straight into the e-card payment page
    QString prepayId;
    QString deviceType = QStringLiteral("MINI_PROGRAM");
    QString studentId;
    QString outTradeNo;
    QString wxOpenId; ///< the user's WeChat openId (extParams)
    QString wxAppId; ///< the mini-program's WeChat app id (extParams)
    QString cashierUrl; ///< optional: the card center's H5 cashier
};

/// `{"quickJump", "prepayId", "deviceType", "studentId", "outTradeNo", "extParams": {"wxOpenId",
/// "wxAppId"}}` (+ "cashierUrl" when known).
QJsonObject buildCashierParams(const EcardCashierParam &param);
/// The cashier parameters of a created order (quickJump true, deviceType MINI_PROGRAM).
QJsonObject buildCashierParams(const EcardTrade &trade, const QString &wxOpenId,
                               const QString &wxAppId);

} // namespace pomelo
