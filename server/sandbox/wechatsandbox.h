#pragma once

#include "channels/wechatclient.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace pomelo {

class Config;
class Router;

struct WechatSandboxOptions
{
    QString mchId; ///< the one merchant the simulated WeChat Pay knows (wechat.mch_id)
    QString appId; ///< the AppID bound to it (wechat.app_id)
    /// Where `wechat.db` (orders, refunds, notifications: SandboxStore) is kept; empty: in memory
    /// only. A former `wechat.json` there is imported once (then `wechat.json.imported`).
    QString stateDir;
    /// Where the generated keys are (ensureWechatSandboxKeys()); empty: `<stateDir>/wechat`.
    QString keysDir;
    QString pathPrefix = QStringLiteral("/sandbox/wechat");
    /// Delay before each delivery attempt of a notification: the first after the event, the others
    /// after the previous failed attempt; when the list is used up the notification is given up.
    /// Milliseconds, so tests can compress it. Default: at once, then WeChat's 15s/15s/30s/3m/10m/
    /// 20m/30m/30m/30m/60m/3h/3h/3h/6h/6h.
    QList<qint64> notifyScheduleMs = defaultNotifyScheduleMs();
    int notifyTimeoutMs = 5000; ///< one delivery attempt
    int notifyThreads = 4;
    int timestampWindowSeconds = 300;
    qint64 defaultExpirySeconds = 2 * 3600; ///< an order without time_expire
    /// true: a refund is SUCCESS at once; false: PROCESSING until `simulate/refund` settles it.
    /// Also switched at run time by `POST <prefix>/simulate/refund-mode {mode}`.
    bool refundsSettleAtOnce = true;

    /// wechat.mch_id / wechat.app_id, `<server.data_dir>/sandbox` (keys in `…/sandbox/wechat`).
    static WechatSandboxOptions fromConfig(const Config &config);
    static QList<qint64> defaultNotifyScheduleMs();
};

namespace wechatsandbox {
/// Generates the sandbox's keys into `<dataDir>/sandbox/wechat/` unless they are there (then they
/// are reused). Call at start before any WechatClient is built (WechatClientOptions::fromConfig()
/// calls it too in sandbox mode).
WechatSandboxKeyFiles ensureKeys(const QString &dataDir);
} // namespace wechatsandbox

/// Delivery state of one notification, for tests and people (GET …/simulate/notifications).
struct WechatSandboxNotification
{
    QString id;
    QString eventType;
    QString outTradeNo;
    QString outRefundNo; ///< REFUND.* only
    QString state; ///< "PENDING", "DELIVERED", "FAILED"
    int attempts = 0;
    QString lastError;
    QString signer; ///< the key that signs its attempts: `PUB_KEY_ID_…` or a certificate serial
};

/// The simulated WeChat Pay APIv3 (docs/wechat-pay.md) under `<pathPrefix>`, with the paths of
/// api.mch.weixin.qq.com: JSAPI prepay, query by out_trade_no / transaction id, close, refund,
/// refund query. Every request's Authorization is checked as WeChat does (mchid, merchant
/// certificate serial, timestamp window, SHA256withRSA with the merchant public key → 401
/// SIGN_ERROR), fields are validated (400 PARAM_ERROR …), every answer is signed with the
/// platform key (Wechatpay-* headers). Notifications (TRANSACTION.SUCCESS, REFUND.*) are
/// AEAD_AES_256_GCM-encrypted with the APIv3 key, platform-signed per attempt, and delivered from
/// the sandbox's own threads on the retry schedule until the receiver answers 200 or 204.
/// Control routes make the simulated user act: `simulate/pay`, `simulate/refund`,
/// `simulate/refund-mode`, `simulate/fault`, `simulate/notifications`; and WeChat change its keys:
/// `simulate/key-mode` (sign with the public key `PUB_KEY_ID_…`, the default, `/v3/certificates`
/// then 404; or with the newest platform certificate, served by `GET <prefix>/v3/certificates`
/// encrypted with the APIv3 key), `simulate/rotate-certificate` (a new certificate signs, the old
/// ones stay listed), `simulate/notify-hold` (notifications in flight across such a change keep
/// the key current when they were created).
///
/// Each change is written (one row per changed record) to `<stateDir>/wechat.db` before it is
/// answered and read back on construction (pending notifications resume). Keys are generated once
/// (0600) in keysDir.
class WechatSandbox
{
public:
    /// Throws Error(Internal) when the keys cannot be generated or read.
    explicit WechatSandbox(WechatSandboxOptions options);
    /// Stops delivering (waits for attempts in flight, each bounded by notifyTimeoutMs) and saves.
    ~WechatSandbox();
    WechatSandbox(const WechatSandbox &) = delete;
    WechatSandbox &operator=(const WechatSandbox &) = delete;

    /// Adds the routes; they refer to this object, which must outlive @p router's server.
    void registerRoutes(Router &router);
    /// Creates a sandbox owned by its routes and registers them. Without mch id, app id or a
    /// directory for the keys it registers nothing, logs why and returns nullptr.
    static std::shared_ptr<WechatSandbox> mount(Router &router, WechatSandboxOptions options);

    const WechatSandboxOptions &options() const;
    /// `<stateDir>/wechat.db`, or empty when in memory only.
    QString stateFilePath() const;
    const WechatSandboxKeyFiles &keyFiles() const;
    /// Client options that talk to this sandbox at @p baseUrl (…/sandbox/wechat).
    WechatClientOptions clientOptions(const QUrl &baseUrl) const;

    /// Notifications of @p outTradeNo (all when empty), oldest first.
    QList<WechatSandboxNotification> notifications(const QString &outTradeNo = {}) const;
    int pendingNotifications() const;
    /// Orders and refunds kept (tests: nothing is stored after a refused request).
    int orderCount() const;
    int refundCount() const;

private:
    struct State;
    static void addRoutes(Router &router, State *state, std::shared_ptr<WechatSandbox> keepAlive);
    std::unique_ptr<State> d;
};

} // namespace pomelo
