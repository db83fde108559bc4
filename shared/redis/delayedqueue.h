#pragma once

#include "redisclient.h"

#include <QByteArray>
#include <QList>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace pomelo {

class RedisSubscriber;

/// An item handed to a worker by claim().
struct DelayedItem
{
    QByteArray id;
    QByteArray payload;
    /// How many times it was claimed, this claim included (> 1: an earlier worker did not ack).
    qint64 attempts = 0;
    /// When it was due (ms since the epoch, Redis clock).
    qint64 dueMs = 0;
    /// Identifies this claim; ack() only removes the item if it was not claimed again since
    /// (after the visibility deadline) or rescheduled.
    qint64 claimToken = 0;
    /// W3C traceparent of the `<queue> publish` span of the schedule() that put it there (empty
    /// for items scheduled before traces were stored): the worker's process span continues it.
    QByteArray traceparent;
};

/// An item as listed for operators.
struct DelayedItemInfo
{
    enum class State { Scheduled, Processing };
    QByteArray id;
    QByteArray payload;
    State state = State::Scheduled;
    /// Scheduled: due time; Processing: visibility deadline (ms since the epoch, Redis clock).
    qint64 timeMs = 0;
    qint64 attempts = 0;
    /// As DelayedItem::traceparent: the trace an operator can look the item up by.
    QByteArray traceparent;
};

/// A reliable delayed queue in Redis (compare Redisson's RDelayedQueue, which stalls when no client
/// holds an instance, uses client clocks and O(N) LREM). Keys, all derived from the queue key:
/// - `{queue}`: sorted set of scheduled ids, score = due time in ms from Redis `TIME`;
/// - `{queue}:processing`: sorted set of claimed ids, score = visibility deadline;
/// - `{queue}:payload`, `{queue}:attempts`, `{queue}:claim`: hashes id → payload / claim count /
///   token of the current claim; `{queue}:claim-seq`: counter of claims;
/// - `{queue}:trace`: hash id → traceparent of the schedule's publish span (set and replaced by
///   schedule(), removed with the item by ack() and cancel());
/// - channel `{queue}:notify`: announces a new earliest item to sleeping workers.
/// Every operation is one Lua script (atomic) and O(log N) per item. Items claimed by a worker
/// that dies are due again at their visibility deadline, so nothing is lost; with AOF nothing is
/// lost across Redis restarts either. Thread-safe (per-thread connections of the pool).
class DelayedQueue
{
public:
    DelayedQueue(RedisPool &pool, QByteArray queueKey);

    /// Schedules @p id to be due in @p delay (due time from Redis TIME). Idempotent per id: a
    /// second schedule replaces payload and due time (and takes the item back from a worker holding
    /// it). Returns the due time (ms since the epoch). Retried once on a broken connection.
    /// Runs in a span `<queue> publish` (Producer, a child of the current context) whose
    /// traceparent is stored with the item.
    qint64 schedule(const QByteArray &id, const QByteArray &payload,
                    std::chrono::milliseconds delay);
    /// Removes @p id wherever it is; false if it was not there.
    bool cancel(const QByteArray &id);
    /// Moves up to @p max due items (items whose visibility deadline passed first) to processing
    /// with a deadline of now + @p visibility and returns them in due order.
    QList<DelayedItem> claim(int max, std::chrono::milliseconds visibility);
    /// Done with a claimed item: removes it. False, leaving it alone, when it is no longer this
    /// claim's: cancelled, rescheduled, or claimed again after its visibility deadline.
    bool ack(const DelayedItem &item);
    /// Makes a scheduled item due now (operators). False unless it is scheduled.
    bool fireNow(const QByteArray &id);

    /// Items for operators: those in processing first, then scheduled ones in due order.
    QList<DelayedItemInfo> items(int limit = 100);
    qint64 scheduledCount();
    qint64 processingCount();

    /// What a worker needs to plan its sleep; filled by claimWithTiming().
    struct Timing
    {
        qint64 redisNowMs = 0;
        qint64 nextDueMs = -1; // earliest scheduled item, -1 if none
        qint64 nextDeadlineMs = -1; // earliest processing deadline, -1 if none
    };
    QList<DelayedItem> claimWithTiming(int max, std::chrono::milliseconds visibility,
                                       Timing *timing);

    const QByteArray &key() const { return m_key; }
    QByteArray notifyChannel() const { return m_key + ":notify"; }

private:
    QList<QByteArray> keys() const;

    RedisPool &m_pool;
    const QByteArray m_key;
    const QByteArray m_processingKey;
    const QByteArray m_payloadKey;
    const QByteArray m_attemptsKey;
    const QByteArray m_claimKey;
    const QByteArray m_claimSeqKey;
    const QByteArray m_traceKey;
};

struct DelayedQueueWorkerOptions
{
    int batchSize = 16;
    /// How long a claimed item is invisible to other workers; a handler must finish within it or
    /// the item is delivered again (handlers are idempotent).
    std::chrono::milliseconds visibility {60000};
    /// Upper bound of one sleep, in case a notification was lost.
    std::chrono::milliseconds maxSleep {5000};
};

/// A worker thread for a DelayedQueue: claims due items, calls the handler, acks those it handled
/// (a false return or an exception leaves the item to be retried after the visibility timeout),
/// each inside a span `<queue> process` (Consumer, a child of the item's traceparent, the
/// thread's current context while the handler runs), then sleeps until the earliest due item or
/// deadline, or until a schedule announces an earlier item on the notify channel (its own
/// subscriber connection). It never busy-polls.
class DelayedQueueWorker
{
public:
    using Handler = std::function<bool(const DelayedItem &)>;

    DelayedQueueWorker(RedisPool &pool, QByteArray queueKey, Handler handler,
                       DelayedQueueWorkerOptions options = {});
    ~DelayedQueueWorker();
    DelayedQueueWorker(const DelayedQueueWorker &) = delete;
    DelayedQueueWorker &operator=(const DelayedQueueWorker &) = delete;

    void start();
    /// Stops after the item in hand; items claimed but not handled are delivered again after
    /// their visibility deadline.
    void stop();
    bool isRunning() const { return m_thread.joinable(); }
    /// Whether the notify subscription is up.
    bool waitSubscribed(int timeoutMs) const;

    quint64 handledCount() const { return m_handled.load(); }
    quint64 failedCount() const { return m_failed.load(); }
    /// Claim rounds so far (lets tests check that an idle worker does not poll).
    quint64 claimRounds() const { return m_rounds.load(); }

private:
    void run();
    void wake();
    void process(const DelayedItem &item);

    DelayedQueue m_queue;
    const Handler m_handler;
    const DelayedQueueWorkerOptions m_options;
    std::unique_ptr<RedisSubscriber> m_subscriber;

    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    bool m_wakeRequested = false;
    std::thread m_thread;

    std::atomic<quint64> m_handled {0};
    std::atomic<quint64> m_failed {0};
    std::atomic<quint64> m_rounds {0};
};

} // namespace pomelo
