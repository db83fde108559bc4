// Tests shared/storage/notificationrepository.*: merchant notifications, their schedule, leases
// and history — on SQLite and PostgreSQL.
#include "storage/notificationrepository.h"
#include "storagetest.h"

#include <QSet>
#include <QTest>

#include <mutex>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

struct Fixture
{
    std::unique_ptr<Database> db;
    QList<qint64> eventIds;
    qint64 orderId = 0;
};

} // namespace

class TestNotificationRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void enqueueOnce_data() { backendRows(); }
    void enqueueOnce();
    void claimLeasesDueRows_data() { backendRows(); }
    void claimLeasesDueRows();
    void concurrentClaims_data() { backendRows(); }
    void concurrentClaims();
    void attemptsAndOutcomes_data() { backendRows(); }
    void attemptsAndOutcomes();
    void resend_data() { backendRows(); }
    void resend();
    void listAndCounts_data() { backendRows(); }
    void listAndCounts();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    // An order with @p events outbox events (INIT and then PAYING/CLOSED… are not needed: any
    // event id will do for a notification).
    Fixture fixture(int orders)
    {
        QFETCH(QString, backend);
        Fixture f;
        f.db = migratedDatabase(m_backends, backend);
        addApp(*f.db, AppId);
        addApp(*f.db, QStringLiteral("utility-topup"));
        for (int i = 0; i < orders; ++i) {
            const PayOrder o = sampleOrder(100 + i, i % 2 ? QStringLiteral("utility-topup") : AppId,
                                           QStringLiteral("N-%1").arg(i));
            addOrder(*f.db, o);
            f.eventIds << OrderRepository(*f.db).events(o.id).first().id;
        }
        f.orderId = 100;
        return f;
    }
    static MerchantNotification notification(qint64 orderId, const QString &appId, qint64 eventId,
                                             qint64 due)
    {
        MerchantNotification n;
        n.orderId = orderId;
        n.appId = appId;
        n.eventId = eventId;
        n.orderStatus = QStringLiteral("PAID");
        n.url = QStringLiteral("http://127.0.0.1:9/pay-notify");
        n.nextAttemptAt = due;
        n.createdAt = due;
        return n;
    }
    StorageBackends m_backends;
};

void TestNotificationRepository::enqueueOnce()
{
    Fixture f = fixture(1);
    NotificationRepository repo(*f.db);
    MerchantNotification n = notification(f.orderId, AppId, f.eventIds.first(), 1000);
    QVERIFY(f.db->transact([&](Transaction &tx) { return repo.enqueue(tx, n); }));
    QVERIFY(n.id > 0);
    MerchantNotification again = notification(f.orderId, AppId, f.eventIds.first(), 2000);
    QVERIFY(!f.db->transact([&](Transaction &tx) { return repo.enqueue(tx, again); }));
    const auto found = repo.find(n.id);
    QVERIFY(found);
    QCOMPARE(found->state, NotificationState::Pending);
    QCOMPARE(found->attempts, 0);
    QCOMPARE(found->nextAttemptAt, 1000);
    QCOMPARE(found->orderStatus, QStringLiteral("PAID"));
    QCOMPARE(found->url, n.url);
    QCOMPARE(found->eventId, f.eventIds.first());
    QCOMPARE(found->deliveredAt, std::nullopt);
    QCOMPARE(repo.nextDueAt(), std::optional<qint64>(1000));
}

void TestNotificationRepository::claimLeasesDueRows()
{
    Fixture f = fixture(3);
    NotificationRepository repo(*f.db);
    f.db->transact([&](Transaction &tx) {
        for (int i = 0; i < 3; ++i) {
            MerchantNotification n = notification(100 + i, AppId, f.eventIds.at(i), 1000 * (i + 1));
            repo.enqueue(tx, n);
        }
    });
    QVERIFY(repo.claimDue(500, 10, 30000).isEmpty());
    QList<MerchantNotification> due = repo.claimDue(2500, 10, 30000);
    QCOMPARE(due.size(), 2);
    QCOMPARE(due.at(0).orderId, 100);
    QCOMPARE(due.at(1).orderId, 101);
    QCOMPARE(due.at(0).nextAttemptAt, 32500);
    // Leased: not due again until the lease ends…
    due = repo.claimDue(3000, 10, 30000);
    QCOMPARE(due.size(), 1);
    QCOMPARE(due.first().orderId, 102);
    QVERIFY(repo.claimDue(32000, 10, 30000).isEmpty());
    // …then due again (the worker that took them died).
    QCOMPARE(repo.claimDue(32500, 10, 30000).size(), 2);
    QCOMPARE(repo.nextDueAt(), std::optional<qint64>(33000));
}

void TestNotificationRepository::concurrentClaims()
{
    Fixture f = fixture(20);
    NotificationRepository repo(*f.db);
    f.db->transact([&](Transaction &tx) {
        for (int i = 0; i < 20; ++i) {
            MerchantNotification n = notification(100 + i, AppId, f.eventIds.at(i), 1000);
            repo.enqueue(tx, n);
        }
    });
    std::mutex mutex;
    QList<qint64> claimed;
    const auto errors = runConcurrently(4, [&](int) {
        for (;;) {
            const QList<MerchantNotification> batch = repo.claimDue(5000, 3, 60000);
            if (batch.isEmpty())
                return;
            std::lock_guard lock(mutex);
            for (const auto &n : batch)
                claimed << n.id;
        }
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(claimed.size(), 20);
    QCOMPARE(QSet<qint64>(claimed.begin(), claimed.end()).size(), 20); // each taken once
}

void TestNotificationRepository::attemptsAndOutcomes()
{
    Fixture f = fixture(1);
    NotificationRepository repo(*f.db);
    MerchantNotification n = notification(f.orderId, AppId, f.eventIds.first(), 1000);
    f.db->transact([&](Transaction &tx) { repo.enqueue(tx, n); });

    NotificationAttempt a;
    a.at = 1000;
    a.durationMs = 5000;
    a.error = QStringLiteral("timeout");
    QVERIFY(f.db->transact([&](Transaction &tx) {
        return repo.recordAttempt(tx, n.id, a, {false, 16000});
    }));
    a.at = 16000;
    a.durationMs = 12;
    a.httpStatus = 500;
    a.error = QStringLiteral("HTTP 500");
    a.responseExcerpt = QString(2000, u'x');
    QVERIFY(f.db->transact([&](Transaction &tx) {
        return repo.recordAttempt(tx, n.id, a, {false, 31000});
    }));
    auto found = repo.find(n.id);
    QCOMPARE(found->state, NotificationState::Pending);
    QCOMPARE(found->attempts, 2);
    QCOMPARE(found->nextAttemptAt, 31000);
    QCOMPARE(found->lastError, QStringLiteral("HTTP 500"));
    QCOMPARE(found->lastHttpStatus, std::optional<int>(500));

    a.at = 31000;
    a.httpStatus = 200;
    a.error.clear();
    a.responseExcerpt = QStringLiteral("SUCCESS");
    QVERIFY(f.db->transact([&](Transaction &tx) {
        return repo.recordAttempt(tx, n.id, a, {true, {}});
    }));
    found = repo.find(n.id);
    QCOMPARE(found->state, NotificationState::Delivered);
    QCOMPARE(found->attempts, 3);
    QCOMPARE(found->deliveredAt, std::optional<qint64>(31000));
    QCOMPARE(found->lastError, QString());
    QCOMPARE(repo.nextDueAt(), std::nullopt);
    // Delivered is final: a late attempt result changes nothing.
    QVERIFY(!f.db->transact([&](Transaction &tx) {
        return repo.recordAttempt(tx, n.id, a, {false, 99});
    }));

    const QList<NotificationAttempt> history = repo.attempts(n.id);
    QCOMPARE(history.size(), 3);
    QCOMPARE(history.at(0).attempt, 1);
    QCOMPARE(history.at(0).httpStatus, std::nullopt);
    QCOMPARE(history.at(0).error, QStringLiteral("timeout"));
    QCOMPARE(history.at(0).durationMs, 5000);
    QCOMPARE(history.at(1).httpStatus, std::optional<int>(500));
    QCOMPARE(history.at(1).responseExcerpt.size(), 512);
    QCOMPARE(history.at(2).attempt, 3);
    QCOMPARE(history.at(2).responseExcerpt, QStringLiteral("SUCCESS"));
}

void TestNotificationRepository::resend()
{
    Fixture f = fixture(4);
    NotificationRepository repo(*f.db);
    QList<MerchantNotification> ns;
    f.db->transact([&](Transaction &tx) {
        for (int i = 0; i < 4; ++i) {
            MerchantNotification n = notification(
                100 + i, i % 2 ? QStringLiteral("utility-topup") : AppId, f.eventIds.at(i), 1000);
            repo.enqueue(tx, n);
            ns << n;
        }
        NotificationAttempt a;
        a.at = 1000;
        a.error = QStringLiteral("refused");
        for (const auto &n : ns)
            QVERIFY(repo.recordAttempt(tx, n.id, a, {false, std::nullopt})); // give up: FAILED
    });
    QCOMPARE(repo.find(ns[0].id)->state, NotificationState::Failed);
    QCOMPARE(repo.nextDueAt(), std::nullopt);

    QVERIFY(f.db->transact([&](Transaction &tx) { return repo.resend(tx, ns[0].id, 5000); }));
    auto n0 = repo.find(ns[0].id);
    QCOMPARE(n0->state, NotificationState::Pending);
    QCOMPARE(n0->attempts, 0);
    QCOMPARE(n0->nextAttemptAt, 5000);
    QCOMPARE(repo.attempts(ns[0].id).size(), 1); // the history stays

    QCOMPARE(f.db->transact([&](Transaction &tx) { return repo.resendAllFailed(tx, AppId, 6000); }),
             1);
    QCOMPARE(repo.find(ns[2].id)->state, NotificationState::Pending);
    QCOMPARE(repo.find(ns[1].id)->state, NotificationState::Failed); // another app's

    // A delivered one is only re-sent when asked for explicitly.
    f.db->transact([&](Transaction &tx) {
        NotificationAttempt ok;
        ok.at = 7000;
        ok.httpStatus = 200;
        repo.recordAttempt(tx, ns[0].id, ok, {true, {}});
    });
    QVERIFY(!f.db->transact([&](Transaction &tx) { return repo.resend(tx, ns[0].id, 8000); }));
    QVERIFY(f.db->transact([&](Transaction &tx) { return repo.resend(tx, ns[0].id, 8000, true); }));
    QCOMPARE(repo.find(ns[0].id)->state, NotificationState::Pending);
}

void TestNotificationRepository::listAndCounts()
{
    Fixture f = fixture(9);
    NotificationRepository repo(*f.db);
    f.db->transact([&](Transaction &tx) {
        for (int i = 0; i < 9; ++i) {
            MerchantNotification n =
                notification(100 + i, i % 2 ? QStringLiteral("utility-topup") : AppId,
                             f.eventIds.at(i), 1000 + (i / 3) * 10);
            repo.enqueue(tx, n);
            if (i < 3) {
                NotificationAttempt a;
                repo.recordAttempt(tx, n.id, a, {false, std::nullopt});
            }
        }
    });
    const auto counts = repo.countByState();
    QCOMPARE(counts.value(NotificationState::Failed), 3);
    QCOMPARE(counts.value(NotificationState::Pending), 6);
    QCOMPARE(counts.value(NotificationState::Delivered), 0);

    const auto collect = [&](const NotificationFilter &filter) {
        QList<qint64> orders;
        std::optional<PageCursor> cursor;
        do {
            const auto page = repo.list(filter, cursor, 2);
            for (const auto &n : page.items)
                orders << n.orderId;
            cursor = page.next;
        } while (cursor);
        return orders;
    };
    QCOMPARE(collect({}), (QList<qint64> {108, 107, 106, 105, 104, 103, 102, 101, 100}));
    NotificationFilter failed;
    failed.state = NotificationState::Failed;
    QCOMPARE(collect(failed), (QList<qint64> {102, 101, 100}));
    failed.appId = AppId;
    QCOMPARE(collect(failed), (QList<qint64> {102, 100}));
    NotificationFilter ofOrder;
    ofOrder.orderId = 104;
    QCOMPARE(collect(ofOrder), QList<qint64> {104});
    QCOMPARE(notificationStateFromName(u"FAILED"), std::optional(NotificationState::Failed));
    QCOMPARE(notificationStateFromName(u"failed"), std::nullopt);
}

QTEST_GUILESS_MAIN(TestNotificationRepository)
#include "test_notificationrepository.moc"
