#include "redisstream.h"

#include "domain/errors.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

#include <QHash>

#include <algorithm>
#include <limits>
#include <vector>

namespace pomelo {

QByteArray StreamEntry::value(const QByteArray &field) const
{
    for (const auto &[name, v] : fields) {
        if (name == field)
            return v;
    }
    return {};
}

// ---------------------------------------------------------------------------------------------

StreamPublisher::StreamPublisher(RedisPool &pool, QByteArray stream, qint64 maxLen,
                                 bool approximateTrim)
    : m_pool(pool)
    , m_stream(std::move(stream))
    , m_maxLen(maxLen)
    , m_approximate(approximateTrim)
{ }

QList<QByteArray> StreamPublisher::xadd(const StreamFields &fields) const
{
    QList<QByteArray> args {QByteArrayLiteral("XADD"), m_stream};
    if (m_maxLen > 0) {
        args << QByteArrayLiteral("MAXLEN");
        if (m_approximate)
            args << QByteArrayLiteral("~");
        args << QByteArray::number(m_maxLen);
    }
    args << QByteArrayLiteral("*");
    for (const auto &[name, value] : fields)
        args << name << value;
    return args;
}

Span StreamPublisher::startPublishSpan(StreamFields &fields, const QVariantMap &attributes) const
{
    qsizetype at = -1;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (fields.at(i).first == StreamTraceparentField) {
            at = i;
            break;
        }
    }
    const std::optional<SpanContext> own =
        at >= 0 ? SpanContext::fromTraceparent(fields.at(at).second) : std::nullopt;
    Span span(QString::fromUtf8(m_stream) + QStringLiteral(" publish"), SpanKind::Producer,
              own.value_or(currentSpanContext()));
    // The consumers continue from the publish, not from whatever came before it.
    const QByteArray traceparent = span.context().toTraceparent();
    if (at >= 0)
        fields[at].second = traceparent;
    else
        fields.append({QByteArray(StreamTraceparentField), traceparent});
    if (span.isRecording()) {
        span.setAttribute(QStringLiteral("messaging.system"), QStringLiteral("redis"));
        span.setAttribute(QStringLiteral("messaging.destination.name"),
                          QString::fromUtf8(m_stream));
        span.setAttribute(QStringLiteral("messaging.operation"), QStringLiteral("publish"));
        span.setAttributes(attributes);
    }
    return span;
}

QByteArray StreamPublisher::publish(const StreamFields &fields, const QVariantMap &spanAttributes)
{
    return publishBatch({fields}, {spanAttributes}).value(0);
}

QList<QByteArray> StreamPublisher::publishBatch(const QList<StreamFields> &entries,
                                                const QList<QVariantMap> &spanAttributes)
{
    if (entries.isEmpty())
        return {};
    std::vector<Span> spans;
    spans.reserve(size_t(entries.size()));
    QList<QList<QByteArray>> commands;
    commands.reserve(entries.size());
    for (qsizetype i = 0; i < entries.size(); ++i) {
        StreamFields fields = entries.at(i);
        spans.push_back(startPublishSpan(fields, spanAttributes.value(i)));
        commands.append(xadd(fields));
    }
    QList<QByteArray> ids;
    ids.reserve(entries.size());
    try {
        const QList<RedisReply> replies = commands.size() == 1
            ? QList<RedisReply> {m_pool.command(commands.first())}
            : m_pool.pipeline(commands);
        for (const RedisReply &reply : replies) {
            Span &span = spans.at(size_t(ids.size()));
            reply.throwIfError("XADD");
            ids.append(reply.toByteArray());
            if (span.isRecording())
                span.setAttribute(QStringLiteral("messaging.message.id"),
                                  QString::fromUtf8(ids.last()));
            span.end();
        }
    } catch (const Error &e) {
        // The entries after the failing one are in doubt as well: not known to be published.
        for (size_t i = size_t(ids.size()); i < spans.size(); ++i)
            spans.at(i).setError(e.detail());
        throw;
    }
    return ids;
}

// ---------------------------------------------------------------------------------------------

namespace {

prometheus::Counter &streamCounter(const char *name, const char *help, const QByteArray &stream,
                                   const QByteArray &group)
{
    return Metrics::instance()
        .counterFamily(name, help)
        .Add({{"stream", stream.toStdString()}, {"group", group.toStdString()}});
}

// KEYS: stream, our heartbeat key. ARGV: group, our consumer name, idle ms, heartbeat key prefix,
// heartbeat ms. Marks us alive, then removes the group's consumers that are idle longer than that,
// have no pending entries and no heartbeat, but us; returns their names.
//
// The heartbeat is needed because Redis 7.0 (Debian 12's) does not count a blocking read that
// found nothing as activity: XINFO's `idle` of a live consumer of a quiet stream grows without
// bound. One script, so that no consumer can read an entry between the look at its pending count
// and its removal (DELCONSUMER drops the pending entries of the consumer it removes: they would
// never be delivered again).
const RedisScript removeDeadConsumersScript(QByteArrayLiteral(R"lua(
redis.call('set', KEYS[2], '1', 'PX', ARGV[5])
local removed = {}
local minIdle = tonumber(ARGV[3])
for _, c in ipairs(redis.call('xinfo', 'consumers', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do
    info[c[i]] = c[i + 1]
  end
  local name = info['name']
  if name ~= ARGV[2] and info['pending'] == 0 and info['idle'] > minIdle
      and redis.call('exists', ARGV[4] .. name) == 0 then
    redis.call('xgroup', 'delconsumer', KEYS[1], ARGV[1], name)
    removed[#removed + 1] = name
  end
end
return removed
)lua"));

RedisOptions consumerConnectionOptions(RedisOptions options, int blockMs)
{
    // The socket timeout must outlast the BLOCK time, or every idle read would "time out".
    options.commandTimeoutMs += blockMs;
    return options;
}

} // namespace

StreamConsumer::StreamConsumer(RedisOptions redis, StreamConsumerOptions options, Handler handler)
    : m_connection(consumerConnectionOptions(std::move(redis), options.blockMs))
    , m_options(std::move(options))
    , m_handler(std::move(handler))
{
    if (m_options.deadLetterStream.isEmpty())
        m_options.deadLetterStream = m_options.stream + ":dead";
    m_options.batchSize = std::max(m_options.batchSize, 1);
    if (m_options.deadConsumerIdleMs <= 0)
        m_options.deadConsumerIdleMs = int(std::min<qint64>(
            qint64(m_options.minIdleMs) * DeadConsumerIdleFactor, std::numeric_limits<int>::max()));
    // Both counters of the group show in /metrics at 0 from the start (the alerts increase() them).
    streamCounter("pomelo_stream_claimed_total",
                  "Stream entries claimed from idle consumers (XAUTOCLAIM)", m_options.stream,
                  m_options.group);
    streamCounter("pomelo_stream_dead_letters_total",
                  "Stream entries moved to the dead-letter stream after too many deliveries",
                  m_options.stream, m_options.group);
}

StreamConsumer::~StreamConsumer()
{
    stop();
}

void StreamConsumer::setDeadLetterObserver(std::function<void(const StreamEntry &)> observer)
{
    m_deadLetterObserver = std::move(observer);
}

void StreamConsumer::start()
{
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void StreamConsumer::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        // Only a blocked read is interrupted: breaking the connection under an XACK would just
        // cause a redelivery, but there is no need to.
        if (m_blocking)
            m_connection.interrupt();
    }
    m_cv.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    m_ready = false;
}

bool StreamConsumer::waitReady(int timeoutMs) const
{
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                         [this] { return m_ready.load(); });
}

bool StreamConsumer::sleepFor(int ms)
{
    std::unique_lock lock(m_mutex);
    return !m_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stop.load(); });
}

void StreamConsumer::ensureGroup(RedisConnection &connection, const QByteArray &stream,
                                 const QByteArray &group, const QByteArray &startId)
{
    const RedisReply reply =
        connection.command({QByteArrayLiteral("XGROUP"), QByteArrayLiteral("CREATE"), stream, group,
                            startId, QByteArrayLiteral("MKSTREAM")},
                           Idempotent::Yes);
    if (reply.isError() && reply.toByteArray().startsWith("BUSYGROUP"))
        return;
    reply.throwIfError("XGROUP CREATE");
}

QList<StreamEntry> StreamConsumer::parseEntries(const RedisReply &list)
{
    QList<StreamEntry> entries;
    entries.reserve(list.size());
    for (const RedisReply &item : list.elements()) {
        StreamEntry entry;
        entry.id = item.at(0).toByteArray();
        const auto &kv = item.at(1).elements();
        for (qsizetype i = 0; i + 1 < kv.size(); i += 2)
            entry.fields.append({kv.at(i).toByteArray(), kv.at(i + 1).toByteArray()});
        entries.append(std::move(entry));
    }
    return entries;
}

void StreamConsumer::run()
{
    using Clock = std::chrono::steady_clock;
    auto nextClaim = Clock::now();
    int backoffMs = 0;
    while (!m_stop) {
        try {
            if (!m_ready) {
                ensureGroup(m_connection, m_options.stream, m_options.group,
                            m_options.groupStartId);
                // Also after a reconnect: a read whose reply was lost left entries in our
                // pending list that nobody else would look at before minIdle.
                drainOwnPending();
                {
                    std::lock_guard lock(m_mutex);
                    m_ready = true;
                }
                m_cv.notify_all();
            }
            if (Clock::now() >= nextClaim) {
                claimIdle();
                nextClaim = Clock::now() + std::chrono::milliseconds(m_options.claimIntervalMs);
            }
            readNew();
            backoffMs = 0;
        } catch (const Error &e) {
            m_ready = false;
            if (m_stop)
                break;
            backoffMs = std::clamp(backoffMs * 2, 50, 2000);
            qCWarning(lcRedis).noquote() << "stream consumer" << QString::fromUtf8(m_options.group)
                                         << '/' << QString::fromUtf8(m_options.consumer) << ':'
                                         << e.detail() << "- retrying in" << backoffMs << "ms";
            sleepFor(backoffMs);
        }
    }
    m_connection.close();
}

void StreamConsumer::drainOwnPending()
{
    QByteArray after = "0";
    while (!m_stop) {
        const RedisReply reply =
            m_connection.command({QByteArrayLiteral("XREADGROUP"), QByteArrayLiteral("GROUP"),
                                  m_options.group, m_options.consumer, QByteArrayLiteral("COUNT"),
                                  QByteArray::number(m_options.batchSize),
                                  QByteArrayLiteral("STREAMS"), m_options.stream, after});
        reply.throwIfError("XREADGROUP (pending)");
        QList<StreamEntry> entries = parseEntries(reply.at(0).at(1));
        if (entries.isEmpty())
            return;
        after = entries.last().id;
        process(std::move(entries), true);
    }
}

void StreamConsumer::claimIdle()
{
    QByteArray cursor = "0-0";
    // Bounded per round so that new entries are not starved by a large backlog of old ones.
    for (int round = 0; round < 10 && !m_stop; ++round) {
        const RedisReply reply = m_connection.command(
            {QByteArrayLiteral("XAUTOCLAIM"), m_options.stream, m_options.group, m_options.consumer,
             QByteArray::number(m_options.minIdleMs), cursor, QByteArrayLiteral("COUNT"),
             QByteArray::number(m_options.batchSize)});
        reply.throwIfError("XAUTOCLAIM");
        cursor = reply.at(0).toByteArray();
        QList<StreamEntry> entries = parseEntries(reply.at(1));
        if (!entries.isEmpty()) {
            m_claimed += static_cast<quint64>(entries.size());
            streamCounter("pomelo_stream_claimed_total",
                          "Stream entries claimed from idle consumers (XAUTOCLAIM)",
                          m_options.stream, m_options.group)
                .Increment(static_cast<double>(entries.size()));
            qCInfo(lcRedis).noquote() << "stream" << QString::fromUtf8(m_options.stream) << "group"
                                      << QString::fromUtf8(m_options.group) << ": claimed"
                                      << entries.size() << "idle entries";
            process(std::move(entries), true);
        }
        if (cursor == "0-0" || cursor.isEmpty())
            break;
    }
    // After the claim: a dead consumer's entries idle long enough are ours now, so it is empty.
    removeDeadConsumers();
}

void StreamConsumer::removeDeadConsumers()
{
    if (m_stop)
        return;
    // Refreshed at every claim round, which comes at least every claimIntervalMs + blockMs.
    const qint64 heartbeatMs = std::max<qint64>(
        m_options.deadConsumerIdleMs, 3 * (qint64(m_options.claimIntervalMs) + m_options.blockMs));
    const QByteArray prefix = m_options.stream + ":alive:" + m_options.group + ':';
    const RedisReply reply = m_connection.evalSha(
        removeDeadConsumersScript, {m_options.stream, prefix + m_options.consumer},
        {m_options.group, m_options.consumer, QByteArray::number(m_options.deadConsumerIdleMs),
         prefix, QByteArray::number(heartbeatMs)},
        Idempotent::Yes);
    reply.throwIfError("remove dead consumers");
    const auto &removed = reply.elements();
    if (removed.isEmpty())
        return;
    m_removedConsumers += static_cast<quint64>(removed.size());
    streamCounter(
        "pomelo_stream_consumers_removed_total",
        "Idle consumers without pending entries removed from a group (XGROUP DELCONSUMER)",
        m_options.stream, m_options.group)
        .Increment(static_cast<double>(removed.size()));
    QStringList names;
    for (const RedisReply &name : removed)
        names << QString::fromUtf8(name.toByteArray());
    qCInfo(lcRedis).noquote() << "stream" << QString::fromUtf8(m_options.stream) << "group"
                              << QString::fromUtf8(m_options.group)
                              << ": removed consumers idle for over" << m_options.deadConsumerIdleMs
                              << "ms with nothing pending:" << names.join(QStringLiteral(", "));
}

void StreamConsumer::readNew()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stop)
            return;
        m_blocking = true;
    }
    RedisReply reply;
    try {
        reply = m_connection.command(
            {QByteArrayLiteral("XREADGROUP"), QByteArrayLiteral("GROUP"), m_options.group,
             m_options.consumer, QByteArrayLiteral("COUNT"),
             QByteArray::number(m_options.batchSize), QByteArrayLiteral("BLOCK"),
             QByteArray::number(m_options.blockMs), QByteArrayLiteral("STREAMS"), m_options.stream,
             QByteArrayLiteral(">")});
    } catch (...) {
        std::lock_guard lock(m_mutex);
        m_blocking = false;
        throw;
    }
    {
        std::lock_guard lock(m_mutex);
        m_blocking = false;
    }
    if (reply.isError() && reply.toByteArray().startsWith("NOGROUP")) {
        // The stream or group vanished (FLUSHALL, a Redis restarted without persistence).
        m_ready = false;
        return;
    }
    reply.throwIfError("XREADGROUP");
    if (reply.isNil())
        return;
    process(parseEntries(reply.at(0).at(1)), false);
}

void StreamConsumer::process(QList<StreamEntry> entries, bool checkDeliveries)
{
    if (entries.isEmpty())
        return;
    QHash<QByteArray, qint64> deliveries;
    if (checkDeliveries) {
        const RedisReply pending = m_connection.command(
            {QByteArrayLiteral("XPENDING"), m_options.stream, m_options.group, entries.first().id,
             entries.last().id, QByteArray::number(entries.size() * 4 + 100), m_options.consumer},
            Idempotent::Yes);
        pending.throwIfError("XPENDING");
        for (const RedisReply &p : pending.elements())
            deliveries.insert(p.at(0).toByteArray(), p.at(3).toInteger());
    }
    for (StreamEntry &entry : entries) {
        if (m_stop)
            return; // still pending: delivered again later
        if (entry.fields.isEmpty()) {
            ack(entry.id); // deleted (trimmed) while pending: nothing left to handle
            continue;
        }
        entry.deliveries = deliveries.value(entry.id, 1);
        processEntry(entry);
    }
}

void StreamConsumer::processEntry(const StreamEntry &entry)
{
    // Absent or malformed: a new root (the entry is handled all the same).
    const std::optional<SpanContext> parent =
        SpanContext::fromTraceparent(entry.value(StreamTraceparentField));
    Span receive(QString::fromUtf8(m_options.stream) + QStringLiteral(" receive"),
                 SpanKind::Consumer, parent.value_or(SpanContext {}));
    if (receive.isRecording()) {
        receive.setAttributes({
            {QStringLiteral("messaging.system"), QStringLiteral("redis")},
            {QStringLiteral("messaging.destination.name"), QString::fromUtf8(m_options.stream)},
            {QStringLiteral("messaging.operation"), QStringLiteral("receive")},
            {QStringLiteral("messaging.message.id"), QString::fromUtf8(entry.id)},
            {QStringLiteral("messaging.consumer.group.name"), QString::fromUtf8(m_options.group)},
            {QStringLiteral("messaging.redis.delivery_count"), entry.deliveries},
        });
    }
    // The dead-letter log line and a failing XACK belong to this entry's trace too.
    const ContextScope scope(receive.context());
    try {
        if (entry.deliveries > m_options.maxDeliveries) {
            receive.addEvent(QStringLiteral("dead-lettered"));
            deadLetter(entry);
            return;
        }
        if (handle(entry, receive.context())) {
            ack(entry.id);
            ++m_handled;
        } else {
            ++m_failed; // stays pending; claimed again after minIdle
        }
    } catch (const Error &e) {
        receive.setError(e.detail());
        throw;
    }
}

bool StreamConsumer::handle(const StreamEntry &entry, const SpanContext &receive)
{
    ScopedSpan process(QString::fromUtf8(m_options.stream) + QStringLiteral(" process"),
                       SpanKind::Consumer, receive);
    if (process.span().isRecording()) {
        process.span().setAttributes({
            {QStringLiteral("messaging.system"), QStringLiteral("redis")},
            {QStringLiteral("messaging.destination.name"), QString::fromUtf8(m_options.stream)},
            {QStringLiteral("messaging.operation"), QStringLiteral("process")},
            {QStringLiteral("messaging.message.id"), QString::fromUtf8(entry.id)},
            {QStringLiteral("messaging.consumer.group.name"), QString::fromUtf8(m_options.group)},
        });
        for (const auto &[field, attribute] : m_options.spanAttributeFields) {
            const QByteArray value = entry.value(field);
            if (!value.isNull())
                process.setAttribute(attribute, QString::fromUtf8(value));
        }
    }
    try {
        if (m_handler(entry))
            return true;
        process.setError(QStringLiteral("handler failed"));
    } catch (const std::exception &e) {
        process.setError(QString::fromUtf8(e.what()));
        qCWarning(lcRedis).noquote()
            << "stream" << QString::fromUtf8(m_options.stream) << "group"
            << QString::fromUtf8(m_options.group) << ": handler of" << QString::fromUtf8(entry.id)
            << "threw:" << QString::fromUtf8(e.what());
    }
    return false;
}

void StreamConsumer::ack(const QByteArray &id)
{
    const RedisReply reply = m_connection.command(
        {QByteArrayLiteral("XACK"), m_options.stream, m_options.group, id}, Idempotent::Yes);
    reply.throwIfError("XACK");
}

void StreamConsumer::deadLetter(const StreamEntry &entry)
{
    QList<QByteArray> xadd {QByteArrayLiteral("XADD"),
                            m_options.deadLetterStream,
                            QByteArrayLiteral("MAXLEN"),
                            QByteArrayLiteral("~"),
                            QByteArray::number(m_options.deadLetterMaxLen),
                            QByteArrayLiteral("*")};
    for (const auto &[name, value] : entry.fields)
        xadd << name << value;
    xadd << QByteArrayLiteral("dead-origin-id") << entry.id << QByteArrayLiteral("dead-group")
         << m_options.group << QByteArrayLiteral("dead-consumer") << m_options.consumer
         << QByteArrayLiteral("dead-deliveries") << QByteArray::number(entry.deliveries);
    // One transaction: the copy and the ack happen together or not at all.
    const QList<RedisReply> replies = m_connection.pipeline(
        {{QByteArrayLiteral("MULTI")},
         xadd,
         {QByteArrayLiteral("XACK"), m_options.stream, m_options.group, entry.id},
         {QByteArrayLiteral("EXEC")}});
    for (const RedisReply &r : replies)
        r.throwIfError("dead-letter");
    const RedisReply &exec = replies.last();
    for (const RedisReply &r : exec.elements())
        r.throwIfError("dead-letter");
    ++m_deadLettered;
    streamCounter("pomelo_stream_dead_letters_total",
                  "Stream entries moved to the dead-letter stream after too many deliveries",
                  m_options.stream, m_options.group)
        .Increment();
    qCWarning(lcRedis).noquote() << "stream" << QString::fromUtf8(m_options.stream) << "group"
                                 << QString::fromUtf8(m_options.group) << ": entry"
                                 << QString::fromUtf8(entry.id) << "delivered" << entry.deliveries
                                 << "times, moved to"
                                 << QString::fromUtf8(m_options.deadLetterStream);
    if (m_deadLetterObserver)
        m_deadLetterObserver(entry);
}

} // namespace pomelo
