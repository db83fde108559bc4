#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// `POST /admin/v1/login` (public; 429 with Retry-After while throttled), `POST /admin/v1/logout`
/// and `GET /admin/v1/me` (staff).
void registerSessionRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
