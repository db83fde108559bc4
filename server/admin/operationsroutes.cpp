#include "operationsroutes.h"

#include "adminredis.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
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

HttpResponse streams(const ServerContext &ctx, const HttpRequest &r)
{
    const int count = limitParam(r, 20, 200);
    const QByteArray stream = ctx.keys.orderEventsStream();
    QJsonObject out = streamInfoJson(ctx.redis, stream, true);
    out.insert(QStringLiteral("entries"), lastEntries(ctx.redis, stream, count));
    const QByteArray dead = deadLetterStream(stream);
    out.insert(QStringLiteral("deadLetter"),
               QJsonObject {{QStringLiteral("stream"), QString::fromUtf8(dead)},
                            {QStringLiteral("length"), streamLength(ctx.redis, dead)},
                            {QStringLiteral("entries"), lastEntries(ctx.redis, dead, count)}});
    return HttpResponse::json(200, out);
}

QJsonObject queueJson(DelayedQueue &queue, const QueueRef &q, int limit, const QTimeZone &zone)
{
    QJsonArray items;
    const QList<DelayedItemInfo> infos = queue.items(limit);
    for (const DelayedItemInfo &i : infos) {
        const bool scheduled = i.state == DelayedItemInfo::State::Scheduled;
        items.append(
            QJsonObject {{QStringLiteral("member"), QString::fromUtf8(i.id)},
                         {QStringLiteral("payload"), QString::fromUtf8(i.payload)},
                         {QStringLiteral("state"),
                          scheduled ? QStringLiteral("SCHEDULED") : QStringLiteral("PROCESSING")},
                         {scheduled ? QStringLiteral("dueAt") : QStringLiteral("visibleAgainAt"),
                          rfc3339(i.timeMs, zone)},
                         {QStringLiteral("attempts"), i.attempts}});
    }
    QJsonObject j = queueDepthJson(queue);
    j.insert(QStringLiteral("name"), q.name);
    j.insert(QStringLiteral("key"), QString::fromUtf8(q.key));
    j.insert(QStringLiteral("items"), items);
    return j;
}

HttpResponse queueList(const ServerContext &ctx, const HttpRequest &r)
{
    const int limit = limitParam(r, 100, 500);
    QJsonArray out;
    const QList<QueueRef> all = queues(ctx.keys);
    for (const QueueRef &q : all) {
        DelayedQueue queue(ctx.redis, q.key);
        out.append(queueJson(queue, q, limit, ctx.zone));
    }
    return HttpResponse::json(200, QJsonObject {{QStringLiteral("queues"), out}});
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
                return QJsonObject {{QStringLiteral("fired"), true}};
            }
            if (!queue.cancel(member.toUtf8()))
                throw Error(ErrorCode::NotFound, QStringLiteral("not queued"));
            return QJsonObject {{QStringLiteral("cancelled"), true}};
        });
}

HttpResponse locks(const ServerContext &ctx, const HttpRequest &r)
{
    const int limit = limitParam(r, 200, 1000);
    QJsonArray out;
    for (const QByteArray &pattern :
         {QByteArrayLiteral("venue_booking:*"), QByteArrayLiteral("paying:*")}) {
        const QList<LockInfo> held = ctx.locks.heldLocks(ctx.keys.key(pattern), limit);
        for (const LockInfo &l : held) {
            QJsonArray owners;
            for (const auto &[owner, holds] : l.owners)
                owners.append(QJsonObject {{QStringLiteral("owner"), QString::fromUtf8(owner)},
                                           {QStringLiteral("holds"), holds}});
            out.append(QJsonObject {{QStringLiteral("key"), QString::fromUtf8(l.key)},
                                    {QStringLiteral("owners"), owners},
                                    {QStringLiteral("ttlMs"), l.ttlMs}});
        }
    }
    return HttpResponse::json(200, QJsonObject {{QStringLiteral("locks"), out}});
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
