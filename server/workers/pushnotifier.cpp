#include "pushnotifier.h"

#include "domain/snowflake.h"
#include "outboxrelay.h"
#include "redis/rediskeys.h"
#include "telemetry/logging.h"
#include "workerkeys.h"

#include <QDateTime>
#include <QJsonDocument>

namespace pomelo {

namespace {

// KEYS[1] dedupe marker, KEYS[2] inbox; ARGV: message JSON, marker ttl, capacity.
const RedisScript &pushScript()
{
    static const RedisScript script(QByteArrayLiteral(R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return 1
)lua"));
    return script;
}

QString yuan(qint64 cents)
{
    return QStringLiteral("%1.%2").arg(cents / 100).arg(cents % 100, 2, 10, QLatin1Char('0'));
}

} // namespace

PushNotifier::PushNotifier(RedisPool &redis, const RedisKeys &keys, const QByteArray &consumerName,
                           QTimeZone zone)
    : m_redis(redis)
    , m_keys(keys)
    , m_zone(std::move(zone))
{
    StreamConsumerOptions options;
    options.stream = keys.orderEventsStream();
    options.group = RedisKeys::pushNotifierGroup();
    options.consumer = consumerName;
    options.spanAttributeFields = streamfields::spanAttributes();
    m_consumer = std::make_unique<StreamConsumer>(
        redis.options(), options, [this](const StreamEntry &e) { return handle(e); });
}

PushNotifier::~PushNotifier()
{
    stop();
}

void PushNotifier::start()
{
    m_consumer->start();
}

void PushNotifier::stop()
{
    m_consumer->stop();
}

std::optional<UserMessage> PushNotifier::messageFor(const QString &status,
                                                    const QString &outTradeNo, qint64 amount)
{
    if (status == QLatin1String("PAID"))
        return UserMessage {QStringLiteral("支付成功"),
                            QStringLiteral("订单 %1 已支付 %2 元").arg(outTradeNo, yuan(amount))};
    if (status == QLatin1String("CLOSED"))
        return UserMessage {QStringLiteral("订单已关闭"),
                            QStringLiteral("订单 %1 未在时限内支付，已关闭").arg(outTradeNo)};
    if (status == QLatin1String("FAILED"))
        return UserMessage {QStringLiteral("支付失败"),
                            QStringLiteral("订单 %1 支付失败，请重新预订").arg(outTradeNo)};
    return std::nullopt;
}

bool PushNotifier::handle(const StreamEntry &entry)
{
    bool okEvent = false;
    const qint64 eventId = entry.value(streamfields::EventId).toLongLong(&okEvent);
    const QString openId = QString::fromUtf8(entry.value(streamfields::OpenId));
    if (!okEvent || openId.isEmpty())
        return true; // nobody to tell
    const std::optional<UserMessage> message =
        messageFor(QString::fromUtf8(entry.value(streamfields::Status)),
                   QString::fromUtf8(entry.value(streamfields::OutTradeNo)),
                   entry.value(streamfields::Amount).toLongLong());
    if (!message)
        return true;
    const qint64 at = entry.value(streamfields::At).toLongLong();
    const QJsonObject json {
        {QStringLiteral("title"), message->title},
        {QStringLiteral("body"), message->body},
        {QStringLiteral("orderId"), QString::fromUtf8(entry.value(streamfields::OrderId))},
        {QStringLiteral("status"), QString::fromUtf8(entry.value(streamfields::Status))},
        {QStringLiteral("eventId"), QString::number(eventId)},
        {QStringLiteral("at"),
         QDateTime::fromMSecsSinceEpoch(at ? at : QDateTime::currentMSecsSinceEpoch(), m_zone)
             .toString(Qt::ISODate)},
    };
    m_redis
        .evalSha(pushScript(), {workerkeys::pushDedupe(m_keys, eventId), m_keys.inbox(openId)},
                 {QJsonDocument(json).toJson(QJsonDocument::Compact),
                  QByteArray::number(DedupeSeconds), QByteArray::number(workerkeys::InboxCapacity)},
                 Idempotent::Yes) // the marker makes a resent script a no-op
        .throwIfError("push notifier");
    return true;
}

bool PushNotifier::deliver(RedisPool &redis, const RedisKeys &keys, const QString &openId,
                           const QByteArray &dedupeKey, const QJsonObject &message)
{
    const RedisReply r = redis.evalSha(
        pushScript(),
        {keys.key(QByteArrayLiteral("pomelo:push-dedupe:") + dedupeKey), keys.inbox(openId)},
        {QJsonDocument(message).toJson(QJsonDocument::Compact), QByteArray::number(DedupeSeconds),
         QByteArray::number(workerkeys::InboxCapacity)},
        Idempotent::Yes);
    r.throwIfError("push");
    return r.toInteger() == 1;
}

QList<QJsonObject> PushNotifier::inbox(RedisPool &redis, const RedisKeys &keys,
                                       const QString &openId)
{
    const RedisReply reply = redis.command(
        {"LRANGE", keys.inbox(openId), "0", QByteArray::number(workerkeys::InboxCapacity - 1)},
        Idempotent::Yes);
    reply.throwIfError("inbox read");
    QList<QJsonObject> messages;
    for (const RedisReply &item : reply.elements())
        messages.append(QJsonDocument::fromJson(item.toByteArray()).object());
    return messages;
}

} // namespace pomelo
