#include "statustracker.h"

#include "outboxrelay.h"
#include "redis/rediskeys.h"
#include "telemetry/logging.h"
#include "workerkeys.h"

namespace pomelo {

namespace {

// KEYS[1] status hash; ARGV: eventId, status, updatedAt, orderId, ttl seconds.
const RedisScript &applyScript()
{
    static const RedisScript script(QByteArrayLiteral(R"lua(
local current = redis.call('HGET', KEYS[1], 'eventId')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'eventId', ARGV[1], 'status', ARGV[2], 'updatedAt', ARGV[3],
           'orderId', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
)lua"));
    return script;
}

} // namespace

StatusTracker::StatusTracker(RedisPool &redis, const RedisKeys &keys,
                             const QByteArray &consumerName)
    : m_redis(redis)
    , m_keys(keys)
{
    StreamConsumerOptions options;
    options.stream = keys.orderEventsStream();
    options.group = RedisKeys::statusTrackerGroup();
    options.consumer = consumerName;
    options.spanAttributeFields = streamfields::spanAttributes();
    m_consumer = std::make_unique<StreamConsumer>(
        redis.options(), options, [this](const StreamEntry &e) { return handle(e); });
}

StatusTracker::~StatusTracker()
{
    stop();
}

void StatusTracker::start()
{
    m_consumer->start();
}

void StatusTracker::stop()
{
    m_consumer->stop();
}

bool StatusTracker::handle(const StreamEntry &entry)
{
    bool okEvent = false;
    bool okOrder = false;
    const qint64 eventId = entry.value(streamfields::EventId).toLongLong(&okEvent);
    const qint64 orderId = entry.value(streamfields::OrderId).toLongLong(&okOrder);
    const QByteArray status = entry.value(streamfields::Status);
    if (!okEvent || !okOrder || status.isEmpty()) {
        qCWarning(lcWorkers) << "status tracker: malformed entry" << entry.id << "ignored";
        return true; // retrying cannot make it well-formed
    }
    QByteArray at = entry.value(streamfields::At);
    if (at.isEmpty())
        at = QByteArrayLiteral("0");
    m_redis
        .evalSha(applyScript(), {workerkeys::orderStatus(m_keys, orderId)},
                 {QByteArray::number(eventId), status, at, QByteArray::number(orderId),
                  QByteArray::number(RetentionSeconds)},
                 Idempotent::Yes) // applying the same event twice is a no-op by construction
        .throwIfError("status tracker");
    return true;
}

std::optional<TrackedStatus> StatusTracker::read(RedisPool &redis, const RedisKeys &keys,
                                                 qint64 orderId)
{
    const RedisReply reply = redis.command(
        {"HMGET", workerkeys::orderStatus(keys, orderId), "status", "eventId", "updatedAt"},
        Idempotent::Yes);
    reply.throwIfError("status read");
    if (reply.size() != 3 || reply.at(0).isNil())
        return std::nullopt;
    TrackedStatus s;
    s.status = reply.at(0).toString();
    s.eventId = reply.at(1).toInteger();
    s.updatedAt = reply.at(2).toInteger();
    return s;
}

} // namespace pomelo
