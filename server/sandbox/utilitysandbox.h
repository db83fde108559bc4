#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace pomelo {

class Config;
class Router;

struct UtilitySandboxOptions
{
    QString partnerId; ///< the one partner the simulated utility system knows
    QByteArray partnerKey; ///< its HMAC key (secret)
    /// Where `utility.db` (rooms, recharges, usage: SandboxStore) is kept; empty: in memory only.
    QString stateDir;
    QString pathPrefix = QStringLiteral("/sandbox/utility");
    /// Every interval each open room uses 1–20 fen of each utility (electricity only while the
    /// power is on); 0: no simulated usage (simulate/usage still works).
    int usageIntervalMs = 0;
    /// How long the TIMEOUT and LOST_ANSWER faults hold an answer: longer than a client's budget.
    int faultHoldMs = 10000;
    int timestampWindowSeconds = 300;

    /// sandbox.utility_partner_id / sandbox.utility_partner_key (never the server's own
    /// utility.*), `<server.data_dir>/sandbox`, sandbox.utility_usage_interval_ms.
    static UtilitySandboxOptions fromConfig(const Config &config);
};

/// One recharge as the simulated system recorded it.
struct UtilitySandboxRecharge
{
    QString serial;
    QString utility; ///< "ELECTRICITY" or "WATER"
    qint64 amount = 0;
    qint64 balanceAfter = 0;
    qint64 creditedAt = 0; ///< Unix seconds
};

/// A room's state, for tests and people (GET …/simulate/rooms/{roomId}).
struct UtilitySandboxRoom
{
    QString roomId;
    QString building;
    QString room;
    qint64 electricity = 0; ///< fen
    qint64 water = 0; ///< fen
    bool powerOn = true;
    bool closed = false;
    bool frozen = false;
    qint64 updatedAt = 0; ///< Unix seconds
    QList<UtilitySandboxRecharge> recharges; ///< oldest first
};

/// The simulated campus energy-management system (docs/utility-protocol.md) under
/// `<pathPrefix>`: the five calls as the real system answers them (partner id, signature,
/// timestamp window and nonce checked; every answer signed), three demo buildings of dorm rooms
/// with electricity and water accounts, recharges idempotent by serial, power cut at a zero
/// electricity balance and back on after a recharge, and usage that lowers the balances as time
/// passes. Control routes under `simulate/` set a room's state, use an exact amount, make the next
/// recharges fail (fault modes) and show a room with its recharges.
///
/// Each change is written (one row per changed record) to `<stateDir>/utility.db` before it is
/// answered, and read back on construction: a restart keeps balances, recharges and usage (faults
/// are not kept). The server's thread never blocks on it: route handlers are Blocking, held
/// answers are deferred replies (no thread waits), usage runs on the sandbox's own thread.
class UtilitySandbox
{
public:
    explicit UtilitySandbox(UtilitySandboxOptions options);
    /// Stops the usage thread, lets held answers go and saves.
    ~UtilitySandbox();
    UtilitySandbox(const UtilitySandbox &) = delete;
    UtilitySandbox &operator=(const UtilitySandbox &) = delete;

    /// Adds the routes; they refer to this object, which must outlive @p router's server.
    void registerRoutes(Router &router);
    /// Creates a sandbox owned by its routes (it lives as long as @p router) and registers them.
    /// With no partner id or key it registers nothing and logs why; returns nullptr then.
    static std::shared_ptr<UtilitySandbox> mount(Router &router, UtilitySandboxOptions options);

    const UtilitySandboxOptions &options() const;
    /// `<stateDir>/utility.db`, or empty when in memory only.
    QString stateFilePath() const;

    /// The state of @p roomId; nullopt for a room the system does not have.
    std::optional<UtilitySandboxRoom> room(const QString &roomId) const;

private:
    struct State;
    /// The routes of @p state; @p keepAlive (may be null) is owned by every handler.
    static void addRoutes(Router &router, State *state, std::shared_ptr<UtilitySandbox> keepAlive);
    std::unique_ptr<State> d;
};

} // namespace pomelo
