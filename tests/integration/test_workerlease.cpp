// The Snowflake worker id lease (shared/redis/workerlease.*) against a real redis-server: a lost
// lease stops id generation with 5030 until an id is held again, and two holders never share one.
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "redis/workerlease.h"
#include "redisserver.h"
#include "testsupport.h"

#include <QTest>

#include <memory>

using namespace pomelo;
using namespace std::chrono_literals;
using pomelo::test::RedisServer;
using pomelo::test::waitUntil;

namespace {

RedisOptions optionsFor(const RedisServer &server, int timeoutMs = 1000)
{
    RedisOptions options = redisOptionsFor(server, timeoutMs);
    options.reconnectBackoffMaxMs = 100;
    return options;
}

/// What next() does now: an id, or the error code it throws.
struct Outcome
{
    qint64 id = 0;
    std::optional<ErrorCode> error;
};

Outcome tryNext(SnowflakeGenerator &ids)
{
    try {
        return {ids.next(), std::nullopt};
    } catch (const Error &e) {
        return {0, e.code()};
    }
}

} // namespace

class TestWorkerLease : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_server.start());
        m_pool = std::make_unique<RedisPool>(optionsFor(m_server));
    }
    void init() { m_pool->command({"FLUSHALL"}).throwIfError("FLUSHALL"); }
    void cleanup() { m_server.resume(); }
    void cleanupTestCase() { m_pool.reset(); }

    void leasesNeverShareAnId();
    void stolenLeaseStopsIdsUntilAnotherIsHeld();
    void expiryWhileRedisHangsStopsIds();

private:
    QByteArray get(const QByteArray &key)
    {
        return m_pool->command({"GET", key}).throwIfError("GET").toByteArray();
    }

    RedisServer m_server;
    std::unique_ptr<RedisPool> m_pool;
};

void TestWorkerLease::leasesNeverShareAnId()
{
    auto a = std::make_unique<WorkerIdLease>(optionsFor(m_server), RedisKeys("t:"));
    WorkerIdLease b(optionsFor(m_server), RedisKeys("t:"));
    QVERIFY(a->workerId() >= 0);
    QVERIFY(b.workerId() >= 0);
    QVERIFY(a->workerId() != b.workerId());
    QCOMPARE(get(a->workerKey(a->workerId())), a->owner());
    QCOMPARE(get(b.workerKey(b.workerId())), b.owner());

    // Released on destruction, and a generator still holding the lease stops with it.
    const int released = a->workerId();
    const std::shared_ptr<SnowflakeLease> lease = a->lease();
    SnowflakeGenerator ids(lease);
    QVERIFY(tryNext(ids).id > 0);
    a.reset();
    QVERIFY(lease->isRevoked());
    QCOMPARE(tryNext(ids).error, ErrorCode::DependencyUnavailable);
    QVERIFY(m_pool->command({"GET", b.workerKey(released)}).isNil());
}

void TestWorkerLease::stolenLeaseStopsIdsUntilAnotherIsHeld()
{
    WorkerIdLease lease(optionsFor(m_server), RedisKeys("t:"), 900ms);
    SnowflakeGenerator ids(lease.lease());
    const int first = lease.workerId();
    const qint64 before = ids.next();
    QCOMPARE(SnowflakeGenerator::decode(before).workerId, first);

    // Another instance holds our id now (as after a failover that lost the key), and every other
    // id is held too, so that the lease cannot be replaced at once and the gap can be seen.
    QList<QList<QByteArray>> takeAll;
    for (int id = 0; id < 1024; ++id)
        takeAll.append({"SET", lease.workerKey(id), "intruder"});
    for (const RedisReply &r : m_pool->pipeline(takeAll))
        r.throwIfError("SET");

    // The next renewal finds the key someone else's: no more ids, not even one more.
    QVERIFY(
        waitUntil([&] { return tryNext(ids).error == ErrorCode::DependencyUnavailable; }, 10000));
    QCOMPARE(lease.workerId(), -1);
    QCOMPARE(tryNext(ids).error, ErrorCode::DependencyUnavailable);

    // One id becomes free: the lease takes it, and only then do ids flow again, with that id.
    const int freed = (first + 512) % 1024;
    m_pool->command({"DEL", lease.workerKey(freed)}).throwIfError("DEL");
    QVERIFY(waitUntil([&] { return !tryNext(ids).error; }, 10000));
    QCOMPARE(lease.workerId(), freed);
    const qint64 after = ids.next();
    QCOMPARE(SnowflakeGenerator::decode(after).workerId, freed);
    QVERIFY(after > before);
    QCOMPARE(get(lease.workerKey(freed)), lease.owner());
    QCOMPARE(get(lease.workerKey(first)), QByteArrayLiteral("intruder")); // never taken back
}

void TestWorkerLease::expiryWhileRedisHangsStopsIds()
{
    // Redis stops answering (SIGSTOP): renewals time out, and once the lease's expiry has passed
    // the generator refuses by itself (Redis may have let the key go, and another instance may
    // have leased it). When Redis answers again, the lease is confirmed or leased anew, and ids
    // flow again with an id that is ours in Redis.
    WorkerIdLease lease(optionsFor(m_server, 200), RedisKeys("t:"), 1000ms);
    SnowflakeGenerator ids(lease.lease());
    QVERIFY(ids.next() > 0);
    m_server.pause();
    QVERIFY(
        waitUntil([&] { return tryNext(ids).error == ErrorCode::DependencyUnavailable; }, 10000));
    m_server.resume();
    QVERIFY(waitUntil([&] { return !tryNext(ids).error; }, 10000));
    const int held = lease.workerId();
    QVERIFY(held >= 0);
    QCOMPARE(SnowflakeGenerator::decode(ids.next()).workerId, held);
    QCOMPARE(get(lease.workerKey(held)), lease.owner());
}

QTEST_GUILESS_MAIN(TestWorkerLease)
#include "test_workerlease.moc"
