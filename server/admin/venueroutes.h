#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// `GET /admin/v1/venues/board?date=` (every slot of every venue and who holds it) and the audited
/// `POST /admin/v1/bookings/{id}/check-in` (a PAID booking of today), for staff.
void registerVenueRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
