// Tests server/workers/metricscollector.* and the repository counts it reads
// (NotificationRepository::countInState, RefundRepository::processingSummary,
// OutboxRepository::oldestUnpublishedAt): the gauges the alert rules of resources/monitoring
// use follow Redis and the database — against a real redis-server, on SQLite and PostgreSQL.
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redisserver.h"
#include "storage/notificationrepository.h"
#include "storage/paymentexceptionrepository.h"
#include "storage/refundrepository.h"
#include "storagetest.h"
#include "telemetry/metrics.h"
#include "workers/metricscollector.h"

#include <QDateTime>
#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

double gauge(const char *name, const prometheus::Labels &labels = {})
{
    return Metrics::instance().gaugeFamily(name, "").Add(labels).Value();
}

} // namespace

class TestMetricsCollector : public QObject
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

    void emptyIsZero_data() { backendRows(); }
    void emptyIsZero();
    void delayedQueueOverdue_data() { backendRows(); }
    void delayedQueueOverdue();
    void databaseCounts_data() { backendRows(); }
    void databaseCounts();
    void redisDownKeepsDatabase_data() { backendRows(); }
    void redisDownKeepsDatabase();
    void databaseDownKeepsRedis();
    void startCollectsInTheBackground();

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
    qint64 redisNowMs()
    {
        const RedisReply reply = m_pool->command({"TIME"});
        return reply.at(0).toByteArray().toLongLong() * 1000
            + reply.at(1).toByteArray().toLongLong() / 1000;
    }

    StorageBackends m_backends;
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<RedisPool> m_pool;
    RedisKeys m_keys;
};

void TestMetricsCollector::emptyIsZero()
{
    auto db = database();
    MetricsCollector collector(*db, *m_pool, m_keys);
    // Before any round: nothing checked, nothing up.
    QCOMPARE(gauge("pomelo_redis_up"), 0.0);
    QCOMPARE(gauge("pomelo_database_up"), 0.0);
    collector.collect();
    QCOMPARE(gauge("pomelo_redis_up"), 1.0);
    QCOMPARE(gauge("pomelo_database_up"), 1.0);
    for (const char *queue : {"order-timeout", "booking-expiry"}) {
        QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", queue}}), 0.0);
        QCOMPARE(gauge("pomelo_delayed_queue_scheduled", {{"queue", queue}}), 0.0);
    }
    for (const char *state : {"REFUNDING", "REFUNDED", "REFUND_FAILED"})
        QCOMPARE(gauge("pomelo_payment_exceptions_open", {{"state", state}}), 0.0);
    QCOMPARE(gauge("pomelo_merchant_notifications_failed"), 0.0);
    QCOMPARE(gauge("pomelo_refunds_processing"), 0.0);
    QCOMPARE(gauge("pomelo_refunds_processing_oldest_seconds"), 0.0);
    QCOMPARE(gauge("pomelo_outbox_oldest_unpublished_seconds"), 0.0);
    QCOMPARE(RefundRepository(*db).processingSummary(),
             (std::pair<qint64, std::optional<qint64>>(0, std::nullopt)));
    QCOMPARE(OutboxRepository(*db).oldestUnpublishedAt(), std::nullopt);
}

void TestMetricsCollector::delayedQueueOverdue()
{
    auto db = database();
    MetricsCollector collector(*db, *m_pool, m_keys);
    const QByteArray queue = m_keys.orderTimeoutQueue();
    const qint64 now = redisNowMs();
    // Due 2 minutes ago (overdue), 30 s ago (within the 60 s grace), in an hour; one claim whose
    // visibility deadline passed 5 minutes ago (its worker died and nobody took it back).
    m_pool->command({"ZADD", queue, QByteArray::number(now - 120000), "late"});
    m_pool->command({"ZADD", queue, QByteArray::number(now - 30000), "just-due"});
    m_pool->command({"ZADD", queue, QByteArray::number(now + 3600000), "later"});
    m_pool->command({"ZADD", queue + ":processing", QByteArray::number(now - 300000), "lost"});
    m_pool->command({"ZADD", queue + ":processing", QByteArray::number(now + 30000), "working"});
    collector.collect();
    QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "order-timeout"}}), 2.0);
    QCOMPARE(gauge("pomelo_delayed_queue_scheduled", {{"queue", "order-timeout"}}), 3.0);
    QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "booking-expiry"}}), 0.0);

    // Taken care of: back to 0.
    m_pool->command({"ZREM", queue, "late"});
    m_pool->command({"ZREM", queue + ":processing", "lost"});
    collector.collect();
    QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "order-timeout"}}), 0.0);
    QCOMPARE(gauge("pomelo_delayed_queue_scheduled", {{"queue", "order-timeout"}}), 2.0);
}

void TestMetricsCollector::databaseCounts()
{
    auto db = database();
    MetricsCollector collector(*db, *m_pool, m_keys);
    // Two orders, each with its INIT event (unpublished, committed now).
    addOrder(*db, sampleOrder(100, AppId, QStringLiteral("M-1")));
    addOrder(*db, sampleOrder(101, AppId, QStringLiteral("M-2")));
    const QList<OrderEvent> events = OrderRepository(*db).events(100);
    QCOMPARE(events.size(), 1);

    // Refunds: two PROCESSING (the oldest asked 40 minutes ago), one finished long ago.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto refund = [&](qint64 id, qint64 orderId, qint64 createdAt) {
        Refund r;
        r.id = id;
        r.orderId = orderId;
        r.appId = AppId;
        r.outRefundNo = QStringLiteral("RF-%1").arg(id);
        r.amount = 100;
        r.initiator = QStringLiteral("APP");
        r.createdAt = createdAt;
        r.updatedAt = createdAt;
        return r;
    };
    db->transact([&](Transaction &tx) {
        RefundRepository repo(*db);
        QVERIFY(repo.insert(tx, refund(10, 100, now - 40 * 60000)));
        QVERIFY(repo.insert(tx, refund(11, 101, now - 60000)));
        QVERIFY(repo.insert(tx, refund(12, 101, now - 90 * 60000)));
        QVERIFY(repo.finish(tx, 12, 0, RefundStatus::Success, QStringLiteral("CH-12"), now));
    });
    const auto [processing, oldest] = RefundRepository(*db).processingSummary();
    QCOMPARE(processing, 2);
    QCOMPARE(oldest, std::optional<qint64>(now - 40 * 60000));

    // Notifications: one given up (FAILED), one still pending.
    NotificationRepository notifications(*db);
    const auto notify = [&](qint64 orderId) {
        MerchantNotification n;
        n.orderId = orderId;
        n.appId = AppId;
        n.eventId = OrderRepository(*db).events(orderId).first().id;
        n.orderStatus = QStringLiteral("PAID");
        n.url = QStringLiteral("http://127.0.0.1:9/pay-notify");
        n.nextAttemptAt = now;
        db->transact([&](Transaction &tx) { QVERIFY(notifications.enqueue(tx, n)); });
        return n.id;
    };
    const qint64 failed = notify(100);
    notify(101);
    NotificationAttempt attempt;
    attempt.at = now;
    attempt.error = QStringLiteral("connection refused");
    db->transact([&](Transaction &tx) {
        QVERIFY(notifications.recordAttempt(tx, failed, attempt, AttemptOutcome {false, {}}));
    });
    QCOMPARE(notifications.countInState(NotificationState::Failed), 1);
    QCOMPARE(notifications.countInState(NotificationState::Pending), 1);
    QCOMPARE(notifications.countInState(NotificationState::Delivered), 0);

    // Payment exceptions: one refunding, one whose refund failed, one resolved (not open).
    PaymentExceptionRepository exceptions(*db);
    const auto exception = [&](qint64 id, PaymentExceptionState to) {
        PaymentException e;
        e.id = id;
        e.channel = QStringLiteral("ECARD");
        e.channelTradeNo = QStringLiteral("T-%1").arg(id);
        e.outTradeNo = QStringLiteral("unknown");
        e.paidAmount = 100;
        e.currency = QStringLiteral("CNY");
        e.detail = QStringLiteral("no order for this payment");
        db->transact([&](Transaction &tx) {
            QVERIFY(exceptions.record(tx, e));
            if (to != PaymentExceptionState::Refunding)
                QVERIFY(exceptions.settle(tx, id, 0, to, QStringLiteral("RF-X%1").arg(id)));
        });
    };
    exception(20, PaymentExceptionState::Refunding);
    exception(21, PaymentExceptionState::RefundFailed);
    exception(22, PaymentExceptionState::Refunded);
    db->transact([&](Transaction &tx) {
        QVERIFY(exceptions.resolve(tx, 22, 1, QStringLiteral("admin"), QStringLiteral("ok")));
    });

    collector.collect();
    QCOMPARE(gauge("pomelo_database_up"), 1.0);
    QCOMPARE(gauge("pomelo_refunds_processing"), 2.0);
    const double age = gauge("pomelo_refunds_processing_oldest_seconds");
    QVERIFY2(age >= 40 * 60 && age < 40 * 60 + 60, qPrintable(QString::number(age)));
    QCOMPARE(gauge("pomelo_merchant_notifications_failed"), 1.0);
    QCOMPARE(gauge("pomelo_payment_exceptions_open", {{"state", "REFUNDING"}}), 1.0);
    QCOMPARE(gauge("pomelo_payment_exceptions_open", {{"state", "REFUND_FAILED"}}), 1.0);
    QCOMPARE(gauge("pomelo_payment_exceptions_open", {{"state", "REFUNDED"}}), 0.0);

    // The outbox: the oldest unpublished event is the first committed one; once every event is
    // published there is none, and the gauge is 0.
    const std::optional<qint64> oldestEvent = OutboxRepository(*db).oldestUnpublishedAt();
    QCOMPARE(oldestEvent, std::optional<qint64>(events.first().createdAt));
    QVERIFY(gauge("pomelo_outbox_oldest_unpublished_seconds") >= 0);
    QList<qint64> ids;
    for (const OrderEvent &e : OutboxRepository(*db).fetchUnpublished(100))
        ids.append(e.id);
    QVERIFY(ids.size() >= 2);
    db->transact([&](Transaction &tx) { OutboxRepository(*db).markPublished(tx, ids); });
    QCOMPARE(OutboxRepository(*db).oldestUnpublishedAt(), std::nullopt);
    collector.collect();
    QCOMPARE(gauge("pomelo_outbox_oldest_unpublished_seconds"), 0.0);
}

void TestMetricsCollector::redisDownKeepsDatabase()
{
    auto db = database();
    MetricsCollector collector(*db, *m_pool, m_keys);
    m_pool->command({"ZADD", m_keys.bookingExpiryQueue(), "1", "ancient"});
    collector.collect();
    QCOMPARE(gauge("pomelo_redis_up"), 1.0);
    QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "booking-expiry"}}), 1.0);
    m_redis->stop();
    collector.collect();
    QCOMPARE(gauge("pomelo_redis_up"), 0.0);
    QCOMPARE(gauge("pomelo_database_up"), 1.0);
    // The last reading stays (a down source is the up gauge's alert, not a queue's).
    QCOMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "booking-expiry"}}), 1.0);
    QVERIFY(m_redis->start());
    QTRY_VERIFY_WITH_TIMEOUT((collector.collect(), gauge("pomelo_redis_up") == 1.0), 10000);
}

void TestMetricsCollector::databaseDownKeepsRedis()
{
    const QString url = m_backends.freshUrl(QStringLiteral("postgres"));
    QVERIFY(!url.isEmpty());
    auto db = std::make_unique<Database>(url);
    Migrator(*db).migrate();
    MetricsCollector collector(*db, *m_pool, m_keys);
    collector.collect();
    QCOMPARE(gauge("pomelo_database_up"), 1.0);
    PgServer &pg = m_backends.postgres();
    QVERIFY2(pg.stop(), qPrintable(pg.errorString()));
    collector.collect();
    QCOMPARE(gauge("pomelo_database_up"), 0.0);
    QCOMPARE(gauge("pomelo_redis_up"), 1.0);
    QVERIFY2(pg.start(), qPrintable(pg.errorString()));
    // The next round reconnects by itself.
    QTRY_VERIFY_WITH_TIMEOUT((collector.collect(), gauge("pomelo_database_up") == 1.0), 10000);
}

void TestMetricsCollector::startCollectsInTheBackground()
{
    auto db = migratedDatabase(m_backends, QStringLiteral("sqlite"));
    MetricsCollectorOptions options;
    options.interval = std::chrono::milliseconds(50);
    MetricsCollector collector(*db, *m_pool, m_keys, options);
    QCOMPARE(gauge("pomelo_redis_up"), 0.0);
    collector.start(); // a first round at once, then every interval
    QTRY_COMPARE(gauge("pomelo_redis_up"), 1.0);
    m_pool->command({"ZADD", m_keys.orderTimeoutQueue(), "1", "ancient"});
    QTRY_COMPARE(gauge("pomelo_delayed_queue_overdue", {{"queue", "order-timeout"}}), 1.0);
    collector.stop(); // waits for a running round
}

QTEST_GUILESS_MAIN(TestMetricsCollector)
#include "test_metricscollector.moc"
