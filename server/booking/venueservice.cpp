#include "venueservice.h"

#include "bookingservice.h"
#include "domain/bookingrules.h"
#include "domain/errors.h"
#include "domain/text.h"
#include "storage/database.h"
#include "telemetry/logging.h"

#include <QRegularExpression>

namespace pomelo {

namespace {

constexpr int MaxNameLength = 64;
constexpr int MaxClosureReasonLength = 200;
constexpr qint64 MaxClosureMs = 366LL * 24 * 3600 * 1000;

[[noreturn]] void badParameter(const QString &why)
{
    throw Error(ErrorCode::InvalidParameter, why);
}

int dailyMinutes(const QString &text, const char *field)
{
    const int m = text == QLatin1String("24:00") ? 24 * 60 : parseClockTime(text);
    if (m < 0 || m % SlotUnitMinutes != 0)
        badParameter(
            QStringLiteral("%1 is not HH:MM on a 5-minute boundary").arg(QLatin1String(field)));
    return m;
}

bool isActive(BookingStatus s)
{
    return s == BookingStatus::PendingPayment || s == BookingStatus::Paid
        || s == BookingStatus::Refunding || s == BookingStatus::CheckedIn;
}

} // namespace

void VenueService::validate(const VenueDraft &d)
{
    const QString name = d.name.trimmed();
    if (name.isEmpty() || name.size() > MaxNameLength || hasControlCharacters(name))
        badParameter(QStringLiteral("name is not 1..64 characters of text"));
    static const QRegularExpression sport(QStringLiteral("^[a-z][a-z0-9_]{0,31}$"));
    if (!sport.match(d.sport).hasMatch())
        badParameter(QStringLiteral("sport is not [a-z][a-z0-9_]* (at most 32)"));
    validateVenueGrid(d.openFrom, d.openTo, d.slotMinutes, d.pricePerSlot);
}

QList<Venue> VenueService::list() const
{
    return VenueRepository(m_db).list(false);
}

Venue VenueService::get(qint64 venueId) const
{
    const std::optional<Venue> v = VenueRepository(m_db).find(venueId);
    if (!v)
        throw Error(ErrorCode::NotFound, QStringLiteral("no venue %1").arg(venueId));
    return *v;
}

Venue VenueService::create(const VenueDraft &draft)
{
    validate(draft);
    Venue v;
    v.name = draft.name.trimmed();
    v.sport = draft.sport;
    v.openFrom = draft.openFrom;
    v.openTo = draft.openTo;
    v.slotMinutes = draft.slotMinutes;
    v.pricePerSlot = draft.pricePerSlot;
    v.active = true;
    v.createdAt = nowMs();
    v.id = m_db.transact([&](Transaction &tx) { return VenueRepository(m_db).insert(tx, v); });
    qCInfo(lcBooking) << "venue" << v.id << "created:" << v.name;
    return v;
}

Venue VenueService::update(qint64 venueId, const VenueDraft &draft)
{
    validate(draft);
    VenueRepository venues(m_db);
    return m_db.transact([&](Transaction &tx) {
        std::optional<Venue> v = venues.find(tx, venueId, VenueRepository::Lock::ForUpdate);
        if (!v)
            throw Error(ErrorCode::NotFound, QStringLiteral("no venue %1").arg(venueId));
        v->name = draft.name.trimmed();
        v->sport = draft.sport;
        v->openFrom = draft.openFrom;
        v->openTo = draft.openTo;
        v->slotMinutes = draft.slotMinutes;
        v->pricePerSlot = draft.pricePerSlot;
        v->active = draft.active.value_or(v->active);
        if (!venues.update(tx, *v))
            throw Error(ErrorCode::NotFound, QStringLiteral("venue gone"));
        return *v;
    });
}

QList<VenueClosure> VenueService::closures(qint64 venueId, bool includePast,
                                           const QDateTime &now) const
{
    get(venueId);
    return ClosureRepository(m_db).listByVenue(venueId, includePast ? 0 : now.toMSecsSinceEpoch());
}

ClosureView VenueService::closure(qint64 venueId, qint64 closureId, const QDateTime &now) const
{
    const std::optional<VenueClosure> c = ClosureRepository(m_db).find(closureId);
    if (!c || c->venueId != venueId)
        throw Error(ErrorCode::NotFound, QStringLiteral("no closure %1").arg(closureId));
    return {*c, affectedBookings(*c, now)};
}

ClosureView VenueService::createClosure(qint64 venueId, const ClosureDraft &d, const QString &actor,
                                        const QDateTime &now)
{
    if (d.endsAtMs <= d.startsAtMs)
        badParameter(QStringLiteral("to is not after from"));
    if (d.endsAtMs - d.startsAtMs > MaxClosureMs)
        badParameter(QStringLiteral("a closure is at most 366 days long"));
    if (d.endsAtMs <= now.toMSecsSinceEpoch())
        badParameter(QStringLiteral("the closure has ended already"));
    const QString reason = d.reason.trimmed();
    if (reason.isEmpty() || reason.size() > MaxClosureReasonLength || hasControlCharacters(reason))
        badParameter(QStringLiteral("reason is not 1..200 characters of text"));
    VenueClosure c;
    c.venueId = venueId;
    c.times.startsAtMs = d.startsAtMs;
    c.times.endsAtMs = d.endsAtMs;
    c.times.days = daysMask(d.days);
    if (!d.dailyFrom.isEmpty() || !d.dailyTo.isEmpty()) {
        c.times.dailyFromMinutes = dailyMinutes(d.dailyFrom, "dailyFrom");
        c.times.dailyToMinutes = dailyMinutes(d.dailyTo, "dailyTo");
        if (c.times.dailyFromMinutes >= c.times.dailyToMinutes)
            badParameter(QStringLiteral("dailyFrom is not before dailyTo"));
    }
    c.reason = reason;
    c.createdBy = actor;
    c.createdAt = now.toMSecsSinceEpoch();
    c.id = m_db.transact([&](Transaction &tx) {
        // Bookings of the venue share-lock its row: this waits for those in flight, and the
        // ones after see the closure.
        if (!VenueRepository(m_db).find(tx, venueId, VenueRepository::Lock::ForUpdate))
            throw Error(ErrorCode::NotFound, QStringLiteral("no venue %1").arg(venueId));
        return ClosureRepository(m_db).insert(tx, c);
    });
    qCInfo(lcBooking).noquote() << "venue" << venueId << "closure" << c.id << "created by" << actor;
    return {c, affectedBookings(c, now)};
}

VenueClosure VenueService::deleteClosure(qint64 venueId, qint64 closureId)
{
    ClosureRepository closures(m_db);
    return m_db.transact([&](Transaction &tx) {
        const std::optional<VenueClosure> c = closures.find(tx, closureId, RowLock::ForUpdate);
        if (!c || c->venueId != venueId || !closures.remove(tx, closureId))
            throw Error(ErrorCode::NotFound, QStringLiteral("no closure %1").arg(closureId));
        return *c;
    });
}

ClosureConfirmation VenueService::confirmClosure(qint64 venueId, qint64 closureId,
                                                 const QString &actor, const QString &reason,
                                                 BookingService &bookings, const QDateTime &now)
{
    ClosureRepository closures(m_db);
    const Venue venue = get(venueId);
    const VenueClosure c = m_db.transact([&](Transaction &tx) {
        const std::optional<VenueClosure> found = closures.find(tx, closureId, RowLock::ForUpdate);
        if (!found || found->venueId != venueId)
            throw Error(ErrorCode::NotFound, QStringLiteral("no closure %1").arg(closureId));
        if (found->state == ClosureState::PendingConfirmation)
            closures.confirm(tx, closureId, actor, reason, now.toMSecsSinceEpoch());
        return *found;
    });
    ClosureConfirmation out {*closures.find(closureId), {}};
    const QList<Booking> affected = affectedBookings(c, now);
    for (const Booking &b : affected)
        out.outcomes.append({b.id, bookings.cancelForClosure(b.id, venue.name, c.reason)});
    qCInfo(lcBooking).noquote() << "venue" << venueId << "closure" << closureId << "confirmed by"
                                << actor << ":" << affected.size() << "bookings";
    return out;
}

QList<Booking> VenueService::affectedBookings(const VenueClosure &c, const QDateTime &now) const
{
    // Bookings exist from today to booking.days_ahead (at most 90) days ahead.
    const QDate today = now.toTimeZone(m_zone).date();
    const QDate first = std::max(
        today, QDateTime::fromMSecsSinceEpoch(c.times.startsAtMs, m_zone).date().addDays(-1));
    const QDate last = std::min(today.addDays(92),
                                QDateTime::fromMSecsSinceEpoch(c.times.endsAtMs, m_zone).date());
    QList<Booking> out;
    if (first > last)
        return out;
    const QList<Booking> candidates = BookingRepository(m_db).activeOfVenue(
        c.venueId, first.toString(Qt::ISODate), last.toString(Qt::ISODate));
    for (const Booking &b : candidates) {
        const QDate day = parseIsoDate(b.date);
        const int start = parseClockTime(b.startTime);
        const int end = b.endTime == QLatin1String("24:00") ? 24 * 60 : parseClockTime(b.endTime);
        if (!isActive(b.status) || !day.isValid() || start < 0 || end < 0)
            continue;
        const qint64 endsAt =
            QDateTime(day, QTime(0, 0), m_zone).addSecs(qint64(end) * 60).toMSecsSinceEpoch();
        if (endsAt <= now.toMSecsSinceEpoch())
            continue;
        if (closureCovers(c.times, day, start, end, m_zone))
            out.append(b);
    }
    return out;
}

} // namespace pomelo
