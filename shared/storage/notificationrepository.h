#pragma once

#include "database.h"
#include "pagination.h"

#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

enum class NotificationState { Pending, Delivered, Failed };

/// "PENDING", "DELIVERED", "FAILED".
QString notificationStateName(NotificationState state);
std::optional<NotificationState> notificationStateFromName(QStringView name);

/// A notification owed to a merchant: the order event it reports, where, and how far its
/// delivery got.
struct MerchantNotification
{
    qint64 id = 0;
    qint64 orderId = 0;
    QString appId;
    qint64 eventId = 0; ///< one notification per event
    QString orderStatus; ///< the status it reports (PAID, CLOSED, FAILED, REFUNDED, …)
    QString url;
    int attempts = 0; ///< attempts in the current round (re-sending starts a new round)
    qint64 nextAttemptAt = 0; ///< Unix ms
    NotificationState state = NotificationState::Pending;
    QString lastError;
    std::optional<int> lastHttpStatus;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on enqueue
    qint64 updatedAt = 0;
    std::optional<qint64> deliveredAt;
    /// The W3C traceparent of its order event (the request that committed it); filled by
    /// claimDue() only, empty when the event has none.
    QString traceparent;
};

/// One delivery attempt (history for the console).
struct NotificationAttempt
{
    qint64 id = 0;
    qint64 notificationId = 0;
    int attempt = 0; ///< 1-based within its round
    qint64 at = 0; ///< Unix ms when it started
    int durationMs = 0;
    std::optional<int> httpStatus; ///< none: no HTTP answer (timeout, refused)
    QString error;
    QString responseExcerpt; ///< the first bytes of the answer
};

/// What one attempt came to.
struct AttemptOutcome
{
    bool delivered = false;
    /// Not delivered: when to try again; none = give up (FAILED).
    std::optional<qint64> retryAt;
};

struct NotificationFilter
{
    std::optional<NotificationState> state;
    QString appId;
    std::optional<qint64> orderId;
};

class NotificationRepository
{
public:
    explicit NotificationRepository(Database &db)
        : m_db(db)
    { }

    /// Creates the notification of an event, due at n.nextAttemptAt (0 = now). false when the
    /// event has one already (idempotent). Sets n.id when created.
    bool enqueue(Transaction &tx, MerchantNotification &n);
    std::optional<MerchantNotification> find(qint64 id) const;

    /// Takes up to @p limit PENDING notifications that are due at @p now, for delivery: their
    /// next attempt moves to now + @p leaseMs in the same statement, so another worker (or
    /// instance: FOR UPDATE SKIP LOCKED on PostgreSQL) does not take them meanwhile; a worker
    /// that dies leaves them due again when the lease ends. Oldest due first. Each carries its
    /// order event's traceparent.
    QList<MerchantNotification> claimDue(qint64 now, int limit, qint64 leaseMs);
    /// The earliest next attempt of a PENDING notification (when to wake up), if any.
    std::optional<qint64> nextDueAt() const;

    /// Records @p attempt (its number is attempts + 1) and its outcome: DELIVERED, PENDING at
    /// retryAt, or FAILED. false when the notification is not PENDING (nothing written).
    bool recordAttempt(Transaction &tx, qint64 id, const NotificationAttempt &attempt,
                       const AttemptOutcome &outcome);
    /// Admin re-send: a FAILED (or PENDING) notification becomes PENDING, due at @p now, with a
    /// new round of attempts. false for a DELIVERED one unless @p evenIfDelivered.
    bool resend(Transaction &tx, qint64 id, qint64 now, bool evenIfDelivered = false);
    /// Re-sends every FAILED notification of an app; returns how many.
    int resendAllFailed(Transaction &tx, const QString &appId, qint64 now);

    /// Newest first, keyset pagination on (created_at, id).
    Page<MerchantNotification> list(const NotificationFilter &filter,
                                    const std::optional<PageCursor> &after, int limit) const;
    QList<NotificationAttempt> attempts(qint64 notificationId) const;
    QHash<NotificationState, qint64> countByState() const;
    /// How many are in @p state (an indexed count, for the metrics collector).
    qint64 countInState(NotificationState state) const;

private:
    Database &m_db;
};

} // namespace pomelo
