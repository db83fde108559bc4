#pragma once

#include "redis/rediskeys.h"

#include <QByteArray>
#include <QString>

namespace pomelo::workerkeys {

/// `pomelo:order-status:{orderId}`: hash {status, eventId, updatedAt, orderId} kept by the
/// status-tracker group (never moved backwards: compare on eventId).
inline QByteArray orderStatus(const RedisKeys &keys, qint64 orderId)
{
    return keys.key(QByteArrayLiteral("pomelo:order-status:") + QByteArray::number(orderId));
}

/// `pomelo:push-dedupe:{eventId}`: set once per handled event by the push-notifier group.
inline QByteArray pushDedupe(const RedisKeys &keys, qint64 eventId)
{
    return keys.key(QByteArrayLiteral("pomelo:push-dedupe:") + QByteArray::number(eventId));
}

inline constexpr int InboxCapacity = 100;

} // namespace pomelo::workerkeys
