// Tests shared/storage/outboxrepository.*: fetching and marking events, and relays running at the
// same time publish every event once, each order's events in commit order — on both databases.
#include "storagetest.h"

#include <QHash>
#include <QSet>
#include <QTest>

#include <mutex>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

void advance(Database &db, qint64 orderId, int version, OrderStatus from, OrderStatus to)
{
    db.transact([&](Transaction &tx) {
        OrderTransition t;
        t.orderId = orderId;
        t.expectedVersion = version;
        t.from = from;
        t.to = to;
        if (!OrderRepository(db).transition(tx, t))
            throw Error(ErrorCode::Internal, QStringLiteral("transition not applied"));
    });
}

} // namespace

class TestOutboxRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }

    void fetchAndMark_data() { backendRows(); }
    void fetchAndMark();
    void claimKeepsOrderOfAnOrder_data() { backendRows(); }
    void claimKeepsOrderOfAnOrder();
    void claimSkipsWhatAnotherRelayHolds();
    void relaysConcurrently_data() { backendRows(); }
    void relaysConcurrently();
    void rolledBackClaimIsClaimedAgain_data() { backendRows(); }
    void rolledBackClaimIsClaimedAgain();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    std::unique_ptr<Database> database(const QString &backend)
    {
        auto db = migratedDatabase(m_backends, backend);
        addApp(*db, AppId);
        return db;
    }
    qint64 addOrders(Database &db, int count)
    {
        const qint64 first = m_nextId + 1;
        for (int i = 0; i < count; ++i) {
            ++m_nextId;
            addOrder(db, sampleOrder(m_nextId, AppId, QStringLiteral("O-%1").arg(m_nextId)));
        }
        return first;
    }
    StorageBackends m_backends;
    qint64 m_nextId = 9000;
};

void TestOutboxRepository::fetchAndMark()
{
    QFETCH(QString, backend);
    auto db = database(backend);
    OutboxRepository outbox(*db);
    QVERIFY(outbox.fetchUnpublished(10).isEmpty());
    const qint64 first = addOrders(*db, 3);
    advance(*db, first, 0, OrderStatus::Init, OrderStatus::Paying);
    QCOMPARE(outbox.unpublishedCount(), 4);

    QList<OrderEvent> events = outbox.fetchUnpublished(10);
    QCOMPARE(events.size(), 4);
    for (qsizetype i = 1; i < events.size(); ++i)
        QVERIFY(events.at(i).id > events.at(i - 1).id);
    QCOMPARE(events.first().orderId, first);
    QCOMPARE(events.last().orderId, first);
    QCOMPARE(events.last().newStatus, OrderStatus::Paying);
    QCOMPARE(events.last().outTradeNo, QStringLiteral("O-%1").arg(first));
    QCOMPARE(outbox.fetchUnpublished(2).size(), 2);

    const int marked = db->transact([&](Transaction &tx) {
        return outbox.markPublished(tx, {events.at(0).id, events.at(1).id, events.at(2).id}, 1234);
    });
    QCOMPARE(marked, 3);
    QCOMPARE(outbox.unpublishedCount(), 1);
    QCOMPARE(outbox.fetchUnpublished(10).first().id, events.at(3).id);
    // Marking again changes nothing (a relay retrying its mark after a lost answer).
    QCOMPARE(
        db->transact([&](Transaction &tx) { return outbox.markPublished(tx, {events.at(0).id}); }),
        0);
    QCOMPARE(OrderRepository(*db).events(first).first().publishedAt, std::optional<qint64>(1234));

    // after(): the console's event stream from a position.
    QCOMPARE(outbox.after(events.at(1).id, 10).size(), 2);
    QCOMPARE(outbox.after(events.at(3).id, 10).size(), 0);
}

void TestOutboxRepository::claimKeepsOrderOfAnOrder()
{
    QFETCH(QString, backend);
    auto db = database(backend);
    OutboxRepository outbox(*db);
    const qint64 first = addOrders(*db, 2);
    advance(*db, first, 0, OrderStatus::Init, OrderStatus::Paying);
    advance(*db, first, 1, OrderStatus::Paying, OrderStatus::Paid);
    // Unpublished: first INIT, second INIT, first PAYING, first PAID.
    QList<OrderStatus> rounds;
    for (int round = 0; round < 5; ++round) {
        const QList<OrderEvent> batch = db->transact([&](Transaction &tx) {
            const QList<OrderEvent> claimed = outbox.claimUnpublished(tx, 10);
            QList<qint64> ids;
            for (const OrderEvent &e : claimed)
                ids << e.id;
            outbox.markPublished(tx, ids);
            return claimed;
        });
        if (batch.isEmpty())
            break;
        // Never two events of the same order in one claim: the later waits for the earlier.
        QSet<qint64> orders;
        for (const OrderEvent &e : batch) {
            QVERIFY(!orders.contains(e.orderId));
            orders.insert(e.orderId);
            if (e.orderId == first)
                rounds << e.newStatus;
        }
    }
    QCOMPARE(rounds,
             (QList<OrderStatus> {OrderStatus::Init, OrderStatus::Paying, OrderStatus::Paid}));
    QCOMPARE(outbox.unpublishedCount(), 0);
}

void TestOutboxRepository::claimSkipsWhatAnotherRelayHolds()
{
    // PostgreSQL with two relays: while one holds its batch, the other gets the rest — and
    // nothing of an order whose earlier event is in flight.
    auto db = database(QStringLiteral("postgres"));
    OutboxRepository outbox(*db);
    const qint64 first = addOrders(*db, 4);
    advance(*db, first, 0, OrderStatus::Init, OrderStatus::Paying);

    Transaction relayA(*db);
    const QList<OrderEvent> a = outbox.claimUnpublished(relayA, 2);
    QCOMPARE(a.size(), 2);
    QCOMPARE(a.at(0).orderId, first);
    QCOMPARE(a.at(1).orderId, first + 1);

    QList<OrderEvent> b;
    std::thread([&] {
        b = db->transact([&](Transaction &tx) {
            const QList<OrderEvent> claimed = outbox.claimUnpublished(tx, 10);
            QList<qint64> ids;
            for (const OrderEvent &e : claimed)
                ids << e.id;
            outbox.markPublished(tx, ids);
            return claimed;
        });
    }).join();
    QCOMPARE(b.size(), 2); // the INITs of orders 3 and 4; not the PAYING of order 1
    QCOMPARE(b.at(0).orderId, first + 2);
    QCOMPARE(b.at(1).orderId, first + 3);

    outbox.markPublished(relayA, {a.at(0).id, a.at(1).id});
    relayA.commit();
    const QList<OrderEvent> rest = outbox.fetchUnpublished(10);
    QCOMPARE(rest.size(), 1);
    QCOMPARE(rest.first().orderId, first);
    QCOMPARE(rest.first().newStatus, OrderStatus::Paying);
}

void TestOutboxRepository::relaysConcurrently()
{
    // Three relays drain the outbox while orders move on: every event is published exactly once,
    // and each order's events in the order of their ids (= of their commits).
    QFETCH(QString, backend);
    auto db = database(backend);
    OutboxRepository outbox(*db);
    const qint64 first = addOrders(*db, 30);
    std::mutex mutex;
    QList<OrderEvent> published; // in publication order
    std::atomic<bool> producing {true};
    const auto errors = runConcurrently(4, [&](int relay) {
        if (relay == 3) { // the producer: orders move on while the relays run
            for (int i = 0; i < 30; ++i) {
                advance(*db, first + i, 0, OrderStatus::Init, OrderStatus::Paying);
                advance(*db, first + i, 1, OrderStatus::Paying, OrderStatus::Paid);
            }
            producing = false;
            return;
        }
        for (;;) {
            const bool wasProducing = producing;
            const int n = db->transact([&](Transaction &tx) {
                const QList<OrderEvent> batch = outbox.claimUnpublished(tx, 7);
                QList<qint64> ids;
                {
                    std::lock_guard lock(mutex); // "XADD", in claim order
                    for (const OrderEvent &e : batch) {
                        published.append(e);
                        ids << e.id;
                    }
                }
                outbox.markPublished(tx, ids);
                return int(batch.size());
            });
            if (n == 0 && !wasProducing && outbox.unpublishedCount() == 0)
                return;
        }
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(published.size(), 90);
    QSet<qint64> ids;
    QHash<qint64, QList<qint64>> perOrder;
    for (const OrderEvent &e : published) {
        QVERIFY2(!ids.contains(e.id), "an event was published twice");
        ids.insert(e.id);
        perOrder[e.orderId].append(e.id);
    }
    QCOMPARE(perOrder.size(), 30);
    for (auto it = perOrder.cbegin(); it != perOrder.cend(); ++it) {
        QCOMPARE(it->size(), 3);
        QVERIFY2(std::is_sorted(it->begin(), it->end()), "events of an order out of order");
    }
}

void TestOutboxRepository::rolledBackClaimIsClaimedAgain()
{
    // A relay that dies before its mark commits: the events are claimed again (at least once).
    QFETCH(QString, backend);
    auto db = database(backend);
    OutboxRepository outbox(*db);
    addOrders(*db, 2);
    {
        Transaction tx(*db);
        const QList<OrderEvent> batch = outbox.claimUnpublished(tx, 10);
        QCOMPARE(batch.size(), 2);
        outbox.markPublished(tx, {batch.at(0).id, batch.at(1).id});
    } // rolled back
    QCOMPARE(outbox.unpublishedCount(), 2);
    Transaction tx(*db);
    QCOMPARE(outbox.claimUnpublished(tx, 10).size(), 2);
}

QTEST_GUILESS_MAIN(TestOutboxRepository)
#include "test_outboxrepository.moc"
