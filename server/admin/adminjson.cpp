#include "adminjson.h"

#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "http/httptypes.h"
#include "pay/paymentstrategy.h"
#include "storage/auditrepository.h"
#include "storage/bookingrepository.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/paymentexceptionrepository.h"
#include "storage/refundrepository.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pomelo::admin {

namespace {

/// An optional time: empty (left out of the JSON) when there is none.
QString timeOrEmpty(const std::optional<qint64> &ms, const QTimeZone &zone)
{
    return ms ? rfc3339(*ms, zone) : QString();
}

QString snowflakeOrEmpty(const std::optional<qint64> &id)
{
    return id ? snowflakeToString(*id) : QString();
}

api::NotificationAttempt toApi(const NotificationAttempt &a, const QTimeZone &zone)
{
    api::NotificationAttempt out;
    out.attempt = a.attempt;
    out.at = rfc3339(a.at, zone);
    out.httpStatus = a.httpStatus.value_or(0);
    out.durationMs = a.durationMs;
    out.error = a.error;
    out.responseExcerpt = a.responseExcerpt;
    return out;
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

QString spanIdOf(const QString &traceparent)
{
    return traceparent.section(u'-', 2, 2);
}

api::AdminOrder toApi(const PayOrder &o, const QTimeZone &zone)
{
    api::AdminOrder out;
    out.orderId = snowflakeToString(o.id);
    out.appId = o.appId;
    out.outTradeNo = o.outTradeNo;
    out.amount = o.amount;
    out.refundedAmount = o.refundedAmount;
    out.subject = o.subject;
    out.status = statusName(o.status);
    out.channel = o.channel;
    out.channelTradeNo = o.channelTradeNo;
    out.openId = o.openId;
    out.studentId = o.studentId;
    out.createdAt = rfc3339(o.createdAt, zone);
    out.updatedAt = rfc3339(o.updatedAt, zone);
    out.paidAt = timeOrEmpty(o.paidAt, zone);
    out.expiresAt = rfc3339(o.expiresAt, zone);
    out.needsRefund = o.needsRefund;
    out.closedAt = timeOrEmpty(o.closedAt, zone);
    out.notifyUrl = o.notifyUrl;
    out.version = o.version;
    return out;
}

api::OrderEvent toApi(const OrderEvent &e, const QTimeZone &zone)
{
    api::OrderEvent out;
    out.id = QString::number(e.id);
    out.status = statusName(e.newStatus);
    if (e.prevStatus)
        out.prevStatus = statusName(*e.prevStatus);
    out.at = rfc3339(e.createdAt, zone);
    out.traceId = traceIdOf(e.traceparent);
    out.spanId = spanIdOf(e.traceparent);
    out.payload = jsonOrText(e.payload);
    out.publishedAt = timeOrEmpty(e.publishedAt, zone);
    return out;
}

api::ChannelCallback toApi(const ChannelCallback &c, const QTimeZone &zone)
{
    api::ChannelCallback out;
    out.id = QString::number(c.id);
    out.channel = c.channel;
    out.eventType = c.eventType;
    out.outcome = c.outcome;
    out.receivedAt = rfc3339(c.receivedAt, zone);
    out.notifyId = c.notifyId;
    out.payload = jsonOrText(c.payload);
    return out;
}

api::Notification toApi(const MerchantNotification &n, const QList<NotificationAttempt> &history,
                        const QTimeZone &zone)
{
    api::Notification out;
    out.id = QString::number(n.id);
    out.orderId = snowflakeToString(n.orderId);
    out.appId = n.appId;
    out.orderStatus = n.orderStatus;
    out.url = n.url;
    out.state = notificationStateName(n.state);
    out.attempts = n.attempts;
    out.lastError = n.lastError;
    out.lastHttpStatus = n.lastHttpStatus.value_or(0);
    out.createdAt = rfc3339(n.createdAt, zone);
    out.updatedAt = rfc3339(n.updatedAt, zone);
    // Only a pending notification has a next attempt worth showing.
    if (n.state == NotificationState::Pending)
        out.nextAttemptAt = rfc3339(n.nextAttemptAt, zone);
    for (const NotificationAttempt &a : history)
        out.history.append(toApi(a, zone));
    out.eventId = QString::number(n.eventId);
    out.deliveredAt = timeOrEmpty(n.deliveredAt, zone);
    return out;
}

api::Refund toApi(const Refund &f, const QTimeZone &zone)
{
    api::Refund out;
    out.id = snowflakeToString(f.id);
    out.outRefundNo = f.outRefundNo;
    out.amount = f.amount;
    out.reason = f.reason;
    out.status = refundStatusName(f.status);
    out.initiator = f.initiator;
    out.createdAt = rfc3339(f.createdAt, zone);
    out.finishedAt = timeOrEmpty(f.finishedAt, zone);
    out.channel = f.channel;
    out.channelRefundNo = f.channelRefundNo;
    return out;
}

api::Booking toApi(const Booking &b, const QTimeZone &zone)
{
    api::Booking out;
    out.id = snowflakeToString(b.id);
    out.status = statusName(b.status);
    out.venueId = b.venueId;
    out.date = b.date;
    out.startTime = b.startTime;
    out.endTime = b.endTime;
    out.amount = b.amount;
    out.payOrderId = snowflakeOrEmpty(b.payOrderId);
    out.userId = QString::number(b.userId);
    out.createdAt = rfc3339(b.createdAt, zone);
    out.updatedAt = rfc3339(b.updatedAt, zone);
    return out;
}

api::AuditEntry toApi(const AuditEntry &e, const QTimeZone &zone)
{
    // Every writer of the log stores an object; anything else shows as no details.
    const QJsonObject details =
        e.details.isEmpty() ? QJsonObject {} : jsonOrText(e.details).toObject();
    return {QString::number(e.id),
            rfc3339(e.at, zone),
            e.actor,
            e.action,
            e.target,
            e.reason,
            e.remoteAddress,
            details};
}

api::PaymentExceptionItem toApi(const PaymentException &e, const QTimeZone &zone)
{
    api::PaymentExceptionItem out;
    out.id = snowflakeToString(e.id);
    out.channel = e.channel;
    out.channelTradeNo = e.channelTradeNo;
    out.outTradeNo = e.outTradeNo;
    out.orderId = snowflakeOrEmpty(e.orderId);
    out.paidAmount = e.paidAmount;
    out.orderAmount = e.orderAmount;
    out.currency = e.currency;
    out.reason = paymentExceptionReasonName(e.reason);
    out.detail = e.detail;
    out.state = paymentExceptionStateName(e.state);
    out.refundAttempts = e.refundAttempts;
    out.nextRefundAt = timeOrEmpty(e.nextRefundAt, zone);
    out.channelRefundNo = e.channelRefundNo;
    out.lastError = e.lastError;
    out.resolvedBy = e.resolvedBy;
    out.resolution = e.resolution;
    out.createdAt = rfc3339(e.createdAt, zone);
    out.updatedAt = rfc3339(e.updatedAt, zone);
    out.refundedAt = timeOrEmpty(e.refundedAt, zone);
    out.resolvedAt = timeOrEmpty(e.resolvedAt, zone);
    return out;
}

api::ChannelTradeState toApi(const ChannelTradeStatus &channel, const QTimeZone &zone)
{
    static const char *const states[] = {"NOT_PAID", "PAID", "CLOSED", "FAILED", "UNKNOWN"};
    return {QString::fromLatin1(states[static_cast<int>(channel.state)]), channel.payment.tradeNo,
            channel.payment.amount, timeOrEmpty(channel.payment.paidAt, zone)};
}

QHash<QString, qint64> notificationCounts(const NotificationRepository &notifications)
{
    QHash<QString, qint64> counts;
    for (const NotificationState s :
         {NotificationState::Pending, NotificationState::Delivered, NotificationState::Failed})
        counts.insert(notificationStateName(s), 0);
    const QHash<NotificationState, qint64> byState = notifications.countByState();
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        counts.insert(notificationStateName(it.key()), it.value());
    return counts;
}

QHash<QString, qint64> paymentExceptionCounts(Database &db)
{
    QHash<QString, qint64> counts;
    for (const PaymentExceptionState s :
         {PaymentExceptionState::Refunding, PaymentExceptionState::RefundFailed,
          PaymentExceptionState::Refunded})
        counts.insert(paymentExceptionStateName(s), 0);
    const QList<std::pair<QString, qint64>> open = PaymentExceptionRepository(db).openCounts();
    for (const auto &[state, count] : open)
        counts.insert(state, count);
    return counts;
}

} // namespace pomelo::admin
