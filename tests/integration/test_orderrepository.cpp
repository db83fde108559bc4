// Tests shared/storage/orderrepository.*: an order and its outbox event in one transaction,
// compare-and-set transitions (the event exists iff the change committed), keyset pages and
// filters — on SQLite and PostgreSQL.
#include "domain/snowflake.h"
#include "storagetest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

qint64 eventCount(Database &db, qint64 orderId)
{
    return OrderRepository(db).events(orderId).size();
}

} // namespace

class TestOrderRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }

    void insertWithEvent_data() { backendRows(); }
    void insertWithEvent();
    void insertIsIdempotent_data() { backendRows(); }
    void insertIsIdempotent();
    void concurrentSameOutTradeNo_data() { backendRows(); }
    void concurrentSameOutTradeNo();
    void transitionWithEvent_data() { backendRows(); }
    void transitionWithEvent();
    void eventIffCommitted_data() { backendRows(); }
    void eventIffCommitted();
    void concurrentCompareAndSet_data() { backendRows(); }
    void concurrentCompareAndSet();
    void illegalTransition_data() { backendRows(); }
    void illegalTransition();
    void updateWithoutEvent_data() { backendRows(); }
    void updateWithoutEvent();
    void keysetPages_data() { backendRows(); }
    void keysetPages();
    void filters_data() { backendRows(); }
    void filters();
    void searchBySubject_data() { backendRows(); }
    void searchBySubject();
    void sweepsAndCounts_data() { backendRows(); }
    void sweepsAndCounts();
    void outboxSignal_data() { backendRows(); }
    void outboxSignal();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    std::unique_ptr<Database> database()
    {
        QFETCH(QString, backend);
        auto db = migratedDatabase(m_backends, backend);
        addApp(*db, AppId);
        addApp(*db, QStringLiteral("utility-topup"));
        return db;
    }
    qint64 nextId() { return ++m_nextId; }
    StorageBackends m_backends;
    qint64 m_nextId = 5000;
};

void TestOrderRepository::insertWithEvent()
{
    auto db = database();
    OrderRepository repo(*db);
    PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-1"), 1700000000000);
    o.studentId = QStringLiteral("B21010101");
    const auto eventId = db->transact([&](Transaction &tx) {
        return repo.insert(
            tx, o, {}, QStringLiteral("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    });
    QVERIFY(eventId);
    const auto found = repo.find(o.id);
    QVERIFY(found);
    QCOMPARE(found->appId, AppId);
    QCOMPARE(found->outTradeNo, QStringLiteral("B-1"));
    QCOMPARE(found->amount, 2000);
    QCOMPARE(found->refundedAmount, 0);
    QCOMPARE(found->subject, o.subject);
    QCOMPARE(found->studentId, QStringLiteral("B21010101"));
    QCOMPARE(found->status, OrderStatus::Init);
    QCOMPARE(found->version, 0);
    QCOMPARE(found->channel, QString());
    QCOMPARE(found->paidAt, std::nullopt);
    QCOMPARE(found->needsRefund, false);
    QCOMPARE(found->createdAt, 1700000000000);
    QCOMPARE(repo.findByOutTradeNo(AppId, QStringLiteral("B-1"))->id, o.id);
    QVERIFY(!repo.findByOutTradeNo(QStringLiteral("utility-topup"), QStringLiteral("B-1")));

    const QList<OrderEvent> events = repo.events(o.id);
    QCOMPARE(events.size(), 1);
    const OrderEvent &e = events.first();
    QCOMPARE(e.id, *eventId);
    QCOMPARE(e.orderId, o.id);
    QCOMPARE(e.appId, AppId);
    QCOMPARE(e.prevStatus, std::nullopt);
    QCOMPARE(e.newStatus, OrderStatus::Init);
    QCOMPARE(e.outTradeNo, QStringLiteral("B-1"));
    QCOMPARE(e.amount, 2000);
    QCOMPARE(e.createdAt, 1700000000000);
    QCOMPARE(e.publishedAt, std::nullopt);
    QCOMPARE(e.traceparent,
             QStringLiteral("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    const QJsonObject payload = QJsonDocument::fromJson(e.payload).object();
    QCOMPARE(payload.value(QStringLiteral("orderId")).toString(), snowflakeToString(o.id));
    QCOMPARE(payload.value(QStringLiteral("status")).toString(), QStringLiteral("INIT"));
    QCOMPARE(payload.value(QStringLiteral("amount")).toInteger(), 2000);
    QVERIFY(!payload.contains(QStringLiteral("prevStatus")));
}

void TestOrderRepository::insertIsIdempotent()
{
    auto db = database();
    OrderRepository repo(*db);
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-2"));
    QVERIFY(db->transact([&](Transaction &tx) { return repo.insert(tx, o); }));
    // The same outTradeNo again (a retried request): nothing written, no second event.
    PayOrder again = sampleOrder(nextId(), AppId, QStringLiteral("B-2"));
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.insert(tx, again); }));
    QVERIFY(!repo.find(again.id));
    QCOMPARE(eventCount(*db, o.id), 1);
    QCOMPARE(OutboxRepository(*db).unpublishedCount(), 1);
}

void TestOrderRepository::concurrentSameOutTradeNo()
{
    auto db = database();
    OrderRepository repo(*db);
    const qint64 base = (m_nextId += 10);
    std::atomic<int> created {0};
    const auto errors = runConcurrently(6, [&](int i) {
        if (db->transact([&](Transaction &tx) {
                return repo.insert(tx, sampleOrder(base + i, AppId, QStringLiteral("B-race")));
            }))
            ++created;
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(created.load(), 1);
    QCOMPARE(OutboxRepository(*db).unpublishedCount(), 1);
}

void TestOrderRepository::transitionWithEvent()
{
    auto db = database();
    OrderRepository repo(*db);
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-3"));
    addOrder(*db, o);
    OrderTransition t;
    t.orderId = o.id;
    t.expectedVersion = 0;
    t.from = OrderStatus::Init;
    t.to = OrderStatus::Paying;
    t.at = 1800000000000;
    t.traceparent = QStringLiteral("00-11111111111111111111111111111111-2222222222222222-01");
    t.changes.channel = QStringLiteral("ECARD");
    t.changes.prepayId = QStringLiteral("prepay-1");
    const auto paying = db->transact([&](Transaction &tx) { return repo.transition(tx, t); });
    QVERIFY(paying);
    QCOMPARE(paying->newVersion, 1);

    OrderTransition paid;
    paid.orderId = o.id;
    paid.expectedVersion = 1;
    paid.from = OrderStatus::Paying;
    paid.to = OrderStatus::Paid;
    paid.at = 1800000001000;
    paid.changes.channelTradeNo = QStringLiteral("EC2030");
    paid.changes.paidAt = 1800000000900;
    paid.eventPayload = QByteArrayLiteral("{\"custom\":true}");
    const auto done = db->transact([&](Transaction &tx) { return repo.transition(tx, paid); });
    QVERIFY(done);
    QVERIFY(done->eventId > paying->eventId);
    QCOMPARE(done->newVersion, 2);

    const auto found = repo.find(o.id);
    QCOMPARE(found->status, OrderStatus::Paid);
    QCOMPARE(found->version, 2);
    QCOMPARE(found->channel, QStringLiteral("ECARD"));
    QCOMPARE(found->prepayId, QStringLiteral("prepay-1"));
    QCOMPARE(found->channelTradeNo, QStringLiteral("EC2030"));
    QCOMPARE(found->paidAt, std::optional<qint64>(1800000000900));
    QCOMPARE(found->updatedAt, 1800000001000);
    QCOMPARE(repo.findByChannelTradeNo(QStringLiteral("EC2030"))->id, o.id);

    const QList<OrderEvent> events = repo.events(o.id);
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.at(1).prevStatus, std::optional<OrderStatus>(OrderStatus::Init));
    QCOMPARE(events.at(1).newStatus, OrderStatus::Paying);
    QCOMPARE(events.at(1).createdAt, 1800000000000);
    QCOMPARE(events.at(1).traceparent, t.traceparent);
    const QJsonObject payload = QJsonDocument::fromJson(events.at(1).payload).object();
    QCOMPARE(payload.value(QStringLiteral("prevStatus")).toString(), QStringLiteral("INIT"));
    QCOMPARE(payload.value(QStringLiteral("status")).toString(), QStringLiteral("PAYING"));
    QCOMPARE(payload.value(QStringLiteral("channel")).toString(), QStringLiteral("ECARD"));
    QCOMPARE(payload.value(QStringLiteral("version")).toInt(), 1);
    QCOMPARE(events.at(2).payload, QByteArrayLiteral("{\"custom\":true}"));
}

void TestOrderRepository::eventIffCommitted()
{
    auto db = database();
    OrderRepository repo(*db);
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-4"));
    addOrder(*db, o);
    OrderTransition t;
    t.orderId = o.id;
    t.from = OrderStatus::Init;
    t.to = OrderStatus::Paying;

    // Applied inside a transaction that is then rolled back: neither the change nor the event.
    {
        Transaction tx(*db);
        QVERIFY(repo.transition(tx, t));
        QCOMPARE(repo.find(tx, o.id)->status, OrderStatus::Paying);
    }
    QCOMPARE(repo.find(o.id)->status, OrderStatus::Init);
    QCOMPARE(repo.find(o.id)->version, 0);
    QCOMPARE(eventCount(*db, o.id), 1);

    // The transaction fails after the transition (a later statement): the same.
    try {
        db->transact([&](Transaction &tx) {
            QVERIFY(repo.transition(tx, t));
            repo.insert(tx, sampleOrder(o.id, AppId, QStringLiteral("B-4-dup-id"))); // same id
        });
        QFAIL("a duplicate primary key was accepted");
    } catch (const Error &) { }
    QCOMPARE(repo.find(o.id)->status, OrderStatus::Init);
    QCOMPARE(eventCount(*db, o.id), 1);

    // Not applied (stale version): no event even though the transaction commits.
    OrderTransition stale = t;
    stale.expectedVersion = 7;
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.transition(tx, stale); }));
    QCOMPARE(eventCount(*db, o.id), 1);

    // Committed: both.
    QVERIFY(db->transact([&](Transaction &tx) { return repo.transition(tx, t); }));
    QCOMPARE(repo.find(o.id)->status, OrderStatus::Paying);
    QCOMPARE(eventCount(*db, o.id), 2);
}

void TestOrderRepository::concurrentCompareAndSet()
{
    // The cashier clicked twice, two instances: both read version 0 and try INIT -> PAYING.
    auto db = database();
    OrderRepository repo(*db);
    for (int round = 0; round < 5; ++round) {
        const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-cas-%1").arg(round));
        addOrder(*db, o);
        std::atomic<int> applied {0};
        const auto errors = runConcurrently(2, [&](int i) {
            OrderTransition t;
            t.orderId = o.id;
            t.from = OrderStatus::Init;
            t.to = i == 0 ? OrderStatus::Paying : OrderStatus::Closed;
            if (db->transact([&](Transaction &tx) { return repo.transition(tx, t); }))
                ++applied;
        });
        for (const auto &e : errors)
            QVERIFY2(!e, qPrintable(errorDetailOf(e)));
        QCOMPARE(applied.load(), 1);
        QCOMPARE(repo.find(o.id)->version, 1);
        QCOMPARE(eventCount(*db, o.id), 2);
    }
}

void TestOrderRepository::illegalTransition()
{
    auto db = database();
    OrderRepository repo(*db);
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-5"));
    addOrder(*db, o);
    OrderTransition t;
    t.orderId = o.id;
    t.from = OrderStatus::Init;
    t.to = OrderStatus::Paid; // INIT cannot become PAID without PAYING
    Transaction tx(*db);
    QVERIFY_THROWS_EXCEPTION(Error, repo.transition(tx, t));
}

void TestOrderRepository::updateWithoutEvent()
{
    auto db = database();
    OrderRepository repo(*db);
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("B-6"));
    addOrder(*db, o);
    OrderChanges c;
    c.needsRefund = true;
    c.prepayId = QStringLiteral("wx-prepay");
    c.expiresAt = 123;
    QCOMPARE(db->transact([&](Transaction &tx) { return repo.update(tx, o.id, 0, c); }),
             std::optional<int>(1));
    QCOMPARE(db->transact([&](Transaction &tx) { return repo.update(tx, o.id, 0, c); }),
             std::nullopt);
    const auto found = repo.find(o.id);
    QCOMPARE(found->needsRefund, true);
    QCOMPARE(found->prepayId, QStringLiteral("wx-prepay"));
    QCOMPARE(found->expiresAt, 123);
    QCOMPARE(found->status, OrderStatus::Init);
    QCOMPARE(eventCount(*db, o.id), 1);
    QCOMPARE(repo.needingRefund(10).size(), 1);
}

void TestOrderRepository::keysetPages()
{
    auto db = database();
    OrderRepository repo(*db);
    QList<std::pair<qint64, qint64>> expected;
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 53; ++i) {
            // Many orders share a millisecond: the id breaks the tie.
            const qint64 created = 1700000000000 + (i / 4) * 10;
            PayOrder o = sampleOrder(nextId(), i % 3 ? AppId : QStringLiteral("utility-topup"),
                                     QStringLiteral("K-%1").arg(i), created);
            repo.insert(tx, o);
            expected.append({created, o.id});
        }
    });
    std::sort(expected.begin(), expected.end(), std::greater<>());
    for (const int pageSize : {1, 10, 53, 60}) {
        QList<std::pair<qint64, qint64>> seen;
        std::optional<PageCursor> cursor;
        int pages = 0;
        do {
            const Page<PayOrder> page = repo.list({}, cursor, pageSize);
            QVERIFY(page.items.size() <= pageSize);
            for (const PayOrder &o : page.items)
                seen.append({o.createdAt, o.id});
            cursor = page.next;
            QVERIFY(++pages <= 60);
        } while (cursor);
        QCOMPARE(seen, expected); // every row once, newest first
        QCOMPARE(pages, (53 + pageSize - 1) / pageSize);
    }
}

void TestOrderRepository::filters()
{
    auto db = database();
    OrderRepository repo(*db);
    QList<PayOrder> orders;
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 12; ++i) {
            PayOrder o =
                sampleOrder(nextId(), i < 8 ? AppId : QStringLiteral("utility-topup"),
                            QStringLiteral("%1-%2")
                                .arg(i % 2 ? QStringLiteral("Water") : QStringLiteral("water"))
                                .arg(i),
                            1700000000000 + i * 1000);
            repo.insert(tx, o);
            orders.append(o);
        }
        for (int i = 0; i < 4; ++i) {
            OrderTransition t;
            t.orderId = orders.at(i).id;
            t.from = OrderStatus::Init;
            t.to = OrderStatus::Paying;
            t.changes.channel = i < 2 ? QStringLiteral("ECARD") : QStringLiteral("WECHAT_JSAPI");
            QVERIFY(repo.transition(tx, t));
        }
    });
    const auto collect = [&](const OrderFilter &filter) {
        QList<qint64> ids;
        std::optional<PageCursor> cursor;
        do {
            const Page<PayOrder> page = repo.list(filter, cursor, 3);
            for (const PayOrder &o : page.items)
                ids.append(o.id);
            cursor = page.next;
        } while (cursor);
        return ids;
    };
    OrderFilter f;
    f.status = OrderStatus::Paying;
    QCOMPARE(collect(f), (QList<qint64> {orders[3].id, orders[2].id, orders[1].id, orders[0].id}));
    f.channel = QStringLiteral("ECARD");
    QCOMPARE(collect(f), (QList<qint64> {orders[1].id, orders[0].id}));
    f = {};
    f.appId = QStringLiteral("utility-topup");
    QCOMPARE(collect(f).size(), 4);
    f.createdFrom = 1700000009000;
    f.createdBefore = 1700000011000;
    QCOMPARE(collect(f), (QList<qint64> {orders[10].id, orders[9].id}));
    f = {};
    f.search = snowflakeToString(orders[5].id);
    QCOMPARE(collect(f), QList<qint64> {orders[5].id});
    f.search = QStringLiteral("water-1"); // prefix, case-sensitive: water-10 only
    QCOMPARE(collect(f), QList<qint64> {orders[10].id});
    f.search = QStringLiteral("Water");
    QCOMPARE(collect(f).size(), 6);
    f.search = QStringLiteral("%"); // a LIKE wildcard is a literal character here
    QVERIFY(collect(f).isEmpty());
    f.search = QStringLiteral("' OR 1=1 --");
    QVERIFY(collect(f).isEmpty());
}

void TestOrderRepository::searchBySubject()
{
    auto db = database();
    OrderRepository repo(*db);
    const QStringList subjects {
        QStringLiteral("Water Top-Up 50%"), QStringLiteral("Court_3 booking"),
        QStringLiteral("Court X3 booking"), QStringLiteral("羽毛球场 2 号")};
    QList<qint64> ids;
    for (int i = 0; i < subjects.size(); ++i) {
        PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("subj-%1").arg(i),
                                 1700000000000 + i * 1000);
        o.subject = subjects.at(i);
        addOrder(*db, o);
        ids.prepend(o.id); // the list is newest first
    }
    const auto search = [&](const QString &text) {
        OrderFilter f;
        f.search = text;
        QList<qint64> found;
        const QList<PayOrder> items = repo.list(f, std::nullopt, 50).items;
        for (const PayOrder &o : items)
            found.append(o.id);
        return found;
    };
    const qint64 water = ids.at(3);
    const qint64 court3 = ids.at(2);
    const qint64 courtX3 = ids.at(1);
    const qint64 badminton = ids.at(0);
    QCOMPARE(search(QStringLiteral("top-up")), QList<qint64> {water}); // case-insensitive
    QCOMPARE(search(QStringLiteral("WATER")), QList<qint64> {water});
    QCOMPARE(search(QStringLiteral("court")), (QList<qint64> {courtX3, court3}));
    // % and _ are literal characters, not LIKE wildcards.
    QCOMPARE(search(QStringLiteral("50%")), QList<qint64> {water});
    QCOMPARE(search(QStringLiteral("%")), QList<qint64> {water});
    QCOMPARE(search(QStringLiteral("t_3")), QList<qint64> {court3});
    QCOMPARE(search(QStringLiteral("!")), QList<qint64> {}); // the escape character itself
    QCOMPARE(search(QStringLiteral("球场")), QList<qint64> {badminton});
    QCOMPARE(search(QStringLiteral("subj-")).size(), 4); // the outTradeNo prefix still works
    QVERIFY(search(QStringLiteral("ubj-")).isEmpty()); // … as a prefix only
    QCOMPARE(search(snowflakeToString(court3)), QList<qint64> {court3});
    QVERIFY(search(QStringLiteral("' OR 1=1 --")).isEmpty());
}

void TestOrderRepository::sweepsAndCounts()
{
    auto db = database();
    OrderRepository repo(*db);
    QList<PayOrder> orders;
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 5; ++i) {
            PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("S-%1").arg(i), 1000 + i);
            o.expiresAt = 10000 + i;
            repo.insert(tx, o);
            orders.append(o);
        }
        OrderTransition t;
        t.orderId = orders[0].id;
        t.from = OrderStatus::Init;
        t.to = OrderStatus::Paying;
        QVERIFY(repo.transition(tx, t));
        t.expectedVersion = 1;
        t.from = OrderStatus::Paying;
        t.to = OrderStatus::Paid;
        t.changes.paidAt = 5000;
        QVERIFY(repo.transition(tx, t));
        OrderTransition close;
        close.orderId = orders[1].id;
        close.from = OrderStatus::Init;
        close.to = OrderStatus::Closed;
        close.changes.closedAt = 6000;
        QVERIFY(repo.transition(tx, close));
    });
    const QList<PayOrder> expired = repo.expiredOpen(10003, 10);
    QCOMPARE(expired.size(), 2); // orders 2 and 3: 0 is paid, 1 closed, 4 not yet expired
    QCOMPARE(expired.at(0).id, orders[2].id);
    QCOMPARE(expired.at(1).id, orders[3].id);
    QCOMPARE(repo.find(orders[1].id)->closedAt, std::optional<qint64>(6000));

    const QHash<OrderStatus, qint64> counts = repo.countByStatus(0, 2000);
    QCOMPARE(counts.value(OrderStatus::Init), 3);
    QCOMPARE(counts.value(OrderStatus::Paid), 1);
    QCOMPARE(counts.value(OrderStatus::Closed), 1);
    QCOMPARE(counts.value(OrderStatus::Paying), 0);
    QCOMPARE(repo.countByStatus(1001, 1003).value(OrderStatus::Init), 1);
    // The day's "paid" counts by when the money came (paid_at 5000), not when the order was made.
    QCOMPARE(repo.paidAmount(0, 2000), 0);
    QCOMPARE(repo.paidAmount(4000, 6000), 2000);
    QCOMPARE(repo.paidAmount(5001, 9000), 0);
}

void TestOrderRepository::outboxSignal()
{
    // A committed transition wakes the relay (Database::outboxAppended); a rollback does not.
    auto db = database();
    OrderRepository repo(*db);
    int signals_ = 0;
    connect(db.get(), &Database::outboxAppended, this, [&] { ++signals_; });
    const PayOrder o = sampleOrder(nextId(), AppId, QStringLiteral("W-1"));
    {
        Transaction tx(*db);
        repo.insert(tx, o);
    }
    QCOMPARE(signals_, 0);
    addOrder(*db, o);
    QCOMPARE(signals_, 1);
    db->transact([&](Transaction &tx) {
        VenueRepository(*db).list();
        (void)tx;
    });
    QCOMPARE(signals_, 1);
}

QTEST_GUILESS_MAIN(TestOrderRepository)
#include "test_orderrepository.moc"
