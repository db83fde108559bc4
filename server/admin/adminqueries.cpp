#include "adminqueries.h"

#include "adminjson.h"
#include "adminredis.h"
#include "domain/statemachine.h"
#include "http/httptypes.h"
#include "paymentexceptionroutes.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "storage/bookingrepository.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QTime>

namespace pomelo {

using namespace admin;

QJsonObject AdminQueries::orderDetail(const PayOrder &order) const
{
    const QTimeZone &zone = m_ctx.zone;
    QJsonObject out {{QStringLiteral("order"), adminOrderJson(order, zone)}};
    QJsonArray events;
    QString traceId;
    const QList<OrderEvent> timeline = OrderRepository(m_ctx.db).events(order.id);
    for (const OrderEvent &e : timeline) {
        if (traceId.isEmpty())
            traceId = traceIdOf(e.traceparent);
        events.append(orderEventJson(e, zone));
    }
    out.insert(QStringLiteral("events"), events);
    out.insert(QStringLiteral("traceId"), traceId);

    QJsonArray refunds;
    const QList<Refund> refundList = RefundRepository(m_ctx.db).ofOrder(order.id);
    for (const Refund &f : refundList)
        refunds.append(refundJson(f, zone));
    out.insert(QStringLiteral("refunds"), refunds);

    QJsonArray callbacks;
    const QList<ChannelCallback> callbackList = CallbackRepository(m_ctx.db).ofOrder(order.id);
    for (const ChannelCallback &c : callbackList)
        callbacks.append(callbackJson(c, zone));
    out.insert(QStringLiteral("callbacks"), callbacks);

    NotificationRepository notifications(m_ctx.db);
    NotificationFilter nf;
    nf.orderId = order.id;
    QJsonArray notes;
    const Page<MerchantNotification> page = notifications.list(nf, std::nullopt, 100);
    for (const MerchantNotification &n : page.items)
        notes.append(notificationJson(n, notifications.attempts(n.id), zone));
    out.insert(QStringLiteral("notifications"), notes);

    if (const std::optional<Booking> b = BookingRepository(m_ctx.db).findByPayOrder(order.id))
        out.insert(QStringLiteral("booking"), bookingJson(*b, zone));
    return out;
}

QJsonObject AdminQueries::dashboard(bool infra) const
{
    QJsonObject out = todaysOrders();
    if (!infra)
        return out;
    out.insert(QStringLiteral("stream"), streamSummary());
    out.insert(QStringLiteral("queues"), queueDepths());
    out.insert(QStringLiteral("notifications"),
               notificationCountsJson(NotificationRepository(m_ctx.db)));
    out.insert(QStringLiteral("paymentExceptions"), paymentExceptionCountsJson(m_ctx.db));
    return out;
}

QJsonObject AdminQueries::todaysOrders() const
{
    const QTimeZone &zone = m_ctx.zone;
    const QDate today = QDateTime::currentDateTime().toTimeZone(zone).date();
    const qint64 from = QDateTime(today, QTime(0, 0), zone).toMSecsSinceEpoch();
    const qint64 before = QDateTime(today.addDays(1), QTime(0, 0), zone).toMSecsSinceEpoch();
    const OrderRepository orders(m_ctx.db);
    const QHash<OrderStatus, qint64> byStatus = orders.countByStatus(from, before);
    QJsonObject counts;
    qint64 total = 0;
    for (const OrderStatus s : AllOrderStatuses) {
        counts.insert(statusName(s), byStatus.value(s));
        total += byStatus.value(s);
    }
    return {{QStringLiteral("date"), today.toString(Qt::ISODate)},
            {QStringLiteral("from"), rfc3339(from, zone)},
            {QStringLiteral("orders"), counts},
            {QStringLiteral("ordersTotal"), total},
            {QStringLiteral("paidAmount"), orders.paidAmount(from, before)}};
}

QJsonObject AdminQueries::streamSummary() const
{
    const QByteArray stream = m_ctx.keys.orderEventsStream();
    const QJsonObject info = streamInfoJson(m_ctx.redis, stream, false);
    // The worst group; null when Redis cannot tell (entries deleted past a group).
    QJsonValue lag = 0;
    qint64 pending = 0;
    const QJsonArray groups = info.value(QStringLiteral("groups")).toArray();
    for (const QJsonValue &g : groups) {
        pending += g[QStringLiteral("pending")].toInteger();
        const QJsonValue l = g[QStringLiteral("lag")];
        if (!l.isDouble())
            lag = QJsonValue::Null;
        else if (!lag.isNull())
            lag = std::max(lag.toInteger(), l.toInteger());
    }
    return {
        {QStringLiteral("stream"), QString::fromUtf8(stream)},
        {QStringLiteral("length"), info[QStringLiteral("length")]},
        {QStringLiteral("lag"), lag},
        {QStringLiteral("pending"), pending},
        {QStringLiteral("deadLetterLength"), streamLength(m_ctx.redis, deadLetterStream(stream))}};
}

QJsonObject AdminQueries::queueDepths() const
{
    QJsonObject depths;
    const QList<QueueRef> all = queues(m_ctx.keys);
    for (const QueueRef &q : all) {
        DelayedQueue queue(m_ctx.redis, q.key);
        depths.insert(q.name, queueDepthJson(queue));
    }
    return depths;
}

} // namespace pomelo
