#include "auditroutes.h"

#include "adminjson.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "storage/auditrepository.h"

namespace pomelo::admin {

namespace {

AuditFilter auditFilter(const HttpRequest &r, const QTimeZone &zone)
{
    AuditFilter filter;
    filter.actor = queryValue(r, QStringLiteral("actor"));
    filter.action = queryValue(r, QStringLiteral("action"));
    filter.target = queryValue(r, QStringLiteral("target"));
    if (r.query.hasQueryItem(QStringLiteral("from")))
        filter.from = dayStartMs(queryValue(r, QStringLiteral("from")), zone);
    if (r.query.hasQueryItem(QStringLiteral("to"))) // inclusive: up to the day's end
        filter.before = dayStartMs(queryValue(r, QStringLiteral("to")), zone) + 24 * 3600 * 1000;
    return filter;
}

} // namespace

void registerAuditRoutes(const AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    routes.add("GET", "/admin/v1/audit", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &) {
                   const Page<AuditEntry> page = AuditRepository(ctx->db).list(
                       auditFilter(r, ctx->zone), cursorParam(r), limitParam(r));
                   const auto entry = [ctx](const AuditEntry &e) {
                       return toApi(e, ctx->zone);
                   };
                   return HttpResponse::json(200, toApiPage(page, entry).toJson());
               });
}

} // namespace pomelo::admin
