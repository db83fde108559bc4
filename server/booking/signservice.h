#pragma once

#include "merchant/payplatformclient.h"
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
/// third-party app does, signed with the secret of the app `booking.app_id` (`venue-booking`).
class SignService
{
public:
    explicit SignService(const ServerContext &context);

    /// Errors: 1004 unknown booking, 1005 someone else's, 1006 not PENDING_PAYMENT, 3001 the pay
    /// platform is down or refused unexpectedly, 5030 it answered 503 (its Redis or database is
    /// down); a pay error code it answers is passed on.
    SignResult sign(qint64 userId, qint64 bookingId);

    /// Asks the pay platform for the full refund of the paid booking @p booking, with
    /// outRefundNo `cancel-<bookingId>`, so asking again (a retry after an error) asks for the
    /// same refund. Returns the order status answered; "REFUNDED" also when the order was
    /// refunded earlier (2007). Other pay errors are thrown (3001, or the platform's code). The
    /// booking itself is not touched: BookingService owns its transitions.
    /// @p reason is the refund's reason at the pay platform (a closure's says so).
    QString requestRefund(const Booking &booking,
                          const QString &reason = QStringLiteral("booking cancelled")) const;

    /// Closes the pay order of the signed, unpaid booking @p booking at the pay platform (which
    /// closes it at the channel first when it is PAYING). Returns the order's status afterwards:
    /// "CLOSED" (also when it was closed earlier), or, when the order was finished meanwhile
    /// (2007), the status the pay platform reports for it (e.g. "PAID": the student paid first).
    /// Other errors are thrown (3001, 5030, or the platform's code). The booking is not touched.
    QString closeOrder(const Booking &booking) const;

private:
    const ServerContext &m_ctx;
    PayPlatformClient m_pay;
};

} // namespace pomelo
