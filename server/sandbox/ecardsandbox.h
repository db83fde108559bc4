#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace pomelo {

class Config;
class Router;

struct EcardSandboxOptions
{
    QString partnerId; ///< the one partner the simulated card center knows
    QByteArray partnerKey; ///< its HMAC key (secret)
    /// Where `ecard.db` (accounts, orders, refunds, notifications: SandboxStore) is kept; empty: in
    /// memory only. A former `ecard.json` there is imported once (then `ecard.json.imported`).
    QString stateDir;
    /// Base of the `cashier_url` of orders ("http://127.0.0.1:8080"); empty: no cashier URL.
    QString publicBaseUrl;
    QString pathPrefix = QStringLiteral("/sandbox/ecard");
    qint64 openingBalance = 50000; ///< fen given to a student the card center sees first
    bool autoOpenAccounts = true; ///< false: unknown students are 2001
    /// Delay before each delivery attempt of a notification, after the event for the first and
    /// after the previous failed attempt for the others; when the list is used up the
    /// notification is given up (FAILED). Milliseconds, so tests can compress it.
    /// (From a function: GCC 12 at -O2 reports a false maybe-uninitialized on a braced QList
    /// default member initializer.)
    QList<qint64> notifyScheduleMs = defaultNotifyScheduleMs();
    int notifyTimeoutMs = 5000; ///< one delivery attempt
    int notifyThreads = 4; ///< sender threads: deliveries in parallel
    int timestampWindowSeconds = 300;

    /// sandbox.ecard_partner_id / sandbox.ecard_partner_key (never the server's own ecard.*),
    /// `<server.data_dir>/sandbox`, server.public_base_url.
    static EcardSandboxOptions fromConfig(const Config &config);
    static QList<qint64> defaultNotifyScheduleMs();
};

/// Delivery state of one notification, for tests and people (GET …/simulate/notifications).
struct EcardSandboxNotification
{
    QString notifyId;
    QString outTradeNo;
    QString tradeState;
    QString state; ///< "PENDING", "DELIVERED", "FAILED"
    int attempts = 0;
    QString lastError;
};

/// The simulated campus card center (docs/ecard-protocol.md) under `<pathPrefix>`: the protocol
/// endpoints as the real system answers them (signature, partner id, timestamp and nonce checked;
/// every answer signed), student accounts with balances, orders, refunds, and the signed pay-result
/// notifications, delivered from its own threads on the retry schedule until acknowledged.
/// Control routes make the simulated student act (`simulate/pay`, `simulate/balance`).
///
/// Each change is written (one row per changed record) to `<stateDir>/ecard.db` before it is
/// answered, and read back on construction: a restart loses no account, order, refund or pending
/// notification (pending ones resume). The server's thread never blocks on it: route handlers are
/// Blocking, deliveries run on the sandbox's own threads (SandboxNotifier).
class EcardSandbox
{
public:
    explicit EcardSandbox(EcardSandboxOptions options);
    /// Stops delivering (waits for attempts in flight, each bounded by notifyTimeoutMs) and saves.
    ~EcardSandbox();
    EcardSandbox(const EcardSandbox &) = delete;
    EcardSandbox &operator=(const EcardSandbox &) = delete;

    /// Adds the routes; they refer to this object, which must outlive @p router's server.
    void registerRoutes(Router &router);
    /// Creates a sandbox owned by its routes (it lives as long as @p router) and registers them.
    /// With no partner id or key it registers nothing and logs why; returns nullptr then.
    static std::shared_ptr<EcardSandbox> mount(Router &router, EcardSandboxOptions options);

    const EcardSandboxOptions &options() const;
    /// `<stateDir>/ecard.db`, or empty when in memory only.
    QString stateFilePath() const;

    /// The balance (fen) of @p studentNo; nullopt when the account does not exist yet.
    std::optional<qint64> balance(const QString &studentNo) const;
    /// Notifications of @p outTradeNo (all when empty), oldest first.
    QList<EcardSandboxNotification> notifications(const QString &outTradeNo = {}) const;
    int pendingNotifications() const;

private:
    struct State;
    /// The routes of @p state; @p keepAlive (may be null) is owned by every handler.
    static void addRoutes(Router &router, State *state, std::shared_ptr<EcardSandbox> keepAlive);
    std::unique_ptr<State> d;
};

} // namespace pomelo
