#include "topuproutes.h"

#include "adminrequest.h"
#include "adminroutes_p.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "storage/topuprepository.h"
#include "storage/userrepository.h"
#include "topup/topupjson.h"
#include "topup/topupmodule.h"
#include "topup/topupservice.h"

#include <QJsonArray>

namespace pomelo::admin {

namespace {

qint64 topupIdParam(const HttpRequest &r)
{
    return snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::TopupNotFound);
}

QString topupTarget(qint64 id)
{
    return QStringLiteral("topup:") + snowflakeToString(id);
}

TopupFilter filterParams(const HttpRequest &r, const QTimeZone &zone)
{
    TopupFilter f;
    if (r.query.hasQueryItem(QStringLiteral("status"))) {
        f.status = topupStatusFromName(queryValue(r, QStringLiteral("status")));
        if (!f.status)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("unknown status"));
    }
    f.roomId = queryValue(r, QStringLiteral("roomId"));
    if (r.query.hasQueryItem(QStringLiteral("userId"))) {
        f.userId = snowflakeFromString(queryValue(r, QStringLiteral("userId")));
        if (!f.userId)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("malformed userId"));
    }
    if (r.query.hasQueryItem(QStringLiteral("from")))
        f.createdFrom = dayStartMs(queryValue(r, QStringLiteral("from")), zone);
    if (r.query.hasQueryItem(QStringLiteral("to")))
        f.createdTo = dayStartMs(queryValue(r, QStringLiteral("to")), zone) + 24 * 3600 * 1000;
    return f;
}

QJsonObject studentJson(const std::optional<User> &u)
{
    if (!u)
        return {};
    return {{QStringLiteral("userId"), snowflakeToString(u->id)},
            {QStringLiteral("openId"), u->openId},
            {QStringLiteral("studentId"), u->studentId},
            {QStringLiteral("name"), u->name},
            {QStringLiteral("phone"), u->phone}};
}

TopupService &service(const AdminRoutes &a)
{
    if (!a.topup)
        throw Error(ErrorCode::FeatureDisabled, QStringLiteral("topup module not running"));
    return a.topup->topups();
}

/// An audited intervention on a top-up: its state before and after in the audit entry.
HttpResponse intervene(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who,
                       const char *action,
                       Topup (TopupService::*apply)(qint64, const QString &, const QString &))
{
    const qint64 id = topupIdParam(r);
    const QString reason = requiredReason(parseJsonObject(r), r);
    return Audited(a.ctx->db, who, r, QLatin1String(action), topupTarget(id), reason)
        .run([&](QJsonObject &details) {
            TopupService &topups = service(a);
            const std::optional<Topup> before = TopupRepository(a.ctx->db).find(id);
            if (!before)
                throw Error(ErrorCode::TopupNotFound, QStringLiteral("no such top-up"));
            details.insert(QStringLiteral("before"), statusName(before->status));
            const Topup after =
                (topups.*apply)(id, QStringLiteral("staff:") + who.username, reason);
            details.insert(QStringLiteral("after"), statusName(after.status));
            return topupAdminJson(after, a.ctx->zone);
        });
}

} // namespace

void registerTopupRoutes(const AdminRoutes &routes)
{
    const AdminRoutes a = routes;
    const QTimeZone zone = routes.ctx->zone;
    routes.add("GET", "/admin/v1/topups", StaffRole::Staff,
               [a, zone](const HttpRequest &r, const StaffPrincipal &) {
                   const Page<Topup> page = TopupRepository(a.ctx->db).list(
                       filterParams(r, zone), cursorParam(r), limitParam(r));
                   QJsonArray items;
                   for (const Topup &t : page.items)
                       items.append(topupAdminJson(t, zone));
                   QJsonObject out {{QStringLiteral("items"), items}};
                   if (page.next)
                       out.insert(QStringLiteral("nextCursor"), page.next->toToken());
                   return HttpResponse::json(200, out);
               });
    routes.add("GET", "/admin/v1/topups/{id}", StaffRole::Staff,
               [a, zone](const HttpRequest &r, const StaffPrincipal &) {
                   TopupRepository repo(a.ctx->db);
                   const std::optional<Topup> t = repo.find(topupIdParam(r));
                   if (!t)
                       throw Error(ErrorCode::TopupNotFound, QStringLiteral("no such top-up"));
                   QJsonObject out = topupAdminJson(*t, zone);
                   out.insert(QStringLiteral("student"),
                              studentJson(UserRepository(a.ctx->db).find(t->userId)));
                   QJsonArray events;
                   const QList<TopupEvent> history = repo.events(t->id);
                   for (const TopupEvent &e : history)
                       events.append(topupEventJson(e, zone));
                   out.insert(QStringLiteral("events"), events);
                   return HttpResponse::json(200, out);
               });
    routes.add("POST", "/admin/v1/topups/{id}/redeliver", StaffRole::Staff,
               [a](const HttpRequest &r, const StaffPrincipal &who) {
                   return intervene(a, r, who, "topup.redeliver", &TopupService::redeliver);
               });
    routes.add("POST", "/admin/v1/topups/{id}/refund", StaffRole::Admin,
               [a](const HttpRequest &r, const StaffPrincipal &who) {
                   return intervene(a, r, who, "topup.refund", &TopupService::refund);
               });
    routes.add("GET", "/admin/v1/rooms/{roomId}", StaffRole::Staff,
               [a, zone](const HttpRequest &r, const StaffPrincipal &) {
                   const QString roomId = r.pathParams.value(QStringLiteral("roomId"));
                   TopupRepository repo(a.ctx->db);
                   QJsonObject out {{QStringLiteral("roomId"), roomId}};
                   try {
                       const std::optional<UtilityBalance> b = service(a).utility().balance(roomId);
                       if (!b && repo.studentsOfRoom(roomId).isEmpty())
                           throw Error(ErrorCode::TopupRoomNotFound, QStringLiteral("no room"));
                       if (b) {
                           out.insert(QStringLiteral("electricity"), b->electricity);
                           out.insert(QStringLiteral("water"), b->water);
                           out.insert(QStringLiteral("powerOn"), b->powerOn);
                       }
                   } catch (const Error &e) {
                       if (e.code() == ErrorCode::TopupRoomNotFound)
                           throw;
                       out.insert(QStringLiteral("balanceError"), e.detail());
                   }
                   QJsonArray students;
                   const QList<RoomBinding> bound = repo.studentsOfRoom(roomId);
                   for (const RoomBinding &b : bound) {
                       QJsonObject s = studentJson(UserRepository(a.ctx->db).find(b.userId));
                       s.insert(QStringLiteral("boundAt"), rfc3339(b.boundAt, zone));
                       students.append(s);
                       out.insert(QStringLiteral("building"), b.building);
                       out.insert(QStringLiteral("room"), b.room);
                   }
                   out.insert(QStringLiteral("students"), students);
                   TopupFilter filter;
                   filter.roomId = roomId;
                   QJsonArray topups;
                   const Page<Topup> page = repo.list(filter, std::nullopt, 20);
                   for (const Topup &t : page.items)
                       topups.append(topupAdminJson(t, zone));
                   out.insert(QStringLiteral("topups"), topups);
                   return HttpResponse::json(200, out);
               });
}

} // namespace pomelo::admin
