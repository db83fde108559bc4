// Tests shared/storage/bookingrepository.*: no slot is ever booked twice (the partial unique
// index), compare-and-set transitions, freeing slots, keyset pages — on SQLite and PostgreSQL.
#include "storagetest.h"

#include <QSet>
#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString Day = QStringLiteral("2030-05-01");

QStringList slotList(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list << QString::fromLatin1(item);
    return list;
}

struct Fixture
{
    std::unique_ptr<Database> db;
    qint64 venue = 0;
    qint64 user = 0;
};

} // namespace

class TestBookingRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }

    void insertAndFind_data() { backendRows(); }
    void insertAndFind();
    void eightThreadsOneSlot_data() { backendRows(); }
    void eightThreadsOneSlot();
    void overlappingRanges_data() { backendRows(); }
    void overlappingRanges();
    void overlappingRangesConcurrently_data() { backendRows(); }
    void overlappingRangesConcurrently();
    void rollbackLeavesNothing_data() { backendRows(); }
    void rollbackLeavesNothing();
    void cancelFreesSlots_data() { backendRows(); }
    void cancelFreesSlots();
    void compareAndSet_data() { backendRows(); }
    void compareAndSet();
    void concurrentCompareAndSet_data() { backendRows(); }
    void concurrentCompareAndSet();
    void illegalTransition_data() { backendRows(); }
    void illegalTransition();
    void badInput_data() { backendRows(); }
    void badInput();
    void keysetPages_data() { backendRows(); }
    void keysetPages();
    void queries_data() { backendRows(); }
    void queries();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    Fixture fixture()
    {
        QFETCH(QString, backend);
        Fixture f;
        f.db = migratedDatabase(m_backends, backend);
        f.venue = addVenue(*f.db);
        f.user = addUser(*f.db);
        return f;
    }
    StorageBackends m_backends;
    qint64 m_nextId = 1000;
};

void TestBookingRepository::insertAndFind()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    Booking b = sampleBooking(++m_nextId, f.user, f.venue, Day, QStringLiteral("10:00"),
                              QStringLiteral("12:00"), 1700000000000);
    b.amount = 4000;
    f.db->transact([&](Transaction &tx) { repo.insert(tx, b, slotList({"10:00", "11:00"})); });
    const auto found = repo.find(b.id);
    QVERIFY(found);
    QCOMPARE(found->userId, f.user);
    QCOMPARE(found->venueId, f.venue);
    QCOMPARE(found->date, Day);
    QCOMPARE(found->startTime, QStringLiteral("10:00"));
    QCOMPARE(found->endTime, QStringLiteral("12:00"));
    QCOMPARE(found->amount, 4000);
    QCOMPARE(found->status, BookingStatus::PendingPayment);
    QCOMPARE(found->payOrderId, std::nullopt);
    QCOMPARE(found->version, 0);
    QCOMPARE(found->createdAt, 1700000000000);
    QCOMPARE(found->updatedAt, 1700000000000);
    QCOMPARE(found->expiresAt, b.expiresAt);
    QVERIFY(!repo.find(b.id + 1));

    const QList<SlotHolder> held = repo.activeSlots(f.venue, Day);
    QCOMPARE(held.size(), 2);
    QCOMPARE(held.at(0).slotStart, QStringLiteral("10:00"));
    QCOMPARE(held.at(1).slotStart, QStringLiteral("11:00"));
    QCOMPARE(held.at(0).bookingId, b.id);
    QCOMPARE(held.at(0).userId, f.user);
    QCOMPARE(held.at(0).status, BookingStatus::PendingPayment);
}

void TestBookingRepository::eightThreadsOneSlot()
{
    // The lock of the booking module is bypassed here on purpose: only the database decides.
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 base = (m_nextId += 100);
    std::atomic<int> succeeded {0};
    const auto errors = runConcurrently(8, [&](int i) {
        f.db->transact([&](Transaction &tx) {
            repo.insert(tx,
                        sampleBooking(base + i, f.user, f.venue, Day, QStringLiteral("10:00"),
                                      QStringLiteral("11:00")),
                        slotList({"10:00"}));
        });
        ++succeeded;
    });
    QCOMPARE(succeeded.load(), 1);
    int taken = 0;
    for (const auto &e : errors) {
        if (!e)
            continue;
        QVERIFY2(errorCodeOf(e) == int(ErrorCode::SlotAlreadyBooked), qPrintable(errorDetailOf(e)));
        ++taken;
    }
    QCOMPARE(taken, 7);
    const QList<SlotHolder> held = repo.activeSlots(f.venue, Day);
    QCOMPARE(held.size(), 1);
    // The losers left no booking row behind.
    int rows = 0;
    for (int i = 0; i < 8; ++i)
        rows += repo.find(base + i) ? 1 : 0;
    QCOMPARE(rows, 1);
    QVERIFY(repo.find(held.first().bookingId));
}

void TestBookingRepository::overlappingRanges()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 first = ++m_nextId;
    const qint64 second = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(first, f.user, f.venue, Day, QStringLiteral("09:00"),
                                  QStringLiteral("11:00")),
                    slotList({"09:00", "10:00"}));
    });
    try {
        f.db->transact([&](Transaction &tx) {
            repo.insert(tx,
                        sampleBooking(second, f.user, f.venue, Day, QStringLiteral("10:00"),
                                      QStringLiteral("12:00")),
                        slotList({"10:00", "11:00"}));
        });
        QFAIL("an overlapping booking was inserted");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::SlotAlreadyBooked);
    }
    QVERIFY(!repo.find(second));
    // 11:00 stayed free: the failed booking's other slot was rolled back with it.
    QVERIFY(repo.holders(f.venue, Day, slotList({"11:00"})).isEmpty());
    const QList<SlotHolder> h = repo.holders(f.venue, Day, slotList({"10:00", "11:00", "12:00"}));
    QCOMPARE(h.size(), 1);
    QCOMPARE(h.first().bookingId, first);
    // Same slot on another day or another venue is a different slot.
    const qint64 otherVenue = addVenue(*f.db, QStringLiteral("court 2"));
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(++m_nextId, f.user, otherVenue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("11:00")),
                    slotList({"10:00"}));
        repo.insert(tx,
                    sampleBooking(++m_nextId, f.user, f.venue, QStringLiteral("2030-05-02"),
                                  QStringLiteral("10:00"), QStringLiteral("11:00")),
                    slotList({"10:00"}));
    });
}

void TestBookingRepository::overlappingRangesConcurrently()
{
    // 09:00–11:00 against 10:00–12:00 (and 10:00–11:00), at the same moment: exactly one wins.
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 base = (m_nextId += 10);
    const QList<QStringList> ranges = {slotList({"09:00", "10:00"}), slotList({"10:00", "11:00"}),
                                       slotList({"10:00"})};
    const auto errors = runConcurrently(3, [&](int i) {
        const QStringList &range = ranges.at(i);
        f.db->transact([&](Transaction &tx) {
            repo.insert(tx,
                        sampleBooking(base + i, f.user, f.venue, Day, range.first(),
                                      QStringLiteral("12:00")),
                        range);
        });
    });
    int winners = 0;
    for (const auto &e : errors) {
        if (!e)
            ++winners;
        else
            QVERIFY2(errorCodeOf(e) == int(ErrorCode::SlotAlreadyBooked),
                     qPrintable(errorDetailOf(e)));
    }
    QCOMPARE(winners, 1);
    QSet<qint64> holders;
    for (const SlotHolder &h : repo.activeSlots(f.venue, Day))
        holders.insert(h.bookingId);
    QCOMPARE(holders.size(), 1);
}

void TestBookingRepository::rollbackLeavesNothing()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 id = ++m_nextId;
    {
        Transaction tx(*f.db);
        repo.insert(tx,
                    sampleBooking(id, f.user, f.venue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("12:00")),
                    slotList({"10:00", "11:00"}));
        QVERIFY(repo.find(tx, id)); // visible inside
    } // destroyed without commit
    QVERIFY(!repo.find(id));
    QVERIFY(repo.activeSlots(f.venue, Day).isEmpty());
    // The slots are really free: a new booking takes them.
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(id, f.user, f.venue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("12:00")),
                    slotList({"10:00", "11:00"}));
    });
    QCOMPARE(repo.activeSlots(f.venue, Day).size(), 2);
}

void TestBookingRepository::cancelFreesSlots()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 first = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(first, f.user, f.venue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("12:00")),
                    slotList({"10:00", "11:00"}));
    });
    QVERIFY(f.db->transact([&](Transaction &tx) {
        return repo.transition(tx, first, 0, BookingStatus::PendingPayment,
                               BookingStatus::Cancelled);
    }));
    QVERIFY(repo.activeSlots(f.venue, Day).isEmpty());
    QCOMPARE(repo.find(first)->status, BookingStatus::Cancelled);
    QCOMPARE(repo.find(first)->version, 1);

    const qint64 second = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(second, f.user, f.venue, Day, QStringLiteral("11:00"),
                                  QStringLiteral("12:00")),
                    slotList({"11:00"}));
    });
    const QList<SlotHolder> held = repo.activeSlots(f.venue, Day);
    QCOMPARE(held.size(), 1);
    QCOMPARE(held.first().bookingId, second);

    // PAID and CHECKED_IN keep the slot; REFUNDED frees it.
    f.db->transact([&](Transaction &tx) {
        QVERIFY(repo.transition(tx, second, 0, BookingStatus::PendingPayment, BookingStatus::Paid));
        QVERIFY(repo.transition(tx, second, 1, BookingStatus::Paid, BookingStatus::Refunding));
    });
    QCOMPARE(repo.activeSlots(f.venue, Day).size(), 1);
    f.db->transact([&](Transaction &tx) {
        QVERIFY(repo.transition(tx, second, 2, BookingStatus::Refunding, BookingStatus::Refunded));
    });
    QVERIFY(repo.activeSlots(f.venue, Day).isEmpty());
}

void TestBookingRepository::compareAndSet()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 id = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(id, f.user, f.venue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("11:00")),
                    slotList({"10:00"}));
    });
    f.db->transact([&](Transaction &tx) {
        QVERIFY(repo.setPayOrder(tx, id, 0, 777, 1800000000000));
        // Stale version, wrong state, unknown booking: nothing applies.
        QVERIFY(!repo.setPayOrder(tx, id, 0, 778));
        QVERIFY(!repo.transition(tx, id, 0, BookingStatus::PendingPayment, BookingStatus::Paid));
        QVERIFY(!repo.transition(tx, id, 1, BookingStatus::Paid, BookingStatus::CheckedIn));
        QVERIFY(
            !repo.transition(tx, id + 1, 1, BookingStatus::PendingPayment, BookingStatus::Paid));
        QVERIFY(repo.transition(tx, id, 1, BookingStatus::PendingPayment, BookingStatus::Paid,
                                1800000000001));
    });
    const auto b = repo.find(id);
    QCOMPARE(b->status, BookingStatus::Paid);
    QCOMPARE(b->version, 2);
    QCOMPARE(b->payOrderId, std::optional<qint64>(777));
    QCOMPARE(b->updatedAt, 1800000000001);
    QCOMPARE(repo.findByPayOrder(777)->id, id);
}

void TestBookingRepository::concurrentCompareAndSet()
{
    // Two workers (the pay-notify handler and the expiry sweep) move the same booking from the
    // version they read: exactly one applies.
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    for (int round = 0; round < 5; ++round) {
        const qint64 id = ++m_nextId;
        f.db->transact([&](Transaction &tx) {
            repo.insert(tx,
                        sampleBooking(id, f.user, f.venue, Day,
                                      QStringLiteral("%1:00").arg(10 + round),
                                      QStringLiteral("%1:00").arg(11 + round)),
                        {QStringLiteral("%1:00").arg(10 + round)});
        });
        std::atomic<int> applied {0};
        const auto errors = runConcurrently(2, [&](int i) {
            const BookingStatus to = i == 0 ? BookingStatus::Paid : BookingStatus::Cancelled;
            if (f.db->transact([&](Transaction &tx) {
                    return repo.transition(tx, id, 0, BookingStatus::PendingPayment, to);
                }))
                ++applied;
        });
        for (const auto &e : errors)
            QVERIFY2(!e, qPrintable(errorDetailOf(e)));
        QCOMPARE(applied.load(), 1);
        QCOMPARE(repo.find(id)->version, 1);
    }
}

void TestBookingRepository::illegalTransition()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 id = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        repo.insert(tx,
                    sampleBooking(id, f.user, f.venue, Day, QStringLiteral("10:00"),
                                  QStringLiteral("11:00")),
                    slotList({"10:00"}));
    });
    Transaction tx(*f.db);
    QVERIFY_THROWS_EXCEPTION(
        Error, repo.transition(tx, id, 0, BookingStatus::PendingPayment, BookingStatus::CheckedIn));
}

void TestBookingRepository::badInput()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    Transaction tx(*f.db);
    const Booking b = sampleBooking(++m_nextId, f.user, f.venue, Day, QStringLiteral("10:00"),
                                    QStringLiteral("11:00"));
    QVERIFY_THROWS_EXCEPTION(Error, repo.insert(tx, b, {}));
    QVERIFY_THROWS_EXCEPTION(Error, repo.insert(tx, b, slotList({"10:00", "10:00"})));
}

void TestBookingRepository::keysetPages()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 other = addUser(*f.db, QStringLiteral("o-bob"));
    // 23 bookings of the user with clashing created_at values, and some of another user.
    QList<std::pair<qint64, qint64>> expected; // (createdAt, id)
    f.db->transact([&](Transaction &tx) {
        for (int i = 0; i < 23; ++i) {
            const qint64 id = ++m_nextId;
            const qint64 created = 1700000000000 + (i % 5) * 1000;
            repo.insert(
                tx,
                sampleBooking(id, f.user, f.venue,
                              QStringLiteral("2030-06-%1").arg(i + 1, 2, 10, QLatin1Char('0')),
                              QStringLiteral("10:00"), QStringLiteral("11:00"), created),
                slotList({"10:00"}));
            expected.append({created, id});
            repo.insert(
                tx,
                sampleBooking(++m_nextId, other, f.venue,
                              QStringLiteral("2030-07-%1").arg(i + 1, 2, 10, QLatin1Char('0')),
                              QStringLiteral("10:00"), QStringLiteral("11:00"), created),
                slotList({"10:00"}));
        }
    });
    std::sort(expected.begin(), expected.end(), std::greater<>());
    QList<std::pair<qint64, qint64>> seen;
    std::optional<PageCursor> cursor;
    int pages = 0;
    do {
        const Page<Booking> page = repo.listByUser(f.user, cursor, 5);
        QVERIFY(page.items.size() <= 5);
        for (const Booking &b : page.items) {
            QCOMPARE(b.userId, f.user);
            seen.append({b.createdAt, b.id});
        }
        cursor = page.next;
        QVERIFY(++pages <= 10);
    } while (cursor);
    QCOMPARE(pages, 5);
    QCOMPARE(seen, expected);
    // The cursor survives a trip through its token.
    const Page<Booking> first = repo.listByUser(f.user, std::nullopt, 3);
    const auto token = PageCursor::fromToken(first.next->toToken());
    QCOMPARE(token, first.next);
    QCOMPARE(repo.listByUser(f.user, token, 1).items.first().id, expected.at(3).second);
}

void TestBookingRepository::queries()
{
    Fixture f = fixture();
    BookingRepository repo(*f.db);
    const qint64 second = addVenue(*f.db, QStringLiteral("court 2"));
    const qint64 a = ++m_nextId;
    const qint64 b = ++m_nextId;
    const qint64 c = ++m_nextId;
    f.db->transact([&](Transaction &tx) {
        Booking expired = sampleBooking(a, f.user, f.venue, Day, QStringLiteral("10:00"),
                                        QStringLiteral("11:00"));
        expired.expiresAt = 1000;
        repo.insert(tx, expired, slotList({"10:00"}));
        Booking later =
            sampleBooking(b, f.user, second, Day, QStringLiteral("08:00"), QStringLiteral("10:00"));
        later.expiresAt = 5000;
        repo.insert(tx, later, slotList({"08:00", "09:00"}));
        repo.insert(tx,
                    sampleBooking(c, f.user, f.venue, QStringLiteral("2030-05-02"),
                                  QStringLiteral("10:00"), QStringLiteral("11:00")),
                    slotList({"10:00"}));
    });
    const QList<SlotHolder> day = repo.activeSlotsOfDay(Day);
    QCOMPARE(day.size(), 3);
    QCOMPARE(day.at(0).venueId, f.venue);
    QCOMPARE(day.at(1).venueId, second);
    QCOMPARE(day.at(1).slotStart, QStringLiteral("08:00"));

    QCOMPARE(repo.listByDate(Day).size(), 2);
    QCOMPARE(repo.listByDate(Day, second).size(), 1);
    QCOMPARE(repo.listByDate(Day, second).first().id, b);

    QList<Booking> due = repo.expiredPending(4000, 10);
    QCOMPARE(due.size(), 1);
    QCOMPARE(due.first().id, a);
    due = repo.expiredPending(6000, 10);
    QCOMPARE(due.size(), 2);
    QCOMPARE(due.at(1).id, b);
    f.db->transact([&](Transaction &tx) {
        QVERIFY(repo.transition(tx, a, 0, BookingStatus::PendingPayment, BookingStatus::Cancelled));
    });
    QCOMPARE(repo.expiredPending(6000, 10).size(), 1);

    // find with a row lock inside a transaction (FOR UPDATE on PostgreSQL).
    f.db->transact([&](Transaction &tx) {
        const auto locked = repo.find(tx, b, RowLock::ForUpdate);
        QVERIFY(locked);
        QCOMPARE(locked->venueId, second);
    });
    QCOMPARE(repo.holders(second, Day, slotList({"07:00", "09:00"})).size(), 1);
}

QTEST_GUILESS_MAIN(TestBookingRepository)
#include "test_bookingrepository.moc"
