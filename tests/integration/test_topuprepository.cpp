// Tests shared/storage/topuprepository.*: room bindings (one per student, several per room),
// compare-and-set transitions written with their event in one transaction, delivery attempts,
// the sweep's work lists and the admin filters — on SQLite and PostgreSQL.
#include "storage/topuprepository.h"
#include "storagetest.h"

#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

namespace {

Topup sampleTopup(qint64 id, qint64 userId, const QString &roomId = QStringLiteral("ZY1-101"),
                  qint64 createdAt = 1700000000000)
{
    Topup t;
    t.id = id;
    t.userId = userId;
    t.roomId = roomId;
    t.building = QStringLiteral("竹园1栋");
    t.room = roomId.section(u'-', 1);
    t.utility = QStringLiteral("ELECTRICITY");
    t.amount = 2000;
    t.createdAt = createdAt;
    t.expiresAt = createdAt + 900000;
    return t;
}

QStringList transitionsOf(const QList<TopupEvent> &events)
{
    QStringList out;
    for (const TopupEvent &e : events) {
        if (e.kind == QLatin1String("TRANSITION"))
            out.append(e.toStatus);
    }
    return out;
}

} // namespace

class TestTopupRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }

    void bindings_data() { backendRows(); }
    void bindings();
    void lifeWithEvents_data() { backendRows(); }
    void lifeWithEvents();
    void concurrentTransitionsApplyOnce_data() { backendRows(); }
    void concurrentTransitionsApplyOnce();
    void illegalTransitionAndRollback_data() { backendRows(); }
    void illegalTransitionAndRollback();
    void failedAttemptsAndWorkLists_data() { backendRows(); }
    void failedAttemptsAndWorkLists();
    void filtersAndPages_data() { backendRows(); }
    void filtersAndPages();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    std::unique_ptr<Database> database()
    {
        QFETCH(QString, backend);
        return migratedDatabase(m_backends, backend);
    }
    StorageBackends m_backends;
};

void TestTopupRepository::bindings()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 alice = addUser(*db, QStringLiteral("o-alice"));
    const qint64 bob = addUser(*db, QStringLiteral("o-bob"));
    QVERIFY(!repo.boundRoom(alice));
    db->transact([&](Transaction &tx) {
        repo.bindRoom(tx,
                      {alice, QStringLiteral("ZY1-101"), QStringLiteral("竹园1栋"),
                       QStringLiteral("101"), 1000});
        repo.bindRoom(tx,
                      {bob, QStringLiteral("ZY1-101"), QStringLiteral("竹园1栋"),
                       QStringLiteral("101"), 2000});
    });
    QCOMPARE(repo.boundRoom(alice)->building, QStringLiteral("竹园1栋"));
    QCOMPARE(repo.studentsOfRoom(QStringLiteral("ZY1-101")).size(), 2);
    QCOMPARE(repo.studentsOfRoom(QStringLiteral("ZY1-101")).first().userId, alice);
    // One room per student: binding another replaces it.
    db->transact([&](Transaction &tx) {
        repo.bindRoom(tx,
                      {alice, QStringLiteral("ZY2-201"), QStringLiteral("竹园2栋"),
                       QStringLiteral("201"), 3000});
    });
    QCOMPARE(repo.boundRoom(alice)->roomId, QStringLiteral("ZY2-201"));
    QCOMPARE(repo.studentsOfRoom(QStringLiteral("ZY1-101")).size(), 1);
    QCOMPARE(repo.boundRoomIds(),
             (QStringList {QStringLiteral("ZY1-101"), QStringLiteral("ZY2-201")}));
    QVERIFY(db->transact([&](Transaction &tx) { return repo.unbindRoom(tx, alice); }));
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.unbindRoom(tx, alice); }));
    QVERIFY(!repo.boundRoom(alice));
}

void TestTopupRepository::lifeWithEvents()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 user = addUser(*db);
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleTopup(501, user), QStringLiteral("student"));
    });
    Topup t = *repo.find(501);
    QCOMPARE(t.status, TopupStatus::PendingPayment);
    QCOMPARE(t.amount, 2000);
    QVERIFY(
        db->transact([&](Transaction &tx) { return repo.setPayOrder(tx, t.id, t.version, 77); }));
    QCOMPARE(repo.findByPayOrder(77)->id, 501);

    t = *repo.find(501);
    TopupChange paid;
    paid.actor = QStringLiteral("pay-notify");
    paid.paidAt = 1700000100000;
    paid.deliveryStartedAt = 1700000100000;
    paid.channel = QStringLiteral("ECARD");
    paid.nextAttemptAt = 1700000100000;
    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.transition(tx, t, TopupStatus::Paid, paid); }));
    // A stale copy (the old version) changes nothing: a repeated verdict is applied once.
    QVERIFY(!db->transact(
        [&](Transaction &tx) { return repo.transition(tx, t, TopupStatus::Paid, paid); }));

    t = *repo.find(501);
    QCOMPARE(t.channel, QStringLiteral("ECARD"));
    QCOMPARE(*t.paidAt, 1700000100000);
    TopupChange delivered;
    delivered.deliveredAt = 1700000200000;
    delivered.balanceAfter = 7000;
    delivered.nextAttemptAt = 0;
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.transition(tx, t, TopupStatus::Delivered, delivered);
    }));
    t = *repo.find(501);
    QCOMPARE(t.status, TopupStatus::Delivered);
    QCOMPARE(*t.balanceAfter, 7000);
    QVERIFY(!t.nextAttemptAt);
    const QList<TopupEvent> events = repo.events(501);
    QCOMPARE(transitionsOf(events),
             (QStringList {QStringLiteral("PENDING_PAYMENT"), QStringLiteral("PAID"),
                           QStringLiteral("DELIVERED")}));
    QCOMPARE(events.at(1).actor, QStringLiteral("pay-notify"));
    QCOMPARE(events.at(1).fromStatus, QStringLiteral("PENDING_PAYMENT"));
}

void TestTopupRepository::concurrentTransitionsApplyOnce()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 user = addUser(*db);
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleTopup(601, user), QStringLiteral("student"));
    });
    const Topup t = *repo.find(601);
    std::atomic<int> applied {0};
    const auto errors = runConcurrently(8, [&](int) {
        TopupChange change;
        change.paidAt = 1;
        if (db->transact(
                [&](Transaction &tx) { return repo.transition(tx, t, TopupStatus::Paid, change); }))
            ++applied;
    });
    for (const std::exception_ptr &e : errors) {
        // A writer that lost a race may see a conflict; it never applies twice.
        QVERIFY2(errorCodeOf(e) == -1 || errorCodeOf(e) == int(ErrorCode::DependencyUnavailable)
                     || errorCodeOf(e) == int(ErrorCode::Internal),
                 qPrintable(errorDetailOf(e)));
    }
    QCOMPARE(applied.load(), 1);
    QCOMPARE(transitionsOf(repo.events(601)).count(QStringLiteral("PAID")), 1);
}

void TestTopupRepository::illegalTransitionAndRollback()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 user = addUser(*db);
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleTopup(701, user), QStringLiteral("student"));
    });
    const Topup t = *repo.find(701);
    // A refund straight from PENDING_PAYMENT is no transition of the state machine.
    bool threw = false;
    try {
        db->transact(
            [&](Transaction &tx) { return repo.transition(tx, t, TopupStatus::Refunding, {}); });
    } catch (const Error &e) {
        threw = e.code() == ErrorCode::Internal;
    }
    QVERIFY(threw);
    // A transaction that fails after its transition leaves neither the status nor the event.
    try {
        db->transact([&](Transaction &tx) {
            repo.transition(tx, t, TopupStatus::Cancelled, {});
            throw Error(ErrorCode::Internal, QStringLiteral("boom"));
        });
    } catch (const Error &) { }
    QCOMPARE(repo.find(701)->status, TopupStatus::PendingPayment);
    QCOMPARE(repo.events(701).size(), 1);
}

void TestTopupRepository::failedAttemptsAndWorkLists()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 user = addUser(*db);
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleTopup(801, user), QStringLiteral("student"));
        repo.insert(tx, sampleTopup(802, user), QStringLiteral("student"));
    });
    Topup t = *repo.find(801);
    TopupChange paid;
    paid.paidAt = 1000;
    paid.nextAttemptAt = 1000;
    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.transition(tx, t, TopupStatus::Paid, paid); }));
    QCOMPARE(repo.due(999, 10).size(), 0);
    QCOMPARE(repo.due(1000, 10).size(), 1);

    t = *repo.find(801);
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.recordFailedAttempt(tx, t, QStringLiteral("9999 busy"), 5000, false, 2000);
    }));
    t = *repo.find(801);
    QCOMPARE(t.attempts, 1);
    QCOMPARE(t.lastError, QStringLiteral("9999 busy"));
    QCOMPARE(*t.nextAttemptAt, 5000);
    QVERIFY(!t.unsettledAt);
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.recordFailedAttempt(tx, t, QStringLiteral("timeout"), 9000, true, 6000);
    }));
    t = *repo.find(801);
    QCOMPARE(t.attempts, 2);
    QCOMPARE(*t.unsettledAt, 6000);
    // An attempt that raced a change still leaves its mark; an older one does not move it back.
    db->transact([&](Transaction &tx) { repo.markUnsettled(tx, t.id, 7000); });
    db->transact([&](Transaction &tx) { repo.markUnsettled(tx, t.id, 6500); });
    QCOMPARE(*repo.find(801)->unsettledAt, 7000);
    QCOMPARE(repo.due(8999, 10).size(), 0);
    QCOMPARE(repo.due(9000, 10).first().id, 801);
    int attempts = 0;
    for (const TopupEvent &e : repo.events(801))
        attempts += e.kind == QLatin1String("ATTEMPT") ? 1 : 0;
    QCOMPARE(attempts, 2);

    // The unsigned, unpaid one is overdue once its expiry passed.
    QCOMPARE(repo.expiredPending(1700000000000 + 899999, 10).size(), 0);
    QCOMPARE(repo.expiredPending(1700000000000 + 900000, 10).first().id, 802);
}

void TestTopupRepository::filtersAndPages()
{
    auto db = database();
    QVERIFY(db);
    TopupRepository repo(*db);
    const qint64 alice = addUser(*db, QStringLiteral("o-alice"));
    const qint64 bob = addUser(*db, QStringLiteral("o-bob"));
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 5; ++i)
            repo.insert(tx, sampleTopup(900 + i, alice, QStringLiteral("ZY1-101"), 1000 + i),
                        QStringLiteral("s"));
        repo.insert(tx, sampleTopup(910, bob, QStringLiteral("ZY2-202"), 2000),
                    QStringLiteral("s"));
    });
    const Page<Topup> first = repo.listByUser(alice, std::nullopt, 3);
    QCOMPARE(first.items.size(), 3);
    QCOMPARE(first.items.first().id, 904); // newest first
    QVERIFY(first.next);
    const Page<Topup> second = repo.listByUser(alice, first.next, 3);
    QCOMPARE(second.items.size(), 2);
    QVERIFY(!second.next);

    TopupFilter byRoom;
    byRoom.roomId = QStringLiteral("ZY2-202");
    QCOMPARE(repo.list(byRoom, std::nullopt, 10).items.size(), 1);
    TopupFilter byTime;
    byTime.createdFrom = 1002;
    byTime.createdTo = 1004;
    QCOMPARE(repo.list(byTime, std::nullopt, 10).items.size(), 2);
    TopupFilter byStatus;
    byStatus.status = TopupStatus::Paid;
    QCOMPARE(repo.list(byStatus, std::nullopt, 10).items.size(), 0);
}

QTEST_GUILESS_MAIN(TestTopupRepository)
#include "test_topuprepository.moc"
