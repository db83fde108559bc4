// Tests server/workers/outboxrelay.*: every committed order event reaches the stream once, in
// commit order per order; Redis down loses nothing; a rolled-back transaction publishes nothing —
// against a real redis-server, on SQLite and PostgreSQL.
#include "redis/rediskeys.h"
#include "redisserver.h"
#include "storagetest.h"
#include "telemetry/exporters.h"
#include "telemetry/trace.h"
#include "testsupport.h"
#include "workers/outboxrelay.h"

#include <QScopeGuard>
#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

/// Moves an order one step, in its own transaction; returns the event id.
qint64 step(Database &db, qint64 orderId, OrderStatus from, OrderStatus to)
{
    return db.transact([&](Transaction &tx) {
        const PayOrder o = *OrderRepository(db).find(tx, orderId, RowLock::ForUpdate);
        OrderTransition t;
        t.orderId = orderId;
        t.expectedVersion = o.version;
        t.from = from;
        t.to = to;
        return OrderRepository(db).transition(tx, t)->eventId;
    });
}

} // namespace

class TestOutboxRelay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void init()
    {
        m_redis = std::make_unique<RedisServer>();
        QVERIFY(m_redis->start());
        m_pool = std::make_unique<RedisPool>(redisOptionsFor(*m_redis, 1000, 500));
    }
    void cleanup()
    {
        m_pool.reset();
        m_redis.reset();
    }

    void publishesInCommitOrder_data() { backendRows(); }
    void publishesInCommitOrder();
    void redisDownLosesNothing_data() { backendRows(); }
    void redisDownLosesNothing();
    void rolledBackPublishesNothing_data() { backendRows(); }
    void rolledBackPublishesNothing();
    void publishSpanContinuesTheEventTrace_data() { backendRows(); }
    void publishSpanContinuesTheEventTrace();

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
        return db;
    }
    QList<StreamEntry> streamEntries()
    {
        return StreamConsumer::parseEntries(
            m_pool->command({"XRANGE", m_keys.orderEventsStream(), "-", "+"}));
    }
    /// Events in the stream: each event id once, ids increasing per order, all fields there.
    void checkStream(const QList<qint64> &expectedEventIds, bool allowDuplicates = false)
    {
        QHash<qint64, qint64> lastPerOrder;
        QSet<qint64> seen;
        for (const StreamEntry &e : streamEntries()) {
            const qint64 eventId = e.value(streamfields::EventId).toLongLong();
            const qint64 orderId = e.value(streamfields::OrderId).toLongLong();
            QVERIFY(eventId > 0);
            QVERIFY(orderId > 0);
            QCOMPARE(e.value(streamfields::AppId), AppId.toUtf8());
            QVERIFY(!e.value(streamfields::Status).isEmpty());
            QCOMPARE(e.value(streamfields::Amount), QByteArray("2000"));
            QCOMPARE(e.value(streamfields::OpenId), QByteArray("o-alice"));
            QVERIFY(!e.value(streamfields::OutTradeNo).isEmpty());
            QVERIFY(e.value(streamfields::At).toLongLong() > 0);
            if (!allowDuplicates)
                QVERIFY2(!seen.contains(eventId), "published twice");
            if (!seen.contains(eventId))
                QVERIFY2(lastPerOrder.value(orderId) < eventId, "reordered within an order");
            seen.insert(eventId);
            lastPerOrder[orderId] = std::max(lastPerOrder.value(orderId), eventId);
        }
        QCOMPARE(seen, QSet<qint64>(expectedEventIds.cbegin(), expectedEventIds.cend()));
    }

    StorageBackends m_backends;
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<RedisPool> m_pool;
    RedisKeys m_keys;
    qint64 m_nextId = 9000;
};

void TestOutboxRelay::publishesInCommitOrder()
{
    auto db = database();
    OutboxRelay relay(*db, *m_pool, m_keys.orderEventsStream());
    relay.start();

    QList<qint64> eventIds;
    // Orders interleaved: each order's events commit in order, across orders they interleave.
    QList<qint64> orders;
    for (int i = 0; i < 5; ++i) {
        const qint64 id = ++m_nextId;
        addOrder(*db, sampleOrder(id, AppId, QStringLiteral("B-%1").arg(id)));
        orders << id;
        eventIds << OrderRepository(*db).events(id).first().id;
    }
    for (const qint64 id : orders)
        eventIds << step(*db, id, OrderStatus::Init, OrderStatus::Paying);
    for (const qint64 id : orders)
        eventIds << step(*db, id, OrderStatus::Paying,
                         id % 2 ? OrderStatus::Paid : OrderStatus::Closed);

    QVERIFY(waitUntil([&] { return OutboxRepository(*db).unpublishedCount() == 0; }, 10000));
    QCOMPARE(relay.publishedCount(), quint64(eventIds.size()));
    checkStream(eventIds);
    // The stream carries the transitions.
    const QList<StreamEntry> entries = streamEntries();
    const auto last = std::find_if(entries.crbegin(), entries.crend(), [&](const StreamEntry &e) {
        return e.value(streamfields::OrderId).toLongLong() == orders.first();
    });
    QCOMPARE(last->value(streamfields::PrevStatus), QByteArray("PAYING"));
    QCOMPARE(last->value(streamfields::Status), QByteArray(orders.first() % 2 ? "PAID" : "CLOSED"));
    relay.stop();
}

void TestOutboxRelay::redisDownLosesNothing()
{
    auto db = database();
    OutboxRelayOptions options;
    options.backoffMaxMs = 200;
    OutboxRelay relay(*db, *m_pool, m_keys.orderEventsStream(), options);
    relay.start();

    QList<qint64> eventIds;
    const qint64 first = ++m_nextId;
    addOrder(*db, sampleOrder(first, AppId, QStringLiteral("B-%1").arg(first)));
    eventIds << OrderRepository(*db).events(first).first().id;
    QVERIFY(waitUntil([&] { return OutboxRepository(*db).unpublishedCount() == 0; }, 10000));

    m_redis->stop();
    for (int i = 0; i < 4; ++i) {
        const qint64 id = ++m_nextId;
        addOrder(*db, sampleOrder(id, AppId, QStringLiteral("B-%1").arg(id)));
        eventIds << OrderRepository(*db).events(id).first().id;
        eventIds << step(*db, id, OrderStatus::Init, OrderStatus::Paying);
    }
    eventIds << step(*db, first, OrderStatus::Init, OrderStatus::Paying);
    QVERIFY(waitUntil([&] { return relay.failedRounds() >= 2; }, 10000));
    QCOMPARE(OutboxRepository(*db).unpublishedCount(), qint64(eventIds.size() - 1));

    QVERIFY(m_redis->restart());
    QVERIFY(waitUntil([&] { return OutboxRepository(*db).unpublishedCount() == 0; }, 15000));
    checkStream(eventIds.mid(1) + QList<qint64> {}, false);
    relay.stop();
}

void TestOutboxRelay::rolledBackPublishesNothing()
{
    auto db = database();
    {
        Transaction tx(*db);
        const qint64 id = ++m_nextId;
        QVERIFY(OrderRepository(*db).insert(tx, sampleOrder(id, AppId, QStringLiteral("R-1"))));
        tx.rollback();
    }
    OutboxRelay relay(*db, *m_pool, m_keys.orderEventsStream());
    QCOMPARE(relay.publishOnce(), 0);
    QCOMPARE(streamEntries().size(), 0);

    const qint64 id = ++m_nextId;
    addOrder(*db, sampleOrder(id, AppId, QStringLiteral("R-2")));
    QCOMPARE(relay.publishOnce(), 1);
    QCOMPARE(relay.publishOnce(), 0);
    checkStream({OrderRepository(*db).events(id).first().id});
}

// Each event is published in a span that is a child of the event's traceparent (the request
// that committed it), labelled with its order, and the entry carries that span's context; an
// event without a traceparent gets a root publish span; the relay's own reads make no spans.
void TestOutboxRelay::publishSpanContinuesTheEventTrace()
{
    auto db = database();
    auto exporter = std::make_shared<InMemorySpanExporter>();
    Tracer::instance().setExporters({exporter});
    const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });

    const SpanContext request {TraceId::random(), SpanId::random()};
    const qint64 traced = ++m_nextId;
    db->transact([&](Transaction &tx) {
        OrderRepository(*db).insert(tx, sampleOrder(traced, AppId, QStringLiteral("T-1")), {},
                                    QString::fromLatin1(request.toTraceparent()));
    });
    const qint64 untraced = ++m_nextId;
    addOrder(*db, sampleOrder(untraced, AppId, QStringLiteral("T-2")));
    exporter->clear(); // whatever the inserts made

    OutboxRelay relay(*db, *m_pool, m_keys.orderEventsStream());
    QCOMPARE(relay.publishOnce(), 2);
    const QList<SpanData> spans = exporter->spans();
    // Only the two publish spans: the relay's polling and marking are outside any trace.
    QCOMPARE(spans.size(), 2);
    const QString name = QString::fromUtf8(m_keys.orderEventsStream()) + QStringLiteral(" publish");
    QHash<QString, SpanData> byOrder;
    for (const SpanData &s : spans) {
        QCOMPARE(s.name, name);
        QCOMPARE(s.kind, SpanKind::Producer);
        QCOMPARE(s.attributes.value(QStringLiteral("order.status")).toString(),
                 QStringLiteral("INIT"));
        byOrder.insert(s.attributes.value(QStringLiteral("order.id")).toString(), s);
    }
    const SpanData child = byOrder.value(QString::number(traced));
    QCOMPARE(child.traceId, request.traceId);
    QCOMPARE(child.parentSpanId, request.spanId);
    const SpanData root = byOrder.value(QString::number(untraced));
    QVERIFY(root.traceId.isValid());
    QVERIFY(!root.parentSpanId.isValid());

    for (const StreamEntry &e : streamEntries()) {
        const SpanData &s = byOrder[QString::fromUtf8(e.value(streamfields::OrderId))];
        QCOMPARE(e.value(streamfields::Traceparent), s.context().toTraceparent());
        QCOMPARE(s.attributes.value(QStringLiteral("messaging.message.id")).toString(),
                 QString::fromUtf8(e.id));
    }
}

QTEST_GUILESS_MAIN(TestOutboxRelay)
#include "test_outboxrelay.moc"
