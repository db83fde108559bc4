#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// Orders: `GET /admin/v1/orders` (list, filters) and `GET /admin/v1/orders/{id}` (detail) for
/// staff; the audited actions `POST /admin/v1/orders/{id}/close|verify|refund|renotify` for
/// admins (5010 while the pay module does not run here).
void registerOrderRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
