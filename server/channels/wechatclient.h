#pragma once

#include "channels/wechatprotocol.h"
#include "domain/crypto.h"
#include "domain/errors.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>
#include <optional>

namespace pomelo {

class Config;
class WechatPlatformKeys;

using WechatTransaction = wechat::Transaction;
using WechatRefund = wechat::Refund;

/// Everything the WeChat Pay client needs. The keys are loaded (parsed) once: build the options
/// at start with load() and share them; copies are cheap (the keys are shared, immutable).
struct WechatClientOptions
{
    QUrl baseUrl; ///< https://api.mch.weixin.qq.com, or http://…/sandbox/wechat
    QString mchId; ///< 商户号
    QString appId; ///< the mini-program's AppID (bound to mchId)
    std::optional<crypto::RsaPrivateKey> merchantKey; ///< apiclient_key.pem — a secret
    QString merchantSerial; ///< serial of the merchant API certificate (upper-case hex)
    QByteArray apiV3Key; ///< 32 bytes — a secret
    /// The configured WeChat Pay public key (public-key mode), or a configured (pinned) platform
    /// certificate's key; unset in pure certificate mode (certificates are downloaded).
    std::optional<crypto::RsaPublicKey> platformKey;
    QString platformSerial; ///< `PUB_KEY_ID_…` or the pinned certificate's serial
    /// Platform certificates are downloaded from `/v3/certificates` (at start, every 12 h, and
    /// once at once when an unknown serial shows up).
    bool downloadCertificates = true;
    /// The keys that verify WeChat's signatures, shared by every copy of these options: load()
    /// creates it; when unset, WechatClient makes its own from platformKey / platformSerial.
    std::shared_ptr<WechatPlatformKeys> platformKeys;
    int timeoutMs = 5000; ///< budget of one call, retries included
    int maxAttempts = 3; ///< attempts after transport errors, HTTP 5xx and 429
    QString userAgent = QStringLiteral("pomelo-pay/1.0 (Qt; WeChatPay-APIv3)");

    /// From the configuration: `channels.wechat_base_url` (empty:
    /// `<server.public_base_url>/sandbox/wechat`), `wechat.mch_id`, `wechat.app_id`,
    /// `wechat.merchant_key_file`, `wechat.merchant_serial`, `wechat.apiv3_key`,
    /// `wechat.platform_public_key_file` (the WeChat Pay public key, or a platform certificate
    /// PEM to pin; empty: certificate mode only), `wechat.platform_public_key_id` (`PUB_KEY_ID_…`;
    /// `wechat.platform_key_id` is its deprecated alias).
    ///
    /// Sandbox keys: when `wechat.merchant_key_file` is empty and the `sandbox` module is on, all
    /// keys, serials and the APIv3 key come from `<server.data_dir>/sandbox/wechat/`, generated
    /// there first if missing (the same files WechatSandbox uses, see ensureWechatSandboxKeys()).
    /// Throws Error(Internal) naming the missing or unreadable key / file (never its content).
    static WechatClientOptions fromConfig(const Config &config);
    /// fromConfig() once, shared, with its platform keystore (withPlatformKeys()): what the
    /// server builds at start and hands to its workers.
    static std::shared_ptr<const WechatClientOptions> load(const Config &config);
    /// Sets platformKeys from platformKey / platformSerial (a certificate serial is pinned).
    void withPlatformKeys();
    /// Options for the sandbox whose key files are in @p keysDir (ensureWechatSandboxKeys()).
    static WechatClientOptions forSandbox(const QString &keysDir, const QUrl &baseUrl,
                                          const QString &mchId, const QString &appId);
    /// Throws Error(Internal) naming what is missing (no key, serial, bad APIv3 key size …).
    void validate() const;
};

/// The key files the WeChat sandbox generates (and the client reads in sandbox mode).
struct WechatSandboxKeyFiles
{
    QString dir;
    QString merchantPrivateKey; ///< merchant_private_key.pem (secret)
    QString merchantCertificate; ///< merchant_certificate.pem (self-signed; its serial is used)
    QString platformPrivateKey; ///< platform_private_key.pem (secret: the sandbox signs with it)
    QString platformPublicKey; ///< platform_public_key.pem
    QString platformKeyId; ///< platform_key_id.txt: `PUB_KEY_ID_…`
    QString apiV3Key; ///< apiv3_key.txt: 32 characters (secret)

    /// `<dataDir>/sandbox/wechat`.
    static QString directoryFor(const QString &dataDir);
    static WechatSandboxKeyFiles in(const QString &keysDir);
    bool complete() const;
};

/// Generates the sandbox's merchant and platform RSA-2048 key pairs, the merchant certificate,
/// the platform key id and the APIv3 key into @p keysDir (mode 0600) unless all are there already;
/// then they are reused. Safe to call from several threads and processes at once (lock file).
/// Throws Error(Internal) when the directory cannot be written.
WechatSandboxKeyFiles ensureWechatSandboxKeys(const QString &keysDir);

struct WechatPrepayRequest
{
    QString outTradeNo; ///< 6–32 of [A-Za-z0-9_-|*], unique per merchant: the idempotency key
    QString description; ///< 1–127 characters
    qint64 total = 0; ///< fen
    QString payerOpenId; ///< the user's openid under appId
    QUrl notifyUrl; ///< where TRANSACTION.SUCCESS is POSTed (no query string)
    QDateTime timeExpire; ///< invalid: WeChat's default; sent as RFC 3339 +08:00
    QString attach; ///< optional, ≤ 128 characters, echoed in queries and notifications
};

struct WechatRefundRequest
{
    QString outTradeNo;
    QString outRefundNo; ///< 1–64 of [A-Za-z0-9_-|*@]: the idempotency key of the refund
    qint64 refund = 0; ///< fen, at most what is left of total
    qint64 total = 0; ///< the order's total, fen (WeChat checks it)
    QString reason; ///< optional, shown to the user
    QUrl notifyUrl; ///< optional: where REFUND.* is POSTed
    QString transactionId; ///< when set, the payment refunded (then outTradeNo is not sent)
};

/// A verified, decrypted notification. Exactly one of transaction / refund is set, by eventType.
struct WechatNotification
{
    QString id; ///< the same on every delivery: the de-duplication key
    QString eventType; ///< TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    QString summary;
    QDateTime createTime;
    std::optional<WechatTransaction> transaction;
    std::optional<WechatRefund> refund;
};

/// A signed, well-formed error answer of WeChat Pay (`{"code", "message"}`): the business refused
/// (ORDERPAID, PARAM_ERROR, SIGN_ERROR …). Its code() is ChannelError; catch it before
/// pomelo::Error where the WeChat code matters.
class WechatError : public Error
{
public:
    WechatError(int httpStatus, QString wechatCode, QString message, const QString &detail);
    int httpStatus() const noexcept { return m_httpStatus; }
    const QString &wechatCode() const noexcept { return m_wechatCode; }
    const QString &message() const noexcept { return m_message; }

private:
    int m_httpStatus;
    QString m_wechatCode;
    QString m_message;
};

/// The WeChat Pay APIv3 client (JSAPI, docs/wechat-pay.md). Blocking: call it from worker threads,
/// never from the server's thread. Stateless and thread-safe.
///
/// Every request is signed (Authorization) with a fresh timestamp and nonce; every answer's
/// Wechatpay-* signature, serial and timestamp are verified with the platform key: a forged or
/// unsigned answer is Error(ChannelError), never a result (an error answer too). Requests and
/// answers are logged on lcChannels with ids and states only (no Authorization, keys, openids).
/// Transport errors, timeouts and malformed answers throw Error(ChannelError); business refusals
/// throw WechatError. A call never takes longer than timeoutMs (plus HttpClient's 250 ms guard).
/// Every call is retried within the budget after a refused connection, HTTP 5xx or 429 (with
/// back-off): each is idempotent at WeChat — prepay by out_trade_no with the identical body,
/// refund by out_refund_no, close, and the queries.
class WechatClient
{
public:
    explicit WechatClient(WechatClientOptions options);
    explicit WechatClient(std::shared_ptr<const WechatClientOptions> options);

    /// JSAPI prepay: the prepay_id (valid 2 hours). Repeating it with the same fields gives the
    /// same prepay_id; other fields: WechatError 400 INVALID_REQUEST; a paid order: ORDERPAID.
    QString prepayJsapi(const WechatPrepayRequest &request) const;
    /// The `wx.requestPayment` fields for @p prepayId: appId, timeStamp, nonceStr, package,
    /// signType "RSA", paySign (merchant key). No network.
    QJsonObject requestPaymentParams(const QString &prepayId) const;
    /// nullopt when WeChat does not know the order (404 ORDER_NOT_EXIST).
    std::optional<WechatTransaction> query(const QString &outTradeNo) const;
    /// Closes an unpaid order (204). A paid one: WechatError 400 ORDERPAID (refund it instead).
    void close(const QString &outTradeNo) const;
    /// Refunds (part of) a paid order: SUCCESS, PROCESSING (final state by notification or
    /// queryRefund), CLOSED or ABNORMAL. Over-refund: WechatError 400 PARAM_ERROR / NOT_ENOUGH.
    WechatRefund refund(const WechatRefundRequest &request) const;
    /// nullopt when WeChat does not know the refund (404 RESOURCE_NOT_EXISTS).
    std::optional<WechatRefund> queryRefund(const QString &outRefundNo) const;

    /// Checks a notification: Wechatpay-* headers (serial, SIGNTEST, signature, timestamp window),
    /// the envelope, decrypts the resource with the APIv3 key and parses it (a transaction of our
    /// mchid/appid, or a refund). nullopt (and a warning log line) when anything is wrong. Does not
    /// de-duplicate: that is the receiver's job, on id.
    std::optional<WechatNotification> verifyNotification(const wechat::HeaderList &headers,
                                                         const QByteArray &body) const;
    /// What the receiver answers when it refuses a notification (with a 4xx/5xx status):
    /// `{"code":"FAIL","message":…}`. Success is 204 (or 200) without a body.
    static QByteArray notificationFailBody(const QString &message);

    /// Downloads the platform certificates (`GET /v3/certificates`, signed like every call) and
    /// merges them into the keystore (WechatPlatformKeys::acceptCertificatesAnswer()). A 404 is
    /// a public-key-mode merchant: ok, nothing added. Never throws; the result says what failed.
    struct RefreshOutcome
    {
        bool ok = false;
        bool notProvided = false;
        QString error;
        QStringList added;
    };
    RefreshOutcome refreshPlatformCertificates() const;
    WechatPlatformKeys &platformKeys() const { return *m_options->platformKeys; }

    const WechatClientOptions &options() const { return *m_options; }

private:
    struct Answer
    {
        int status = 0;
        QByteArray body;
    };
    Answer call(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
                const QString &what) const;
    QUrl endpoint(const QString &pathAndQuery) const;
    /// Verifies with the keystore; an unknown certificate serial triggers one rate-limited
    /// refresh, then the check runs again.
    wechat::Verdict verifySigned(const wechat::HeaderList &headers, const QByteArray &body,
                                 bool notification, bool countFailure = true) const;

    std::shared_ptr<const WechatClientOptions> m_options;
};

} // namespace pomelo
