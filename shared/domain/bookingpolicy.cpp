#include "bookingpolicy.h"

#include "bookingrules.h"
#include "errors.h"

#include <algorithm>

namespace pomelo {

namespace {

[[noreturn]] void badParameter(const QString &why)
{
    throw Error(ErrorCode::InvalidParameter, why);
}

QDateTime instantOf(const QDate &date, int minutes, const QTimeZone &zone)
{
    // 24:00 is the next day's midnight.
    return QDateTime(date, QTime(0, 0), zone).addSecs(qint64(minutes) * 60);
}

int clockOrEndOfDay(const QString &text)
{
    return text == QLatin1String("24:00") ? 24 * 60 : parseClockTime(text);
}

} // namespace

QList<int> slotUnits(int startMinutes, int endMinutes)
{
    QList<int> units;
    for (int t = startMinutes; t < endMinutes; t += SlotUnitMinutes)
        units.append(t);
    return units;
}

QDateTime bookingOpensAt(const BookingWindow &window, const QDate &date, const QTimeZone &zone)
{
    return instantOf(date.addDays(-window.daysAhead), window.openTimeMinutes, zone);
}

void checkBookingWindow(const BookingWindow &window, const QDate &date, const QDateTime &now,
                        const QTimeZone &zone)
{
    const QDate today = now.toTimeZone(zone).date();
    const QDate last = today.addDays(window.daysAhead);
    if (date > last)
        throw Error(ErrorCode::InvalidBookingInput,
                    QStringLiteral("more than %1 days ahead").arg(window.daysAhead));
    if (date < last)
        return;
    const QDateTime opens = bookingOpensAt(window, date, zone);
    if (now < opens)
        throw Error(ErrorCode::BookingDayNotOpen,
                    QStringLiteral("%1 opens at %2")
                        .arg(date.toString(Qt::ISODate), opens.toString(Qt::ISODate)),
                    {opens.toTimeZone(zone).toString(QStringLiteral("yyyy-MM-dd HH:mm"))});
}

void checkBookingLimits(const BookingLimits &limits, int heldOnDay, int heldInWeek)
{
    if (limits.maxPerDay > 0 && heldOnDay >= limits.maxPerDay)
        throw Error(ErrorCode::DailyBookingLimit,
                    QStringLiteral("%1 bookings on the day already").arg(heldOnDay),
                    {QString::number(limits.maxPerDay)});
    if (limits.maxPerWeek > 0 && heldInWeek >= limits.maxPerWeek)
        throw Error(ErrorCode::WeeklyBookingLimit,
                    QStringLiteral("%1 bookings in the week already").arg(heldInWeek),
                    {QString::number(limits.maxPerWeek)});
}

QDate weekStart(const QDate &date)
{
    return date.addDays(1 - date.dayOfWeek());
}

bool closureCovers(const ClosureTimes &closure, const QDate &date, int startMinutes, int endMinutes,
                   const QTimeZone &zone)
{
    if (!closure.coversWeekday(date.dayOfWeek()))
        return false;
    int from = startMinutes;
    int to = endMinutes;
    if (closure.dailyFromMinutes >= 0) {
        from = std::max(from, closure.dailyFromMinutes);
        to = std::min(to, closure.dailyToMinutes);
    }
    if (from >= to)
        return false;
    return instantOf(date, from, zone).toMSecsSinceEpoch() < closure.endsAtMs
        && instantOf(date, to, zone).toMSecsSinceEpoch() > closure.startsAtMs;
}

int daysMask(const QList<int> &isoWeekdays)
{
    int mask = 0;
    for (const int d : isoWeekdays) {
        if (d < 1 || d > 7)
            badParameter(QStringLiteral("days: %1 is no ISO weekday (1..7)").arg(d));
        if (mask & (1 << (d - 1)))
            badParameter(QStringLiteral("days: %1 given twice").arg(d));
        mask |= 1 << (d - 1);
    }
    return mask;
}

QList<int> daysList(int mask)
{
    QList<int> days;
    for (int d = 1; d <= 7; ++d) {
        if (mask & (1 << (d - 1)))
            days.append(d);
    }
    return days;
}

void validateVenueGrid(const QString &openFrom, const QString &openTo, int slotMinutes,
                       qint64 pricePerSlot)
{
    const int from = parseClockTime(openFrom);
    const int to = clockOrEndOfDay(openTo);
    if (from < 0)
        badParameter(QStringLiteral("openFrom is not HH:MM"));
    if (to < 0)
        badParameter(QStringLiteral("openTo is not HH:MM (or 24:00)"));
    if (from >= to)
        badParameter(QStringLiteral("openFrom is not before openTo"));
    if (from % SlotUnitMinutes != 0 || to % SlotUnitMinutes != 0)
        badParameter(QStringLiteral("opening hours are not on a 5-minute boundary"));
    if (slotMinutes < SlotUnitMinutes || slotMinutes > 720 || slotMinutes % SlotUnitMinutes != 0)
        badParameter(QStringLiteral("slotMinutes is not a multiple of 5 in 5..720"));
    if (slotMinutes > to - from)
        badParameter(QStringLiteral("slotMinutes is longer than the opening hours"));
    if (pricePerSlot < 1 || pricePerSlot > 100000000)
        badParameter(QStringLiteral("pricePerSlot is not 1..100000000 cents"));
}

} // namespace pomelo
