#include "domain/errors.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "redisserver.h"
#include "telemetry/exporters.h"
#include "telemetry/trace.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>

using namespace pomelo;
using namespace std::chrono_literals;
using pomelo::test::RedisServer;
using pomelo::test::waitUntil;

namespace {

struct Recorder
{
    void add(const DelayedItem &item)
    {
        std::lock_guard lock(mutex);
        ids.append(item.id);
    }
    QList<QByteArray> list() const
    {
        std::lock_guard lock(mutex);
        return ids;
    }
    qsizetype size() const
    {
        std::lock_guard lock(mutex);
        return ids.size();
    }
    mutable std::mutex mutex;
    QList<QByteArray> ids;
};

} // namespace

class TestDelayedQueue : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_server.start());
        m_pool = std::make_unique<RedisPool>(redisOptionsFor(m_server, 2000, 1000));
    }
    void init() { m_pool->command({"FLUSHALL"}); }
    void cleanupTestCase() { m_pool.reset(); }

    void dueTimeComesFromRedisClock()
    {
        DelayedQueue queue(*m_pool, RedisKeys("x:").orderTimeoutQueue());
        QCOMPARE(queue.key(), QByteArray("x:pomelo:delay:order-timeout"));
        const RedisReply time = m_pool->command({"TIME"});
        const qint64 redisNow = time.at(0).toInteger() * 1000 + time.at(1).toInteger() / 1000;
        const qint64 due = queue.schedule("order-1", "payload", 900s);
        QVERIFY(due >= redisNow + 900000 && due < redisNow + 905000);
        // The sorted set of API.md: score = due time in ms.
        QCOMPARE(m_pool->command({"ZSCORE", queue.key(), "order-1"}).toInteger(), due);
        QCOMPARE(m_pool->command({"HGET", queue.key() + ":payload", "order-1"}).toByteArray(),
                 QByteArray("payload"));
    }

    void scheduleIsIdempotentPerId()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("a", "first", 60s);
        queue.schedule("a", "second", 0ms); // replaces payload and due time
        QCOMPARE(queue.scheduledCount(), 1);
        const auto items = queue.claim(10, 60s);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.first().payload, QByteArray("second"));
        QCOMPARE(items.first().attempts, 1);
        QVERIFY(queue.ack(items.first()));
        QCOMPARE(queue.scheduledCount() + queue.processingCount(), 0);
        QCOMPARE(m_pool->command({"HLEN", "q:payload"}).toInteger(), 0);
    }

    void cancel()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("a", "p", 0ms);
        queue.schedule("b", "p", 0ms);
        QVERIFY(queue.cancel("a"));
        QVERIFY(!queue.cancel("a"));
        QVERIFY(!queue.cancel("never"));
        const auto items = queue.claim(10, 60s);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.first().id, QByteArray("b"));
        QVERIFY(queue.cancel("b")); // also from processing
        QVERIFY(!queue.ack(items.first()));
        QCOMPARE(
            m_pool->command({"EXISTS", "q", "q:processing", "q:payload", "q:attempts", "q:trace"})
                .toInteger(),
            0);
    }

    // An item scheduled inside a span fires in a process span of the same trace whose parent is
    // the schedule's publish span; the handler runs with the process span as current context.
    void scheduledInSpanFiresInProcessSpanOfSameTrace()
    {
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        DelayedQueue queue(*m_pool, "q");
        SpanContext request;
        {
            ScopedSpan span(QStringLiteral("pay.cashier"), SpanKind::Server);
            request = span.context();
            queue.schedule("o1", "payload", 50ms);
        }
        std::mutex mutex;
        SpanContext handlerContext;
        DelayedItem handled;
        DelayedQueueWorker worker(*m_pool, "q", [&](const DelayedItem &item) {
            std::lock_guard lock(mutex);
            handlerContext = currentSpanContext();
            handled = item;
            return true;
        });
        worker.start();
        const auto named = [&](const char *name) {
            QList<SpanData> out;
            for (const SpanData &s : exporter->spans()) {
                if (s.name == QLatin1String(name))
                    out << s;
            }
            return out;
        };
        QVERIFY(waitUntil([&] { return named("q process").size() == 1; }, 10000));
        worker.stop();

        const QList<SpanData> publishes = named("q publish");
        QCOMPARE(publishes.size(), 1);
        const SpanData &publish = publishes.first();
        QCOMPARE(publish.kind, SpanKind::Producer);
        QCOMPARE(publish.traceId, request.traceId);
        QCOMPARE(publish.parentSpanId, request.spanId);
        QCOMPARE(publish.attributes.value(QStringLiteral("messaging.message.id")).toString(),
                 QStringLiteral("o1"));

        const SpanData process = named("q process").first();
        QCOMPARE(process.kind, SpanKind::Consumer);
        QCOMPARE(process.traceId, request.traceId);
        QCOMPARE(process.parentSpanId, publish.spanId);
        QCOMPARE(process.status, SpanStatus::Unset);
        QCOMPARE(process.attributes.value(QStringLiteral("messaging.system")).toString(),
                 QStringLiteral("redis"));
        QCOMPARE(process.attributes.value(QStringLiteral("messaging.destination.name")).toString(),
                 QStringLiteral("q"));
        QCOMPARE(process.attributes.value(QStringLiteral("messaging.operation")).toString(),
                 QStringLiteral("process"));
        QCOMPARE(process.attributes.value(QStringLiteral("messaging.message.id")).toString(),
                 QStringLiteral("o1"));
        QCOMPARE(process.attributes.value(QStringLiteral("messaging.redis.attempts")).toLongLong(),
                 1);
        std::lock_guard lock(mutex);
        QCOMPARE(handlerContext, process.context());
        QCOMPARE(handled.traceparent, publish.context().toTraceparent());
        // Acked: its trace went with it.
        QCOMPARE(m_pool->command({"HLEN", "q:trace"}).toInteger(), 0);
    }

    // The stored trace follows the item: replaced by a reschedule, listed for operators, and a
    // handler that fails makes its process span an error; no stored trace: a new root.
    void traceFollowsTheItem()
    {
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        DelayedQueue queue(*m_pool, "q");
        SpanContext first, second;
        {
            ScopedSpan span(QStringLiteral("first"));
            first = span.context();
            queue.schedule("b1", "v1", 3600s);
        }
        {
            ScopedSpan span(QStringLiteral("second"));
            second = span.context();
            queue.schedule("b1", "v2", 0ms);
        }
        const auto items = queue.items();
        QCOMPARE(items.size(), 1);
        const std::optional<SpanContext> stored =
            SpanContext::fromTraceparent(items.first().traceparent);
        QVERIFY(stored);
        QCOMPARE(stored->traceId, second.traceId);
        QVERIFY(stored->traceId != first.traceId);

        // An item written without a trace (before this version): fires in a new root.
        m_pool->command({"HDEL", "q:trace", "b1"});
        std::atomic<int> calls {0};
        DelayedQueueWorker worker(*m_pool, "q", [&](const DelayedItem &) {
            ++calls;
            return false;
        });
        worker.start();
        QList<SpanData> processes;
        QVERIFY(waitUntil([&] {
            processes.clear();
            for (const SpanData &s : exporter->spans()) {
                if (s.name == QLatin1String("q process"))
                    processes << s;
            }
            return !processes.isEmpty();
        }));
        worker.stop();
        QVERIFY(calls.load() >= 1);
        QVERIFY(!processes.first().parentSpanId.isValid());
        QCOMPARE(processes.first().status, SpanStatus::Error);
        QVERIFY(queue.cancel("b1"));
        QCOMPARE(m_pool->command({"EXISTS", "q:trace"}).toInteger(), 0);
    }

    void notClaimedBeforeDue()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("later", "p", 300ms);
        QVERIFY(queue.claim(10, 60s).isEmpty());
        QElapsedTimer timer;
        timer.start();
        QList<DelayedItem> items;
        QVERIFY(waitUntil([&] {
            items = queue.claim(10, 60s);
            return !items.isEmpty();
        }));
        QVERIFY(timer.elapsed() >= 250);
    }

    void workerDiesBetweenClaimAndAck()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("order-9", "close it", 0ms);
        const auto claimed = queue.claim(1, 300ms);
        QCOMPARE(claimed.size(), 1);
        // ... and the worker dies here. Invisible until the deadline, then delivered again.
        QVERIFY(queue.claim(1, 300ms).isEmpty());
        QList<DelayedItem> again;
        QVERIFY(waitUntil([&] {
            again = queue.claim(1, 60s);
            return !again.isEmpty();
        }));
        QCOMPARE(again.first().id, QByteArray("order-9"));
        QCOMPARE(again.first().payload, QByteArray("close it"));
        QCOMPARE(again.first().attempts, 2);
        QVERIFY(!queue.ack(claimed.first())); // the dead worker's claim is not the current one
        QCOMPARE(queue.processingCount(), 1);
        QVERIFY(queue.ack(again.first()));
        QCOMPARE(queue.processingCount(), 0);
    }

    void rescheduleWhileProcessingSurvivesTheOldAck()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("b1", "v1", 0ms);
        const auto first = queue.claim(1, 60s);
        queue.schedule("b1", "v2", 0ms);
        const auto second = queue.claim(1, 60s);
        QCOMPARE(second.size(), 1);
        QCOMPARE(second.first().payload, QByteArray("v2"));
        QVERIFY(!queue.ack(first.first()));
        QVERIFY(queue.ack(second.first()));
    }

    void workerFiresInDueOrder()
    {
        DelayedQueue queue(*m_pool, "q");
        std::vector<int> delays;
        for (int i = 0; i < 20; ++i)
            delays.push_back(100 + 40 * i);
        std::shuffle(delays.begin(), delays.end(), std::mt19937(7));
        for (int d : delays)
            queue.schedule(QByteArray::number(d), QByteArray::number(d),
                           std::chrono::milliseconds(d));
        Recorder fired;
        DelayedQueueWorker worker(*m_pool, "q", [&](const DelayedItem &item) {
            fired.add(item);
            return true;
        });
        worker.start();
        QVERIFY(waitUntil([&] { return fired.size() == 20; }, 10000));
        std::sort(delays.begin(), delays.end());
        QList<QByteArray> expected;
        for (int d : delays)
            expected << QByteArray::number(d);
        QCOMPARE(fired.list(), expected);
        // It slept between items instead of polling: a round per item at most, plus a few.
        QVERIFY2(worker.claimRounds() < 40, qPrintable(QString::number(worker.claimRounds())));
    }

    void sleepingWorkerWakesOnSchedule()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("far", "p", 60s);
        Recorder fired;
        DelayedQueueWorkerOptions options;
        options.maxSleep = 30s;
        DelayedQueueWorker worker(
            *m_pool, "q",
            [&](const DelayedItem &item) {
                fired.add(item);
                return true;
            },
            options);
        worker.start();
        QVERIFY(worker.waitSubscribed(5000));
        QVERIFY(waitUntil([&] { return worker.claimRounds() >= 1; }));
        const quint64 rounds = worker.claimRounds();
        QElapsedTimer timer;
        timer.start();
        queue.schedule("now", "p", 0ms); // earlier than "far": announced
        QVERIFY(waitUntil([&] { return fired.size() == 1; }));
        // Far below the 30 s it would sleep without the announcement.
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(fired.list().first(), QByteArray("now"));
        QVERIFY(worker.claimRounds() - rounds <= 3);
    }

    void failedHandlerIsRetriedAfterVisibility()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("flaky", "p", 0ms);
        std::atomic<int> calls {0};
        DelayedQueueWorkerOptions options;
        options.visibility = 200ms;
        DelayedQueueWorker worker(
            *m_pool, "q",
            [&](const DelayedItem &item) {
                if (++calls == 1)
                    throw std::runtime_error("channel timeout");
                return item.attempts == 2;
            },
            options);
        worker.start();
        QVERIFY(waitUntil([&] { return worker.handledCount() == 1; }));
        QCOMPARE(calls.load(), 2);
        QCOMPARE(worker.failedCount(), 1u);
        QCOMPARE(queue.scheduledCount() + queue.processingCount(), 0);
    }

    void fourWorkersTenThousandItemsEachOnce()
    {
        constexpr int total = 10000;
        DelayedQueue queue(*m_pool, "bulk");
        for (int i = 0; i < total; ++i)
            queue.schedule(QByteArray::number(i), "p", 0ms);
        std::vector<std::atomic<int>> handled(total);
        DelayedQueueWorkerOptions options;
        options.batchSize = 50;
        auto handler = [&](const DelayedItem &item) {
            handled[static_cast<size_t>(item.id.toInt())].fetch_add(1);
            return true;
        };
        std::vector<std::unique_ptr<DelayedQueueWorker>> workers;
        for (int w = 0; w < 4; ++w)
            workers.push_back(
                std::make_unique<DelayedQueueWorker>(*m_pool, "bulk", handler, options));
        for (auto &w : workers)
            w->start();
        QVERIFY(waitUntil(
            [&] {
                quint64 sum = 0;
                for (auto &w : workers)
                    sum += w->handledCount();
                return sum == total;
            },
            60000));
        for (auto &w : workers) {
            QVERIFY(w->handledCount() > 0); // all four took part
            w->stop();
        }
        for (int i = 0; i < total; ++i)
            QCOMPARE(handled[static_cast<size_t>(i)].load(), 1);
        QCOMPARE(queue.scheduledCount() + queue.processingCount(), 0);
        QCOMPARE(m_pool->command({"HLEN", "bulk:payload"}).toInteger(), 0);
    }

    void nothingLostAcrossRedisRestart()
    {
        RedisServer server({true, QStringLiteral("always"), {}});
        QVERIFY(server.start());
        RedisPool pool(redisOptionsFor(server, 2000, 1000));
        DelayedQueue queue(pool, "pomelo:delay:order-timeout");
        QSet<QByteArray> all;
        for (int i = 0; i < 100; ++i) {
            const QByteArray id = "order-" + QByteArray::number(i);
            all.insert(id);
            queue.schedule(id, id, std::chrono::milliseconds(i < 50 ? 0 : 200 + 2 * i));
        }
        // Half are in the hands of a worker that then dies with Redis.
        QCOMPARE(queue.claim(30, 300ms).size(), 30);
        server.kill(); // SIGKILL: only what the AOF (fsync always) holds survives
        QVERIFY(server.start());

        Recorder fired;
        DelayedQueueWorkerOptions options;
        options.visibility = 5s;
        DelayedQueueWorker worker(
            pool, "pomelo:delay:order-timeout",
            [&](const DelayedItem &item) {
                fired.add(item);
                return true;
            },
            options);
        worker.start();
        QVERIFY(waitUntil([&] { return fired.size() >= 100; }, 15000));
        const QList<QByteArray> ids = fired.list();
        QCOMPARE(QSet<QByteArray>(ids.begin(), ids.end()), all);
        QCOMPARE(ids.size(), 100);
    }

    void workerRidesOutRedisOutage()
    {
        RedisServer server({true, QStringLiteral("always"), {}});
        QVERIFY(server.start());
        RedisPool pool(redisOptionsFor(server, 2000, 1000));
        DelayedQueue queue(pool, "q");
        Recorder fired;
        DelayedQueueWorker worker(pool, "q", [&](const DelayedItem &item) {
            fired.add(item);
            return true;
        });
        worker.start();
        queue.schedule("before", "p", 0ms);
        QVERIFY(waitUntil([&] { return fired.size() == 1; }));
        queue.schedule("during", "p", 500ms);
        server.stop();
        QVERIFY(server.start());
        QVERIFY(waitUntil([&] { return fired.size() == 2; }, 10000));
        QCOMPARE(fired.list().last(), QByteArray("during"));
    }

    void itemsAndFireNow()
    {
        DelayedQueue queue(*m_pool, "q");
        queue.schedule("late", "p-late", 3600s);
        queue.schedule("soon", "p-soon", 1800s);
        queue.schedule("busy", "p-busy", 0ms);
        QCOMPARE(queue.claim(1, 60s).size(), 1);
        const auto items = queue.items();
        QCOMPARE(items.size(), 3);
        QCOMPARE(items.at(0).id, QByteArray("busy"));
        QCOMPARE(items.at(0).state, DelayedItemInfo::State::Processing);
        QCOMPARE(items.at(0).attempts, 1);
        QCOMPARE(items.at(1).id, QByteArray("soon"));
        QCOMPARE(items.at(1).payload, QByteArray("p-soon"));
        QCOMPARE(items.at(1).state, DelayedItemInfo::State::Scheduled);
        QCOMPARE(items.at(2).id, QByteArray("late"));
        QVERIFY(items.at(1).timeMs < items.at(2).timeMs);
        QCOMPARE(queue.items(2).size(), 2);

        QVERIFY(queue.fireNow("late"));
        QVERIFY(!queue.fireNow("busy")); // in processing already
        QVERIFY(!queue.fireNow("unknown"));
        const auto due = queue.claim(10, 60s);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due.first().id, QByteArray("late"));
    }

    void redisDownIsTypedError()
    {
        RedisServer server;
        QVERIFY(server.start());
        RedisOptions options = redisOptionsFor(server, 2000, 1000);
        options.commandTimeoutMs = 300;
        RedisPool pool(options);
        DelayedQueue queue(pool, "q");
        queue.schedule("a", "p", 0ms);
        server.stop();
        try {
            queue.schedule("b", "p", 0ms);
            QFAIL("schedule succeeded without Redis");
        } catch (const Error &e) {
            QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
        }
    }

private:
    RedisServer m_server;
    std::unique_ptr<RedisPool> m_pool;
};

QTEST_GUILESS_MAIN(TestDelayedQueue)
#include "test_delayedqueue.moc"
