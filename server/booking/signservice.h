#pragma once

#include "servercontext.h"

#include <QJsonObject>

namespace pomelo {

struct SignResult
{
    qint64 payOrderId = 0;
    /// The signed object the front end passes, plus `channel`, to POST /pay/v1/cashier.
    QJsonObject cashier;
};

/// DESIGN.md step 2: the booking backend asks the pay platform for an order over HTTP, as any
/// third-party app does, signed with the secret of the `venue-booking` app.
class SignService
{
public:
    explicit SignService(const ServerContext &context);

    /// Errors: 1004 unknown booking, 1005 someone else's, 1006 not PENDING_PAYMENT, 3001 the pay
    /// platform is down or refused unexpectedly; a pay error code it answers is passed on.
    SignResult sign(qint64 userId, qint64 bookingId);

private:
    const ServerContext &m_ctx;
};

} // namespace pomelo
