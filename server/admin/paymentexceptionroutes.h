#pragma once

#include "servercontext.h"

#include <QJsonObject>

namespace pomelo {

class Database;
namespace admin {
struct AdminRoutes;
}

/// Payment exceptions in the admin API (API.md "Admin API"), admins only:
/// - `GET /admin/v1/payment-exceptions?state=&limit=&cursor=` → `{items, nextCursor?}`, newest
///   first;
/// - `GET /admin/v1/payment-exceptions/{id}` → the item (4040 when there is none);
/// - `POST /admin/v1/payment-exceptions/{id}/resolve {reason}` → the item, RESOLVED; 409 (the
///   service's state conflict) while it is still refunding or once it is resolved. The pay
///   service writes the audit entry in the same transaction, so a resolution is never kept
///   without its who and why; a refused one is audited here, with its error code.
/// When the pay module does not run here, resolving answers 5010 (the lists still work, they only
/// read the table).
void registerPaymentExceptionRoutes(const admin::AdminRoutes &routes);

} // namespace pomelo
