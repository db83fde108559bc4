#include "bookingrules.h"

#include "errors.h"

namespace pomelo {

namespace {

bool isDigits(QStringView s)
{
    return std::all_of(s.begin(), s.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

[[noreturn]] void invalid(const QString &why)
{
    throw Error(ErrorCode::InvalidBookingInput, why);
}

} // namespace

int parseClockTime(const QString &text)
{
    if (text.size() != 5 || text.at(2) != u':' || !isDigits(QStringView(text).first(2))
        || !isDigits(QStringView(text).sliced(3)))
        return -1;
    const int h = QStringView(text).first(2).toInt();
    const int m = QStringView(text).sliced(3).toInt();
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

QString formatClockTime(int minutes)
{
    return QStringLiteral("%1:%2")
        .arg(minutes / 60, 2, 10, QLatin1Char('0'))
        .arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

QDate parseIsoDate(const QString &text)
{
    if (text.size() != 10 || text.at(4) != u'-' || text.at(7) != u'-'
        || !isDigits(QStringView(text).first(4)) || !isDigits(QStringView(text).sliced(5, 2))
        || !isDigits(QStringView(text).sliced(8)))
        return {};
    return QDate(QStringView(text).first(4).toInt(), QStringView(text).sliced(5, 2).toInt(),
                 QStringView(text).sliced(8).toInt());
}

QList<int> slotStartsOfDay(const VenueHours &venue)
{
    QList<int> starts;
    if (venue.slotMinutes <= 0)
        return starts;
    for (int t = venue.openFromMinutes; t + venue.slotMinutes <= venue.openToMinutes;
         t += venue.slotMinutes)
        starts.append(t);
    return starts;
}

QDateTime slotStartInstant(const QDate &date, int startMinutes, const QTimeZone &zone)
{
    return QDateTime(date, QTime(startMinutes / 60, startMinutes % 60), zone);
}

BookingRange validateBookingRange(const VenueHours &venue, const QString &date,
                                  const QString &startTime, const QString &endTime,
                                  const QDateTime &now, const QTimeZone &zone, int maxDaysAhead)
{
    BookingRange range;
    range.date = parseIsoDate(date);
    if (!range.date.isValid())
        invalid(QStringLiteral("date is not YYYY-MM-DD"));
    range.startMinutes = parseClockTime(startTime);
    range.endMinutes = endTime == QLatin1String("24:00") ? 24 * 60 : parseClockTime(endTime);
    if (range.startMinutes < 0 || range.endMinutes < 0)
        invalid(QStringLiteral("time is not HH:MM"));
    if (range.endMinutes <= range.startMinutes)
        invalid(QStringLiteral("end is not after start"));
    if (range.startMinutes < venue.openFromMinutes || range.endMinutes > venue.openToMinutes)
        invalid(QStringLiteral("outside opening hours"));
    if (venue.slotMinutes <= 0
        || (range.startMinutes - venue.openFromMinutes) % venue.slotMinutes != 0
        || (range.endMinutes - venue.openFromMinutes) % venue.slotMinutes != 0)
        invalid(QStringLiteral("off the slot grid"));

    const QDate today = now.toTimeZone(zone).date();
    if (range.date > today.addDays(maxDaysAhead))
        invalid(QStringLiteral("more than %1 days ahead").arg(maxDaysAhead));
    // A slot that has already begun cannot be booked: the first slot's start must be ahead of now.
    if (slotStartInstant(range.date, range.startMinutes, zone) <= now)
        invalid(QStringLiteral("in the past"));

    for (int t = range.startMinutes; t < range.endMinutes; t += venue.slotMinutes)
        range.slotStarts.append(t);
    return range;
}

} // namespace pomelo
