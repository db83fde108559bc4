#include "dashboardroutes.h"

#include "adminqueries.h"
#include "adminroutes_p.h"

namespace pomelo::admin {

void registerDashboardRoutes(const AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    // Today at a glance (the console's dashboard): order counts for everyone who may read
    // orders, the infrastructure numbers of /streams, /queues and /notifications for admins.
    routes.add("GET", "/admin/v1/dashboard", StaffRole::Staff,
               [ctx](const HttpRequest &, const StaffPrincipal &who) {
                   return HttpResponse::json(
                       200, AdminQueries(*ctx).dashboard(who.role >= StaffRole::Admin).toJson());
               });
}

} // namespace pomelo::admin
