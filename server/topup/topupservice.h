#pragma once

#include "channels/utilityclient.h"
#include "merchant/payplatformclient.h"
#include "servercontext.h"
#include "storage/topuprepository.h"

#include <QJsonObject>
#include <QList>

#include <chrono>
#include <optional>

namespace pomelo {

class DelayedQueue;
struct DelayedItem;

/// The top-up module's settings (`topup.*`).
struct TopupOptions
{
    QString appId = QStringLiteral("utility-topup");
    qint64 minAmount = 100; ///< fen
    qint64 maxAmount = 50000; ///< fen
    QList<qint64> presets {1000, 2000, 5000, 10000};
    std::chrono::milliseconds expiry {std::chrono::seconds(900)};
    /// A delivery run that has not succeeded for this long is given up and refunded.
    std::chrono::milliseconds deliveryDeadline {std::chrono::minutes(60)};
    /// Delay before the n-th retry; the last entry repeats.
    QList<std::chrono::milliseconds> retrySchedule {
        std::chrono::seconds(5),   std::chrono::seconds(15),  std::chrono::seconds(30),
        std::chrono::seconds(60),  std::chrono::seconds(120), std::chrono::seconds(300),
        std::chrono::seconds(600),
    };
    /// How long a delivery request that got no signed answer may still reach the utility system:
    /// its timestamp window (docs/utility-protocol.md, 300 s) plus the client's budget. No refund
    /// is decided before it has passed.
    std::chrono::milliseconds settleWindow {std::chrono::seconds(310)};
    qint64 lowElectricity = 1000; ///< fen: a reminder when the balance falls under it
    qint64 lowWater = 500;

    static TopupOptions fromConfig(const Config &config);
};

/// A bound room with its balances as the utility system reports them now.
struct RoomView
{
    RoomBinding binding;
    std::optional<UtilityBalance> balance; ///< nullopt when the utility system did not answer
};

/// The top-up module's domain (issue #16): room binding, top-ups and their life. A top-up is paid
/// through the pay platform as a merchant app (`topup.app_id`), then delivered to the campus
/// utility system with its id as the serial, so a retried delivery credits the room once. Every
/// transition is written with its event in one transaction (TopupRepository::transition()).
///
/// Background steps run from one delayed queue (`pomelo:delay:topup-delivery`): item
/// `step:<id>` advances a paid top-up (deliver, give up and refund, finish a refund) and
/// `expire:<id>` cancels one never signed. A sweep re-schedules what a lost item left behind, so
/// a crash between a commit and its schedule delays a step, never loses it.
class TopupService
{
public:
    TopupService(const ServerContext &context, DelayedQueue &queue, TopupOptions options);

    const TopupOptions &options() const { return m_options; }
    /// The utility system's client, from the config at each call: its default base URL follows
    /// `server.public_base_url`, which knows the port only once the server listens.
    UtilityClient utility() const;

    // ---- Rooms ----
    /// Binds @p roomId (as the utility system knows it; 1101 otherwise) to the student.
    RoomBinding bindRoom(qint64 userId, const QString &roomId);
    /// 1102 when no room is bound.
    void unbindRoom(qint64 userId);
    /// The student's room with its balances (1102 when none is bound). Reading the balance also
    /// checks it against the low-balance thresholds.
    RoomView myRoom(qint64 userId);
    /// What the student's room used per day and utility over the last @p days days (1..31), as
    /// the utility system reports it (1102 when no room is bound, 3002 when it does not answer).
    QList<UtilityUsageDay> myUsage(qint64 userId, int days);

    // ---- Top-ups of a student ----
    /// 1102 without a room; 1103 for an amount outside [minAmount, maxAmount]; 4001 for another
    /// utility than ELECTRICITY or WATER.
    Topup create(qint64 userId, const QString &utility, qint64 amount);
    /// 1104 unknown, 1105 someone else's.
    Topup get(qint64 userId, qint64 id) const;
    /// The student's top-ups, newest first.
    Page<Topup> list(qint64 userId, const std::optional<PageCursor> &after, int limit) const;
    /// The pay order of a PENDING_PAYMENT top-up (1106 otherwise) and the cashier object.
    std::pair<qint64, QJsonObject> sign(qint64 userId, qint64 id);

    // ---- The pay platform's verdicts (the notifyUrl) ----
    /// PAID (amount checked: 2001 otherwise) → PAID and delivery scheduled; CLOSED/FAILED →
    /// CANCELLED; REFUNDED → REFUNDED. Repeated notifications change nothing. A PAID notification
    /// for a top-up cancelled meanwhile is refused (1106) so it stays visible to admins.
    void applyPayResult(const QJsonObject &notification);

    // ---- Background ----
    /// The delayed queue's item: true when it is done.
    bool handle(const DelayedItem &item);
    /// Advances the top-up @p id one step as its state asks (see class doc). Idempotent.
    bool step(qint64 id);
    /// Cancels the top-up @p id if it is still unsigned and unpaid. Idempotent.
    bool expire(qint64 id);
    /// Re-schedules due work and expires overdue unsigned top-ups; returns how many it touched.
    int sweep(int limit = 100);
    /// Checks the balances of every bound room against the thresholds (reminders).
    int checkBalances();

    // ---- Staff (admin API) ----
    /// Delivers again now: from DELIVERY_FAILED back to PAID (a new run, its own deadline), or a
    /// PAID top-up's next attempt brought forward. 1106 from other states.
    Topup redeliver(qint64 id, const QString &actor, const QString &reason);
    /// Stops delivering and refunds (PAID or DELIVERY_FAILED): the refund step asks the utility
    /// system first, and a serial it credited is delivered, not refunded. 1106 otherwise.
    Topup refund(qint64 id, const QString &actor, const QString &reason);

    /// The low-balance check of one room's @p balance: a reminder to the bound students once per
    /// crossing of a threshold (re-armed when the balance is back above it).
    void checkLowBalance(const UtilityBalance &balance);

private:
    void schedule(qint64 id, std::chrono::milliseconds delay = {});
    bool deliver(const Topup &topup);
    bool settleFailed(const Topup &topup);
    bool finishRefund(const Topup &topup);
    /// Moves @p topup to @p to with @p change in a transaction; false when it changed meanwhile.
    bool move(const Topup &topup, TopupStatus to, TopupChange change);
    void tellStudent(const Topup &topup, const QString &title, const QString &body) const;
    std::chrono::milliseconds retryDelay(int attempts) const;
    /// When a refund may ask the utility system whether it credited the serial: after any
    /// attempt in flight has ended and any unanswered one can no longer arrive.
    qint64 settleFrom(qint64 now, const std::optional<qint64> &unsettledAt) const;

    const ServerContext &m_ctx;
    DelayedQueue &m_queue;
    const TopupOptions m_options;
    PayPlatformClient m_pay;
};

} // namespace pomelo
