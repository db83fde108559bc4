// shared/domain/bookingpolicy.*: the campus's booking window (days ahead, opening time), the
// per-student limits, closures (date spans, weekdays, daily hours), the 5-minute slot units and
// the venue grid validation — every rule with an injected clock, in data tables.
#include "domain/bookingpolicy.h"
#include "domain/errors.h"

#include <QTest>

using namespace pomelo;
using namespace Qt::StringLiterals;

namespace {

const QTimeZone Shanghai(QByteArrayLiteral("Asia/Shanghai"));

QDateTime at(const char *local)
{
    return QDateTime::fromString(QString::fromLatin1(local), Qt::ISODate).toTimeZone(Shanghai);
}

QDateTime shanghai(const char *localNoZone)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(localNoZone), Qt::ISODate);
    t.setTimeZone(Shanghai);
    return t;
}

/// 0 when @p f throws nothing, else the code it throws.
template<typename F> int codeOf(F &&f, QStringList *args = nullptr)
{
    try {
        f();
    } catch (const Error &e) {
        if (args)
            *args = e.messageArgs();
        return static_cast<int>(e.code());
    }
    return 0;
}

} // namespace

class TestBookingPolicy : public QObject
{
    Q_OBJECT

private slots:
    void window_data();
    void window();
    void limits_data();
    void limits();
    void closures_data();
    void closures();
    void units();
    void days();
    void grid_data();
    void grid();
    void messagesCarryTheirArguments();
};

void TestBookingPolicy::window_data()
{
    QTest::addColumn<int>("daysAhead");
    QTest::addColumn<QString>("openTime");
    QTest::addColumn<QDateTime>("now");
    QTest::addColumn<QString>("date");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("opensAt");
    const QDateTime morning = shanghai("2026-12-07T07:59:59");
    const QDateTime eight = shanghai("2026-12-07T08:00:00");
    QTest::newRow("today") << 7 << u"08:00"_s << morning << u"2026-12-07"_s << 0 << QString();
    QTest::newRow("day 6 before eight")
        << 7 << u"08:00"_s << morning << u"2026-12-13"_s << 0 << QString();
    QTest::newRow("day 7 before eight: not open, opens today 08:00")
        << 7 << u"08:00"_s << morning << u"2026-12-14"_s << 1020 << u"2026-12-07 08:00"_s;
    QTest::newRow("day 7 at eight")
        << 7 << u"08:00"_s << eight << u"2026-12-14"_s << 0 << QString();
    QTest::newRow("day 8: beyond the window (1003)")
        << 7 << u"08:00"_s << eight << u"2026-12-15"_s << 1003 << QString();
    QTest::newRow("midnight opening")
        << 7 << u"00:00"_s << shanghai("2026-12-07T00:00:00") << u"2026-12-14"_s << 0 << QString();
    QTest::newRow("3 days ahead at 12:30, before")
        << 3 << u"12:30"_s << shanghai("2026-12-07T12:29:00") << u"2026-12-10"_s << 1020
        << u"2026-12-07 12:30"_s;
    QTest::newRow("3 days ahead at 12:30, after")
        << 3 << u"12:30"_s << shanghai("2026-12-07T12:30:00") << u"2026-12-10"_s << 0 << QString();
    // The clock in UTC: 2026-12-06T23:59 UTC is 07:59 in Shanghai.
    QTest::newRow("clock in UTC") << 7 << u"08:00"_s << at("2026-12-06T23:59:00Z")
                                  << u"2026-12-14"_s << 1020 << u"2026-12-07 08:00"_s;
    QTest::newRow("same-day window (0 days ahead) before opening")
        << 0 << u"08:00"_s << morning << u"2026-12-07"_s << 1020 << u"2026-12-07 08:00"_s;
}

void TestBookingPolicy::window()
{
    QFETCH(int, daysAhead);
    QFETCH(QString, openTime);
    QFETCH(QDateTime, now);
    QFETCH(QString, date);
    QFETCH(int, code);
    QFETCH(QString, opensAt);
    const BookingWindow w {daysAhead, openTime.left(2).toInt() * 60 + openTime.mid(3).toInt()};
    QStringList args;
    QCOMPARE(
        codeOf([&] { checkBookingWindow(w, QDate::fromString(date, Qt::ISODate), now, Shanghai); },
               &args),
        code);
    if (code == 1020)
        QCOMPARE(args, QStringList {opensAt});
}

void TestBookingPolicy::limits_data()
{
    QTest::addColumn<int>("maxPerDay");
    QTest::addColumn<int>("maxPerWeek");
    QTest::addColumn<int>("onDay");
    QTest::addColumn<int>("inWeek");
    QTest::addColumn<int>("code");
    QTest::newRow("no limits") << 0 << 0 << 50 << 300 << 0;
    QTest::newRow("day: one left") << 2 << 0 << 1 << 1 << 0;
    QTest::newRow("day: full") << 2 << 0 << 2 << 2 << 1021;
    QTest::newRow("week: one left") << 0 << 3 << 0 << 2 << 0;
    QTest::newRow("week: full") << 0 << 3 << 0 << 3 << 1022;
    QTest::newRow("both full: the day is said first") << 1 << 1 << 1 << 1 << 1021;
    QTest::newRow("day free, week full") << 2 << 4 << 0 << 4 << 1022;
}

void TestBookingPolicy::limits()
{
    QFETCH(int, maxPerDay);
    QFETCH(int, maxPerWeek);
    QFETCH(int, onDay);
    QFETCH(int, inWeek);
    QFETCH(int, code);
    QStringList args;
    QCOMPARE(codeOf(
                 [&] {
                     checkBookingLimits({maxPerDay, maxPerWeek}, onDay, inWeek);
                 },
                 &args),
             code);
    if (code == 1021)
        QCOMPARE(args, QStringList {QString::number(maxPerDay)});
    if (code == 1022)
        QCOMPARE(args, QStringList {QString::number(maxPerWeek)});
}

void TestBookingPolicy::closures_data()
{
    QTest::addColumn<QDateTime>("from");
    QTest::addColumn<QDateTime>("to");
    QTest::addColumn<QList<int>>("days");
    QTest::addColumn<int>("dailyFrom");
    QTest::addColumn<int>("dailyTo");
    QTest::addColumn<QString>("date");
    QTest::addColumn<int>("start");
    QTest::addColumn<int>("end");
    QTest::addColumn<bool>("covered");
    const QDateTime d8 = shanghai("2026-12-08T00:00:00");
    const QDateTime d10 = shanghai("2026-12-10T00:00:00");
    const QList<int> every;
    // 2026-12-08 is a Tuesday (2), 2026-12-09 a Wednesday (3).
    QTest::newRow("inside a date span")
        << d8 << d10 << every << -1 << -1 << u"2026-12-09"_s << 600 << 660 << true;
    QTest::newRow("the day after the span")
        << d8 << d10 << every << -1 << -1 << u"2026-12-10"_s << 600 << 660 << false;
    QTest::newRow("ends where the span starts")
        << shanghai("2026-12-08T10:00:00") << shanghai("2026-12-08T12:00:00") << every << -1 << -1
        << u"2026-12-08"_s << 540 << 600 << false;
    QTest::newRow("starts where the span ends")
        << shanghai("2026-12-08T10:00:00") << shanghai("2026-12-08T12:00:00") << every << -1 << -1
        << u"2026-12-08"_s << 720 << 780 << false;
    QTest::newRow("overlaps the span's start by 5 minutes")
        << shanghai("2026-12-08T10:00:00") << shanghai("2026-12-08T12:00:00") << every << -1 << -1
        << u"2026-12-08"_s << 545 << 605 << true;
    QTest::newRow("a slot to midnight") << shanghai("2026-12-08T23:30:00") << d10 << every << -1
                                        << -1 << u"2026-12-08"_s << 1380 << 1440 << true;
    QTest::newRow("weekday listed")
        << d8 << d10 << QList<int> {3} << -1 << -1 << u"2026-12-09"_s << 600 << 660 << true;
    QTest::newRow("weekday not listed")
        << d8 << d10 << QList<int> {3} << -1 << -1 << u"2026-12-08"_s << 600 << 660 << false;
    QTest::newRow("daily hours: inside")
        << d8 << d10 << every << 840 << 960 << u"2026-12-08"_s << 900 << 960 << true;
    QTest::newRow("daily hours: before")
        << d8 << d10 << every << 840 << 960 << u"2026-12-08"_s << 780 << 840 << false;
    QTest::newRow("daily hours: across the start")
        << d8 << d10 << every << 840 << 960 << u"2026-12-08"_s << 810 << 870 << true;
    QTest::newRow("daily hours on a weekday, other day")
        << d8 << d10 << QList<int> {3} << 840 << 960 << u"2026-12-08"_s << 840 << 900 << false;
    // Daily 14:00-16:00 but the span ends at 15:00 that day: 15:00-16:00 is open.
    QTest::newRow("daily hours cut by the span's end")
        << d8 << shanghai("2026-12-08T15:00:00") << every << 840 << 960 << u"2026-12-08"_s << 900
        << 960 << false;
    QTest::newRow("daily hours meet the span's end")
        << d8 << shanghai("2026-12-08T15:00:00") << every << 840 << 960 << u"2026-12-08"_s << 870
        << 930 << true;
}

void TestBookingPolicy::closures()
{
    QFETCH(QDateTime, from);
    QFETCH(QDateTime, to);
    QFETCH(QList<int>, days);
    QFETCH(int, dailyFrom);
    QFETCH(int, dailyTo);
    QFETCH(QString, date);
    QFETCH(int, start);
    QFETCH(int, end);
    QFETCH(bool, covered);
    const ClosureTimes c {from.toMSecsSinceEpoch(), to.toMSecsSinceEpoch(), daysMask(days),
                          dailyFrom, dailyTo};
    QCOMPARE(closureCovers(c, QDate::fromString(date, Qt::ISODate), start, end, Shanghai), covered);
}

void TestBookingPolicy::units()
{
    QCOMPARE(slotUnits(600, 620), (QList<int> {600, 605, 610, 615}));
    QCOMPARE(slotUnits(1425, 1440), (QList<int> {1425, 1430, 1435}));
    QVERIFY(slotUnits(600, 600).isEmpty());
    // Two ranges overlap exactly when they share a unit, whatever their grids.
    const auto overlap = [](int s1, int e1, int s2, int e2) {
        const QList<int> a = slotUnits(s1, e1);
        const QList<int> b = slotUnits(s2, e2);
        return std::any_of(a.cbegin(), a.cend(), [&](int u) { return b.contains(u); });
    };
    for (int s1 = 480; s1 < 600; s1 += 5) {
        for (int e1 = s1 + 5; e1 <= 600; e1 += 25) {
            for (int s2 = 480; s2 < 600; s2 += 15) {
                const int e2 = s2 + 45;
                QCOMPARE(overlap(s1, e1, s2, e2), s1 < e2 && s2 < e1);
            }
        }
    }
    QCOMPARE(weekStart(QDate(2026, 12, 7)), QDate(2026, 12, 7)); // a Monday
    QCOMPARE(weekStart(QDate(2026, 12, 13)), QDate(2026, 12, 7)); // Sunday
    QCOMPARE(weekStart(QDate(2027, 1, 1)), QDate(2026, 12, 28)); // across the year
}

void TestBookingPolicy::days()
{
    QCOMPARE(daysMask({}), 0);
    QCOMPARE(daysMask({1, 7}), 1 | 64);
    QCOMPARE(daysList(daysMask({5, 3})), (QList<int> {3, 5}));
    QCOMPARE(codeOf([] { daysMask({0}); }), 4001);
    QCOMPARE(codeOf([] { daysMask({8}); }), 4001);
    QCOMPARE(codeOf([] { daysMask({2, 2}); }), 4001);
    const ClosureTimes c {0, 1, daysMask({6, 7}), -1, -1};
    QVERIFY(c.coversWeekday(6));
    QVERIFY(!c.coversWeekday(5));
    QVERIFY(ClosureTimes {}.coversWeekday(3));
}

void TestBookingPolicy::grid_data()
{
    QTest::addColumn<QString>("openFrom");
    QTest::addColumn<QString>("openTo");
    QTest::addColumn<int>("slotMinutes");
    QTest::addColumn<qint64>("price");
    QTest::addColumn<bool>("valid");
    QTest::newRow("usual") << u"08:00"_s << u"22:00"_s << 60 << qint64(2000) << true;
    QTest::newRow("to midnight") << u"06:30"_s << u"24:00"_s << 45 << qint64(1) << true;
    QTest::newRow("off the 5-minute unit")
        << u"08:03"_s << u"22:00"_s << 60 << qint64(2000) << false;
    QTest::newRow("slot not a multiple of 5")
        << u"08:00"_s << u"22:00"_s << 42 << qint64(2000) << false;
    QTest::newRow("slot 0") << u"08:00"_s << u"22:00"_s << 0 << qint64(2000) << false;
    QTest::newRow("slot longer than the day")
        << u"08:00"_s << u"09:00"_s << 90 << qint64(2000) << false;
    QTest::newRow("from after to") << u"22:00"_s << u"08:00"_s << 60 << qint64(2000) << false;
    QTest::newRow("from = to") << u"08:00"_s << u"08:00"_s << 60 << qint64(2000) << false;
    QTest::newRow("not HH:MM") << u"8:00"_s << u"22:00"_s << 60 << qint64(2000) << false;
    QTest::newRow("25:00") << u"08:00"_s << u"25:00"_s << 60 << qint64(2000) << false;
    QTest::newRow("free") << u"08:00"_s << u"22:00"_s << 60 << qint64(0) << false;
    QTest::newRow("negative price") << u"08:00"_s << u"22:00"_s << 60 << qint64(-1) << false;
    QTest::newRow("price over the limit")
        << u"08:00"_s << u"22:00"_s << 60 << qint64(100000001) << false;
}

void TestBookingPolicy::grid()
{
    QFETCH(QString, openFrom);
    QFETCH(QString, openTo);
    QFETCH(int, slotMinutes);
    QFETCH(qint64, price);
    QFETCH(bool, valid);
    QCOMPARE(codeOf([&] { validateVenueGrid(openFrom, openTo, slotMinutes, price); }),
             valid ? 0 : 4001);
}

void TestBookingPolicy::messagesCarryTheirArguments()
{
    QCOMPARE(errorMessage(ErrorCode::BookingDayNotOpen, Language::Chinese, {u"2026-12-07 08:00"_s}),
             u"该日期尚未开放预订，将于 2026-12-07 08:00 开放"_s);
    QCOMPARE(errorMessage(ErrorCode::BookingDayNotOpen, Language::English, {u"2026-12-07 08:00"_s}),
             u"Booking for this day opens at 2026-12-07 08:00"_s);
    // Without arguments (or for a code without a detailed text): the catalog's message.
    QCOMPARE(errorMessage(ErrorCode::BookingDayNotOpen, Language::Chinese, {}),
             errorMessage(ErrorCode::BookingDayNotOpen, Language::Chinese));
    QCOMPARE(errorMessage(ErrorCode::VenueInactive, Language::English, {u"x"_s}),
             errorMessage(ErrorCode::VenueInactive, Language::English));
    QCOMPARE(errorMessage(ErrorCode::DailyBookingLimit, Language::Chinese, {u"2"_s}),
             u"您当天的预订已达上限（每天最多 2 个）"_s);
    QCOMPARE(errorMessage(ErrorCode::RefundCutoffPassed, Language::English, {u"60"_s}),
             u"Too close to the start: cancelling with a refund ends 60 minutes before it "
             u"starts"_s);
}

QTEST_GUILESS_MAIN(TestBookingPolicy)
#include "test_bookingpolicy.moc"
