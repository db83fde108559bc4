#include "notificationroutes.h"

#include "adminjson.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "storage/notificationrepository.h"

namespace pomelo::admin {

namespace {

/// Notification ids are plain positive integers (no Snowflakes); a malformed one is not found.
qint64 positiveIdParam(const HttpRequest &r, ErrorCode notFound)
{
    bool ok = false;
    const QString text = r.pathParams.value(QStringLiteral("id"));
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0 || text.startsWith(u'+') || text.startsWith(u'0'))
        throw Error(notFound, QStringLiteral("malformed id"));
    return id;
}

NotificationFilter notificationFilter(const HttpRequest &r)
{
    NotificationFilter filter;
    if (r.query.hasQueryItem(QStringLiteral("state"))) {
        filter.state = notificationStateFromName(queryValue(r, QStringLiteral("state")));
        if (!filter.state)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("unknown state"));
    }
    filter.appId = queryValue(r, QStringLiteral("appId"));
    if (r.query.hasQueryItem(QStringLiteral("orderId"))) {
        filter.orderId = snowflakeFromString(queryValue(r, QStringLiteral("orderId")));
        if (!filter.orderId)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("bad orderId"));
    }
    return filter;
}

HttpResponse listNotifications(const ServerContext &ctx, const HttpRequest &r)
{
    NotificationRepository notifications(ctx.db);
    const Page<MerchantNotification> page =
        notifications.list(notificationFilter(r), cursorParam(r), limitParam(r));
    const auto withHistory = [&](const MerchantNotification &n) {
        return toApi(n, notifications.attempts(n.id), ctx.zone);
    };
    const api::NotificationList out {toApiPage(page, withHistory),
                                     notificationCounts(notifications)};
    return HttpResponse::json(200, out.toJson());
}

HttpResponse resendOne(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const ServerContext &ctx = *a.ctx;
    const qint64 id = positiveIdParam(r, ErrorCode::NotFound);
    const std::optional<QString> reason = optionalReason(optionalBody(r), r);
    return Audited(ctx.db, who, r, QStringLiteral("notification.resend"),
                   QStringLiteral("notification:%1").arg(id), reason.value_or(QString()))
        .run([&](QJsonObject &) {
            NotificationRepository notifications(ctx.db);
            if (!notifications.find(id))
                throw Error(ErrorCode::NotFound, QStringLiteral("no notification"));
            ctx.db.transact(
                [&](Transaction &tx) { return notifications.resend(tx, id, nowMs(), true); });
            a.wakeNotifier();
            return toApi(*notifications.find(id), notifications.attempts(id), ctx.zone).toJson();
        });
}

HttpResponse resendFailed(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const ServerContext &ctx = *a.ctx;
    const QJsonObject body = parseJsonObject(r);
    const QString appId =
        JsonFields {body, ErrorCode::InvalidParameter}.string(QStringLiteral("appId"), 64);
    const std::optional<QString> reason = optionalReason(body, r);
    return Audited(ctx.db, who, r, QStringLiteral("notification.resend_failed"),
                   QStringLiteral("app:") + appId, reason.value_or(QString()))
        .run([&](QJsonObject &details) {
            const int count = ctx.db.transact([&](Transaction &tx) {
                return NotificationRepository(ctx.db).resendAllFailed(tx, appId, nowMs());
            });
            a.wakeNotifier();
            details.insert(QStringLiteral("count"), count);
            return QJsonObject {{api::keys::count, count}};
        });
}

} // namespace

void registerNotificationRoutes(const AdminRoutes &routes)
{
    const AdminRoutes a = routes;
    a.add(
        "GET", "/admin/v1/notifications", StaffRole::Admin,
        [a](const HttpRequest &r, const StaffPrincipal &) { return listNotifications(*a.ctx, r); });
    a.add("POST", "/admin/v1/notifications/{id}/resend", StaffRole::Admin,
          [a](const HttpRequest &r, const StaffPrincipal &who) { return resendOne(a, r, who); });
    a.add("POST", "/admin/v1/notifications/resend-failed", StaffRole::Admin,
          [a](const HttpRequest &r, const StaffPrincipal &who) { return resendFailed(a, r, who); });
}

} // namespace pomelo::admin
