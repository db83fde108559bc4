#pragma once

#include "redis/redisstream.h"
#include "wakeableworker.h"

#include <QMetaObject>

#include <atomic>

namespace pomelo {

class Database;
struct OrderEvent;

/// Field names of an entry of `pomelo:order-events` (what the relay writes, the consumers read).
namespace streamfields {
inline constexpr char EventId[] = "eventId";
inline constexpr char OrderId[] = "orderId";
inline constexpr char AppId[] = "appId";
inline constexpr char OutTradeNo[] = "outTradeNo";
inline constexpr char PrevStatus[] = "prevStatus"; ///< absent for the order's first event
inline constexpr char Status[] = "status";
inline constexpr char Amount[] = "amount"; ///< cents
inline constexpr char At[] = "at"; ///< Unix ms of the event
inline constexpr char Traceparent[] = "traceparent";
inline constexpr char OpenId[] = "openId"; ///< absent when the order has none

/// The fields the consumer groups copy to their process spans (order.id, order.status).
inline QList<QPair<QByteArray, QString>> spanAttributes()
{
    return {{OrderId, QStringLiteral("order.id")}, {Status, QStringLiteral("order.status")}};
}
} // namespace streamfields

struct OutboxRelayOptions
{
    int batchSize = 100;
    /// Fallback poll: the relay normally wakes on Database::outboxAppended.
    int pollIntervalMs = 1000;
    int backoffInitialMs = 100;
    int backoffMaxMs = 5000;
    qint64 streamMaxLen = 100000;
};

/// DESIGN.md steps 5 and 7: appends committed outbox events (order_events) to the stream
/// `pomelo:order-events` and marks them published only after XADD succeeded. On its own thread;
/// woken by Database::outboxAppended, with a slow fallback poll. Redis or the database down: waits
/// with a doubling back-off and retries — nothing is lost, nothing of one order is reordered
/// (at-least-once: an event may be appended twice if marking failed after the XADD; consumers
/// are idempotent on the event id). PostgreSQL: claims with FOR UPDATE SKIP LOCKED, so several
/// instances may run a relay.
class OutboxRelay
{
public:
    OutboxRelay(Database &db, RedisPool &redis, QByteArray stream, OutboxRelayOptions options = {});
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay &) = delete;
    OutboxRelay &operator=(const OutboxRelay &) = delete;

    void start();
    void stop();
    /// Thread-safe: makes the relay look for events now.
    void wake();

    /// Runs one round on the calling thread: publishes up to batchSize events; returns how many.
    /// Throws Error(DependencyUnavailable) when Redis or the database failed (nothing marked).
    int publishOnce();

    quint64 publishedCount() const { return m_published.load(); }
    quint64 failedRounds() const { return m_failedRounds.load(); }

private:
    WakeableWorker::Sleep round();
    StreamFields fieldsOf(const OrderEvent &event, const QString &openId) const;

    Database &m_db;
    RedisPool &m_redis;
    StreamPublisher m_publisher;
    const OutboxRelayOptions m_options;

    /// The back-off of the failing rounds so far (0: the last round succeeded); worker thread only.
    int m_backoffMs = 0;
    WakeableWorker m_worker;
    QMetaObject::Connection m_connection;
    std::atomic<quint64> m_published {0};
    std::atomic<quint64> m_failedRounds {0};
};

} // namespace pomelo
