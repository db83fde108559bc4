#pragma once

#include "servercontext.h"
#include "storage/bookingrepository.h"
#include "storage/pagination.h"
#include "storage/venuerepository.h"

namespace pomelo {

class DelayedQueue;

struct SlotView
{
    QString startTime;
    QString endTime;
    QString state; ///< FREE, HELD (pending payment), BOOKED
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
class BookingService
{
public:
    BookingService(const ServerContext &context, DelayedQueue &expiryQueue);

    QList<Venue> venues() const;
    /// Every slot of the day with its state; Error(InvalidBookingInput) for an unknown venue or a
    /// malformed date.
    QList<SlotView> daySlots(qint64 venueId, const QString &date) const;

    /// Errors: 1003 (input), 1001 (lock busy for 5 s), 1002 (taken), 5030.
    Booking create(qint64 userId, const CreateBookingInput &input);
    /// 1004 unknown, 1005 someone else's.
    Booking get(qint64 userId, qint64 bookingId) const;
    Page<Booking> list(qint64 userId, const std::optional<PageCursor> &after, int limit) const;
    /// Cancels an unpaid booking (frees its slots); 1006 in any other state.
    Booking cancel(qint64 userId, qint64 bookingId);

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
    const ServerContext &m_ctx;
    DelayedQueue &m_expiryQueue;
};

} // namespace pomelo
