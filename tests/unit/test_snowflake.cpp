#include "domain/snowflake.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace pomelo;

namespace pomelo {
char *toString(const SnowflakeParts &parts)
{
    return QTest::toString(QStringLiteral("{time %1, worker %2, sequence %3}")
                               .arg(parts.timestampMs)
                               .arg(parts.workerId)
                               .arg(parts.sequence));
}
} // namespace pomelo

namespace {

// A clock driven by the test: returns the queued readings in order, then repeats the last one.
// Counts its calls, so a test can see that the generator waited (kept reading the clock).
class ScriptedClock
{
public:
    explicit ScriptedClock(qint64 start)
        : m_state(std::make_shared<State>())
    {
        m_state->current = start;
    }

    SnowflakeGenerator::Clock clock() const
    {
        return [state = m_state] {
            ++state->calls;
            if (!state->queued.empty()) {
                state->current = state->queued.front();
                state->queued.pop_front();
            }
            return state->current;
        };
    }

    void queue(std::initializer_list<qint64> readings)
    {
        m_state->queued.insert(m_state->queued.end(), readings);
    }
    void queueRepeated(qint64 reading, int times)
    {
        m_state->queued.insert(m_state->queued.end(), std::size_t(times), reading);
    }
    int calls() const { return m_state->calls; }
    bool drained() const { return m_state->queued.empty(); }

private:
    struct State
    {
        std::deque<qint64> queued;
        qint64 current = 0;
        int calls = 0;
    };
    std::shared_ptr<State> m_state;
};

constexpr qint64 T = SnowflakeGenerator::Epoch + 1'000'000'000; // an arbitrary millisecond
constexpr int Worker = 37;

template<typename F> std::optional<Error> errorOf(F call)
{
    try {
        call();
    } catch (const Error &error) {
        return error;
    }
    return std::nullopt;
}

// Ids per thread of the concurrency test. The full million in every build: measured at about
// 2 s in the debug build and 3 s under ASan+UBSan (4 threads on 2 busy cores). The environment
// variable only exists to run it longer.
int idsPerThread()
{
    bool ok = false;
    const int fromEnv = qEnvironmentVariableIntValue("POMELO_SNOWFLAKE_IDS_PER_THREAD", &ok);
    return ok && fromEnv > 0 ? fromEnv : 1'000'000;
}

} // namespace

class TestSnowflake : public QObject
{
    Q_OBJECT

private slots:
    void layout();
    void workerIdBounds_data();
    void workerIdBounds();
    void composeDecodeRoundTrip_data();
    void composeDecodeRoundTrip();
    void composeRejectsParts_data();
    void composeRejectsParts();
    void decodeRejectsNegative();
    void sameMillisecondCountsSequence();
    void exhaustionWaitsForNextMillisecond();
    void backwardsWithinToleranceIsWaitedOut_data();
    void backwardsWithinToleranceIsWaitedOut();
    void backwardsBeyondToleranceThrows_data();
    void backwardsBeyondToleranceThrows();
    void driftGrowingWhileWaitingThrows();
    void clockOutsideIdRange();
    void workersNeverCollide();
    void defaultClockIsWallClock();
    void threadsGetUniqueIncreasingIds();
    void idStrings_data();
    void idStrings();
    void revokedLeaseStopsIds();
    void expiredLeaseStopsIds();
    void newWorkerIdWaitsForTheNextMillisecond();
    void revokeWhileThreadsIssue();
};

void TestSnowflake::layout()
{
    const QDateTime epoch(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC);
    QCOMPARE(SnowflakeGenerator::Epoch, epoch.toMSecsSinceEpoch());
    QCOMPARE(SnowflakeGenerator::TimestampBits + SnowflakeGenerator::WorkerIdBits
                 + SnowflakeGenerator::SequenceBits,
             63);
    QCOMPARE(SnowflakeGenerator::MaxWorkerId, 1023);
    QCOMPARE(SnowflakeGenerator::MaxSequence, 4095);
    QCOMPARE(SnowflakeGenerator::MaxIdsPerSecond, 4'096'000);
    // The last representable millisecond is in September 2093.
    QCOMPARE(QDateTime::fromMSecsSinceEpoch(SnowflakeGenerator::MaxTimestampMs, Qt::UTC),
             QDateTime(QDate(2093, 9, 6), QTime(15, 47, 35, 551), Qt::UTC));
}

void TestSnowflake::workerIdBounds_data()
{
    QTest::addColumn<int>("workerId");
    QTest::addColumn<bool>("valid");
    QTest::newRow("0") << 0 << true;
    QTest::newRow("1") << 1 << true;
    QTest::newRow("1023") << 1023 << true;
    QTest::newRow("-1") << -1 << false;
    QTest::newRow("1024") << 1024 << false;
    QTest::newRow("int max") << std::numeric_limits<int>::max() << false;
    QTest::newRow("int min") << std::numeric_limits<int>::min() << false;
}

void TestSnowflake::workerIdBounds()
{
    QFETCH(int, workerId);
    QFETCH(bool, valid);
    ScriptedClock clock(T);
    std::unique_ptr<SnowflakeGenerator> generator;
    const std::optional<Error> error =
        errorOf([&] { generator = std::make_unique<SnowflakeGenerator>(workerId, clock.clock()); });
    if (!valid) {
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Internal));
        QVERIFY2(error->detail().contains(QString::number(workerId)), qPrintable(error->detail()));
        return;
    }
    QVERIFY(!error);
    QCOMPARE(generator->workerId(), workerId);
    QCOMPARE(SnowflakeGenerator::decode(generator->next()).workerId, workerId);
}

void TestSnowflake::composeDecodeRoundTrip_data()
{
    QTest::addColumn<qint64>("timestampMs");
    QTest::addColumn<int>("workerId");
    QTest::addColumn<int>("sequence");
    QTest::addColumn<qint64>("id"); // -1: not checked

    QTest::newRow("epoch zero") << SnowflakeGenerator::Epoch << 0 << 0 << qint64(0);
    QTest::newRow("epoch low parts") << SnowflakeGenerator::Epoch << 1 << 1 << qint64(4097);
    QTest::newRow("epoch + 1 ms") << SnowflakeGenerator::Epoch + 1 << 0 << 0 << (qint64(1) << 22);
    QTest::newRow("all parts max")
        << SnowflakeGenerator::MaxTimestampMs << 1023 << 4095 << std::numeric_limits<qint64>::max();
    QTest::newRow("typical") << qint64(1760000000123) << 37 << 42 << qint64(-1);
    QTest::newRow("max worker only")
        << SnowflakeGenerator::Epoch << 1023 << 0 << qint64(1023 << 12);
    QTest::newRow("max sequence only") << SnowflakeGenerator::Epoch << 0 << 4095 << qint64(4095);
}

void TestSnowflake::composeDecodeRoundTrip()
{
    QFETCH(qint64, timestampMs);
    QFETCH(int, workerId);
    QFETCH(int, sequence);
    QFETCH(qint64, id);

    const qint64 composed = SnowflakeGenerator::compose(timestampMs, workerId, sequence);
    QVERIFY(composed >= 0);
    if (id >= 0)
        QCOMPARE(composed, id);
    QCOMPARE(SnowflakeGenerator::decode(composed),
             (SnowflakeParts {timestampMs, workerId, sequence}));
}

void TestSnowflake::composeRejectsParts_data()
{
    QTest::addColumn<qint64>("timestampMs");
    QTest::addColumn<int>("workerId");
    QTest::addColumn<int>("sequence");
    QTest::newRow("before epoch") << SnowflakeGenerator::Epoch - 1 << 0 << 0;
    QTest::newRow("after range") << SnowflakeGenerator::MaxTimestampMs + 1 << 0 << 0;
    QTest::newRow("worker -1") << T << -1 << 0;
    QTest::newRow("worker 1024") << T << 1024 << 0;
    QTest::newRow("sequence -1") << T << 0 << -1;
    QTest::newRow("sequence 4096") << T << 0 << 4096;
}

void TestSnowflake::composeRejectsParts()
{
    QFETCH(qint64, timestampMs);
    QFETCH(int, workerId);
    QFETCH(int, sequence);
    const std::optional<Error> error =
        errorOf([&] { SnowflakeGenerator::compose(timestampMs, workerId, sequence); });
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(ErrorCode::Internal));
}

void TestSnowflake::decodeRejectsNegative()
{
    QVERIFY(errorOf([] { SnowflakeGenerator::decode(-1); }));
    QVERIFY(errorOf([] { SnowflakeGenerator::decode(std::numeric_limits<qint64>::min()); }));
}

void TestSnowflake::sameMillisecondCountsSequence()
{
    ScriptedClock clock(T);
    SnowflakeGenerator generator(Worker, clock.clock());
    qint64 previous = -1;
    for (int i = 0; i < 10; ++i) {
        const qint64 id = generator.next();
        QVERIFY(id > previous);
        QCOMPARE(SnowflakeGenerator::decode(id), (SnowflakeParts {T, Worker, i}));
        previous = id;
    }
    clock.queue({T + 1});
    QCOMPARE(SnowflakeGenerator::decode(generator.next()), (SnowflakeParts {T + 1, Worker, 0}));
}

void TestSnowflake::exhaustionWaitsForNextMillisecond()
{
    ScriptedClock clock(T);
    SnowflakeGenerator generator(Worker, clock.clock());
    qint64 previous = -1;
    for (int i = 0; i <= SnowflakeGenerator::MaxSequence; ++i) {
        const qint64 id = generator.next();
        QVERIFY(id > previous);
        const SnowflakeParts parts = SnowflakeGenerator::decode(id);
        QCOMPARE(parts.timestampMs, T);
        QCOMPARE(parts.sequence, i);
        previous = id;
    }
    // The 4097th id of millisecond T: the clock keeps reading T for a while; the generator must
    // neither reuse a sequence nor invent a timestamp, but wait until the clock reads T + 1.
    const int readingsOfT = 50;
    clock.queueRepeated(T, readingsOfT);
    clock.queue({T + 1});
    const int callsBefore = clock.calls();
    const qint64 id = generator.next();
    QVERIFY(id > previous);
    QCOMPARE(SnowflakeGenerator::decode(id), (SnowflakeParts {T + 1, Worker, 0}));
    QVERIFY(clock.drained());
    QVERIFY(clock.calls() - callsBefore >= readingsOfT + 1);
    QCOMPARE(SnowflakeGenerator::decode(generator.next()), (SnowflakeParts {T + 1, Worker, 1}));
}

void TestSnowflake::backwardsWithinToleranceIsWaitedOut_data()
{
    QTest::addColumn<qint64>("drift");
    QTest::newRow("1 ms") << qint64(1);
    QTest::newRow("3 ms") << qint64(3);
    QTest::newRow("5 ms (limit)") << SnowflakeGenerator::MaxBackwardDriftMs;
}

void TestSnowflake::backwardsWithinToleranceIsWaitedOut()
{
    QFETCH(qint64, drift);
    ScriptedClock clock(T);
    SnowflakeGenerator generator(Worker, clock.clock());
    const qint64 first = generator.next();

    // The clock steps back and then catches up one millisecond at a time.
    for (qint64 reading = T - drift; reading < T; ++reading)
        clock.queue({reading, reading});
    clock.queue({T});
    const qint64 second = generator.next();
    QVERIFY(clock.drained()); // it read the clock until it was back at T
    QVERIFY(second > first);
    QCOMPARE(SnowflakeGenerator::decode(second), (SnowflakeParts {T, Worker, 1}));

    clock.queue({T + 1});
    const qint64 third = generator.next();
    QVERIFY(third > second);
    QCOMPARE(SnowflakeGenerator::decode(third), (SnowflakeParts {T + 1, Worker, 0}));
}

void TestSnowflake::backwardsBeyondToleranceThrows_data()
{
    QTest::addColumn<qint64>("drift");
    QTest::newRow("6 ms") << SnowflakeGenerator::MaxBackwardDriftMs + 1;
    QTest::newRow("100 ms") << qint64(100);
    QTest::newRow("1 hour") << qint64(3'600'000);
}

void TestSnowflake::backwardsBeyondToleranceThrows()
{
    QFETCH(qint64, drift);
    ScriptedClock clock(T);
    SnowflakeGenerator generator(Worker, clock.clock());
    const qint64 first = generator.next();

    clock.queue({T - drift});
    try {
        generator.next();
        QFAIL("no exception");
    } catch (const ClockMovedBackwards &error) {
        QCOMPARE(error.driftMs(), drift);
        QCOMPARE(int(error.code()), int(ErrorCode::Internal));
        QVERIFY2(error.detail().contains(QString::number(drift) + QStringLiteral(" ms")),
                 qPrintable(error.detail()));
    }
    // Still throwing while the clock stays back, and usable again once it has caught up: the
    // failed calls consumed nothing, so the next id of millisecond T has sequence 1.
    QVERIFY(errorOf([&] { generator.next(); }));
    clock.queue({T});
    const qint64 second = generator.next();
    QVERIFY(second > first);
    QCOMPARE(SnowflakeGenerator::decode(second), (SnowflakeParts {T, Worker, 1}));
}

void TestSnowflake::driftGrowingWhileWaitingThrows()
{
    ScriptedClock clock(T);
    SnowflakeGenerator generator(Worker, clock.clock());
    generator.next();
    clock.queue({T - 2, T - 4, T - 7});
    try {
        generator.next();
        QFAIL("no exception");
    } catch (const ClockMovedBackwards &error) {
        QCOMPARE(error.driftMs(), 7);
    }
    QCOMPARE(clock.calls(), 4);
}

void TestSnowflake::clockOutsideIdRange()
{
    ScriptedClock before(SnowflakeGenerator::Epoch - 1);
    SnowflakeGenerator early(Worker, before.clock());
    std::optional<Error> error = errorOf([&] { early.next(); });
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(ErrorCode::Internal));

    ScriptedClock after(SnowflakeGenerator::MaxTimestampMs + 1);
    SnowflakeGenerator late(Worker, after.clock());
    error = errorOf([&] { late.next(); });
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(ErrorCode::Internal));

    ScriptedClock last(SnowflakeGenerator::MaxTimestampMs);
    SnowflakeGenerator lastMs(SnowflakeGenerator::MaxWorkerId, last.clock());
    const qint64 id = lastMs.next();
    QVERIFY(id > 0);
    QCOMPARE(
        SnowflakeGenerator::decode(id),
        (SnowflakeParts {SnowflakeGenerator::MaxTimestampMs, SnowflakeGenerator::MaxWorkerId, 0}));
}

void TestSnowflake::workersNeverCollide()
{
    ScriptedClock clock(T);
    SnowflakeGenerator a(1, clock.clock());
    SnowflakeGenerator b(2, clock.clock());
    std::vector<qint64> ids;
    for (int i = 0; i <= SnowflakeGenerator::MaxSequence; ++i) {
        ids.push_back(a.next());
        ids.push_back(b.next());
    }
    std::sort(ids.begin(), ids.end());
    QVERIFY(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

void TestSnowflake::defaultClockIsWallClock()
{
    SnowflakeGenerator generator(Worker);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const qint64 id = generator.next();
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    const SnowflakeParts parts = SnowflakeGenerator::decode(id);
    QVERIFY2(parts.timestampMs >= before && parts.timestampMs <= after,
             qPrintable(QString::number(parts.timestampMs)));
    QCOMPARE(parts.workerId, Worker);
}

void TestSnowflake::threadsGetUniqueIncreasingIds()
{
    constexpr int Threads = 4;
    const int perThread = idsPerThread();
    SnowflakeGenerator generator(Worker); // one generator shared by all threads, wall clock

    std::vector<std::vector<qint64>> idsOf(Threads);
    std::mutex failureMutex;
    QString failure;
    QElapsedTimer timer;
    timer.start();
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < Threads; ++t) {
            threads.emplace_back([&, t] {
                std::vector<qint64> &ids = idsOf[std::size_t(t)];
                ids.reserve(std::size_t(perThread));
                try {
                    for (int i = 0; i < perThread; ++i)
                        ids.push_back(generator.next());
                } catch (const Error &error) {
                    const std::lock_guard lock(failureMutex);
                    failure = error.detail();
                }
            });
        }
    }
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    std::vector<qint64> all;
    for (const std::vector<qint64> &ids : idsOf) {
        QCOMPARE(ids.size(), std::size_t(perThread));
        // Strictly increasing in each thread's own order.
        const auto notIncreasing =
            std::adjacent_find(ids.begin(), ids.end(), [](qint64 a, qint64 b) { return a >= b; });
        QVERIFY(notIncreasing == ids.end());
        // So each list is sorted: merging is linear, where sorting 4M ids took seconds under ASan.
        std::vector<qint64> merged;
        merged.reserve(all.size() + ids.size());
        std::merge(all.begin(), all.end(), ids.begin(), ids.end(), std::back_inserter(merged));
        all.swap(merged);
    }
    QVERIFY(std::adjacent_find(all.begin(), all.end()) == all.end()); // no duplicate at all
    QCOMPARE(SnowflakeGenerator::decode(all.front()).workerId, Worker);
    QCOMPARE(SnowflakeGenerator::decode(all.back()).workerId, Worker);

    // 4096 ids per millisecond at most: the run cannot have been faster than the layout allows.
    const qint64 spanMs = SnowflakeGenerator::decode(all.back()).timestampMs
        - SnowflakeGenerator::decode(all.front()).timestampMs + 1;
    QVERIFY(qint64(all.size()) <= spanMs * (SnowflakeGenerator::MaxSequence + 1));
    qInfo("%zu ids in %lld ms (%lld ms of id time)", all.size(), elapsed, spanMs);
}

void TestSnowflake::idStrings_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("id"); // -1: rejected
    QTest::newRow("1") << QStringLiteral("1") << qint64(1);
    QTest::newRow("typical") << QStringLiteral("7212345678901234567")
                             << qint64(7212345678901234567);
    QTest::newRow("qint64 max") << QStringLiteral("9223372036854775807")
                                << std::numeric_limits<qint64>::max();
    QTest::newRow("qint64 max + 1") << QStringLiteral("9223372036854775808") << qint64(-1);
    QTest::newRow("19 nines") << QStringLiteral("9999999999999999999") << qint64(-1);
    QTest::newRow("20 digits") << QStringLiteral("12345678901234567890") << qint64(-1);
    QTest::newRow("empty") << QString() << qint64(-1);
    QTest::newRow("0") << QStringLiteral("0") << qint64(-1);
    QTest::newRow("leading zero") << QStringLiteral("0123") << qint64(-1);
    QTest::newRow("negative") << QStringLiteral("-5") << qint64(-1);
    QTest::newRow("plus") << QStringLiteral("+5") << qint64(-1);
    QTest::newRow("space") << QStringLiteral(" 5") << qint64(-1);
    QTest::newRow("fraction") << QStringLiteral("5.0") << qint64(-1);
    QTest::newRow("fullwidth") << QStringLiteral("５") << qint64(-1);
    QTest::newRow("arabic-indic") << QStringLiteral("٥") << qint64(-1);
}

void TestSnowflake::idStrings()
{
    QFETCH(QString, text);
    QFETCH(qint64, id);
    const std::optional<qint64> parsed = snowflakeFromString(text);
    if (id < 0) {
        QVERIFY(!parsed);
        return;
    }
    QCOMPARE(parsed, std::optional<qint64>(id));
    QCOMPARE(snowflakeToString(id), text);
}

void TestSnowflake::revokedLeaseStopsIds()
{
    ScriptedClock clock(T);
    auto lease = std::make_shared<SnowflakeLease>(Worker);
    SnowflakeGenerator generator(lease, clock.clock());
    const qint64 first = generator.next();
    QCOMPARE(SnowflakeGenerator::decode(first).workerId, Worker);

    lease->revoke();
    QCOMPARE(generator.workerId(), -1);
    for (int i = 0; i < 3; ++i) // and it stays so until replaced
        QCOMPARE(errorOf([&] { generator.next(); })->code(), ErrorCode::DependencyUnavailable);

    clock.queue({T + 5});
    lease->replace(900, SnowflakeLease::TimePoint::max());
    QCOMPARE(generator.workerId(), 900);
    const qint64 second = generator.next();
    QCOMPARE(SnowflakeGenerator::decode(second), (SnowflakeParts {T + 5, 900, 0}));
    QVERIFY(second > first);
    QCOMPARE(errorOf([] { SnowflakeLease(1024); })->code(), ErrorCode::Internal);
    QCOMPARE(errorOf([&] { lease->replace(-1, SnowflakeLease::TimePoint::max()); })->code(),
             ErrorCode::Internal);
}

void TestSnowflake::expiredLeaseStopsIds()
{
    // The expiry is checked against the steady clock when the id is taken, whatever the holder's
    // renewal thread is doing.
    const auto now = std::chrono::steady_clock::now();
    auto lease = std::make_shared<SnowflakeLease>(Worker, now + std::chrono::hours(1));
    SnowflakeGenerator generator(lease);
    QVERIFY(generator.next() > 0);
    lease->renew(now - std::chrono::milliseconds(1));
    QCOMPARE(errorOf([&] { generator.next(); })->code(), ErrorCode::DependencyUnavailable);
    QCOMPARE(generator.workerId(), Worker); // expired, not revoked: a renewal may still confirm it
    lease->renew(std::chrono::steady_clock::now() + std::chrono::hours(1));
    QCOMPARE(SnowflakeGenerator::decode(generator.next()).workerId, Worker);
}

void TestSnowflake::newWorkerIdWaitsForTheNextMillisecond()
{
    // A smaller worker id in the same millisecond would give a smaller id than the last one.
    ScriptedClock clock(T);
    auto lease = std::make_shared<SnowflakeLease>(500);
    SnowflakeGenerator generator(lease, clock.clock());
    const qint64 last = generator.next();
    lease->replace(3, SnowflakeLease::TimePoint::max());
    clock.queueRepeated(T, 5);
    clock.queue({T + 1});
    const qint64 next = generator.next();
    QCOMPARE(SnowflakeGenerator::decode(next), (SnowflakeParts {T + 1, 3, 0}));
    QVERIFY(next > last);
    QVERIFY(clock.drained());
}

void TestSnowflake::revokeWhileThreadsIssue()
{
    // Threads issue ids while the lease is revoked and replaced by another id, again and again:
    // no thread gets an id of a worker id it has seen replaced, and all ids stay unique.
    auto lease = std::make_shared<SnowflakeLease>(1);
    SnowflakeGenerator generator(lease);
    std::atomic<bool> stop {false};
    std::atomic<int> refused {0};
    std::vector<std::vector<qint64>> issued(2);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < issued.size(); ++t) {
        threads.emplace_back([&, t] {
            while (!stop.load()) {
                try {
                    issued[t].push_back(generator.next());
                } catch (const Error &e) {
                    if (e.code() != ErrorCode::DependencyUnavailable)
                        throw;
                    ++refused;
                }
            }
        });
    }
    // Each round a fresh worker id: an id that a thread gets with an older worker id after one
    // with a newer would be an id taken under a lease already revoked.
    for (int round = 2; round < 200; ++round) {
        lease->revoke();
        lease->replace(round, SnowflakeLease::TimePoint::max());
        QThread::yieldCurrentThread();
    }
    stop = true;
    for (std::thread &t : threads)
        t.join();
    QSet<qint64> all;
    int lastWorker = -1;
    for (const auto &ids : issued) {
        lastWorker = -1;
        for (qint64 id : ids) {
            const int worker = SnowflakeGenerator::decode(id).workerId;
            // Per thread, worker ids only move forward: never back to a revoked one.
            QVERIFY2(worker >= lastWorker,
                     qPrintable(QStringLiteral("%1 after %2").arg(worker).arg(lastWorker)));
            lastWorker = worker;
            all.insert(id);
        }
    }
    QCOMPARE(all.size(), qsizetype(issued[0].size() + issued[1].size()));
}

QTEST_GUILESS_MAIN(TestSnowflake)
#include "test_snowflake.moc"
