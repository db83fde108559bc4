#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// Merchant notifications, for admins: `GET /admin/v1/notifications` (with counts per state) and
/// the audited re-sends `POST /admin/v1/notifications/{id}/resend` and `.../resend-failed`.
void registerNotificationRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
