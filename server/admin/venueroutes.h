#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// `GET /admin/v1/venues/board?date=` (every slot of every venue and who holds it, CLOSED where a
/// closure covers a free slot) and the audited `POST /admin/v1/bookings/{id}/check-in` (a PAID
/// booking of today), for staff. Venues and closures (docs/openapi.yaml): `GET/POST /venues`,
/// `PUT /venues/{id}`, `GET/POST /venues/{id}/closures`, `GET/DELETE
/// /venues/{id}/closures/{closureId}` for staff, and `POST …/{closureId}/confirm {reason}` (the
/// cancel-and-refund of the bookings it covers) for admins. Every change is audited
/// (`venue.create`, `venue.update`, `venue.closure.create|delete|confirm`) and, through the audit
/// log, pushed to the consoles' live feed.
void registerVenueRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
