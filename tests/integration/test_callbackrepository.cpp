// Tests shared/storage/callbackrepository.*: a channel callback is recorded once, however often
// and however concurrently it arrives — on SQLite and PostgreSQL.
#include "storage/callbackrepository.h"
#include "storagetest.h"

#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

class TestCallbackRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void recordOnce_data() { backendRows(); }
    void recordOnce();
    void tenConcurrentRepeats_data() { backendRows(); }
    void tenConcurrentRepeats();
    void duplicateWithTransition_data() { backendRows(); }
    void duplicateWithTransition();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

namespace {

ChannelCallback sampleCallback(const QString &notifyId, std::optional<qint64> orderId)
{
    ChannelCallback c;
    c.channel = QStringLiteral("WECHAT");
    c.notifyId = notifyId;
    c.orderId = orderId;
    c.eventType = QStringLiteral("TRANSACTION.SUCCESS");
    c.payload = QByteArrayLiteral("{\"trade_state\":\"SUCCESS\"}");
    return c;
}

} // namespace

void TestCallbackRepository::recordOnce()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    CallbackRepository repo(*db);
    ChannelCallback c = sampleCallback(QStringLiteral("EV-1"), 42);
    c.receivedAt = 1700000000000;
    QVERIFY(db->transact([&](Transaction &tx) { return repo.record(tx, c); }));
    QVERIFY(c.id > 0);
    ChannelCallback again = sampleCallback(QStringLiteral("EV-1"), 42);
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.record(tx, again); }));
    QCOMPARE(again.id, 0);
    // The same id from another channel is another callback.
    ChannelCallback ecard = sampleCallback(QStringLiteral("EV-1"), 42);
    ecard.channel = QStringLiteral("ECARD");
    QVERIFY(db->transact([&](Transaction &tx) { return repo.record(tx, ecard); }));
    // An unknown order is recorded too.
    ChannelCallback unknown = sampleCallback(QStringLiteral("EV-2"), std::nullopt);
    QVERIFY(db->transact([&](Transaction &tx) { return repo.record(tx, unknown); }));

    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.setOutcome(tx, c.id, QStringLiteral("APPLIED")); }));
    const auto found = repo.find(QStringLiteral("WECHAT"), QStringLiteral("EV-1"));
    QVERIFY(found);
    QCOMPARE(found->id, c.id);
    QCOMPARE(found->orderId, std::optional<qint64>(42));
    QCOMPARE(found->eventType, QStringLiteral("TRANSACTION.SUCCESS"));
    QCOMPARE(found->payload, c.payload);
    QCOMPARE(found->outcome, QStringLiteral("APPLIED"));
    QCOMPARE(found->receivedAt, 1700000000000);
    QCOMPARE(repo.find(QStringLiteral("WECHAT"), QStringLiteral("EV-2"))->orderId, std::nullopt);
    QCOMPARE(repo.ofOrder(42).size(), 2);
    QCOMPARE(repo.ofOrder(42).first().channel, QStringLiteral("WECHAT"));
}

void TestCallbackRepository::tenConcurrentRepeats()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    CallbackRepository repo(*db);
    std::atomic<int> recorded {0};
    const auto errors = runConcurrently(10, [&](int) {
        ChannelCallback c = sampleCallback(QStringLiteral("EV-race"), 7);
        if (db->transact([&](Transaction &tx) { return repo.record(tx, c); }))
            ++recorded;
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(recorded.load(), 1);
    QCOMPARE(repo.ofOrder(7).size(), 1);
}

void TestCallbackRepository::duplicateWithTransition()
{
    // The pay-result handler: record the callback and move the order in one transaction. Ten
    // deliveries of the same callback at once change the order once and yield one event.
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    addApp(*db, QStringLiteral("venue-booking"));
    const PayOrder order = sampleOrder(77, QStringLiteral("venue-booking"), QStringLiteral("T-1"));
    addOrder(*db, order);
    db->transact([&](Transaction &tx) {
        OrderTransition t;
        t.orderId = order.id;
        t.to = OrderStatus::Paying;
        OrderRepository(*db).transition(tx, t);
    });
    std::atomic<int> applied {0};
    const auto errors = runConcurrently(10, [&](int) {
        db->transact([&](Transaction &tx) {
            ChannelCallback c = sampleCallback(QStringLiteral("EV-pay"), order.id);
            if (!CallbackRepository(*db).record(tx, c))
                return; // a repeat
            OrderRepository orders(*db);
            const auto current = orders.find(tx, order.id, RowLock::ForUpdate);
            OrderTransition t;
            t.orderId = order.id;
            t.expectedVersion = current->version;
            t.from = OrderStatus::Paying;
            t.to = OrderStatus::Paid;
            if (orders.transition(tx, t))
                ++applied;
        });
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(applied.load(), 1);
    QCOMPARE(OrderRepository(*db).events(order.id).size(), 3); // INIT, PAYING, PAID
    QCOMPARE(OrderRepository(*db).find(order.id)->status, OrderStatus::Paid);
}

QTEST_GUILESS_MAIN(TestCallbackRepository)
#include "test_callbackrepository.moc"
