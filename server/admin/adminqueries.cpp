#include "adminqueries.h"

#include "adminjson.h"
#include "adminredis.h"
#include "domain/statemachine.h"
#include "http/httptypes.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "storage/bookingrepository.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QDate>
#include <QDateTime>
#include <QTime>

namespace pomelo {

using namespace admin;

api::OrderDetail AdminQueries::orderDetail(const PayOrder &order) const
{
    const QTimeZone &zone = m_ctx.zone;
    api::OrderDetail out;
    out.order = toApi(order, zone);
    const QList<OrderEvent> timeline = OrderRepository(m_ctx.db).events(order.id);
    for (const OrderEvent &e : timeline) {
        out.events.append(toApi(e, zone));
        if (out.traceId.isEmpty())
            out.traceId = out.events.last().traceId;
    }

    const QList<Refund> refunds = RefundRepository(m_ctx.db).ofOrder(order.id);
    for (const Refund &f : refunds)
        out.refunds.append(toApi(f, zone));
    const QList<ChannelCallback> callbacks = CallbackRepository(m_ctx.db).ofOrder(order.id);
    for (const ChannelCallback &c : callbacks)
        out.callbacks.append(toApi(c, zone));

    NotificationRepository notifications(m_ctx.db);
    NotificationFilter nf;
    nf.orderId = order.id;
    const Page<MerchantNotification> page = notifications.list(nf, std::nullopt, 100);
    for (const MerchantNotification &n : page.items)
        out.notifications.append(toApi(n, notifications.attempts(n.id), zone));

    if (const std::optional<Booking> b = BookingRepository(m_ctx.db).findByPayOrder(order.id))
        out.booking = toApi(*b, zone);
    return out;
}

api::DashboardSummary AdminQueries::dashboard(bool infra) const
{
    api::DashboardSummary out;
    addTodaysOrders(out);
    if (!infra)
        return out;
    out.hasInfrastructure = true;
    addStreamSummary(out);
    out.queues = queueDepths();
    out.notifications = notificationCounts(NotificationRepository(m_ctx.db));
    out.paymentExceptions = paymentExceptionCounts(m_ctx.db);
    return out;
}

void AdminQueries::addTodaysOrders(api::DashboardSummary &summary) const
{
    const QTimeZone &zone = m_ctx.zone;
    const QDate today = QDateTime::currentDateTime().toTimeZone(zone).date();
    const qint64 from = QDateTime(today, QTime(0, 0), zone).toMSecsSinceEpoch();
    const qint64 before = QDateTime(today.addDays(1), QTime(0, 0), zone).toMSecsSinceEpoch();
    const OrderRepository orders(m_ctx.db);
    const QHash<OrderStatus, qint64> byStatus = orders.countByStatus(from, before);
    summary.date = today.toString(Qt::ISODate);
    summary.from = rfc3339(from, zone);
    for (const OrderStatus s : AllOrderStatuses) {
        summary.orders.insert(statusName(s), byStatus.value(s));
        summary.ordersTotal += byStatus.value(s);
    }
    // Money by when it moved: what the channels took today and what went back today.
    summary.paidAmount = orders.paidAmount(from, before);
    summary.refundedAmount = RefundRepository(m_ctx.db).refundedAmount(from, before);
    summary.netAmount = summary.paidAmount - summary.refundedAmount;
}

void AdminQueries::addStreamSummary(api::DashboardSummary &summary) const
{
    const QByteArray stream = m_ctx.keys.orderEventsStream();
    const api::StreamInfo info =
        api::StreamInfo::fromJson(streamInfoJson(m_ctx.redis, stream, false));
    summary.streamName = QString::fromUtf8(stream);
    summary.streamLength = info.length;
    // The worst group; unknown when Redis cannot tell (entries deleted past a group).
    summary.streamLag = info.maxLag();
    summary.streamPending = 0;
    for (const api::ConsumerGroup &g : info.groups)
        summary.streamPending += g.pending;
    summary.deadLetterLength = streamLength(m_ctx.redis, deadLetterStream(stream));
}

QHash<QString, api::QueueDepth> AdminQueries::queueDepths() const
{
    QHash<QString, api::QueueDepth> depths;
    const QList<QueueRef> all = queues(m_ctx.keys);
    for (const QueueRef &q : all) {
        DelayedQueue queue(m_ctx.redis, q.key);
        depths.insert(q.name, {queue.scheduledCount(), queue.processingCount()});
    }
    return depths;
}

} // namespace pomelo
