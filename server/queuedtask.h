#pragma once

#include "domain/errors.h"
#include "periodictask.h"
#include "redis/delayedqueue.h"

#include <QLoggingCategory>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace pomelo {

/// The modules' "delayed queue + DB sweep" wiring: a worker that handles the items of a delayed
/// queue as they fall due, and a PeriodicTask that sweeps the database for what never reached the
/// queue. Both log an Error and carry on (the item is retried, the sweep runs again next period).
namespace queuedtask {

/// The function that Q_DECLARE_LOGGING_CATEGORY declares (lcPay, lcBooking, …).
using Category = const QLoggingCategory &(*)();

/// A started DelayedQueueWorker on @p queueKey. @p handle returns whether the item is done (an
/// item it cannot understand should be done: dropped rather than retried forever); an Error it
/// throws is logged as "<what> <payload> failed, retried later: <detail>" and the item retried.
inline std::unique_ptr<DelayedQueueWorker>
startWorker(RedisPool &redis, QByteArray queueKey, Category category, const char *what,
            std::function<bool(const DelayedItem &)> handle)
{
    auto worker = std::make_unique<DelayedQueueWorker>(
        redis, std::move(queueKey),
        [category, what, handle = std::move(handle)](const DelayedItem &item) {
            try {
                return handle(item);
            } catch (const Error &e) {
                qCWarning(category).noquote() << what << QString::fromUtf8(item.payload)
                                              << "failed, retried later:" << e.detail();
                return false;
            }
        });
    worker->start();
    return worker;
}

/// A PeriodicTask running @p sweep every @p interval; an Error it throws is logged as
/// "<what> failed: <detail>".
inline std::unique_ptr<PeriodicTask> startSweep(std::chrono::milliseconds interval,
                                                Category category, const char *what,
                                                std::function<void()> sweep)
{
    return std::make_unique<PeriodicTask>(interval, [category, what, sweep = std::move(sweep)] {
        try {
            sweep();
        } catch (const Error &e) {
            qCWarning(category).noquote() << what << "failed:" << e.detail();
        }
    });
}

/// A module's background work: its delayed-queue workers and sweeps, started one by one and
/// stopped together (the sweeps first, then the workers, each joined), so that a module stops in
/// one line and nothing it started outlives it.
class Tasks
{
public:
    Tasks() = default;
    Tasks(const Tasks &) = delete;
    Tasks &operator=(const Tasks &) = delete;
    ~Tasks() { stop(); }

    /// startWorker(), kept until stop().
    void addWorker(RedisPool &redis, QByteArray queueKey, Category category, const char *what,
                   std::function<bool(const DelayedItem &)> handle)
    {
        m_workers.push_back(
            startWorker(redis, std::move(queueKey), category, what, std::move(handle)));
    }
    /// startSweep(), kept until stop().
    void addSweep(std::chrono::milliseconds interval, Category category, const char *what,
                  std::function<void()> sweep)
    {
        m_sweeps.push_back(startSweep(interval, category, what, std::move(sweep)));
    }
    /// Idempotent.
    void stop()
    {
        m_sweeps.clear();
        for (const std::unique_ptr<DelayedQueueWorker> &worker : m_workers)
            worker->stop();
        m_workers.clear();
    }

private:
    std::vector<std::unique_ptr<DelayedQueueWorker>> m_workers;
    std::vector<std::unique_ptr<PeriodicTask>> m_sweeps;
};

} // namespace queuedtask

} // namespace pomelo
