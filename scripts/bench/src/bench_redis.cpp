// The Redis layer against a real redis-server (POMELO_BENCH_REDIS_URL), every operation with
// POMELO_BENCH_CONCURRENCY threads, each on its own connection — the concurrency redis-benchmark
// SET is run with by scripts/bench/redis, which prints each rate as a ratio to SET's:
// - SET through our client (the client's own overhead against redis-benchmark's);
// - lock+unlock cycles (two round trips: the ceiling is 0.5 of SET);
// - XADD with MAXLEN ~;
// - schedule+claim+ack cycles of the delayed queue (three round trips);
// - wake-up latency of a waiter after unlock (p50/p99, microseconds), one holder and one waiter.
#include "domain/errors.h"
#include "redis/delayedqueue.h"
#include "redis/redislock.h"
#include "redis/redisstream.h"

#include <QElapsedTimer>

#include <algorithm>
#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace pomelo;
using namespace std::chrono_literals;

std::unique_ptr<RedisPool> g_pool;
std::unique_ptr<RedisLockService> g_locks;

QByteArray perThread(const char *stem, const benchmark::State &state)
{
    return QByteArray(stem) + QByteArray::number(state.thread_index());
}

void BM_Set(benchmark::State &state)
{
    const QByteArray key = perThread("bench:set:", state);
    for (auto _ : state)
        benchmark::DoNotOptimize(g_pool->command({"SET", key, "xxx"}));
    state.SetItemsProcessed(state.iterations());
}

void BM_LockUnlock(benchmark::State &state)
{
    // One lock per thread: the cost of the protocol, not of contention.
    const QByteArray key = perThread("bench:lock:", state);
    for (auto _ : state) {
        const auto grant = g_locks->tryLock(key, 5s);
        if (!grant) {
            state.SkipWithError("lock not granted");
            break;
        }
        g_locks->unlock(*grant);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Xadd(benchmark::State &state)
{
    StreamPublisher publisher(*g_pool, "bench:stream", 100000);
    const StreamFields fields {{"orderId", "1790000000000000001"},
                               {"status", "PAID"},
                               {"at", "2024-05-01T08:00:00+08:00"}};
    for (auto _ : state)
        benchmark::DoNotOptimize(publisher.publish(fields));
    state.SetItemsProcessed(state.iterations());
}

void BM_ScheduleClaimAck(benchmark::State &state)
{
    DelayedQueue queue(*g_pool, perThread("bench:delay:", state));
    qint64 n = 0;
    for (auto _ : state) {
        queue.schedule(QByteArray::number(++n), "1790000000000000001", 0ms);
        const QList<DelayedItem> items = queue.claim(1, 60s);
        if (items.isEmpty()) {
            state.SkipWithError("nothing claimed");
            break;
        }
        queue.ack(items.first());
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_WakeLatency(benchmark::State &state)
{
    const QByteArray key = "bench:wake";
    std::vector<double> samples;
    QElapsedTimer clock;
    clock.start();
    for (auto _ : state) {
        if (!g_locks->tryLock(key, 0ms)) {
            state.SkipWithError("holder could not lock");
            break;
        }
        std::atomic<qint64> acquiredAt {0};
        std::thread waiter([&] {
            if (const auto grant = g_locks->tryLock(key, 10s)) {
                acquiredAt = clock.nsecsElapsed();
                g_locks->unlock(*grant);
            }
        });
        while (g_locks->waiterCount() == 0)
            std::this_thread::yield();
        std::this_thread::sleep_for(2ms); // past its first attempt, into the wait
        const qint64 releasedAt = clock.nsecsElapsed();
        g_locks->unlock(key);
        waiter.join();
        if (acquiredAt == 0) {
            state.SkipWithError("waiter timed out");
            break;
        }
        samples.push_back(double(acquiredAt - releasedAt) / 1000.0);
    }
    if (samples.empty())
        return;
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[std::min(samples.size() - 1, size_t(q * double(samples.size())))];
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
    state.counters["max_us"] = samples.back();
}

} // namespace

int main(int argc, char **argv)
{
    const char *url = std::getenv("POMELO_BENCH_REDIS_URL");
    if (!url) {
        std::fprintf(stderr, "set POMELO_BENCH_REDIS_URL (scripts/bench/redis does)\n");
        return 2;
    }
    const char *concurrencyText = std::getenv("POMELO_BENCH_CONCURRENCY");
    const int concurrency = std::max(1, concurrencyText ? std::atoi(concurrencyText) : 4);

    QString error;
    const auto parsed = RedisUrl::parse(QString::fromUtf8(url), &error);
    if (!parsed) {
        std::fprintf(stderr, "bad POMELO_BENCH_REDIS_URL: %s\n", qPrintable(error));
        return 2;
    }
    RedisOptions options;
    options.url = *parsed;
    g_pool = std::make_unique<RedisPool>(options);
    g_locks = std::make_unique<RedisLockService>(*g_pool, RedisKeys(), LockServiceOptions {});
    try {
        g_pool->command({"FLUSHALL"}).throwIfError("FLUSHALL");
    } catch (const Error &e) {
        std::fprintf(stderr, "%s\n", qPrintable(e.detail()));
        return 2;
    }
    g_locks->waitSubscribed(5000);

    benchmark::RegisterBenchmark("set", BM_Set)->Threads(concurrency)->UseRealTime();
    benchmark::RegisterBenchmark("lock_unlock", BM_LockUnlock)->Threads(concurrency)->UseRealTime();
    benchmark::RegisterBenchmark("xadd", BM_Xadd)->Threads(concurrency)->UseRealTime();
    benchmark::RegisterBenchmark("schedule_claim_ack", BM_ScheduleClaimAck)
        ->Threads(concurrency)
        ->UseRealTime();
    benchmark::RegisterBenchmark("wake_latency", BM_WakeLatency)->Iterations(300)->UseRealTime();

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_locks.reset();
    g_pool.reset();
    return 0;
}
