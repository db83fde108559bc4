// Snowflake id generation: ids per second with 1 and 2 threads on one shared generator, and the
// ratio to the layout's ceiling of 4,096,000 ids/s per worker (12-bit sequence per millisecond).
#include "domain/snowflake.h"

#include <atomic>
#include <benchmark/benchmark.h>
#include <limits>

namespace {

using pomelo::SnowflakeGenerator;

void reportRate(benchmark::State &state)
{
    state.SetItemsProcessed(state.iterations());
    // Summed over the threads, then divided by the (real) time, like items_per_second: the rate
    // over the per-worker limit. It is a plain ratio; the console reporter prints "/s" after any
    // rate counter.
    state.counters["ratio_to_limit"] =
        benchmark::Counter(double(state.iterations()) / double(SnowflakeGenerator::MaxIdsPerSecond),
                           benchmark::Counter::kIsRate);
}

// The real thing: the wall clock, so throughput is capped by 4096 ids per millisecond and every
// thread of a run shares this one generator (a function-local static is initialised once).
//
// With 2 threads, Google Benchmark averages the real time of the threads, and each thread runs the
// same number of iterations: the thread that wins more CAS races finishes first, so the average is
// shorter than the run and items_per_second can read above the ceiling. `wall_ratio` is the true
// figure, from the ids themselves: all ids issued over the milliseconds they span.
void BM_SnowflakeNext(benchmark::State &state)
{
    static SnowflakeGenerator generator(1);
    static std::atomic<qint64> firstMs {std::numeric_limits<qint64>::max()};

    const qint64 startMs = SnowflakeGenerator::decode(generator.next()).timestampMs;
    qint64 seen = firstMs.load();
    while (startMs < seen && !firstMs.compare_exchange_weak(seen, startMs)) { }
    for (auto _ : state)
        benchmark::DoNotOptimize(generator.next());
    reportRate(state);

    // Every thread has left the loop here (the benchmark's stop barrier), so thread 0 sees all
    // start times; it alone reports the ratio, which the counters then sum over threads.
    state.counters["wall_ratio"] = 0.0;
    if (state.thread_index() == 0) {
        const qint64 endMs = SnowflakeGenerator::decode(generator.next()).timestampMs;
        const double spanSeconds =
            double(endMs - firstMs.exchange(std::numeric_limits<qint64>::max()) + 1) / 1000.0;
        const double ids = double(state.iterations()) * state.threads();
        state.counters["wall_ratio"] =
            ids / spanSeconds / double(SnowflakeGenerator::MaxIdsPerSecond);
    }
}
BENCHMARK(BM_SnowflakeNext)->Threads(1)->Threads(2)->UseRealTime();

// The cost of next() itself, without the ceiling: a synthetic clock that moves one millisecond per
// reading, so the sequence never runs out. Shows the headroom above the layout's limit and what
// contention on the shared state costs.
void BM_SnowflakeNextUncapped(benchmark::State &state)
{
    static std::atomic<qint64> ticks {0};
    static SnowflakeGenerator generator(2, [] {
        return SnowflakeGenerator::Epoch + ticks.fetch_add(1, std::memory_order_relaxed);
    });
    for (auto _ : state)
        benchmark::DoNotOptimize(generator.next());
    reportRate(state);
}
BENCHMARK(BM_SnowflakeNextUncapped)->Threads(1)->Threads(2)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
