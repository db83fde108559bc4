#pragma once

#include "redis/redisstream.h"

#include <QJsonObject>
#include <QTimeZone>

#include <memory>
#include <optional>

namespace pomelo {

class RedisKeys;

/// A message for the user's inbox: {title, body, orderId, at} (+ status, eventId).
struct UserMessage
{
    QString title;
    QString body;
};

/// DESIGN.md step 11, group `push-notifier`: turns order events into user messages ("支付成功",
/// "订单已关闭", "支付失败") in the per-user inbox list `pomelo:inbox:{openId}` (LPUSH, kept at
/// the newest 100) that GET /api/v1/me/messages returns. Idempotent: one message per event id
/// (SET NX of a marker in the same Lua script as the push), however often an entry is delivered.
class PushNotifier
{
public:
    PushNotifier(RedisPool &redis, const RedisKeys &keys, const QByteArray &consumerName,
                 QTimeZone zone = QTimeZone::systemTimeZone());
    ~PushNotifier();

    void start();
    void stop();
    StreamConsumer &consumer() { return *m_consumer; }

    /// Handles one stream entry on the calling thread's connection; true when done (also when
    /// the event concerns no user).
    bool handle(const StreamEntry &entry);

    /// The message for an order reaching @p status, if the user is told about it.
    static std::optional<UserMessage> messageFor(const QString &status, const QString &outTradeNo,
                                                 qint64 amount);
    /// Puts @p message into @p openId's inbox once per @p dedupeKey (a name unique to the
    /// occasion, e.g. "booking-reminder:<id>"); false when it was already delivered.
    static bool deliver(RedisPool &redis, const RedisKeys &keys, const QString &openId,
                        const QByteArray &dedupeKey, const QJsonObject &message);
    /// The user's inbox, newest first.
    static QList<QJsonObject> inbox(RedisPool &redis, const RedisKeys &keys, const QString &openId);

    /// How long the per-event marker lives (longer than any redelivery).
    static constexpr int DedupeSeconds = 7 * 24 * 3600;

private:
    RedisPool &m_redis;
    const RedisKeys &m_keys;
    const QTimeZone m_zone;
    std::unique_ptr<StreamConsumer> m_consumer;
};

} // namespace pomelo
