#include "domain/bookingrules.h"
#include "domain/errors.h"

#include <QTest>

using namespace pomelo;

class TestBookingRules : public QObject
{
    Q_OBJECT

private slots:
    void clockTime_data();
    void clockTime();
    void isoDate_data();
    void isoDate();
    void validate_data();
    void validate();
    void slotsOfDay();

private:
    const QTimeZone m_zone {QByteArrayLiteral("Asia/Shanghai")};
};

void TestBookingRules::clockTime_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("minutes");
    QTest::newRow("midnight") << QStringLiteral("00:00") << 0;
    QTest::newRow("nine") << QStringLiteral("09:00") << 540;
    QTest::newRow("late") << QStringLiteral("23:59") << 1439;
    QTest::newRow("24h") << QStringLiteral("24:00") << -1;
    QTest::newRow("minute 60") << QStringLiteral("10:60") << -1;
    QTest::newRow("one digit") << QStringLiteral("9:00") << -1;
    QTest::newRow("seconds") << QStringLiteral("09:00:00") << -1;
    QTest::newRow("sign") << QStringLiteral("+9:00") << -1;
    QTest::newRow("fullwidth digits") << QStringLiteral("０９:００") << -1;
    QTest::newRow("empty") << QString() << -1;
}

void TestBookingRules::clockTime()
{
    QFETCH(QString, text);
    QFETCH(int, minutes);
    QCOMPARE(parseClockTime(text), minutes);
    if (minutes >= 0)
        QCOMPARE(formatClockTime(minutes), text);
}

void TestBookingRules::isoDate_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDate>("date");
    QTest::newRow("ok") << QStringLiteral("2026-11-28") << QDate(2026, 11, 28);
    QTest::newRow("leap day") << QStringLiteral("2028-02-29") << QDate(2028, 2, 29);
    QTest::newRow("no leap day") << QStringLiteral("2027-02-29") << QDate();
    QTest::newRow("month 13") << QStringLiteral("2026-13-01") << QDate();
    QTest::newRow("slashes") << QStringLiteral("2026/11/28") << QDate();
    QTest::newRow("short") << QStringLiteral("2026-1-28") << QDate();
    QTest::newRow("with time") << QStringLiteral("2026-11-28T10:00") << QDate();
    QTest::newRow("sql") << QStringLiteral("2026-11-28' OR 1=1 --") << QDate();
}

void TestBookingRules::isoDate()
{
    QFETCH(QString, text);
    QFETCH(QDate, date);
    QCOMPARE(parseIsoDate(text), date);
}

void TestBookingRules::validate_data()
{
    QTest::addColumn<QString>("date");
    QTest::addColumn<QString>("start");
    QTest::addColumn<QString>("end");
    QTest::addColumn<QList<int>>("expectedSlots"); // empty: rejected with 1003
    // Now: 2026-11-27 10:30 in Shanghai. Venue 08:00–22:00, 60-minute slots.
    QTest::newRow("one slot tomorrow") << QStringLiteral("2026-11-28") << QStringLiteral("09:00")
                                       << QStringLiteral("10:00") << QList<int> {540};
    QTest::newRow("two slots") << QStringLiteral("2026-11-28") << QStringLiteral("09:00")
                               << QStringLiteral("11:00") << QList<int> {540, 600};
    QTest::newRow("later today") << QStringLiteral("2026-11-27") << QStringLiteral("11:00")
                                 << QStringLiteral("12:00") << QList<int> {660};
    QTest::newRow("slot already begun") << QStringLiteral("2026-11-27") << QStringLiteral("10:00")
                                        << QStringLiteral("11:00") << QList<int> {};
    QTest::newRow("yesterday") << QStringLiteral("2026-11-26") << QStringLiteral("12:00")
                               << QStringLiteral("13:00") << QList<int> {};
    QTest::newRow("7 days ahead") << QStringLiteral("2026-12-04") << QStringLiteral("21:00")
                                  << QStringLiteral("22:00") << QList<int> {1260};
    QTest::newRow("8 days ahead") << QStringLiteral("2026-12-05") << QStringLiteral("08:00")
                                  << QStringLiteral("09:00") << QList<int> {};
    QTest::newRow("end before start") << QStringLiteral("2026-11-28") << QStringLiteral("11:00")
                                      << QStringLiteral("10:00") << QList<int> {};
    QTest::newRow("empty range") << QStringLiteral("2026-11-28") << QStringLiteral("11:00")
                                 << QStringLiteral("11:00") << QList<int> {};
    QTest::newRow("off grid start") << QStringLiteral("2026-11-28") << QStringLiteral("09:30")
                                    << QStringLiteral("10:30") << QList<int> {};
    QTest::newRow("off grid end") << QStringLiteral("2026-11-28") << QStringLiteral("09:00")
                                  << QStringLiteral("09:45") << QList<int> {};
    QTest::newRow("before opening") << QStringLiteral("2026-11-28") << QStringLiteral("07:00")
                                    << QStringLiteral("08:00") << QList<int> {};
    QTest::newRow("after closing") << QStringLiteral("2026-11-28") << QStringLiteral("21:00")
                                   << QStringLiteral("23:00") << QList<int> {};
    QTest::newRow("bad date") << QStringLiteral("tomorrow") << QStringLiteral("09:00")
                              << QStringLiteral("10:00") << QList<int> {};
    QTest::newRow("bad time") << QStringLiteral("2026-11-28") << QStringLiteral("9am")
                              << QStringLiteral("10:00") << QList<int> {};
}

void TestBookingRules::validate()
{
    QFETCH(QString, date);
    QFETCH(QString, start);
    QFETCH(QString, end);
    QFETCH(QList<int>, expectedSlots);
    const VenueHours venue {8 * 60, 22 * 60, 60};
    const QDateTime now(QDate(2026, 11, 27), QTime(10, 30), m_zone);
    try {
        const BookingRange r = validateBookingRange(venue, date, start, end, now, m_zone);
        QVERIFY2(!expectedSlots.isEmpty(), "accepted");
        QCOMPARE(r.slotStarts, expectedSlots);
        QCOMPARE(r.date, parseIsoDate(date));
    } catch (const Error &e) {
        QVERIFY2(expectedSlots.isEmpty(), qPrintable(e.detail()));
        QCOMPARE(e.code(), ErrorCode::InvalidBookingInput);
    }
}

void TestBookingRules::slotsOfDay()
{
    QCOMPARE(slotStartsOfDay({8 * 60, 10 * 60, 30}), (QList<int> {480, 510, 540, 570}));
    QCOMPARE(slotStartsOfDay({8 * 60, 10 * 60 + 20, 60}),
             (QList<int> {480, 540})); // a partial slot is not offered
    QVERIFY(slotStartsOfDay({8 * 60, 10 * 60, 0}).isEmpty());
}

QTEST_GUILESS_MAIN(TestBookingRules)
#include "test_bookingrules.moc"
