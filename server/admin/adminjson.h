#pragma once

// The JSON of the admin API's records (API.md "Admin API"), written the same way by every route
// file and by AdminQueries.

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QTimeZone>

namespace pomelo {

class NotificationRepository;
struct AuditEntry;
struct Booking;
struct ChannelCallback;
struct MerchantNotification;
struct NotificationAttempt;
struct OrderEvent;
struct PayOrder;
struct Refund;

namespace admin {

/// A stored body: the JSON object or array it holds, else its text.
QJsonValue jsonOrText(const QByteArray &bytes);
/// The trace id of a W3C `traceparent`.
QString traceIdOf(const QString &traceparent);

/// The API's order plus what only staff see (openId, studentId, notifyUrl, version, refunded).
QJsonObject adminOrderJson(const PayOrder &o, const QTimeZone &zone);
QJsonObject orderEventJson(const OrderEvent &e, const QTimeZone &zone);
QJsonObject callbackJson(const ChannelCallback &c, const QTimeZone &zone);
QJsonObject notificationJson(const MerchantNotification &n,
                             const QList<NotificationAttempt> &history, const QTimeZone &zone);
QJsonObject refundJson(const Refund &f, const QTimeZone &zone);
QJsonObject bookingJson(const Booking &b, const QTimeZone &zone);
QJsonObject auditJson(const AuditEntry &e, const QTimeZone &zone);
/// Notifications per state; the states the console shows are there also when zero.
QJsonObject notificationCountsJson(const NotificationRepository &notifications);

} // namespace admin
} // namespace pomelo
