#include "topuprepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Connection;
using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, user_id, room_id, building, room, utility, amount, status, pay_order_id, channel, "
    "attempts, last_error, next_attempt_at, unsettled_at, balance_after, failure_reason, "
    "version, expires_at, paid_at, delivered_at, created_at, updated_at, traceparent, "
    "delivery_started_at "
    "FROM topups ");

Topup topupFrom(const Statement &st)
{
    Topup t;
    t.id = st.int64(0);
    t.userId = st.int64(1);
    t.roomId = st.text(2);
    t.building = st.text(3);
    t.room = st.text(4);
    t.utility = st.text(5);
    t.amount = st.int64(6);
    const auto status = topupStatusFromName(st.text(7));
    if (!status)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("unknown top-up status in the database: ") + st.text(7));
    t.status = *status;
    t.payOrderId = st.optionalInt64(8);
    t.channel = st.text(9);
    t.attempts = st.int32(10);
    t.lastError = st.text(11);
    t.nextAttemptAt = st.optionalInt64(12);
    t.unsettledAt = st.optionalInt64(13);
    t.balanceAfter = st.optionalInt64(14);
    t.failureReason = st.text(15);
    t.version = st.int32(16);
    t.expiresAt = st.int64(17);
    t.paidAt = st.optionalInt64(18);
    t.deliveredAt = st.optionalInt64(19);
    t.createdAt = st.int64(20);
    t.updatedAt = st.int64(21);
    t.traceparent = st.text(22);
    t.deliveryStartedAt = st.optionalInt64(23);
    return t;
}

QList<Topup> readTopups(Statement &st)
{
    QList<Topup> rows;
    while (st.next())
        rows.append(topupFrom(st));
    return rows;
}

std::optional<Topup> findOn(Connection &connection, const QString &sql, qint64 id)
{
    Statement st(connection, sql);
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return topupFrom(st);
}

/// 0 means "none" for the optional time columns a change clears.
QVariant timeOrNull(qint64 ms)
{
    return ms > 0 ? QVariant::fromValue(ms) : QVariant(QMetaType::fromType<qint64>());
}

void insertEvent(Transaction &tx, qint64 topupId, qint64 at, const QString &kind,
                 const QString &from, const QString &to, const QString &actor,
                 const QString &detail)
{
    Statement(tx,
              QStringLiteral("INSERT INTO topup_events (topup_id, at, kind, from_status, "
                             "to_status, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"))
        .bind(topupId)
        .bind(at)
        .bind(kind)
        .bindNullable(from)
        .bindNullable(to)
        .bind(actor)
        .bindNullable(detail)
        .exec();
}

const QString SelectBinding =
    QStringLiteral("SELECT user_id, room_id, building, room, bound_at FROM room_bindings ");

QList<RoomBinding> readBindings(Statement &st)
{
    QList<RoomBinding> rows;
    while (st.next())
        rows.append({st.int64(0), st.text(1), st.text(2), st.text(3), st.int64(4)});
    return rows;
}

} // namespace

void TopupRepository::bindRoom(Transaction &tx, const RoomBinding &b)
{
    Statement(tx,
              QStringLiteral("INSERT INTO room_bindings (user_id, room_id, building, room, "
                             "bound_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                             "SET room_id = excluded.room_id, building = excluded.building, "
                             "room = excluded.room, bound_at = excluded.bound_at"))
        .bind(b.userId)
        .bind(b.roomId)
        .bind(b.building)
        .bind(b.room)
        .bind(b.boundAt ? b.boundAt : nowMs())
        .exec();
}

bool TopupRepository::unbindRoom(Transaction &tx, qint64 userId)
{
    Statement st(tx, QStringLiteral("DELETE FROM room_bindings WHERE user_id = ?"));
    st.bind(userId).exec();
    return st.rowsAffected() == 1;
}

std::optional<RoomBinding> TopupRepository::boundRoom(qint64 userId) const
{
    Statement st(m_db.threadConnection(), SelectBinding + QStringLiteral("WHERE user_id = ?"));
    st.bind(userId).exec();
    const QList<RoomBinding> rows = readBindings(st);
    if (rows.isEmpty())
        return std::nullopt;
    return rows.first();
}

QList<RoomBinding> TopupRepository::studentsOfRoom(const QString &roomId) const
{
    Statement st(m_db.threadConnection(),
                 SelectBinding + QStringLiteral("WHERE room_id = ? ORDER BY bound_at, user_id"));
    st.bind(roomId).exec();
    return readBindings(st);
}

QStringList TopupRepository::boundRoomIds() const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT DISTINCT room_id FROM room_bindings ORDER BY room_id"));
    st.exec();
    QStringList rows;
    while (st.next())
        rows.append(st.text(0));
    return rows;
}

void TopupRepository::insert(Transaction &tx, const Topup &t, const QString &actor)
{
    const qint64 created = t.createdAt ? t.createdAt : nowMs();
    Statement(tx,
              QStringLiteral("INSERT INTO topups (id, user_id, room_id, building, room, utility, "
                             "amount, status, pay_order_id, version, expires_at, created_at, "
                             "updated_at, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                             "?, ?)"))
        .bind(t.id)
        .bind(t.userId)
        .bind(t.roomId)
        .bind(t.building)
        .bind(t.room)
        .bind(t.utility)
        .bind(t.amount)
        .bind(statusName(t.status))
        .bindOptional(t.payOrderId)
        .bind(t.version)
        .bind(t.expiresAt)
        .bind(created)
        .bind(t.updatedAt ? t.updatedAt : created)
        .bindNullable(t.traceparent)
        .exec();
    insertEvent(tx, t.id, created, QStringLiteral("TRANSITION"), QString(), statusName(t.status),
                actor, QStringLiteral("created"));
}

std::optional<Topup> TopupRepository::find(qint64 id) const
{
    return findOn(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"), id);
}

std::optional<Topup> TopupRepository::find(Transaction &tx, qint64 id, RowLock lock) const
{
    return findOn(tx.connection(),
                  Select + QStringLiteral("WHERE id = ?")
                      + storage_detail::lockClause(tx.dialect(), lock),
                  id);
}

std::optional<Topup> TopupRepository::findByPayOrder(qint64 payOrderId) const
{
    return findOn(m_db.threadConnection(), Select + QStringLiteral("WHERE pay_order_id = ?"),
                  payOrderId);
}

bool TopupRepository::transition(Transaction &tx, const Topup &t, TopupStatus to,
                                 const TopupChange &change, qint64 now)
{
    if (!isLegalTransition(t.status, to))
        throw Error(ErrorCode::Internal,
                    QStringLiteral("illegal top-up transition %1 -> %2")
                        .arg(statusName(t.status), statusName(to)));
    now = now ? now : nowMs();
    QString sql = QStringLiteral("UPDATE topups SET status = ?, version = version + 1, "
                                 "updated_at = ?");
    QVariantList values {statusName(to), QVariant::fromValue(now)};
    const auto set = [&](const char *column, const QVariant &value) {
        sql += QStringLiteral(", %1 = ?").arg(QLatin1String(column));
        values.append(value);
    };
    if (change.paidAt)
        set("paid_at", QVariant::fromValue(*change.paidAt));
    if (change.deliveryStartedAt)
        set("delivery_started_at", QVariant::fromValue(*change.deliveryStartedAt));
    if (change.deliveredAt)
        set("delivered_at", QVariant::fromValue(*change.deliveredAt));
    if (change.balanceAfter)
        set("balance_after", QVariant::fromValue(*change.balanceAfter));
    if (!change.channel.isEmpty())
        set("channel", change.channel);
    if (!change.failureReason.isEmpty())
        set("failure_reason", change.failureReason);
    if (change.nextAttemptAt)
        set("next_attempt_at", timeOrNull(*change.nextAttemptAt));
    Statement st(tx, sql + QStringLiteral(" WHERE id = ? AND version = ? AND status = ?"));
    for (const QVariant &v : std::as_const(values))
        st.bind(v);
    st.bind(t.id).bind(t.version).bind(statusName(t.status)).exec();
    if (st.rowsAffected() != 1)
        return false;
    insertEvent(tx, t.id, now, QStringLiteral("TRANSITION"), statusName(t.status), statusName(to),
                change.actor, change.detail);
    return true;
}

bool TopupRepository::setPayOrder(Transaction &tx, qint64 id, int expectedVersion,
                                  qint64 payOrderId, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE topups SET pay_order_id = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ? AND version = ?"));
    st.bind(payOrderId).bind(now ? now : nowMs()).bind(id).bind(expectedVersion).exec();
    return st.rowsAffected() == 1;
}

bool TopupRepository::recordFailedAttempt(Transaction &tx, const Topup &t, const QString &error,
                                          qint64 nextAttemptAt, bool unsettled, qint64 now)
{
    now = now ? now : nowMs();
    Statement st(tx,
                 QStringLiteral("UPDATE topups SET attempts = attempts + 1, last_error = ?, "
                                "next_attempt_at = ?, unsettled_at = CASE WHEN ? THEN ? ELSE "
                                "unsettled_at END, version = version + 1, updated_at = ? WHERE "
                                "id = ? AND version = ? AND status = ?"));
    st.bind(error)
        .bind(timeOrNull(nextAttemptAt))
        .bind(unsettled)
        .bind(now)
        .bind(now)
        .bind(t.id)
        .bind(t.version)
        .bind(statusName(t.status))
        .exec();
    if (st.rowsAffected() != 1)
        return false;
    insertEvent(tx, t.id, now, QStringLiteral("ATTEMPT"), QString(), QString(),
                QStringLiteral("system"), error);
    return true;
}

void TopupRepository::markUnsettled(Transaction &tx, qint64 id, qint64 at)
{
    Statement(tx,
              QStringLiteral("UPDATE topups SET unsettled_at = ? WHERE id = ? AND (unsettled_at IS "
                             "NULL OR unsettled_at < ?)"))
        .bind(at)
        .bind(id)
        .bind(at)
        .exec();
}

bool TopupRepository::setNextAttempt(Transaction &tx, const Topup &t, qint64 nextAttemptAt,
                                     qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE topups SET next_attempt_at = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ? AND version = ?"));
    st.bind(timeOrNull(nextAttemptAt)).bind(now ? now : nowMs()).bind(t.id).bind(t.version).exec();
    return st.rowsAffected() == 1;
}

void TopupRepository::addEvent(Transaction &tx, qint64 topupId, const QString &kind,
                               const QString &actor, const QString &detail, qint64 now)
{
    insertEvent(tx, topupId, now ? now : nowMs(), kind, QString(), QString(), actor, detail);
}

QList<TopupEvent> TopupRepository::events(qint64 topupId) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT id, topup_id, at, kind, from_status, to_status, actor, "
                                "detail FROM topup_events WHERE topup_id = ? ORDER BY id"));
    st.bind(topupId).exec();
    QList<TopupEvent> rows;
    while (st.next())
        rows.append({st.int64(0), st.int64(1), st.int64(2), st.text(3), st.text(4), st.text(5),
                     st.text(6), st.text(7)});
    return rows;
}

Page<Topup> TopupRepository::listByUser(qint64 userId, const std::optional<PageCursor> &after,
                                        int limit) const
{
    TopupFilter filter;
    filter.userId = userId;
    return list(filter, after, limit);
}

Page<Topup> TopupRepository::list(const TopupFilter &filter, const std::optional<PageCursor> &after,
                                  int limit) const
{
    KeysetList query(Select);
    if (filter.status)
        query.where(QStringLiteral("status = ?"), {statusName(*filter.status)});
    if (!filter.roomId.isEmpty())
        query.where(QStringLiteral("room_id = ?"), {filter.roomId});
    if (filter.userId)
        query.where(QStringLiteral("user_id = ?"), {QVariant::fromValue(*filter.userId)});
    if (filter.createdFrom)
        query.where(QStringLiteral("created_at >= ?"), {QVariant::fromValue(*filter.createdFrom)});
    if (filter.createdTo)
        query.where(QStringLiteral("created_at < ?"), {QVariant::fromValue(*filter.createdTo)});
    return query.page<Topup>(
        m_db.threadConnection(), after, limit, [](Statement &st) { return readTopups(st); },
        [](const Topup &t) {
            return PageCursor {t.createdAt, t.id};
        });
}

QList<Topup> TopupRepository::expiredPending(qint64 now, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE status = 'PENDING_PAYMENT' AND expires_at <= ? "
                                      "ORDER BY expires_at LIMIT ?"));
    st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readTopups(st);
}

QList<Topup> TopupRepository::due(qint64 now, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE status IN ('PAID', 'DELIVERY_FAILED', 'REFUNDING') "
                                      "AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"));
    st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readTopups(st);
}

} // namespace pomelo
