#pragma once

#include "redisclient.h"
#include "telemetry/trace.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QVariantMap>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pomelo {

using StreamFields = QList<QPair<QByteArray, QByteArray>>;

struct StreamEntry
{
    QByteArray id;
    StreamFields fields;
    /// How many times the group delivered it (1 on a first read; claims and re-reads count).
    qint64 deliveries = 1;

    /// The value of @p field (the first one of that name), or a null QByteArray.
    QByteArray value(const QByteArray &field) const;
};

/// The entry field that carries the W3C trace context from a publisher to the consumers.
inline constexpr char StreamTraceparentField[] = "traceparent";

/// Appends to a stream with `XADD … MAXLEN ~ N`: the stream keeps about the last N entries.
///
/// Each entry is published inside a span `<stream> publish` (kind Producer). Its parent is the
/// entry's own `traceparent` field when that parses (e.g. the outbox row's: the request that
/// committed the event), else the thread's current context; the entry is written with the publish
/// span's traceparent instead, so that the consumers' spans are children of the publish.
class StreamPublisher
{
public:
    StreamPublisher(RedisPool &pool, QByteArray stream, qint64 maxLen = 100000,
                    bool approximateTrim = true);

    /// Appends one entry and returns its id. Not retried on a broken connection (XADD twice is
    /// two entries); the caller (the outbox relay) retries, and consumers are idempotent.
    /// @p spanAttributes are added to the publish span (build them only when
    /// Tracer::instance().isRecording()).
    QByteArray publish(const StreamFields &fields, const QVariantMap &spanAttributes = {});
    /// Appends several entries in one round trip, in order; returns their ids. @p spanAttributes,
    /// when not empty, has one map per entry (same order) for its publish span.
    QList<QByteArray> publishBatch(const QList<StreamFields> &entries,
                                   const QList<QVariantMap> &spanAttributes = {});

    const QByteArray &stream() const { return m_stream; }

private:
    QList<QByteArray> xadd(const StreamFields &fields) const;
    Span startPublishSpan(StreamFields &fields, const QVariantMap &attributes) const;

    RedisPool &m_pool;
    const QByteArray m_stream;
    const qint64 m_maxLen;
    const bool m_approximate;
};

/// Default of StreamConsumerOptions::deadConsumerIdleMs, in units of minIdleMs: a consumer that
/// has not read for ten claim periods is gone, not slow.
constexpr int DeadConsumerIdleFactor = 10;

struct StreamConsumerOptions
{
    QByteArray stream;
    QByteArray group;
    /// Unique within the group (e.g. host-pid-worker); a consumer that restarts under the same name
    /// picks up its own pending entries first.
    QByteArray consumer;
    /// Where a group created by this consumer starts: "0" (everything still in the stream) or "$".
    QByteArray groupStartId = "0";
    int batchSize = 32;
    /// XREADGROUP BLOCK time; stop() does not wait for it (it breaks the connection).
    int blockMs = 2000;
    /// How often pending entries of other (dead or stuck) consumers are looked at ...
    int claimIntervalMs = 5000;
    /// ... and how long an entry must have been idle to be claimed (XAUTOCLAIM min-idle-time).
    /// It is also the retry delay of an entry whose handler failed.
    int minIdleMs = 60000;
    /// A consumer of the group idle longer than this (XINFO CONSUMERS `idle`) with no pending
    /// entries and no heartbeat is removed from the group (XGROUP DELCONSUMER), at each claim
    /// round: the consumers of dead instances. Each consumer sets its heartbeat key
    /// (`{stream}:alive:{group}:{consumer}`, expiring after at least this long) at its own claim
    /// rounds. <= 0: DeadConsumerIdleFactor × minIdleMs.
    int deadConsumerIdleMs = 0;
    /// An entry delivered more often than this goes to the dead-letter stream (and is acked).
    int maxDeliveries = 10;
    /// Default: `{stream}:dead`.
    QByteArray deadLetterStream;
    qint64 deadLetterMaxLen = 100000;
    /// Entry fields copied to the process span as attributes (field → attribute name), e.g.
    /// {"orderId", "order.id"}: how a group's handler labels its spans without touching them.
    QList<QPair<QByteArray, QString>> spanAttributeFields;
};

/// A consumer of a group on its own thread and connection: creates the group idempotently
/// (MKSTREAM; BUSYGROUP is fine); on start (and after every reconnect) drains its own pending
/// entries, then reads new ones with XREADGROUP BLOCK; calls the handler and XACKs only when it
/// returns true (at-least-once: handlers must be idempotent); every claimIntervalMs it claims
/// entries idle longer than minIdleMs from any consumer (XAUTOCLAIM); an entry delivered more than
/// maxDeliveries times is copied to the dead-letter stream with `dead-origin-id`, `dead-group`,
/// `dead-consumer` and `dead-deliveries` fields, acked, logged and counted. After claiming, it
/// removes the group's consumers idle longer than deadConsumerIdleMs that have no pending entries
/// and no heartbeat (never itself, never one with pending entries: those are claimed first).
///
/// Tracing: each entry is received in a span `<stream> receive` (Consumer) whose parent is the
/// entry's `traceparent` field (a new root when it is absent or malformed), and handled inside
/// its child `<stream> process` (Consumer), which is the thread's current context while the
/// handler runs: the handler's spans and log lines belong to the publisher's trace.
class StreamConsumer
{
public:
    /// Returns true when the entry was handled (it is then acked). Exceptions count as false.
    using Handler = std::function<bool(const StreamEntry &)>;

    StreamConsumer(RedisOptions redis, StreamConsumerOptions options, Handler handler);
    ~StreamConsumer();
    StreamConsumer(const StreamConsumer &) = delete;
    StreamConsumer &operator=(const StreamConsumer &) = delete;

    void start();
    /// Stops promptly (breaks a blocked read) and joins the thread. Entries read but not yet
    /// acked stay pending and are delivered again.
    void stop();
    bool isRunning() const { return m_thread.joinable(); }
    /// True once the group exists and this consumer's own pending entries were drained.
    bool waitReady(int timeoutMs) const;

    /// Called (on the consumer thread) for each dead-lettered entry, e.g. to bump a metric.
    /// Set before start().
    void setDeadLetterObserver(std::function<void(const StreamEntry &)> observer);

    const StreamConsumerOptions &options() const { return m_options; }
    quint64 handledCount() const { return m_handled.load(); }
    quint64 failedCount() const { return m_failed.load(); }
    quint64 claimedCount() const { return m_claimed.load(); }
    quint64 deadLetterCount() const { return m_deadLettered.load(); }
    /// Consumers of the group this one removed as dead.
    quint64 removedConsumerCount() const { return m_removedConsumers.load(); }

    /// XGROUP CREATE … MKSTREAM, treating BUSYGROUP (exists already) as success.
    static void ensureGroup(RedisConnection &connection, const QByteArray &stream,
                            const QByteArray &group, const QByteArray &startId = "0");
    /// Parses the entries of an XRANGE/XREADGROUP/XAUTOCLAIM entry list.
    static QList<StreamEntry> parseEntries(const RedisReply &list);

private:
    void run();
    void drainOwnPending();
    void claimIdle();
    void removeDeadConsumers();
    void readNew();
    void process(QList<StreamEntry> entries, bool checkDeliveries);
    void processEntry(const StreamEntry &entry);
    bool handle(const StreamEntry &entry, const SpanContext &receive);
    void deadLetter(const StreamEntry &entry);
    void ack(const QByteArray &id);
    bool sleepFor(int ms);

    RedisConnection m_connection;
    StreamConsumerOptions m_options;
    const Handler m_handler;
    std::function<void(const StreamEntry &)> m_deadLetterObserver;

    std::atomic<bool> m_stop {false};
    std::atomic<bool> m_ready {false};
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;
    bool m_blocking = false; // in XREADGROUP BLOCK; guarded by m_mutex
    std::thread m_thread;

    std::atomic<quint64> m_handled {0};
    std::atomic<quint64> m_failed {0};
    std::atomic<quint64> m_claimed {0};
    std::atomic<quint64> m_deadLettered {0};
    std::atomic<quint64> m_removedConsumers {0};
};

} // namespace pomelo
