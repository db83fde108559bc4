#pragma once

#include <QByteArray>
#include <QFuture>
#include <QList>
#include <QThreadPool>
#include <QTimer>

#include <chrono>

namespace pomelo {

class Database;
class RedisPool;
class RedisKeys;

struct MetricsCollectorOptions
{
    /// How often the gauges are read (independent of how many Prometheus servers scrape).
    std::chrono::milliseconds interval {15000};
    /// A delayed-queue item is overdue once it is this late (a worker normally takes it at once).
    qint64 overdueGraceMs = 60000;
};

/// Reads the gauges that live in Redis and the database, for `GET /metrics` and the alert rules of
/// resources/monitoring: whether Redis and the database answer (`pomelo_redis_up`,
/// `pomelo_database_up`), overdue delayed-queue items per queue, open payment exceptions per
/// state, merchant notifications given up, refunds in flight and the age of the oldest, the age of
/// the oldest unpublished outbox event. Every instance runs one: the up gauges are the instance's
/// own view; the others are the shared state, read with a few indexed counts every interval on a
/// thread of its own (never on the server's thread, never two rounds at once, and a hanging
/// dependency does not hold a thread of the global pool the sweeps run on). A reading that fails
/// leaves the gauges of that source as they were and marks the source down.
class MetricsCollector
{
public:
    MetricsCollector(Database &db, RedisPool &redis, const RedisKeys &keys,
                     MetricsCollectorOptions options = {});
    ~MetricsCollector();
    MetricsCollector(const MetricsCollector &) = delete;
    MetricsCollector &operator=(const MetricsCollector &) = delete;

    /// Reads once now (in the background), then every interval. Call on a thread with an event
    /// loop (the timer's).
    void start();
    /// Stops the timer and waits for a running round.
    void stop();

    /// One round on the calling thread (what the timer runs; the tests call it directly).
    void collect();

    /// The delayed queues watched: label value and key.
    struct Queue
    {
        QByteArray label;
        QByteArray key;
    };

private:
    void collectRedis();
    void collectDatabase();
    void tick();

    Database &m_db;
    RedisPool &m_redis;
    MetricsCollectorOptions m_options;
    QList<Queue> m_queues;
    QTimer m_timer;
    /// One thread that never expires: it keeps its Redis and database connections between rounds
    /// and ends (closing them) when the collector is destroyed, before the Database.
    QThreadPool m_thread;
    QFuture<void> m_run;
};

} // namespace pomelo
