#include "signservice.h"

#include "domain/errors.h"
#include "domain/snowflake.h"
#include "storage/bookingrepository.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"
#include "telemetry/continuedspan.h"
#include "telemetry/logging.h"

namespace pomelo {

SignService::SignService(const ServerContext &context)
    : m_ctx(context)
    , m_pay(context, context.config.bookingAppId(), QStringLiteral("booking.app_id"))
{ }

QString SignService::requestRefund(const Booking &booking, const QString &reason) const
{
    return m_pay.refund(booking.payOrderId.value_or(0),
                        QString(QStringLiteral("cancel-") + snowflakeToString(booking.id)),
                        booking.amount, reason);
}

QString SignService::closeOrder(const Booking &booking) const
{
    return m_pay.close(booking.payOrderId.value_or(0));
}

SignResult SignService::sign(qint64 userId, qint64 bookingId)
{
    BookingRepository bookings(m_ctx.db);
    const std::optional<Booking> booking = bookings.find(bookingId);
    if (!booking)
        throw Error(ErrorCode::BookingNotFound, QStringLiteral("no such booking"));
    if (booking->userId != userId)
        throw Error(ErrorCode::BookingOfAnotherUser, QStringLiteral("booking of another user"));
    if (booking->status != BookingStatus::PendingPayment)
        throw Error(ErrorCode::BookingStateConflict,
                    QStringLiteral("booking is ") + statusName(booking->status));
    // The student signs in a request of its own: continue the booking's trace, so the pay
    // platform's order (created below, with our traceparent) joins it.
    ContinuedSpan span(QStringLiteral("booking.sign"), booking->traceparent);
    if (span.span().span().isRecording()) {
        span.setAttribute(QStringLiteral("booking.id"), QString::number(booking->id));
        span.setAttribute(QStringLiteral("venue.id"), booking->venueId);
    }
    const std::optional<User> user = UserRepository(m_ctx.db).find(userId);
    if (!user)
        throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));

    const std::optional<Venue> venue = VenueRepository(m_ctx.db).find(booking->venueId);
    const QString base = m_ctx.config.publicBaseUrl();
    QJsonObject order {
        {QStringLiteral("outTradeNo"), snowflakeToString(booking->id)},
        {QStringLiteral("amount"), booking->amount},
        {QStringLiteral("subject"),
         QString((venue ? venue->name : QStringLiteral("Venue booking")) + u' ' + booking->date
                 + u' ' + booking->startTime + u'-' + booking->endTime)},
        {QStringLiteral("openId"), user->openId},
        {QStringLiteral("notifyUrl"), QString(base + QStringLiteral("/api/v1/pay-notify"))},
    };
    if (!user->studentId.isEmpty())
        order.insert(QStringLiteral("studentId"), user->studentId);

    const std::optional<qint64> orderId = m_pay.createOrder(order);

    if (booking->payOrderId != orderId) {
        const bool recorded = m_ctx.db.transact([&](Transaction &tx) {
            return bookings.setPayOrder(tx, booking->id, booking->version, *orderId);
        });
        if (!recorded) {
            // Changed meanwhile: fine if another sign recorded the same order.
            const std::optional<Booking> now = bookings.find(bookingId);
            if (!now || now->payOrderId != orderId)
                throw Error(ErrorCode::BookingStateConflict,
                            QStringLiteral("booking changed while signing"));
        }
    }
    qCInfo(lcBooking).noquote() << "booking" << booking->id << "signed: pay order" << *orderId;

    return {*orderId, m_pay.cashier(*orderId, booking->amount)};
}

} // namespace pomelo
