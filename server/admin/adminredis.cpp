#include "adminredis.h"

#include "redis/delayedqueue.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redisstream.h"

#include <QHash>

namespace pomelo::admin {

namespace {

/// A flat RESP2 map (XINFO's `name value name value …`) by name.
QHash<QByteArray, RedisReply> replyMap(const RedisReply &reply)
{
    QHash<QByteArray, RedisReply> map;
    for (qsizetype i = 0; i + 1 < reply.size(); i += 2)
        map.insert(reply.at(i).toByteArray(), reply.at(i + 1));
    return map;
}

QJsonValue scalarJson(const RedisReply &r)
{
    if (r.isInteger())
        return r.toInteger();
    if (r.isNil())
        return QJsonValue::Null;
    return r.toString();
}

QJsonObject entryJson(const StreamEntry &e)
{
    QJsonObject fields;
    for (const auto &[name, value] : e.fields)
        fields.insert(QString::fromUtf8(name), QString::fromUtf8(value));
    return {{QStringLiteral("id"), QString::fromLatin1(e.id)}, {QStringLiteral("fields"), fields}};
}

QJsonArray consumersJson(RedisPool &redis, const QByteArray &stream, const QByteArray &group)
{
    const RedisReply consumersReply =
        redis.command({"XINFO", "CONSUMERS", stream, group}, Idempotent::Yes);
    consumersReply.throwIfError("XINFO CONSUMERS");
    QJsonArray list;
    for (const RedisReply &c : consumersReply.elements()) {
        const QHash<QByteArray, RedisReply> cm = replyMap(c);
        list.append(QJsonObject {{QStringLiteral("name"), cm.value("name").toString()},
                                 {QStringLiteral("pending"), cm.value("pending").toInteger()},
                                 {QStringLiteral("idleMs"), cm.value("idle").toInteger()}});
    }
    return list;
}

} // namespace

QJsonArray lastEntries(RedisPool &redis, const QByteArray &stream, int count)
{
    const RedisReply r = redis.command(
        {"XREVRANGE", stream, "+", "-", "COUNT", QByteArray::number(count)}, Idempotent::Yes);
    r.throwIfError("XREVRANGE");
    QJsonArray out;
    const QList<StreamEntry> entries = StreamConsumer::parseEntries(r);
    for (const StreamEntry &e : entries)
        out.append(entryJson(e));
    return out;
}

QJsonObject streamInfoJson(RedisPool &redis, const QByteArray &stream, bool consumers)
{
    QJsonObject out {{QStringLiteral("stream"), QString::fromUtf8(stream)}};
    const RedisReply info = redis.command({"XINFO", "STREAM", stream}, Idempotent::Yes);
    QJsonArray groups;
    if (info.isError()) { // no such key: nothing was ever published
        out.insert(QStringLiteral("length"), 0);
        out.insert(QStringLiteral("groups"), groups);
        return out;
    }
    const QHash<QByteArray, RedisReply> m = replyMap(info);
    out.insert(QStringLiteral("length"), m.value("length").toInteger());
    out.insert(QStringLiteral("lastGeneratedId"), m.value("last-generated-id").toString());
    const RedisReply groupsReply = redis.command({"XINFO", "GROUPS", stream}, Idempotent::Yes);
    groupsReply.throwIfError("XINFO GROUPS");
    for (const RedisReply &g : groupsReply.elements()) {
        const QHash<QByteArray, RedisReply> gm = replyMap(g);
        const QByteArray name = gm.value("name").toByteArray();
        QJsonObject group {
            {QStringLiteral("name"), QString::fromUtf8(name)},
            {QStringLiteral("consumers"), gm.value("consumers").toInteger()},
            {QStringLiteral("pending"), gm.value("pending").toInteger()},
            {QStringLiteral("lastDeliveredId"), gm.value("last-delivered-id").toString()},
            {QStringLiteral("entriesRead"), scalarJson(gm.value("entries-read"))},
            {QStringLiteral("lag"), scalarJson(gm.value("lag"))}};
        if (consumers)
            group.insert(QStringLiteral("consumerList"), consumersJson(redis, stream, name));
        groups.append(group);
    }
    out.insert(QStringLiteral("groups"), groups);
    return out;
}

QByteArray deadLetterStream(const QByteArray &stream)
{
    return stream + ":dead";
}

qint64 streamLength(RedisPool &redis, const QByteArray &stream)
{
    const RedisReply length = redis.command({"XLEN", stream}, Idempotent::Yes);
    length.throwIfError("XLEN");
    return length.toInteger();
}

QList<QueueRef> queues(const RedisKeys &keys)
{
    return {{QStringLiteral("order-timeout"), keys.orderTimeoutQueue()},
            {QStringLiteral("booking-expiry"), keys.bookingExpiryQueue()}};
}

} // namespace pomelo::admin
