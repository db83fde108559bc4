#include "operationsroutes.h"

#include "adminredis.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "api/admintypes.h"
#include "http/httptypes.h"
#include "redis/delayedqueue.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"

namespace pomelo::admin {

namespace {

/// A queue by its short name or its key name (without the prefix).
QueueRef queueParam(const HttpRequest &r, const RedisKeys &keys)
{
    const QString name = r.pathParams.value(QStringLiteral("name"));
    const QList<QueueRef> all = queues(keys);
    for (const QueueRef &q : all) {
        if (name == q.name || name == QStringLiteral("pomelo:delay:") + q.name)
            return q;
    }
    throw Error(ErrorCode::NotFound, QStringLiteral("unknown queue ") + name);
}

QList<api::StreamEntry> entriesOf(const QJsonArray &entries)
{
    QList<api::StreamEntry> out;
    for (const QJsonValue &e : entries)
        out.append(api::StreamEntry::fromJson(e.toObject()));
    return out;
}

HttpResponse streams(const ServerContext &ctx, const HttpRequest &r)
{
    const int count = limitParam(r, 20, 200);
    const QByteArray stream = ctx.keys.orderEventsStream();
    // adminredis reads XINFO into its JSON; the answer's shape is the DTO's.
    api::StreamInfo info = api::StreamInfo::fromJson(streamInfoJson(ctx.redis, stream, true));
    info.entries = entriesOf(lastEntries(ctx.redis, stream, count));
    const QByteArray dead = deadLetterStream(stream);
    info.deadLetterStream = QString::fromUtf8(dead);
    info.deadLetterLength = streamLength(ctx.redis, dead);
    info.deadLetters = entriesOf(lastEntries(ctx.redis, dead, count));
    return HttpResponse::json(200, info.toJson());
}

api::DelayedItem itemOf(const DelayedItemInfo &i, const QString &queue, const QTimeZone &zone)
{
    const bool scheduled = i.state == DelayedItemInfo::State::Scheduled;
    return {queue,
            QString::fromUtf8(i.id),
            QString::fromUtf8(i.payload),
            scheduled ? api::itemStates::scheduled : api::itemStates::processing,
            rfc3339(i.timeMs, zone),
            static_cast<int>(i.attempts)};
}

api::DelayedQueueInfo queueOf(DelayedQueue &queue, const QueueRef &q, int limit,
                              const QTimeZone &zone)
{
    api::DelayedQueueInfo info {q.name, QString::fromUtf8(q.key), 0, 0, {}};
    const QList<DelayedItemInfo> items = queue.items(limit);
    for (const DelayedItemInfo &i : items)
        info.items.append(itemOf(i, q.name, zone));
    info.scheduled = queue.scheduledCount();
    info.processing = queue.processingCount();
    return info;
}

HttpResponse queueList(const ServerContext &ctx, const HttpRequest &r)
{
    const int limit = limitParam(r, 100, 500);
    QList<api::DelayedQueueInfo> out;
    const QList<QueueRef> all = queues(ctx.keys);
    for (const QueueRef &q : all) {
        DelayedQueue queue(ctx.redis, q.key);
        out.append(queueOf(queue, q, limit, ctx.zone));
    }
    return HttpResponse::json(200, api::queuesToJson(out));
}

/// `fire` runs the item now, otherwise it is cancelled; audited either way.
HttpResponse queueAction(const ServerContext &ctx, const HttpRequest &r, const StaffPrincipal &who,
                         bool fire)
{
    const QueueRef q = queueParam(r, ctx.keys);
    const QString member = r.pathParams.value(QStringLiteral("member"));
    const QString reason = requiredReason(optionalBody(r), r);
    return Audited(ctx.db, who, r,
                   fire ? QStringLiteral("queue.fire") : QStringLiteral("queue.cancel"),
                   QStringLiteral("queue:%1:%2").arg(q.name, member), reason)
        .run([&](QJsonObject &) {
            DelayedQueue queue(ctx.redis, q.key);
            if (fire) {
                if (!queue.fireNow(member.toUtf8()))
                    throw Error(ErrorCode::NotFound, QStringLiteral("not scheduled"));
                return QJsonObject {{api::keys::fired, true}};
            }
            if (!queue.cancel(member.toUtf8()))
                throw Error(ErrorCode::NotFound, QStringLiteral("not queued"));
            return QJsonObject {{api::keys::cancelled, true}};
        });
}

HttpResponse locks(const ServerContext &ctx, const HttpRequest &r)
{
    const int limit = limitParam(r, 200, 1000);
    QList<api::LockEntry> out;
    for (const QByteArray &pattern :
         {QByteArrayLiteral("venue_booking:*"), QByteArrayLiteral("paying:*")}) {
        const QList<LockInfo> held = ctx.locks.heldLocks(ctx.keys.key(pattern), limit);
        for (const LockInfo &l : held) {
            api::LockEntry entry {QString::fromUtf8(l.key), {}, l.ttlMs};
            for (const auto &[owner, holds] : l.owners)
                entry.owners.append({QString::fromUtf8(owner), holds});
            out.append(entry);
        }
    }
    return HttpResponse::json(200, api::locksToJson(out));
}

} // namespace

void registerOperationsRoutes(const AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    routes.add("GET", "/admin/v1/streams", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &) { return streams(*ctx, r); });
    routes.add("GET", "/admin/v1/queues", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &) { return queueList(*ctx, r); });
    routes.add("POST", "/admin/v1/queues/{name}/items/{member}/fire", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &who) {
                   return queueAction(*ctx, r, who, true);
               });
    routes.add("DELETE", "/admin/v1/queues/{name}/items/{member}", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &who) {
                   return queueAction(*ctx, r, who, false);
               });
    routes.add("GET", "/admin/v1/locks", StaffRole::Admin,
               [ctx](const HttpRequest &r, const StaffPrincipal &) { return locks(*ctx, r); });
}

} // namespace pomelo::admin
