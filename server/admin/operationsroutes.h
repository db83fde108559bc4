#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// Infrastructure, for admins: `GET /admin/v1/streams` (the order events stream, its groups and
/// dead letters), `GET /admin/v1/queues`, the audited `POST .../queues/{name}/items/{member}/fire`
/// and `DELETE .../queues/{name}/items/{member}`, `GET /admin/v1/locks`.
void registerOperationsRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
