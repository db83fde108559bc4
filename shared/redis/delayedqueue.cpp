#include "delayedqueue.h"

#include "domain/errors.h"
#include "redissubscriber.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <algorithm>

namespace pomelo {

namespace {

using namespace std::chrono;

// Every script takes KEYS = queue, processing, payload, attempts, claim, claim-seq, trace (in that
// order) and reads the clock with TIME: the due times of all clients and
// all instances come from one clock, and (effects replication, the default since Redis 5) replicas
// and the AOF record the resulting ZADD, not the TIME call.

// ARGV: id, payload, delay ms, notify channel, traceparent (empty: none). Returns the due time.
const RedisScript scheduleScript(QByteArrayLiteral(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], due, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[7], ARGV[1], ARGV[5])
else
  redis.call('HDEL', KEYS[7], ARGV[1])
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == ARGV[1] then
  redis.call('PUBLISH', ARGV[4], due)
end
return due
)lua"));

// ARGV: max, visibility ms. Items whose visibility deadline passed go back to the queue (scored
// by that deadline, so they are due at once), then up to max due items move to processing.
// Returns {now, {{id, payload, attempts, due, token, traceparent or ''}...}, next due or -1,
// next deadline or -1}.
const RedisScript claimScript(QByteArrayLiteral(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, max)
for i = 1, #expired, 2 do
  redis.call('ZREM', KEYS[2], expired[i])
  redis.call('ZADD', KEYS[1], expired[i + 1], expired[i])
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, max)
local out = {}
if #due > 0 then
  local deadline = now + tonumber(ARGV[2])
  local token = redis.call('INCR', KEYS[6])
  for i = 1, #due, 2 do
    local id = due[i]
    redis.call('ZREM', KEYS[1], id)
    local payload = redis.call('HGET', KEYS[3], id)
    if payload then
      redis.call('ZADD', KEYS[2], deadline, id)
      local attempts = redis.call('HINCRBY', KEYS[4], id, 1)
      redis.call('HSET', KEYS[5], id, token)
      local trace = redis.call('HGET', KEYS[7], id) or ''
      out[#out + 1] = {id, payload, attempts, due[i + 1], token, trace}
    end
  end
end
local q = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local p = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {now, out, q[2] or '-1', p[2] or '-1'}
)lua"));

// ARGV: id, claim token. Only the current claim may remove the item.
const RedisScript ackScript(QByteArrayLiteral(R"lua(
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
return 1
)lua"));

// ARGV: id.
const RedisScript cancelScript(QByteArrayLiteral(R"lua(
local n = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
return n
)lua"));

// ARGV: id, notify channel.
const RedisScript fireNowScript(QByteArrayLiteral(R"lua(
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PUBLISH', ARGV[2], now)
return 1
)lua"));

QList<DelayedItem> parseClaimed(const RedisReply &list)
{
    QList<DelayedItem> items;
    items.reserve(list.size());
    for (const RedisReply &e : list.elements()) {
        items.append({e.at(0).toByteArray(), e.at(1).toByteArray(), e.at(2).toInteger(),
                      e.at(3).toInteger(), e.at(4).toInteger(), e.at(5).toByteArray()});
    }
    return items;
}

} // namespace

DelayedQueue::DelayedQueue(RedisPool &pool, QByteArray queueKey)
    : m_pool(pool)
    , m_key(std::move(queueKey))
    , m_processingKey(m_key + ":processing")
    , m_payloadKey(m_key + ":payload")
    , m_attemptsKey(m_key + ":attempts")
    , m_claimKey(m_key + ":claim")
    , m_claimSeqKey(m_key + ":claim-seq")
    , m_traceKey(m_key + ":trace")
{ }

QList<QByteArray> DelayedQueue::keys() const
{
    return {m_key,      m_processingKey, m_payloadKey, m_attemptsKey,
            m_claimKey, m_claimSeqKey,   m_traceKey};
}

qint64 DelayedQueue::schedule(const QByteArray &id, const QByteArray &payload, milliseconds delay)
{
    // The worker's process span continues from here: the item carries this span's context.
    Span span(QString::fromUtf8(m_key) + QStringLiteral(" publish"), SpanKind::Producer);
    if (span.isRecording()) {
        span.setAttributes({
            {QStringLiteral("messaging.system"), QStringLiteral("redis")},
            {QStringLiteral("messaging.destination.name"), QString::fromUtf8(m_key)},
            {QStringLiteral("messaging.operation"), QStringLiteral("publish")},
            {QStringLiteral("messaging.message.id"), QString::fromUtf8(id)},
        });
    }
    try {
        // Applying a schedule twice leaves the same item (due a moment later): safe to retry.
        const RedisReply reply =
            m_pool.evalSha(scheduleScript, keys(),
                           {id, payload, QByteArray::number(std::max<qint64>(delay.count(), 0)),
                            notifyChannel(), span.context().toTraceparent()},
                           Idempotent::Yes);
        reply.throwIfError("delayed queue schedule");
        return reply.toInteger();
    } catch (const Error &e) {
        span.setError(e.detail());
        throw;
    }
}

bool DelayedQueue::cancel(const QByteArray &id)
{
    const RedisReply reply = m_pool.evalSha(cancelScript, keys(), {id}, Idempotent::Yes);
    reply.throwIfError("delayed queue cancel");
    return reply.toInteger() > 0;
}

QList<DelayedItem> DelayedQueue::claim(int max, milliseconds visibility)
{
    return claimWithTiming(max, visibility, nullptr);
}

QList<DelayedItem> DelayedQueue::claimWithTiming(int max, milliseconds visibility, Timing *timing)
{
    // Not retried: a lost reply's items are invisible until their deadline, then delivered again.
    const RedisReply reply = m_pool.evalSha(
        claimScript, keys(),
        {QByteArray::number(std::max(max, 1)), QByteArray::number(visibility.count())});
    reply.throwIfError("delayed queue claim");
    if (timing) {
        timing->redisNowMs = reply.at(0).toInteger();
        timing->nextDueMs = reply.at(2).toInteger();
        timing->nextDeadlineMs = reply.at(3).toInteger();
    }
    return parseClaimed(reply.at(1));
}

bool DelayedQueue::ack(const DelayedItem &item)
{
    const RedisReply reply = m_pool.evalSha(
        ackScript, keys(), {item.id, QByteArray::number(item.claimToken)}, Idempotent::Yes);
    reply.throwIfError("delayed queue ack");
    return reply.toInteger() == 1;
}

bool DelayedQueue::fireNow(const QByteArray &id)
{
    const RedisReply reply =
        m_pool.evalSha(fireNowScript, keys(), {id, notifyChannel()}, Idempotent::Yes);
    reply.throwIfError("delayed queue fire-now");
    return reply.toInteger() == 1;
}

QList<DelayedItemInfo> DelayedQueue::items(int limit)
{
    limit = std::max(limit, 1);
    const QByteArray last = QByteArray::number(limit - 1);
    const QList<RedisReply> ranges = m_pool.pipeline(
        {{QByteArrayLiteral("ZRANGE"), m_processingKey, "0", last, QByteArrayLiteral("WITHSCORES")},
         {QByteArrayLiteral("ZRANGE"), m_key, "0", last, QByteArrayLiteral("WITHSCORES")}},
        Idempotent::Yes);
    QList<DelayedItemInfo> out;
    for (int set = 0; set < 2; ++set) {
        const RedisReply &range = ranges.at(set).throwIfError("delayed queue items");
        for (qsizetype i = 0; i + 1 < range.size() && out.size() < limit; i += 2) {
            DelayedItemInfo info;
            info.id = range.at(i).toByteArray();
            info.timeMs = range.at(i + 1).toInteger();
            info.state =
                set == 0 ? DelayedItemInfo::State::Processing : DelayedItemInfo::State::Scheduled;
            out.append(info);
        }
    }
    if (out.isEmpty())
        return out;
    QList<QByteArray> payloads {QByteArrayLiteral("HMGET"), m_payloadKey};
    QList<QByteArray> attempts {QByteArrayLiteral("HMGET"), m_attemptsKey};
    QList<QByteArray> traces {QByteArrayLiteral("HMGET"), m_traceKey};
    for (const DelayedItemInfo &info : out) {
        payloads << info.id;
        attempts << info.id;
        traces << info.id;
    }
    const QList<RedisReply> details =
        m_pool.pipeline({payloads, attempts, traces}, Idempotent::Yes);
    for (const RedisReply &detail : details)
        detail.throwIfError("delayed queue items");
    for (qsizetype i = 0; i < out.size(); ++i) {
        out[i].payload = details.at(0).at(i).toByteArray();
        out[i].attempts = details.at(1).at(i).toInteger();
        out[i].traceparent = details.at(2).at(i).toByteArray();
    }
    return out;
}

qint64 DelayedQueue::scheduledCount()
{
    return m_pool.command({QByteArrayLiteral("ZCARD"), m_key}, Idempotent::Yes)
        .throwIfError("ZCARD")
        .toInteger();
}

qint64 DelayedQueue::processingCount()
{
    return m_pool.command({QByteArrayLiteral("ZCARD"), m_processingKey}, Idempotent::Yes)
        .throwIfError("ZCARD")
        .toInteger();
}

// ---------------------------------------------------------------------------------------------

DelayedQueueWorker::DelayedQueueWorker(RedisPool &pool, QByteArray queueKey, Handler handler,
                                       DelayedQueueWorkerOptions options)
    : m_queue(pool, std::move(queueKey))
    , m_handler(std::move(handler))
    , m_options(options)
{
    RedisOptions subscriberOptions = pool.options();
    if (!subscriberOptions.clientName.isEmpty())
        subscriberOptions.clientName += "-queuesub";
    m_subscriber = std::make_unique<RedisSubscriber>(
        subscriberOptions, QList<QByteArray> {m_queue.notifyChannel()}, QList<QByteArray> {},
        [this](const QByteArray &, const QByteArray &) { wake(); },
        // Announcements made while the subscription was down were missed: look again.
        [this] { wake(); });
}

DelayedQueueWorker::~DelayedQueueWorker()
{
    stop();
}

void DelayedQueueWorker::start()
{
    if (m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = false;
    }
    m_subscriber->start();
    m_thread = std::thread([this] { run(); });
}

void DelayedQueueWorker::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    m_subscriber->stop();
}

bool DelayedQueueWorker::waitSubscribed(int timeoutMs) const
{
    return m_subscriber->waitSubscribed(timeoutMs);
}

void DelayedQueueWorker::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_wakeRequested = true;
    }
    m_cv.notify_all();
}

void DelayedQueueWorker::process(const DelayedItem &item)
{
    // Absent (scheduled before traces were stored) or malformed: a new root.
    const std::optional<SpanContext> parent = SpanContext::fromTraceparent(item.traceparent);
    ScopedSpan span(QString::fromUtf8(m_queue.key()) + QStringLiteral(" process"),
                    SpanKind::Consumer, parent.value_or(SpanContext {}));
    if (span.span().isRecording()) {
        span.span().setAttributes({
            {QStringLiteral("messaging.system"), QStringLiteral("redis")},
            {QStringLiteral("messaging.destination.name"), QString::fromUtf8(m_queue.key())},
            {QStringLiteral("messaging.operation"), QStringLiteral("process")},
            {QStringLiteral("messaging.message.id"), QString::fromUtf8(item.id)},
            {QStringLiteral("messaging.redis.attempts"), item.attempts},
        });
    }
    bool ok = false;
    try {
        ok = m_handler(item);
        if (!ok)
            span.setError(QStringLiteral("handler failed"));
    } catch (const std::exception &e) {
        span.setError(QString::fromUtf8(e.what()));
        qCWarning(lcRedis).noquote()
            << "delayed queue" << QString::fromUtf8(m_queue.key()) << ": handler of"
            << QString::fromUtf8(item.id) << "threw:" << QString::fromUtf8(e.what());
    }
    if (ok) {
        m_queue.ack(item);
        ++m_handled;
    } else {
        ++m_failed;
    }
}

void DelayedQueueWorker::run()
{
    int backoffMs = 0;
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop)
                break;
            // Cleared before claiming: an announcement that arrives while this round runs makes
            // the wait below return at once instead of being lost.
            m_wakeRequested = false;
        }
        const auto roundStart = steady_clock::now();
        auto wakeAt = roundStart + m_options.maxSleep;
        try {
            DelayedQueue::Timing timing;
            const QList<DelayedItem> items =
                m_queue.claimWithTiming(m_options.batchSize, m_options.visibility, &timing);
            ++m_rounds;
            for (const DelayedItem &item : items) {
                {
                    std::lock_guard lock(m_mutex);
                    if (m_stop)
                        break; // the rest is delivered again after the visibility deadline
                }
                process(item);
            }
            backoffMs = 0;
            if (items.size() >= m_options.batchSize)
                continue; // more may be due
            qint64 next = -1;
            for (const qint64 t : {timing.nextDueMs, timing.nextDeadlineMs}) {
                if (t >= 0 && (next < 0 || t < next))
                    next = t;
            }
            if (next >= 0) {
                const auto sleep =
                    std::clamp(milliseconds(next - timing.redisNowMs), milliseconds::zero(),
                               std::chrono::duration_cast<milliseconds>(m_options.maxSleep));
                wakeAt = roundStart + sleep;
            }
        } catch (const Error &e) {
            backoffMs = std::clamp(backoffMs * 2, 50, 2000);
            qCWarning(lcRedis).noquote()
                << "delayed queue" << QString::fromUtf8(m_queue.key()) << ":" << e.detail()
                << "- retrying in" << backoffMs << "ms";
            wakeAt = steady_clock::now() + milliseconds(backoffMs);
        }
        std::unique_lock lock(m_mutex);
        m_cv.wait_until(lock, wakeAt, [this] { return m_stop || m_wakeRequested; });
    }
}

} // namespace pomelo
