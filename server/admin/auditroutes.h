#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// `GET /admin/v1/audit?actor=&action=&target=&from=&to=` (admins), newest first.
void registerAuditRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
