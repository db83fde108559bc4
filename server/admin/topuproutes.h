#pragma once

namespace pomelo::admin {

struct AdminRoutes;

/// Utility top-ups in the admin API (API.md "Admin API"):
/// - `GET /admin/v1/topups?status=&roomId=&userId=&from=&to=&limit=&cursor=` (staff) → `{items,
///   nextCursor?}`, newest first; from/to are dates (YYYY-MM-DD, to inclusive) in the server's
///   zone;
/// - `GET /admin/v1/topups/{id}` (staff) → the top-up with its delivery details, its student and
///   its `events` (transitions and delivery attempts, with who and why);
/// - `POST /admin/v1/topups/{id}/redeliver {reason}` (staff): delivers again now (1106 unless
///   PAID or DELIVERY_FAILED);
/// - `POST /admin/v1/topups/{id}/refund {reason}` (admin): stops delivering and refunds unless the
///   utility system confirms the credit (1106 unless PAID or DELIVERY_FAILED);
/// - `GET /admin/v1/rooms/{roomId}` (staff) → the room's balances (when the utility system
///   answers), its bound students and its latest top-ups.
/// Both interventions are audited, also when refused. Without the topup module here they answer
/// 5010.
void registerTopupRoutes(const AdminRoutes &routes);

} // namespace pomelo::admin
