#include "notificationrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, order_id, app_id, event_id, order_status, url, attempts, next_attempt_at, state, "
    "last_error, last_http_status, created_at, updated_at, delivered_at FROM "
    "merchant_notifications ");

NotificationState stateFrom(const QString &name)
{
    const auto state = notificationStateFromName(name);
    if (!state)
        throw Error(ErrorCode::Internal, QStringLiteral("unknown notification state: ") + name);
    return *state;
}

MerchantNotification notificationFrom(const Statement &st)
{
    MerchantNotification n;
    n.id = st.int64(0);
    n.orderId = st.int64(1);
    n.appId = st.text(2);
    n.eventId = st.int64(3);
    n.orderStatus = st.text(4);
    n.url = st.text(5);
    n.attempts = st.int32(6);
    n.nextAttemptAt = st.int64(7);
    n.state = stateFrom(st.text(8));
    n.lastError = st.text(9);
    n.lastHttpStatus = st.optionalInt32(10);
    n.createdAt = st.int64(11);
    n.updatedAt = st.int64(12);
    n.deliveredAt = st.optionalInt64(13);
    return n;
}

QList<MerchantNotification> readNotifications(Statement &st)
{
    QList<MerchantNotification> rows;
    while (st.next())
        rows.append(notificationFrom(st));
    return rows;
}

// The traceparent of each notification's order event: the delivery continues that trace. A
// second read rather than a join, so that FOR UPDATE locks notification rows only.
void readTraceparents(Transaction &tx, QList<MerchantNotification> &due)
{
    const int size = storage_detail::bucketSize(int(due.size()));
    Statement st(tx,
                 QStringLiteral("SELECT id, traceparent FROM order_events WHERE id IN (")
                     + storage_detail::placeholders(size) + u')');
    for (int i = 0; i < size; ++i)
        st.bind(due.at(std::min<qsizetype>(i, due.size() - 1)).eventId);
    st.exec();
    QHash<qint64, QString> traceparents;
    while (st.next())
        traceparents.insert(st.int64(0), st.text(1));
    for (MerchantNotification &n : due)
        n.traceparent = traceparents.value(n.eventId);
}

} // namespace

QString notificationStateName(NotificationState state)
{
    switch (state) {
    case NotificationState::Pending:
        return QStringLiteral("PENDING");
    case NotificationState::Delivered:
        return QStringLiteral("DELIVERED");
    case NotificationState::Failed:
        return QStringLiteral("FAILED");
    }
    return {};
}

std::optional<NotificationState> notificationStateFromName(QStringView name)
{
    for (const auto state :
         {NotificationState::Pending, NotificationState::Delivered, NotificationState::Failed}) {
        if (name == notificationStateName(state))
            return state;
    }
    return std::nullopt;
}

bool NotificationRepository::enqueue(Transaction &tx, MerchantNotification &n)
{
    const qint64 created = n.createdAt ? n.createdAt : nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO merchant_notifications (order_id, app_id, "
                                "event_id, order_status, url, attempts, next_attempt_at, "
                                "state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, "
                                "'PENDING', ?, ?) ON CONFLICT (event_id) DO NOTHING "
                                "RETURNING id"));
    st.bind(n.orderId)
        .bind(n.appId)
        .bind(n.eventId)
        .bind(n.orderStatus)
        .bind(n.url)
        .bind(n.nextAttemptAt ? n.nextAttemptAt : created)
        .bind(created)
        .bind(created)
        .exec();
    if (!st.next())
        return false;
    n.id = st.int64(0);
    n.createdAt = n.updatedAt = created;
    n.state = NotificationState::Pending;
    n.attempts = 0;
    if (!n.nextAttemptAt)
        n.nextAttemptAt = created;
    return true;
}

std::optional<MerchantNotification> NotificationRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return notificationFrom(st);
}

QList<MerchantNotification> NotificationRepository::claimDue(qint64 now, int limit, qint64 leaseMs)
{
    return m_db.transact([&](Transaction &tx) {
        QString sql = Select
            + QStringLiteral("WHERE state = 'PENDING' AND next_attempt_at <= ? "
                             "ORDER BY next_attempt_at, id LIMIT ?");
        if (tx.dialect() == Dialect::Postgres)
            sql += QStringLiteral(" FOR UPDATE SKIP LOCKED");
        Statement st(tx, sql);
        st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
        QList<MerchantNotification> due = readNotifications(st);
        if (due.isEmpty())
            return due;
        const int size = storage_detail::bucketSize(int(due.size()));
        Statement lease(tx,
                        QStringLiteral("UPDATE merchant_notifications SET next_attempt_at = ? "
                                       "WHERE id IN (")
                            + storage_detail::placeholders(size) + u')');
        lease.bind(now + leaseMs);
        for (int i = 0; i < size; ++i)
            lease.bind(due.at(std::min<qsizetype>(i, due.size() - 1)).id);
        lease.exec();
        for (MerchantNotification &n : due)
            n.nextAttemptAt = now + leaseMs;
        readTraceparents(tx, due);
        return due;
    });
}

std::optional<qint64> NotificationRepository::nextDueAt() const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT MIN(next_attempt_at) FROM merchant_notifications WHERE "
                                "state = 'PENDING'"));
    st.exec();
    if (!st.next() || st.isNull(0))
        return std::nullopt;
    return st.int64(0);
}

bool NotificationRepository::recordAttempt(Transaction &tx, qint64 id, const NotificationAttempt &a,
                                           const AttemptOutcome &outcome)
{
    const qint64 at = a.at ? a.at : nowMs();
    const NotificationState state = outcome.delivered ? NotificationState::Delivered
        : outcome.retryAt                             ? NotificationState::Pending
                                                      : NotificationState::Failed;
    Statement update(tx,
                     QStringLiteral("UPDATE merchant_notifications SET attempts = attempts + 1, "
                                    "state = ?, next_attempt_at = COALESCE(?, "
                                    "next_attempt_at), last_error = ?, last_http_status = ?, "
                                    "updated_at = ?, delivered_at = ? WHERE id = ? AND state = "
                                    "'PENDING' RETURNING attempts"));
    update.bind(notificationStateName(state))
        .bindOptional(outcome.delivered ? std::nullopt : outcome.retryAt)
        .bindNullable(outcome.delivered ? QString() : a.error)
        .bindOptional(a.httpStatus)
        .bind(at)
        .bindOptional(outcome.delivered ? std::optional<qint64>(at) : std::nullopt)
        .bind(id)
        .exec();
    if (!update.next())
        return false;
    const int number = update.int32(0);
    Statement(tx,
              QStringLiteral("INSERT INTO notification_attempts (notification_id, attempt, at, "
                             "duration_ms, http_status, error, response_excerpt) VALUES (?, ?, "
                             "?, ?, ?, ?, ?)"))
        .bind(id)
        .bind(number)
        .bind(at)
        .bind(a.durationMs)
        .bindOptional(a.httpStatus)
        .bindNullable(a.error)
        .bindNullable(a.responseExcerpt.left(512))
        .exec();
    return true;
}

bool NotificationRepository::resend(Transaction &tx, qint64 id, qint64 now, bool evenIfDelivered)
{
    Statement st(tx,
                 QStringLiteral("UPDATE merchant_notifications SET state = 'PENDING', "
                                "attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ?")
                     + (evenIfDelivered ? QString() : QStringLiteral(" AND state <> 'DELIVERED'")));
    st.bind(now).bind(now).bind(id).exec();
    return st.rowsAffected() == 1;
}

int NotificationRepository::resendAllFailed(Transaction &tx, const QString &appId, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE merchant_notifications SET state = 'PENDING', "
                                "attempts = 0, next_attempt_at = ?, updated_at = ? WHERE "
                                "app_id = ? AND state = 'FAILED'"));
    st.bind(now).bind(now).bind(appId).exec();
    return st.rowsAffected();
}

Page<MerchantNotification> NotificationRepository::list(const NotificationFilter &filter,
                                                        const std::optional<PageCursor> &after,
                                                        int limit) const
{
    KeysetList query(Select);
    if (filter.state)
        query.where(QStringLiteral("state = ?"), {notificationStateName(*filter.state)});
    if (!filter.appId.isEmpty())
        query.where(QStringLiteral("app_id = ?"), {filter.appId});
    if (filter.orderId)
        query.where(QStringLiteral("order_id = ?"), {QVariant::fromValue(*filter.orderId)});
    return query.page<MerchantNotification>(
        m_db.threadConnection(), after, limit, [](Statement &st) { return readNotifications(st); },
        [](const MerchantNotification &n) {
            return PageCursor {n.createdAt, n.id};
        });
}

QList<NotificationAttempt> NotificationRepository::attempts(qint64 notificationId) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT id, notification_id, attempt, at, duration_ms, "
                                "http_status, error, response_excerpt FROM notification_attempts "
                                "WHERE notification_id = ? ORDER BY id"));
    st.bind(notificationId).exec();
    QList<NotificationAttempt> rows;
    while (st.next()) {
        NotificationAttempt a;
        a.id = st.int64(0);
        a.notificationId = st.int64(1);
        a.attempt = st.int32(2);
        a.at = st.int64(3);
        a.durationMs = st.int32(4);
        a.httpStatus = st.optionalInt32(5);
        a.error = st.text(6);
        a.responseExcerpt = st.text(7);
        rows.append(a);
    }
    return rows;
}

QHash<NotificationState, qint64> NotificationRepository::countByState() const
{
    Statement st(
        m_db.threadConnection(),
        QStringLiteral("SELECT state, COUNT(*) FROM merchant_notifications GROUP BY state"));
    st.exec();
    QHash<NotificationState, qint64> counts;
    while (st.next())
        counts.insert(stateFrom(st.text(0)), st.int64(1));
    return counts;
}

qint64 NotificationRepository::countInState(NotificationState state) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT COUNT(*) FROM merchant_notifications WHERE state = ?"));
    st.bind(notificationStateName(state)).exec();
    return st.next() ? st.int64(0) : 0;
}

} // namespace pomelo
