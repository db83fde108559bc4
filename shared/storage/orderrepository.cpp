#include "orderrepository.h"

#include "domain/snowflake.h"
#include "orderevent_p.h"
#include "sql_p.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace pomelo {

using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Columns = QStringLiteral(
    "id, app_id, out_trade_no, amount, refunded_amount, subject, open_id, student_id, notify_url, "
    "channel, channel_trade_no, prepay_id, status, version, needs_refund, expires_at, paid_at, "
    "closed_at, created_at, updated_at");
const QString Select = QStringLiteral("SELECT ") + Columns + QStringLiteral(" FROM pay_orders ");

OrderStatus statusFrom(const QString &name)
{
    const auto status = orderStatusFromName(name);
    if (!status)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("unknown order status in the database: ") + name);
    return *status;
}

PayOrder orderFrom(const Statement &st)
{
    PayOrder o;
    o.id = st.int64(0);
    o.appId = st.text(1);
    o.outTradeNo = st.text(2);
    o.amount = st.int64(3);
    o.refundedAmount = st.int64(4);
    o.subject = st.text(5);
    o.openId = st.text(6);
    o.studentId = st.text(7);
    o.notifyUrl = st.text(8);
    o.channel = st.text(9);
    o.channelTradeNo = st.text(10);
    o.prepayId = st.text(11);
    o.status = statusFrom(st.text(12));
    o.version = st.int32(13);
    o.needsRefund = st.boolean(14);
    o.expiresAt = st.int64(15);
    o.paidAt = st.optionalInt64(16);
    o.closedAt = st.optionalInt64(17);
    o.createdAt = st.int64(18);
    o.updatedAt = st.int64(19);
    return o;
}

QList<PayOrder> readOrders(Statement &st)
{
    QList<PayOrder> rows;
    while (st.next())
        rows.append(orderFrom(st));
    return rows;
}

std::optional<PayOrder> findOne(storage_detail::Connection &connection, const QString &sql,
                                const QVariantList &values)
{
    Statement st(connection, sql);
    for (const QVariant &v : values)
        st.bind(v);
    st.exec();
    if (!st.next())
        return std::nullopt;
    return orderFrom(st);
}

// " , channel = ?" … for the set members of @p c, in a fixed order; binds them to @p st later.
QString setClause(const OrderChanges &c)
{
    QString s;
    if (c.channel)
        s += QStringLiteral(", channel = ?");
    if (c.channelTradeNo)
        s += QStringLiteral(", channel_trade_no = ?");
    if (c.prepayId)
        s += QStringLiteral(", prepay_id = ?");
    if (c.paidAt)
        s += QStringLiteral(", paid_at = ?");
    if (c.closedAt)
        s += QStringLiteral(", closed_at = ?");
    if (c.refundedAmount)
        s += QStringLiteral(", refunded_amount = ?");
    if (c.expiresAt)
        s += QStringLiteral(", expires_at = ?");
    if (c.needsRefund)
        s += QStringLiteral(", needs_refund = ?");
    return s;
}

void bindChanges(Statement &st, const OrderChanges &c)
{
    if (c.channel)
        st.bindNullable(*c.channel);
    if (c.channelTradeNo)
        st.bindNullable(*c.channelTradeNo);
    if (c.prepayId)
        st.bindNullable(*c.prepayId);
    if (c.paidAt)
        st.bind(*c.paidAt);
    if (c.closedAt)
        st.bind(*c.closedAt);
    if (c.refundedAmount)
        st.bind(*c.refundedAmount);
    if (c.expiresAt)
        st.bind(*c.expiresAt);
    if (c.needsRefund)
        st.bind(*c.needsRefund);
}

qint64 appendEvent(Transaction &tx, qint64 orderId, const QString &appId,
                   std::optional<OrderStatus> prev, OrderStatus next, const QByteArray &payload,
                   const QString &traceparent, qint64 at)
{
    Statement st(tx,
                 QStringLiteral("INSERT INTO order_events (order_id, app_id, prev_status, "
                                "new_status, payload, traceparent, created_at) VALUES (?, ?, "
                                "?, ?, ?, ?, ?) RETURNING id"));
    st.bind(orderId)
        .bind(appId)
        .bindNullable(prev ? statusName(*prev) : QString())
        .bind(statusName(next))
        .bind(QString::fromUtf8(payload))
        .bindNullable(traceparent)
        .bind(at)
        .exec();
    if (!st.next())
        throw Error(ErrorCode::Internal, QStringLiteral("order event insert returned no id"));
    tx.noteOutboxAppend();
    return st.int64(0);
}

QByteArray defaultPayload(const PayOrder &o, std::optional<OrderStatus> prev)
{
    QJsonObject json {
        {QStringLiteral("orderId"), snowflakeToString(o.id)},
        {QStringLiteral("appId"), o.appId},
        {QStringLiteral("outTradeNo"), o.outTradeNo},
        {QStringLiteral("amount"), o.amount},
        {QStringLiteral("refundedAmount"), o.refundedAmount},
        {QStringLiteral("subject"), o.subject},
        {QStringLiteral("status"), statusName(o.status)},
        {QStringLiteral("version"), o.version},
        {QStringLiteral("updatedAt"), o.updatedAt},
    };
    if (prev)
        json.insert(QStringLiteral("prevStatus"), statusName(*prev));
    if (!o.channel.isEmpty())
        json.insert(QStringLiteral("channel"), o.channel);
    if (!o.channelTradeNo.isEmpty())
        json.insert(QStringLiteral("channelTradeNo"), o.channelTradeNo);
    if (o.paidAt)
        json.insert(QStringLiteral("paidAt"), *o.paidAt);
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

} // namespace

namespace storage_detail {

const QString OrderEventColumns = QStringLiteral(
    "e.id, e.order_id, e.app_id, e.prev_status, e.new_status, e.payload, e.traceparent, "
    "e.created_at, e.published_at, o.out_trade_no, o.amount");

OrderEvent orderEventFrom(const Statement &st)
{
    OrderEvent e;
    e.id = st.int64(0);
    e.orderId = st.int64(1);
    e.appId = st.text(2);
    if (!st.isNull(3))
        e.prevStatus = statusFrom(st.text(3));
    e.newStatus = statusFrom(st.text(4));
    e.payload = st.text(5).toUtf8();
    e.traceparent = st.text(6);
    e.createdAt = st.int64(7);
    e.publishedAt = st.optionalInt64(8);
    e.outTradeNo = st.text(9);
    e.amount = st.int64(10);
    return e;
}

} // namespace storage_detail

std::optional<qint64> OrderRepository::insert(Transaction &tx, const PayOrder &order,
                                              const QByteArray &eventPayload,
                                              const QString &traceparent)
{
    PayOrder o = order;
    if (!o.createdAt)
        o.createdAt = nowMs();
    if (!o.updatedAt)
        o.updatedAt = o.createdAt;
    Statement st(
        tx,
        QStringLiteral("INSERT INTO pay_orders (id, app_id, out_trade_no, amount, "
                       "refunded_amount, subject, open_id, student_id, notify_url, channel, "
                       "channel_trade_no, prepay_id, status, version, needs_refund, expires_at, "
                       "paid_at, closed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (app_id, out_trade_no) DO NOTHING"));
    st.bind(o.id)
        .bind(o.appId)
        .bind(o.outTradeNo)
        .bind(o.amount)
        .bind(o.refundedAmount)
        .bind(o.subject)
        .bind(o.openId)
        .bindNullable(o.studentId)
        .bind(o.notifyUrl)
        .bindNullable(o.channel)
        .bindNullable(o.channelTradeNo)
        .bindNullable(o.prepayId)
        .bind(statusName(o.status))
        .bind(o.version)
        .bind(o.needsRefund)
        .bind(o.expiresAt)
        .bindOptional(o.paidAt)
        .bindOptional(o.closedAt)
        .bind(o.createdAt)
        .bind(o.updatedAt)
        .exec();
    if (st.rowsAffected() != 1)
        return std::nullopt;
    return appendEvent(tx, o.id, o.appId, std::nullopt, o.status,
                       eventPayload.isEmpty() ? defaultPayload(o, std::nullopt) : eventPayload,
                       traceparent, o.createdAt);
}

std::optional<PayOrder> OrderRepository::find(qint64 id) const
{
    return findOne(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"), {id});
}

std::optional<PayOrder> OrderRepository::find(Transaction &tx, qint64 id, RowLock lock) const
{
    return findOne(tx.connection(),
                   Select + QStringLiteral("WHERE id = ?")
                       + storage_detail::lockClause(tx.dialect(), lock),
                   {id});
}

std::optional<PayOrder> OrderRepository::findByOutTradeNo(const QString &appId,
                                                          const QString &outTradeNo) const
{
    return findOne(m_db.threadConnection(),
                   Select + QStringLiteral("WHERE app_id = ? AND out_trade_no = ?"),
                   {appId, outTradeNo});
}

std::optional<PayOrder> OrderRepository::findByChannelTradeNo(const QString &channelTradeNo) const
{
    return findOne(m_db.threadConnection(),
                   Select + QStringLiteral("WHERE channel_trade_no = ? ORDER BY id LIMIT 1"),
                   {channelTradeNo});
}

std::optional<TransitionResult> OrderRepository::transition(Transaction &tx,
                                                            const OrderTransition &t)
{
    if (!isLegalTransition(t.from, t.to))
        throw Error(ErrorCode::Internal,
                    QStringLiteral("illegal order transition %1 -> %2")
                        .arg(statusName(t.from), statusName(t.to)));
    const qint64 at = t.at ? t.at : nowMs();
    // RETURNING the row after the change: the event is built from what was committed, and the
    // UPDATE's row lock (PostgreSQL) orders this event after every earlier one of the order.
    Statement st(tx,
                 QStringLiteral("UPDATE pay_orders SET status = ?, version = version + 1, "
                                "updated_at = ?")
                     + setClause(t.changes)
                     + QStringLiteral(" WHERE id = ? AND version = ? AND status = ? RETURNING ")
                     + Columns);
    st.bind(statusName(t.to)).bind(at);
    bindChanges(st, t.changes);
    st.bind(t.orderId).bind(t.expectedVersion).bind(statusName(t.from)).exec();
    if (!st.next())
        return std::nullopt;
    const PayOrder after = orderFrom(st);
    const qint64 eventId =
        appendEvent(tx, t.orderId, after.appId, t.from, t.to,
                    t.eventPayload.isEmpty() ? defaultPayload(after, t.from) : t.eventPayload,
                    t.traceparent, at);
    return TransitionResult {eventId, after.version};
}

std::optional<int> OrderRepository::update(Transaction &tx, qint64 id, int expectedVersion,
                                           const OrderChanges &changes, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE pay_orders SET version = version + 1, updated_at = ?")
                     + setClause(changes)
                     + QStringLiteral(" WHERE id = ? AND version = ? RETURNING version"));
    st.bind(now ? now : nowMs());
    bindChanges(st, changes);
    st.bind(id).bind(expectedVersion).exec();
    if (!st.next())
        return std::nullopt;
    return st.int32(0);
}

Page<PayOrder> OrderRepository::list(const OrderFilter &filter,
                                     const std::optional<PageCursor> &after, int limit) const
{
    KeysetList query(Select);
    if (filter.status)
        query.where(QStringLiteral("status = ?"), {statusName(*filter.status)});
    if (!filter.appId.isEmpty())
        query.where(QStringLiteral("app_id = ?"), {filter.appId});
    if (!filter.channel.isEmpty())
        query.where(QStringLiteral("channel = ?"), {filter.channel});
    if (filter.createdFrom)
        query.where(QStringLiteral("created_at >= ?"), {QVariant::fromValue(*filter.createdFrom)});
    if (filter.createdBefore)
        query.where(QStringLiteral("created_at < ?"), {QVariant::fromValue(*filter.createdBefore)});
    const QString search = filter.search.trimmed();
    if (!search.isEmpty()) {
        QString escaped = search;
        escaped.replace(u'!', QLatin1String("!!"));
        escaped.replace(u'%', QLatin1String("!%"));
        escaped.replace(u'_', QLatin1String("!_"));
        const QString prefix = escaped + u'%';
        const QString substring = u'%' + escaped + u'%';
        // The subject is folded by the database's own LOWER() on both sides, so the two sides
        // always agree (SQLite folds ASCII only, PostgreSQL every letter).
        const QString subject = QStringLiteral("LOWER(subject) LIKE LOWER(?) ESCAPE '!'");
        if (const auto id = snowflakeFromString(search))
            query.where(QStringLiteral("(id = ? OR out_trade_no LIKE ? ESCAPE '!' OR ") + subject
                            + u')',
                        {QVariant::fromValue(*id), prefix, substring});
        else
            query.where(QStringLiteral("(out_trade_no LIKE ? ESCAPE '!' OR ") + subject + u')',
                        {prefix, substring});
    }
    return query.page<PayOrder>(
        m_db.threadConnection(), after, limit, [](Statement &st) { return readOrders(st); },
        [](const PayOrder &o) {
            return PageCursor {o.createdAt, o.id};
        });
}

QList<OrderEvent> OrderRepository::events(qint64 orderId) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + storage_detail::OrderEventColumns
                     + QStringLiteral(" FROM order_events e JOIN pay_orders o ON o.id = e.order_id "
                                      "WHERE e.order_id = ? ORDER BY e.id"));
    st.bind(orderId).exec();
    QList<OrderEvent> rows;
    while (st.next())
        rows.append(storage_detail::orderEventFrom(st));
    return rows;
}

QString OrderRepository::latestTraceparent(qint64 orderId) const
{
    // order_events_order (order_id, id) answers this from the index.
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT traceparent FROM order_events WHERE order_id = ? "
                                "ORDER BY id DESC LIMIT 1"));
    st.bind(orderId).exec();
    return st.next() ? st.text(0) : QString();
}

QList<PayOrder> OrderRepository::expiredOpen(qint64 now, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE status IN ('INIT', 'PAYING') AND expires_at <= ? "
                                      "ORDER BY expires_at LIMIT ?"));
    st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readOrders(st);
}

QList<PayOrder> OrderRepository::needingRefund(int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE needs_refund ORDER BY updated_at LIMIT ?"));
    st.bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readOrders(st);
}

QHash<OrderStatus, qint64> OrderRepository::countByStatus(qint64 createdFrom,
                                                          qint64 createdBefore) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT status, COUNT(*) FROM pay_orders WHERE created_at >= ? "
                                "AND created_at < ? GROUP BY status"));
    st.bind(createdFrom).bind(createdBefore).exec();
    QHash<OrderStatus, qint64> counts;
    while (st.next())
        counts.insert(statusFrom(st.text(0)), st.int64(1));
    return counts;
}

qint64 OrderRepository::paidAmount(qint64 from, qint64 before) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM pay_orders "
                                "WHERE paid_at >= ? AND paid_at < ?"));
    st.bind(from).bind(before).exec();
    return st.next() ? st.int64(0) : 0;
}

} // namespace pomelo
