#pragma once

#include "servercontext.h"
#include "storage/apprepository.h"
#include "storage/bookingrepository.h"

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

    /// Cancels a PAID booking with a full refund (before its start minus
    /// `booking.refund_cutoff_minutes`): PAID -> REFUNDING, the refund asked of the pay platform,
    /// REFUNDED (slots freed) when it succeeded at once; otherwise the REFUNDED merchant
    /// notification finishes it. Cancelling a REFUNDING booking again asks for the same refund
    /// (same outRefundNo), which is how a failed call is retried. 1006 in other states.
    Booking cancelPaid(qint64 userId, qint64 bookingId);

    /// REFUNDING (or PAID, for a refund an admin made) -> REFUNDED, slots freed. Idempotent.
    static bool markRefunded(const ServerContext &context, qint64 bookingId);

private:
    /// POSTs @p fields to the pay platform's @p path, signed as @p app for that route.
    QJsonObject callPayPlatform(const QString &path, const QJsonObject &fields, const App &app,
                                const QString &spanName) const;
    App bookingApp() const;

    const ServerContext &m_ctx;
};

} // namespace pomelo
