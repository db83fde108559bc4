#pragma once

// What the admin API shows of Redis: the order events stream with its groups and dead letters, the
// delayed queues (operations routes and the dashboard).

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace pomelo {

class DelayedQueue;
class RedisKeys;
class RedisPool;

namespace admin {

/// XINFO STREAM and GROUPS of @p stream (with each group's consumers when @p consumers):
/// `{stream, length, lastGeneratedId?, groups: [{name, consumers, pending, lastDeliveredId,
/// entriesRead, lag, consumerList?}]}`. A stream never written to has length 0 and no groups.
QJsonObject streamInfoJson(RedisPool &redis, const QByteArray &stream, bool consumers);
/// The newest @p count entries of @p stream, newest first: `[{id, fields}]`.
QJsonArray lastEntries(RedisPool &redis, const QByteArray &stream, int count);
/// StreamConsumer's dead letters: entries delivered too often to a group.
QByteArray deadLetterStream(const QByteArray &stream);
qint64 streamLength(RedisPool &redis, const QByteArray &stream);

struct QueueRef
{
    QString name; ///< "order-timeout", "booking-expiry"
    QByteArray key;
};

QList<QueueRef> queues(const RedisKeys &keys);

} // namespace admin
} // namespace pomelo
