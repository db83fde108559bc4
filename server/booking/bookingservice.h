#pragma once

#include "domain/bookingpolicy.h"
#include "servercontext.h"
#include "signservice.h"
#include "storage/bookingrepository.h"
#include "storage/pagination.h"
#include "storage/venuerepository.h"

namespace pomelo {

class DelayedQueue;

/// What a merchant notification did to the booking it concerns.
enum class PayNotifyOutcome {
    Applied, ///< the booking moved (PAID, or CANCELLED with its slots freed)
    AlreadyDone, ///< a repeated notification: the booking was there already
    Ignored, ///< a status the booking does not follow (logged)
};

struct SlotView
{
    QString startTime;
    QString endTime;
    QString state; ///< FREE, HELD (pending payment), BOOKED, CLOSED (a closure of the venue)
};

/// What cancelling a booking for a venue closure did (api::ClosureOutcome's words).
struct ClosureCancelOutcome
{
    QString outcome; ///< CANCELLED, REFUNDED, REFUNDING, UNCHANGED, FAILED
    BookingStatus status = BookingStatus::PendingPayment; ///< the booking's status afterwards
    int code = 0; ///< FAILED: the error code (the booking stays as it was, or REFUNDING)
};

struct CreateBookingInput
{
    qint64 venueId = 0;
    QString date;
    QString startTime;
    QString endTime;
};

/// DESIGN.md step 1 and the booking half of API.md. The Redis lock of a range is for efficiency
/// only; the partial unique index over active slot rows is what makes a double booking
/// impossible (a lock that expired during a pause cannot cause one).
///
/// Every transition of a booking's status is made here: create, cancel (unpaid or with a refund),
/// expire, the pay platform's verdicts (applyPayResult) and refunds (markRefunded). SignService
/// only talks to the pay platform.
class BookingService
{
public:
    /// Called (on the changing thread, after the commit) when this service moved a booking on
    /// from PENDING_PAYMENT by a pay result, or to REFUNDED: wakes the booking's long polls.
    void setStatusObserver(std::function<void(qint64 bookingId)> observer)
    {
        m_statusObserver = std::move(observer);
    }

    BookingService(const ServerContext &context, DelayedQueue &expiryQueue);

    QList<Venue> venues() const;
    /// Every slot of the day with its state; Error(InvalidBookingInput) for an unknown venue or a
    /// malformed date, Error(VenueInactive) for a venue out of service.
    QList<SlotView> daySlots(qint64 venueId, const QString &date) const;

    /// Errors: 1003 (input, or more than booking.days_ahead ahead), 1020 (the day opens later
    /// today, at booking.open_time), 1021/1022 (the student's daily or weekly limit), 1023 (a
    /// closure covers the range), 1024 (venue inactive), 1001 (lock busy for 5 s), 1002 (taken),
    /// 5030. @p now is the clock (tests inject it); unset: the current time.
    Booking create(qint64 userId, const CreateBookingInput &input,
                   std::optional<QDateTime> now = std::nullopt);
    /// 1004 unknown, 1005 someone else's.
    Booking get(qint64 userId, qint64 bookingId) const;
    Page<Booking> list(qint64 userId, const std::optional<PageCursor> &after, int limit) const;
    /// The user cancels a booking. Unpaid (and never signed): CANCELLED, slots freed. PAID or
    /// REFUNDING: cancelled with a full refund (before its start minus
    /// `booking.refund_cutoff_minutes`): PAID -> REFUNDING, the refund asked of the pay platform,
    /// REFUNDED (slots freed) when it succeeded at once; otherwise the REFUNDED merchant
    /// notification finishes it. Cancelling a REFUNDING booking again asks for the same refund
    /// (same outRefundNo), which is how a failed call is retried.
    /// Errors: 1004 unknown, 1005 someone else's, 1006 in other states, 1025 too late to refund
    /// (booking.refund_cutoff_minutes), the pay platform's errors for the refund call.
    Booking cancel(qint64 userId, qint64 bookingId);

    /// A confirmed closure of its venue covers the booking: unpaid and unsigned, CANCELLED;
    /// signed but unpaid, its pay order closed at the pay platform (at the channel too) and then
    /// CANCELLED, or, when the order turns out paid meanwhile, refunded like a paid booking;
    /// PAID (or REFUNDING), refunded in full through the same refund as a user's cancel (same
    /// outRefundNo, so never twice), whatever the refund cut-off, with the reason
    /// "场地关闭: <reason>"; checked in or finished, UNCHANGED. The student gets a message in the
    /// inbox ("场地关闭，预订已取消" / "场地关闭，预订已退款"), once. Errors of the pay platform
    /// are returned as FAILED (the booking stays PENDING_PAYMENT with its order, or REFUNDING;
    /// confirming again retries), never thrown.
    ClosureCancelOutcome cancelForClosure(qint64 bookingId, const QString &venueName,
                                          const QString &reason);

    /// The campus rules of the configuration (booking.days_ahead, open_time, max_per_*).
    const BookingWindow &window() const { return m_window; }
    const BookingLimits &limits() const { return m_limits; }

    /// REFUNDING (or PAID, for a refund an admin made; or PENDING_PAYMENT when REFUNDED overtook
    /// PAID) -> REFUNDED, slots freed. Idempotent: false when nothing moved.
    bool markRefunded(qint64 bookingId);

    /// A verified merchant notification of pay order @p orderId: finds the booking (by pay order,
    /// else by @p outTradeNo = booking id; 1004), then PAID -> booking PAID (2001 when @p amount is
    /// not the booking's); REFUNDED -> markRefunded(); CLOSED/FAILED -> CANCELLED with its slots
    /// freed. Repeated notifications are harmless. A PAID notification for a booking that was
    /// cancelled meanwhile is refused (1006) so that it stays visible.
    PayNotifyOutcome applyPayResult(qint64 orderId, const QString &outTradeNo,
                                    const QString &status, qint64 amount);

    /// The booking-expiry delayed queue fired: cancels the booking if it is still unpaid and was
    /// never signed. Idempotent; true when the item is done (also when nothing was left to do).
    bool expire(qint64 bookingId);
    /// The reminder item fired: tells a user whose booking is still unpaid that it expires soon
    /// ("预订即将过期" in the inbox). Idempotent.
    bool remind(qint64 bookingId);
    /// Queue ids of reminders: "remind:<bookingId>".
    static QByteArray reminderId(qint64 bookingId);

    /// Safety net for expiries whose queue item was never scheduled (Redis failed right after the
    /// commit): cancels what is overdue according to the database. Returns how many.
    int sweepExpired(int limit = 100);

private:
    void notifyStatusChange(qint64 bookingId) const;
    Booking cancelUnpaid(qint64 userId, qint64 bookingId);
    Booking cancelPaid(qint64 userId, qint64 bookingId);

    ClosureCancelOutcome closeSignedForClosure(const Booking &booking, const QString &venueName,
                                               const QString &reason);
    ClosureCancelOutcome refundForClosure(const Booking &booking, const QString &venueName,
                                          const QString &reason);
    /// Drops the expiry and reminder items of a booking that is cancelled.
    void forgetExpiry(qint64 bookingId);
    void tellClosure(const Booking &booking, const QString &venueName, const QString &reason,
                     const QString &outcome) const;

    const ServerContext &m_ctx;
    DelayedQueue &m_expiryQueue;
    SignService m_payPlatform;
    BookingWindow m_window;
    BookingLimits m_limits;
    std::function<void(qint64)> m_statusObserver;
};

} // namespace pomelo
