#pragma once

// The admin API's records from the domain's (API.md "Admin API"): every route file and
// AdminQueries turn what the repositories return into the DTOs of shared/api here and answer their
// toJson(), so that the server writes the keys the console reads with fromJson(). shared/api knows
// nothing of the server: the conversion lives on this side.

#include "api/admintypes.h"
#include "storage/pagination.h"

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QTimeZone>

#include <type_traits>

namespace pomelo {

class Database;
class NotificationRepository;
struct AuditEntry;
struct Booking;
struct ChannelCallback;
struct ChannelTradeStatus;
struct MerchantNotification;
struct NotificationAttempt;
struct OrderEvent;
struct PaymentException;
struct PayOrder;
struct Refund;

namespace admin {

/// A stored body: the JSON object or array it holds, else its text.
QJsonValue jsonOrText(const QByteArray &bytes);
/// The trace id of a W3C `traceparent`.
QString traceIdOf(const QString &traceparent);
/// The parent id (the span that wrote it) of a W3C `traceparent`.
QString spanIdOf(const QString &traceparent);

/// The API's order plus what only staff see (openId, studentId, notifyUrl, version, refunded).
api::AdminOrder toApi(const PayOrder &o, const QTimeZone &zone);
api::OrderEvent toApi(const OrderEvent &e, const QTimeZone &zone);
api::ChannelCallback toApi(const ChannelCallback &c, const QTimeZone &zone);
api::Notification toApi(const MerchantNotification &n, const QList<NotificationAttempt> &history,
                        const QTimeZone &zone);
api::Refund toApi(const Refund &f, const QTimeZone &zone);
api::Booking toApi(const Booking &b, const QTimeZone &zone);
api::AuditEntry toApi(const AuditEntry &e, const QTimeZone &zone);
api::PaymentExceptionItem toApi(const PaymentException &e, const QTimeZone &zone);
api::ChannelTradeState toApi(const ChannelTradeStatus &channel, const QTimeZone &zone);

/// A repository's page as the API's: each row through @p convert, the cursor as its token.
template<typename T, typename Convert> auto toApiPage(const Page<T> &page, Convert convert)
{
    api::Page<std::invoke_result_t<Convert, const T &>> out;
    for (const T &row : page.items)
        out.items.append(convert(row));
    if (page.next)
        out.nextCursor = page.next->toToken();
    return out;
}

/// Notifications per state; the states the console shows are there also when zero.
QHash<QString, qint64> notificationCounts(const NotificationRepository &notifications);
/// Open payment exceptions per state (REFUNDING, REFUND_FAILED, REFUNDED), zeros included.
QHash<QString, qint64> paymentExceptionCounts(Database &db);

} // namespace admin
} // namespace pomelo
