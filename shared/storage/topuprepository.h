#pragma once

#include "database.h"
#include "domain/statemachine.h"
#include "pagination.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo {

/// A student's dorm room, as the campus utility system names it.
struct RoomBinding
{
    qint64 userId = 0;
    QString roomId; ///< the utility system's room_id
    QString building;
    QString room; ///< the room number
    qint64 boundAt = 0; ///< Unix ms
};

/// A utility top-up (API.md "Utility top-up API"); its id is the pay order's outTradeNo and the
/// utility system's serial.
struct Topup
{
    qint64 id = 0; ///< Snowflake
    qint64 userId = 0;
    QString roomId;
    QString building;
    QString room;
    QString utility; ///< "ELECTRICITY" or "WATER"
    qint64 amount = 0; ///< fen
    TopupStatus status = TopupStatus::PendingPayment;
    std::optional<qint64> payOrderId;
    QString channel; ///< the pay channel, once paid
    int attempts = 0; ///< delivery attempts so far
    QString lastError; ///< of the last failed attempt
    std::optional<qint64> nextAttemptAt; ///< Unix ms: the next delivery or refund step is due
    /// Unix ms of the last delivery attempt that got no signed answer: it may still reach the
    /// utility system until its timestamp window has passed.
    std::optional<qint64> unsettledAt;
    std::optional<qint64> balanceAfter; ///< fen, the utility's balance right after the credit
    QString failureReason; ///< why the delivery failed: told to the student
    int version = 0;
    qint64 expiresAt = 0; ///< Unix ms: cancelled if not signed by then
    std::optional<qint64> paidAt;
    /// When the current delivery run began (payment or re-deliver): the deadline counts from it.
    std::optional<qint64> deliveryStartedAt;
    std::optional<qint64> deliveredAt;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
    QString traceparent;
};

/// One line of a top-up's history.
struct TopupEvent
{
    qint64 id = 0;
    qint64 topupId = 0;
    qint64 at = 0; ///< Unix ms
    QString kind; ///< "TRANSITION" or "ATTEMPT"
    QString fromStatus; ///< TRANSITION only
    QString toStatus; ///< TRANSITION only
    QString actor; ///< "system", "pay-notify", "admin:<user>" …
    QString detail; ///< the reason, or the attempt's outcome
};

/// What a transition sets beside the status (unset fields stay as they are).
struct TopupChange
{
    QString actor = QStringLiteral("system");
    QString detail;
    std::optional<qint64> paidAt;
    std::optional<qint64> deliveryStartedAt;
    std::optional<qint64> deliveredAt;
    std::optional<qint64> balanceAfter;
    QString channel; ///< empty: unchanged
    QString failureReason; ///< empty: unchanged
    /// Set: the next step is due then; 0: nothing is due (cleared); unset: unchanged.
    std::optional<qint64> nextAttemptAt;
};

/// Filters of the admin list; empty fields do not filter.
struct TopupFilter
{
    std::optional<TopupStatus> status;
    QString roomId;
    std::optional<qint64> userId;
    std::optional<qint64> createdFrom; ///< Unix ms, inclusive
    std::optional<qint64> createdTo; ///< Unix ms, exclusive
};

class TopupRepository
{
public:
    explicit TopupRepository(Database &db)
        : m_db(db)
    { }

    // ---- Room bindings ----
    /// Binds @p binding's room to its user, replacing the room bound before.
    void bindRoom(Transaction &tx, const RoomBinding &binding);
    /// false when the user had no room bound.
    bool unbindRoom(Transaction &tx, qint64 userId);
    std::optional<RoomBinding> boundRoom(qint64 userId) const;
    /// The students bound to @p roomId, earliest binding first.
    QList<RoomBinding> studentsOfRoom(const QString &roomId) const;
    /// Every room some student has bound (the low-balance check's list).
    QStringList boundRoomIds() const;

    // ---- Top-ups ----
    /// Inserts @p topup with a TRANSITION event "created" by @p actor.
    void insert(Transaction &tx, const Topup &topup, const QString &actor);
    std::optional<Topup> find(qint64 id) const;
    std::optional<Topup> find(Transaction &tx, qint64 id, RowLock lock = RowLock::None) const;
    std::optional<Topup> findByPayOrder(qint64 payOrderId) const;

    /// Compare-and-set on (@p from, @p expectedVersion): sets the status and @p change, bumps the
    /// version and writes the TRANSITION event, in @p tx. false when not applied. An illegal
    /// transition throws Error(Internal).
    bool transition(Transaction &tx, const Topup &topup, TopupStatus to, const TopupChange &change,
                    qint64 now = 0);
    /// Records the pay order (compare-and-set on the version, which it bumps).
    bool setPayOrder(Transaction &tx, qint64 id, int expectedVersion, qint64 payOrderId,
                     qint64 now = 0);
    /// A failed delivery attempt: attempts + 1, its error, the next attempt's time (0: none),
    /// whether it got no signed answer (@p unsettled), and its ATTEMPT event; compare-and-set on
    /// the version and status.
    bool recordFailedAttempt(Transaction &tx, const Topup &topup, const QString &error,
                             qint64 nextAttemptAt, bool unsettled, qint64 now = 0);
    /// Records that a delivery attempt at @p at got no signed answer, whatever the top-up's state
    /// (an attempt that raced a change still counts for the refund's wait).
    void markUnsettled(Transaction &tx, qint64 id, qint64 at);
    /// Sets when the next step is due (compare-and-set on the version, which it bumps).
    bool setNextAttempt(Transaction &tx, const Topup &topup, qint64 nextAttemptAt, qint64 now = 0);
    /// Appends an event that is no transition (an attempt's outcome, an admin's note).
    void addEvent(Transaction &tx, qint64 topupId, const QString &kind, const QString &actor,
                  const QString &detail, qint64 now = 0);

    QList<TopupEvent> events(qint64 topupId) const;
    /// A user's top-ups, newest first.
    Page<Topup> listByUser(qint64 userId, const std::optional<PageCursor> &after, int limit) const;
    /// Newest first, filtered (the admin list).
    Page<Topup> list(const TopupFilter &filter, const std::optional<PageCursor> &after,
                     int limit) const;
    /// PENDING_PAYMENT top-ups whose expiresAt is at or before @p now, oldest expiry first.
    QList<Topup> expiredPending(qint64 now, int limit) const;
    /// Top-ups in PAID, DELIVERY_FAILED or REFUNDING whose next step was due at or before @p now.
    QList<Topup> due(qint64 now, int limit) const;

private:
    Database &m_db;
};

} // namespace pomelo
