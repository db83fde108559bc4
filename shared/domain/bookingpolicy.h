#pragma once

// The campus's booking rules (how far ahead, from what time, how many per student) and the
// venue closures, as pure functions of their inputs and an injected clock: BookingService applies
// them, tests/unit/test_bookingpolicy.cpp proves them.

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QTimeZone>

namespace pomelo {

/// Slot rows are kept per 5 minutes of a booking, whatever the venue's grid: two bookings that
/// overlap by a minute share a unit row, so the partial unique index over active rows refuses the
/// second one even when they were made on different grids (a venue's hours or slot length
/// changed in between). Every grid is therefore made of whole units: opening hours and slot
/// lengths are multiples of 5 minutes.
inline constexpr int SlotUnitMinutes = 5;

/// The unit starts (minutes after midnight) of [@p startMinutes, @p endMinutes), ascending.
QList<int> slotUnits(int startMinutes, int endMinutes);

/// `booking.days_ahead` and `booking.open_time`: the day today + daysAhead opens for booking at
/// openTime today (the morning rush); days further ahead are not bookable yet.
struct BookingWindow
{
    int daysAhead = 7;
    int openTimeMinutes = 8 * 60;
};

/// When @p date opens for booking: daysAhead days before it, at openTime, in @p zone.
QDateTime bookingOpensAt(const BookingWindow &window, const QDate &date, const QTimeZone &zone);

/// Error(BookingDayNotOpen, message argument: the opening time "YYYY-MM-DD HH:MM") when @p date
/// is the window's last day and @p now is before its opening; Error(InvalidBookingInput) when it
/// is further ahead (API.md 1003: "more than N days ahead"). Days before are not this rule's.
void checkBookingWindow(const BookingWindow &window, const QDate &date, const QDateTime &now,
                        const QTimeZone &zone);

/// `booking.max_per_day` and `booking.max_per_week` (0: no limit).
struct BookingLimits
{
    int maxPerDay = 0;
    int maxPerWeek = 0;
};

/// Error(DailyBookingLimit) or Error(WeeklyBookingLimit) (message argument: the limit) when a
/// student who holds @p heldOnDay active bookings on the day and @p heldInWeek in its week may
/// not add one more.
void checkBookingLimits(const BookingLimits &limits, int heldOnDay, int heldInWeek);

/// The Monday of @p date's ISO week.
QDate weekStart(const QDate &date);

/// The times a closure covers: [startsAt, endsAt), and within them, when set, only the ISO
/// weekdays of @p days (bit d-1 for weekday d) and only dailyFrom–dailyTo of each day.
struct ClosureTimes
{
    qint64 startsAtMs = 0;
    qint64 endsAtMs = 0; ///< exclusive
    int days = 0; ///< 0: every day
    int dailyFromMinutes = -1; ///< -1: the whole day
    int dailyToMinutes = -1; ///< exclusive; may be 1440

    bool coversWeekday(int isoWeekday) const
    {
        return days == 0 || (days & (1 << (isoWeekday - 1))) != 0;
    }
};

/// Whether @p closure covers any minute of [@p startMinutes, @p endMinutes) of @p date in @p zone.
bool closureCovers(const ClosureTimes &closure, const QDate &date, int startMinutes, int endMinutes,
                   const QTimeZone &zone);

/// ISO weekdays (1..7) ↔ the bit set of ClosureTimes::days. daysMask() throws
/// Error(InvalidParameter) for a day outside 1..7 or given twice.
int daysMask(const QList<int> &isoWeekdays);
QList<int> daysList(int mask);

/// A venue's grid as staff enter it: "HH:MM" hours (openTo may be "24:00"), the slot length, the
/// price. Error(InvalidParameter) naming the field: hours not HH:MM, openFrom not before openTo,
/// not on the 5-minute unit, slot length not a multiple of 5 in 5..720 or longer than the day,
/// price not 1..100000000 cents (a booking is paid: API.md amounts).
void validateVenueGrid(const QString &openFrom, const QString &openTo, int slotMinutes,
                       qint64 pricePerSlot);

} // namespace pomelo
