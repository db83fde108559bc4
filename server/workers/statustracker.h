#pragma once

#include "redis/redisstream.h"

#include <memory>
#include <optional>

namespace pomelo {

class RedisKeys;

/// The latest known status of an order, as the status tracker keeps it.
struct TrackedStatus
{
    QString status;
    qint64 eventId = 0;
    qint64 updatedAt = 0; ///< Unix ms of the event
};

/// DESIGN.md step 11, group `status-tracker`: keeps each order's latest status in the hash
/// `pomelo:order-status:{orderId}` for fast reads. A Lua compare on the event id (the outbox's
/// publication order, increasing per order) makes repeated and out-of-order entries no-ops: the
/// status never moves backwards.
class StatusTracker
{
public:
    /// @p consumerName unique within the group (host-pid).
    StatusTracker(RedisPool &redis, const RedisKeys &keys, const QByteArray &consumerName);
    ~StatusTracker();

    void start();
    void stop();
    StreamConsumer &consumer() { return *m_consumer; }

    /// Applies one stream entry on the calling thread's connection (what the consumer calls).
    /// true when handled (also when ignored as stale or malformed).
    bool handle(const StreamEntry &entry);

    /// The tracked status of @p orderId, if any.
    static std::optional<TrackedStatus> read(RedisPool &redis, const RedisKeys &keys,
                                             qint64 orderId);

    /// How long an order's status is kept after its last event.
    static constexpr int RetentionSeconds = 30 * 24 * 3600;

private:
    RedisPool &m_redis;
    const RedisKeys &m_keys;
    std::unique_ptr<StreamConsumer> m_consumer;
};

} // namespace pomelo
