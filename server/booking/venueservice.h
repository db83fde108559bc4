#pragma once

#include "bookingservice.h"
#include "storage/bookingrepository.h"
#include "storage/closurerepository.h"
#include "storage/venuerepository.h"

#include <QDateTime>
#include <QTimeZone>

#include <optional>

namespace pomelo {

class Database;

/// A venue's fields as staff enter them (admin API, `venue add|edit`). `active` unset: a new
/// venue is active, an edited one keeps its state.
struct VenueDraft
{
    QString name;
    QString sport;
    QString openFrom;
    QString openTo;
    int slotMinutes = 60;
    qint64 pricePerSlot = 0;
    std::optional<bool> active;
};

/// A closure as staff enter it: [startsAt, endsAt), optionally only on some ISO weekdays and at
/// some hours of each day ("HH:MM", dailyTo may be "24:00").
struct ClosureDraft
{
    qint64 startsAtMs = 0;
    qint64 endsAtMs = 0;
    QList<int> days;
    QString dailyFrom;
    QString dailyTo;
    QString reason;
};

/// A closure with the active bookings it covers now (not yet ended).
struct ClosureView
{
    VenueClosure closure;
    QList<Booking> bookings;
};

struct ClosureConfirmation
{
    VenueClosure closure;
    QList<std::pair<qint64, ClosureCancelOutcome>> outcomes; ///< by booking id
};

/// Venues and their closures, as staff manage them. The booking module owns this state: its
/// BookingService reads venues and closures for every booking, and makes every booking
/// transition a closure causes (cancelForClosure). Callers audit (admin routes, `venue` command).
///
/// Changing a venue's grid (hours, slot length) needs no guard of its own: slot rows are 5-minute
/// units (bookingpolicy.h), so the unique index refuses a booking that overlaps one made on the
/// old grid, by however little. Bookings made before stay as they are.
class VenueService
{
public:
    VenueService(Database &db, const QTimeZone &zone)
        : m_db(db)
        , m_zone(zone)
    { }

    /// Every venue, inactive ones too.
    QList<Venue> list() const;
    /// 4040 when there is no such venue.
    Venue get(qint64 venueId) const;
    /// Errors: 4001 naming the field (name 1..64 characters of text, sport `[a-z][a-z0-9_]*` up
    /// to 32, hours and slot length: validateVenueGrid()).
    Venue create(const VenueDraft &draft);
    /// Errors: 4040, 4001 as create().
    Venue update(qint64 venueId, const VenueDraft &draft);

    /// The closures of a venue, those not ended at @p now unless @p includePast. 4040.
    QList<VenueClosure> closures(qint64 venueId, bool includePast, const QDateTime &now) const;
    /// 4040 for a closure of another venue or none.
    ClosureView closure(qint64 venueId, qint64 closureId, const QDateTime &now) const;
    /// Errors: 4040 (venue), 4001 (to not after from, longer than 366 days, already ended, days
    /// not 1..7, daily hours not HH:MM or not on 5 minutes or from not before to, reason
    /// missing or longer than 200). The venue's row is locked while it is written, so bookings in
    /// flight either committed before (and are listed) or see the closure.
    ClosureView createClosure(qint64 venueId, const ClosureDraft &draft, const QString &actor,
                              const QDateTime &now);
    /// 4040.
    VenueClosure deleteClosure(qint64 venueId, qint64 closureId);
    /// Marks it CONFIRMED (by @p actor, @p reason), then cancels every booking it covers through
    /// @p bookings (refunding the paid ones). Confirming a CONFIRMED closure again retries what
    /// is not finished. 4040.
    ClosureConfirmation confirmClosure(qint64 venueId, qint64 closureId, const QString &actor,
                                       const QString &reason, BookingService &bookings,
                                       const QDateTime &now);

    /// The active bookings @p closure covers that have not ended at @p now.
    QList<Booking> affectedBookings(const VenueClosure &closure, const QDateTime &now) const;

private:
    static void validate(const VenueDraft &draft);

    Database &m_db;
    QTimeZone m_zone;
};

} // namespace pomelo
