// Tests, on SQLite and PostgreSQL, what migration 0005 and its repositories add: venue closures
// (shared/storage/closurerepository.*), the venue row lock, the counts of the booking rules, and
// slot rows as 5-minute units — the unique index refusing an overlap between bookings of two
// grids, and the upgrade of the slot rows of bookings made before 0005.
#include "domain/bookingrules.h"
#include "storage/closurerepository.h"
#include "storage/sql_p.h"
#include "storagetest.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;
using storage_detail::Statement;

namespace {

const QString Day = QStringLiteral("2099-06-01");

QStringList units(int from, int to)
{
    QStringList out;
    for (const int u : slotUnits(from, to))
        out.append(QStringLiteral("%1:%2")
                       .arg(u / 60, 2, 10, QLatin1Char('0'))
                       .arg(u % 60, 2, 10, QLatin1Char('0')));
    return out;
}

int codeOfInsert(Database &db, const Booking &b, const QStringList &unitRows)
{
    try {
        db.transact([&](Transaction &tx) { BookingRepository(db).insert(tx, b, unitRows); });
    } catch (const Error &e) {
        return static_cast<int>(e.code());
    }
    return 0;
}

/// A booking as schema version 4 stored it (no traceparent column yet; one slot row per slot of
/// its grid): the repository of today writes columns the old schema lacks.
void insertAsVersion4(Database &db, const Booking &b, const QStringList &slotRows)
{

    db.transact([&](Transaction &tx) {
        Statement(tx,
                  QStringLiteral("INSERT INTO bookings (id, user_id, venue_id, date, start_time, "
                                 "end_time, amount, status, version, expires_at, created_at, "
                                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"))
            .bind(b.id)
            .bind(b.userId)
            .bind(b.venueId)
            .bind(b.date)
            .bind(b.startTime)
            .bind(b.endTime)
            .bind(b.amount)
            .bind(statusName(b.status))
            .bind(b.expiresAt)
            .bind(qint64(1))
            .bind(qint64(1))
            .exec();
        for (const QString &start : slotRows)
            Statement(tx,
                      QStringLiteral("INSERT INTO booking_slots (booking_id, venue_id, date, "
                                     "slot_start, active) VALUES (?, ?, ?, ?, TRUE)"))
                .bind(b.id)
                .bind(b.venueId)
                .bind(b.date)
                .bind(start)
                .exec();
    });
}

} // namespace

class TestClosureRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void closures_data() { rows(); }
    void closures();
    void unitsRefuseOverlapsAcrossGrids_data() { rows(); }
    void unitsRefuseOverlapsAcrossGrids();
    void heldCountsAndActiveBookings_data() { rows(); }
    void heldCountsAndActiveBookings();
    void upgradeExpandsOldSlotRows_data() { rows(); }
    void upgradeExpandsOldSlotRows();

private:
    static void rows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestClosureRepository::closures()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    const qint64 venue = addVenue(*db);
    const qint64 other = addVenue(*db, QStringLiteral("other"));
    ClosureRepository repo(*db);
    VenueClosure weekly;
    weekly.venueId = venue;
    weekly.times = {1000, 5000, daysMask({3, 5}), 14 * 60, 16 * 60};
    weekly.reason = QStringLiteral("地板维护");
    weekly.createdBy = QStringLiteral("staff1");
    weekly.createdAt = 900;
    VenueClosure whole = weekly;
    whole.times = {4000, 9000, 0, -1, -1};
    whole.reason = QStringLiteral("校运会");
    VenueClosure elsewhere = whole;
    elsewhere.venueId = other;
    const qint64 a = db->transact([&](Transaction &tx) { return repo.insert(tx, weekly); });
    const qint64 b = db->transact([&](Transaction &tx) { return repo.insert(tx, whole); });
    db->transact([&](Transaction &tx) { return repo.insert(tx, elsewhere); });

    const std::optional<VenueClosure> found = repo.find(a);
    QVERIFY(found);
    QCOMPARE(found->venueId, venue);
    QCOMPARE(found->times.startsAtMs, 1000);
    QCOMPARE(found->times.endsAtMs, 5000);
    QCOMPARE(daysList(found->times.days), (QList<int> {3, 5}));
    QCOMPARE(found->times.dailyFromMinutes, 14 * 60);
    QCOMPARE(found->times.dailyToMinutes, 16 * 60);
    QCOMPARE(found->reason, QStringLiteral("地板维护"));
    QCOMPARE(found->state, ClosureState::PendingConfirmation);
    QCOMPARE(found->createdBy, QStringLiteral("staff1"));
    QCOMPARE(found->createdAt, 900);
    QVERIFY(!found->confirmedAt);
    QCOMPARE(repo.find(b)->times.dailyFromMinutes, -1);

    QCOMPARE(repo.listByVenue(venue).size(), 2);
    QCOMPARE(repo.listByVenue(venue, 5000).size(), 1); // the weekly one has ended by then
    QCOMPARE(repo.overlapping(venue, 0, 1000).size(), 0); // ends where it starts
    QCOMPARE(repo.overlapping(venue, 0, 1001).size(), 1);
    QCOMPARE(repo.overlapping(venue, 4500, 4600).size(), 2);
    QCOMPARE(repo.overlapping(venue, 9000, 10000).size(), 0);
    QCOMPARE(repo.overlapping(other, 0, 100000).size(), 1);

    // Confirmed once; a second confirm changes nothing.
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.confirm(tx, a, QStringLiteral("admin"), QStringLiteral("ok"), 1234);
    }));
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.confirm(tx, a, QStringLiteral("other"), QStringLiteral("again"), 9999);
    }));
    const VenueClosure confirmed = *repo.find(a);
    QCOMPARE(confirmed.state, ClosureState::Confirmed);
    QCOMPARE(confirmed.confirmedBy, QStringLiteral("admin"));
    QCOMPARE(confirmed.confirmReason, QStringLiteral("ok"));
    QCOMPARE(confirmed.confirmedAt.value_or(0), 1234);

    QVERIFY(db->transact([&](Transaction &tx) { return repo.remove(tx, b); }));
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.remove(tx, b); }));
    QVERIFY(!repo.find(b));

    // The schema refuses nonsense even if a caller does not check.
    VenueClosure bad = whole;
    bad.times = {5000, 5000, 0, -1, -1};
    QVERIFY_THROWS_EXCEPTION(Error, db->transact([&](Transaction &tx) { repo.insert(tx, bad); }));
    bad.times = {1000, 5000, 0, 16 * 60, 14 * 60};
    QVERIFY_THROWS_EXCEPTION(Error, db->transact([&](Transaction &tx) { repo.insert(tx, bad); }));
    bad.times = {1000, 5000, 128, -1, -1};
    QVERIFY_THROWS_EXCEPTION(Error, db->transact([&](Transaction &tx) { repo.insert(tx, bad); }));
    QCOMPARE(repo.listByVenue(venue).size(), 1);

    // The venue read under a share lock, as bookings do, and for update, as closures do.
    db->transact([&](Transaction &tx) {
        QCOMPARE(VenueRepository(*db).find(tx, venue, VenueRepository::Lock::ForShare)->id, venue);
        QCOMPARE(VenueRepository(*db).find(tx, venue, VenueRepository::Lock::ForUpdate)->id, venue);
        QVERIFY(!VenueRepository(*db).find(tx, 999999, VenueRepository::Lock::ForShare));
    });
}

void TestClosureRepository::unitsRefuseOverlapsAcrossGrids()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    const qint64 venue = addVenue(*db);
    const qint64 user = addUser(*db);
    // 10:00-11:00 made on an hourly grid.
    QCOMPARE(codeOfInsert(*db,
                          sampleBooking(1, user, venue, Day, QStringLiteral("10:00"),
                                        QStringLiteral("11:00")),
                          units(600, 660)),
             0);
    // Every 45-minute range from 08:15 on: refused exactly when it overlaps 10:00-11:00.
    qint64 id = 100;
    for (int s = 495; s + 45 <= 1200; s += 45) {
        const Booking b =
            sampleBooking(++id, user, venue, Day, formatClockTime(s), formatClockTime(s + 45));
        const bool overlaps = s < 660 && 600 < s + 45;
        const int code = codeOfInsert(*db, b, units(s, s + 45));
        QCOMPARE(code, overlaps ? int(ErrorCode::SlotAlreadyBooked) : 0);
        if (code == 0) // free it again, as a cancel does
            db->transact([&](Transaction &tx) {
                QVERIFY(BookingRepository(*db).transition(
                    tx, b.id, 0, BookingStatus::PendingPayment, BookingStatus::Cancelled));
            });
    }
    QCOMPARE(BookingRepository(*db).activeSlots(venue, Day).size(), 12);
}

void TestClosureRepository::heldCountsAndActiveBookings()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    const qint64 venue = addVenue(*db);
    const qint64 other = addVenue(*db, QStringLiteral("other"));
    const qint64 alice = addUser(*db);
    const qint64 bob = addUser(*db, QStringLiteral("o-bob"));
    BookingRepository repo(*db);
    const auto book = [&](qint64 id, qint64 user, qint64 v, const QString &date, int from) {
        QCOMPARE(codeOfInsert(*db,
                              sampleBooking(id, user, v, date, formatClockTime(from),
                                            formatClockTime(from + 60)),
                              units(from, from + 60)),
                 0);
    };
    book(1, alice, venue, QStringLiteral("2099-06-01"), 600);
    book(2, alice, other, QStringLiteral("2099-06-01"), 720);
    book(3, alice, venue, QStringLiteral("2099-06-03"), 600);
    book(4, alice, venue, QStringLiteral("2099-06-09"), 600);
    book(5, bob, venue, QStringLiteral("2099-06-01"), 840);
    db->transact([&](Transaction &tx) {
        QVERIFY(repo.transition(tx, 3, 0, BookingStatus::PendingPayment, BookingStatus::Cancelled));
    });
    db->transact([&](Transaction &tx) {
        QCOMPARE(repo.countHeldByUser(tx, alice, QStringLiteral("2099-06-01"),
                                      QStringLiteral("2099-06-01")),
                 2);
        QCOMPARE(repo.countHeldByUser(tx, alice, QStringLiteral("2099-06-01"),
                                      QStringLiteral("2099-06-07")),
                 2); // the cancelled one does not count
        QCOMPARE(repo.countHeldByUser(tx, alice, QStringLiteral("2099-06-01"),
                                      QStringLiteral("2099-06-30")),
                 3);
        QCOMPARE(repo.countHeldByUser(tx, bob, QStringLiteral("2099-06-02"),
                                      QStringLiteral("2099-06-30")),
                 0);
    });
    const QList<Booking> active =
        repo.activeOfVenue(venue, QStringLiteral("2099-06-01"), QStringLiteral("2099-06-05"));
    QCOMPARE(active.size(), 2);
    QCOMPARE(active.at(0).id, 1);
    QCOMPARE(active.at(1).id, 5);
}

void TestClosureRepository::upgradeExpandsOldSlotRows()
{
    QFETCH(QString, backend);
    const QString url = m_backends.freshUrl(backend);
    QVERIFY(!url.isEmpty());
    Database db(url);
    // The schema before 0005, with bookings whose slot rows follow their grid (one per slot).
    QList<Migration> before;
    for (const Migration &m : Migrator::builtin()) {
        if (m.version < 5)
            before.append(m);
    }
    Migrator(db, before).migrate();
    const qint64 venue = addVenue(db);
    const qint64 user = addUser(db);
    insertAsVersion4(
        db, sampleBooking(1, user, venue, Day, QStringLiteral("10:00"), QStringLiteral("12:00")),
        {QStringLiteral("10:00"), QStringLiteral("11:00")});
    insertAsVersion4(
        db, sampleBooking(2, user, venue, Day, QStringLiteral("23:30"), QStringLiteral("24:00")),
        {QStringLiteral("23:30")});
    insertAsVersion4(
        db, sampleBooking(3, user, venue, Day, QStringLiteral("14:00"), QStringLiteral("15:00")),
        {QStringLiteral("14:00")});
    Statement(db.threadConnection(),
              QStringLiteral("UPDATE bookings SET status = 'CANCELLED' WHERE id = 3"))
        .exec();
    Statement(db.threadConnection(),
              QStringLiteral("UPDATE booking_slots SET active = FALSE WHERE booking_id = 3"))
        .exec();

    QCOMPARE(Migrator(db).migrate(), (QList<int> {5, 6, 7, 8}));
    QStringList held;
    for (const SlotHolder &h : BookingRepository(db).activeSlots(venue, Day))
        held.append(h.slotStart);
    QCOMPARE(held, units(600, 720) + units(1410, 1440));
    // The cancelled booking's units are there, inactive: 14:00 is free for anyone.
    QCOMPARE(codeOfInsert(db,
                          sampleBooking(4, user, venue, Day, QStringLiteral("14:30"),
                                        QStringLiteral("15:00")),
                          units(870, 900)),
             0);
    // And an overlap with an old booking, off its old grid, is refused now.
    QCOMPARE(codeOfInsert(db,
                          sampleBooking(5, user, venue, Day, QStringLiteral("11:45"),
                                        QStringLiteral("12:30")),
                          units(705, 750)),
             int(ErrorCode::SlotAlreadyBooked));
}

QTEST_GUILESS_MAIN(TestClosureRepository)
#include "test_closurerepository.moc"
