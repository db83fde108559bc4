#include "adminjson.h"

#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "http/httptypes.h"
#include "pay/payservice.h"
#include "storage/auditrepository.h"
#include "storage/bookingrepository.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pomelo::admin {

namespace {

QJsonObject attemptJson(const NotificationAttempt &a, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("attempt"), a.attempt},
                   {QStringLiteral("at"), rfc3339(a.at, zone)},
                   {QStringLiteral("durationMs"), a.durationMs},
                   {QStringLiteral("error"), a.error},
                   {QStringLiteral("responseExcerpt"), a.responseExcerpt}};
    if (a.httpStatus)
        j.insert(QStringLiteral("httpStatus"), *a.httpStatus);
    return j;
}

} // namespace

QJsonValue jsonOrText(const QByteArray &bytes)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error == QJsonParseError::NoError && doc.isObject())
        return doc.object();
    if (error.error == QJsonParseError::NoError && doc.isArray())
        return doc.array();
    return QString::fromUtf8(bytes);
}

QString traceIdOf(const QString &traceparent)
{
    return traceparent.section(u'-', 1, 1);
}

QJsonObject adminOrderJson(const PayOrder &o, const QTimeZone &zone)
{
    QJsonObject j = orderJson(o, zone);
    j.insert(QStringLiteral("openId"), o.openId);
    if (!o.studentId.isEmpty())
        j.insert(QStringLiteral("studentId"), o.studentId);
    j.insert(QStringLiteral("notifyUrl"), o.notifyUrl);
    j.insert(QStringLiteral("version"), o.version);
    j.insert(QStringLiteral("refundedAmount"), o.refundedAmount);
    return j;
}

QJsonObject orderEventJson(const OrderEvent &e, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("id"), QString::number(e.id)},
                   {QStringLiteral("status"), statusName(e.newStatus)},
                   {QStringLiteral("at"), rfc3339(e.createdAt, zone)},
                   {QStringLiteral("traceId"), traceIdOf(e.traceparent)},
                   {QStringLiteral("payload"), jsonOrText(e.payload)}};
    if (e.prevStatus)
        j.insert(QStringLiteral("prevStatus"), statusName(*e.prevStatus));
    if (e.publishedAt)
        j.insert(QStringLiteral("publishedAt"), rfc3339(*e.publishedAt, zone));
    return j;
}

QJsonObject callbackJson(const ChannelCallback &c, const QTimeZone &zone)
{
    return {{QStringLiteral("id"), QString::number(c.id)},
            {QStringLiteral("channel"), c.channel},
            {QStringLiteral("notifyId"), c.notifyId},
            {QStringLiteral("eventType"), c.eventType},
            {QStringLiteral("outcome"), c.outcome},
            {QStringLiteral("receivedAt"), rfc3339(c.receivedAt, zone)},
            {QStringLiteral("payload"), jsonOrText(c.payload)}};
}

QJsonObject notificationJson(const MerchantNotification &n,
                             const QList<NotificationAttempt> &history, const QTimeZone &zone)
{
    QJsonArray attempts;
    for (const NotificationAttempt &a : history)
        attempts.append(attemptJson(a, zone));
    QJsonObject j {{QStringLiteral("id"), QString::number(n.id)},
                   {QStringLiteral("orderId"), snowflakeToString(n.orderId)},
                   {QStringLiteral("appId"), n.appId},
                   {QStringLiteral("eventId"), QString::number(n.eventId)},
                   {QStringLiteral("orderStatus"), n.orderStatus},
                   {QStringLiteral("url"), n.url},
                   {QStringLiteral("state"), notificationStateName(n.state)},
                   {QStringLiteral("attempts"), n.attempts},
                   {QStringLiteral("lastError"), n.lastError},
                   {QStringLiteral("createdAt"), rfc3339(n.createdAt, zone)},
                   {QStringLiteral("updatedAt"), rfc3339(n.updatedAt, zone)},
                   {QStringLiteral("history"), attempts}};
    if (n.state == NotificationState::Pending)
        j.insert(QStringLiteral("nextAttemptAt"), rfc3339(n.nextAttemptAt, zone));
    if (n.lastHttpStatus)
        j.insert(QStringLiteral("lastHttpStatus"), *n.lastHttpStatus);
    if (n.deliveredAt)
        j.insert(QStringLiteral("deliveredAt"), rfc3339(*n.deliveredAt, zone));
    return j;
}

QJsonObject refundJson(const Refund &f, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("id"), snowflakeToString(f.id)},
                   {QStringLiteral("outRefundNo"), f.outRefundNo},
                   {QStringLiteral("amount"), f.amount},
                   {QStringLiteral("reason"), f.reason},
                   {QStringLiteral("status"), refundStatusName(f.status)},
                   {QStringLiteral("channel"), f.channel},
                   {QStringLiteral("channelRefundNo"), f.channelRefundNo},
                   {QStringLiteral("initiator"), f.initiator},
                   {QStringLiteral("createdAt"), rfc3339(f.createdAt, zone)}};
    if (f.finishedAt)
        j.insert(QStringLiteral("finishedAt"), rfc3339(*f.finishedAt, zone));
    return j;
}

QJsonObject bookingJson(const Booking &b, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("id"), snowflakeToString(b.id)},
                   {QStringLiteral("status"), statusName(b.status)},
                   {QStringLiteral("venueId"), b.venueId},
                   {QStringLiteral("userId"), QString::number(b.userId)},
                   {QStringLiteral("date"), b.date},
                   {QStringLiteral("startTime"), b.startTime},
                   {QStringLiteral("endTime"), b.endTime},
                   {QStringLiteral("amount"), b.amount},
                   {QStringLiteral("createdAt"), rfc3339(b.createdAt, zone)},
                   {QStringLiteral("updatedAt"), rfc3339(b.updatedAt, zone)}};
    if (b.payOrderId)
        j.insert(QStringLiteral("payOrderId"), snowflakeToString(*b.payOrderId));
    return j;
}

QJsonObject auditJson(const AuditEntry &e, const QTimeZone &zone)
{
    return {{QStringLiteral("id"), QString::number(e.id)},
            {QStringLiteral("at"), rfc3339(e.at, zone)},
            {QStringLiteral("actor"), e.actor},
            {QStringLiteral("action"), e.action},
            {QStringLiteral("target"), e.target},
            {QStringLiteral("reason"), e.reason},
            {QStringLiteral("remoteAddress"), e.remoteAddress},
            {QStringLiteral("details"),
             e.details.isEmpty() ? QJsonValue(QJsonObject {}) : jsonOrText(e.details)}};
}

QJsonObject notificationCountsJson(const NotificationRepository &notifications)
{
    QJsonObject counts;
    for (const NotificationState s :
         {NotificationState::Pending, NotificationState::Delivered, NotificationState::Failed})
        counts.insert(notificationStateName(s), 0);
    const QHash<NotificationState, qint64> byState = notifications.countByState();
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        counts.insert(notificationStateName(it.key()), it.value());
    return counts;
}

} // namespace pomelo::admin
