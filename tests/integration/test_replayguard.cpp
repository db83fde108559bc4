#include "domain/errors.h"
#include "redis/replayguard.h"
#include "redisserver.h"
#include "testsupport.h"

#include <QTest>

#include <atomic>
#include <thread>

using namespace pomelo;
using pomelo::test::RedisServer;
using pomelo::test::waitUntil;

namespace { } // namespace

class TestReplayGuard : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_server.start());
        m_pool = std::make_unique<RedisPool>(redisOptionsFor(m_server, 500));
    }
    void init() { m_pool->command({"FLUSHALL"}); }
    void cleanupTestCase() { m_pool.reset(); }

    void firstUseOnly()
    {
        ReplayGuard guard(*m_pool, RedisKeys("p:"));
        QVERIFY(guard.claimNonce(QStringLiteral("app-1"), QStringLiteral("n-1"), 300));
        QVERIFY(!guard.claimNonce(QStringLiteral("app-1"), QStringLiteral("n-1"), 300));
        // Nonces are per app.
        QVERIFY(guard.claimNonce(QStringLiteral("app-2"), QStringLiteral("n-1"), 300));
        QVERIFY(guard.claimNonce(QStringLiteral("app-1"), QStringLiteral("n-2"), 300));
        const qint64 ttl = m_pool->command({"TTL", "p:pomelo:nonce:app-1:n-1"}).toInteger();
        QVERIFY(ttl > 290 && ttl <= 300);
    }

    void concurrentReplaysOneWinner()
    {
        ReplayGuard guard(*m_pool, RedisKeys());
        std::atomic<int> winners {0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i) {
            threads.emplace_back([&] {
                if (guard.claimNonce(QStringLiteral("app"), QStringLiteral("same"), 60))
                    ++winners;
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(winners.load(), 1);
    }

    void forgottenAfterTtl()
    {
        ReplayGuard guard(*m_pool, RedisKeys());
        QVERIFY(guard.claimNonce(QStringLiteral("app"), QStringLiteral("short"), 1));
        QVERIFY(!guard.claimNonce(QStringLiteral("app"), QStringLiteral("short"), 1));
        // Real time must pass: the window is one second.
        QVERIFY(waitUntil(
            [&] { return guard.claimNonce(QStringLiteral("app"), QStringLiteral("short"), 1); },
            5000, 50));
    }

    void redisDownIsTypedError()
    {
        RedisServer server;
        QVERIFY(server.start());
        RedisPool pool(redisOptionsFor(server, 500));
        ReplayGuard guard(pool, RedisKeys());
        QVERIFY(guard.claimNonce(QStringLiteral("a"), QStringLiteral("b"), 60));
        server.stop();
        try {
            guard.claimNonce(QStringLiteral("a"), QStringLiteral("c"), 60);
            QFAIL("no error without Redis");
        } catch (const Error &e) {
            QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
        }
    }

private:
    RedisServer m_server;
    std::unique_ptr<RedisPool> m_pool;
};

QTEST_GUILESS_MAIN(TestReplayGuard)
#include "test_replayguard.moc"
