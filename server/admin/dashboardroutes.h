#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// `GET /admin/v1/dashboard`: today at a glance; order counts for staff, the infrastructure
/// numbers too for admins.
void registerDashboardRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
