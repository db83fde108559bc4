#pragma once

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QTimeZone>

namespace pomelo {

/// What the rules need of a venue: its opening hours and its slot grid.
struct VenueHours
{
    int openFromMinutes = 0; ///< minutes after midnight, e.g. 08:00 → 480
    int openToMinutes = 0; ///< exclusive end of the last slot
    int slotMinutes = 60;
};

/// A booking request after validation: the day and the slot starts it covers.
struct BookingRange
{
    QDate date;
    int startMinutes = 0;
    int endMinutes = 0;
    QList<int> slotStarts; ///< minutes after midnight, one per slot, ascending

    int slotCount() const { return static_cast<int>(slotStarts.size()); }
};

/// Parses "HH:MM" strictly (two digits each, 00–23 / 00–59); -1 if malformed.
int parseClockTime(const QString &text);
/// Minutes after midnight → "HH:MM".
QString formatClockTime(int minutes);
/// Parses "YYYY-MM-DD" strictly (a real calendar date); invalid QDate if malformed.
QDate parseIsoDate(const QString &text);

/// The booking rules of API.md error 1003: the range is on the venue's slot grid, inside its
/// opening hours, end after start, not in the past (the first slot has not begun in @p zone at
/// @p now) and at most @p maxDaysAhead days ahead. Throws Error(InvalidBookingInput) naming the
/// rule in the detail.
BookingRange validateBookingRange(const VenueHours &venue, const QString &date,
                                  const QString &startTime, const QString &endTime,
                                  const QDateTime &now, const QTimeZone &zone,
                                  int maxDaysAhead = 7);

/// Every slot start of a day for @p venue.
QList<int> slotStartsOfDay(const VenueHours &venue);

/// The instant a slot starts, in @p zone.
QDateTime slotStartInstant(const QDate &date, int startMinutes, const QTimeZone &zone);

} // namespace pomelo
