#include "adminmodule.h"

#include "adminrequest.h"
#include "domain/snowflake.h"
#include "http/errorresponse.h"
#include "http/httpserver.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "livefeed.h"
#include "pay/paymodule.h"
#include "paymentexceptionroutes.h"
#include "redis/delayedqueue.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"
#include "redis/redisstream.h"
#include "storage/auditrepository.h"
#include "storage/bookingrepository.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"
#include "telemetry/logging.h"
#include "workers/merchantnotifier.h"
#include "workers/workersmodule.h"

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTime>

namespace pomelo {

namespace {

using admin::MaxReasonLength;

QJsonValue jsonOrText(const QByteArray &bytes)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error == QJsonParseError::NoError && doc.isObject())
        return doc.object();
    if (error.error == QJsonParseError::NoError && doc.isArray())
        return doc.array();
    return QString::fromUtf8(bytes);
}

QString traceIdOf(const QString &traceparent)
{
    return traceparent.section(u'-', 1, 1);
}

qint64 orderIdParam(const HttpRequest &r)
{
    const std::optional<qint64> id = snowflakeFromString(r.pathParams.value(QStringLiteral("id")));
    if (!id)
        throw Error(ErrorCode::OrderNotFound, QStringLiteral("malformed order id"));
    return *id;
}

qint64 positiveIdParam(const HttpRequest &r, ErrorCode notFound)
{
    bool ok = false;
    const QString text = r.pathParams.value(QStringLiteral("id"));
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0 || text.startsWith(u'+') || text.startsWith(u'0'))
        throw Error(notFound, QStringLiteral("malformed id"));
    return id;
}

// The page parameters are read as in every admin route file.
using admin::cursorParam;
using admin::limitParam;
using admin::pageJson;
using admin::queryValue;

/// Start of @p date (YYYY-MM-DD) in @p zone, as Unix ms.
qint64 dayStartMs(const QString &text, const QTimeZone &zone)
{
    static const QRegularExpression re(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    const QDate date = QDate::fromString(text, Qt::ISODate);
    if (!re.match(text).hasMatch() || !date.isValid())
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("malformed date"));
    return QDateTime(date, QTime(0, 0), zone).toMSecsSinceEpoch();
}

/// The `reason` of an intervention: from the JSON body, else the `reason` query item (DELETE).
std::optional<QString> reasonOf(const QJsonObject &body, const HttpRequest &r)
{
    QString reason;
    if (body.contains(QStringLiteral("reason"))) {
        const QJsonValue v = body.value(QStringLiteral("reason"));
        if (!v.isString())
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("reason is not a string"));
        reason = v.toString();
    } else if (r.query.hasQueryItem(QStringLiteral("reason"))) {
        reason = queryValue(r, QStringLiteral("reason"));
    } else {
        return std::nullopt;
    }
    reason = reason.trimmed();
    if (reason.size() > MaxReasonLength || hasControlCharacters(reason))
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("reason too long or not text"));
    if (reason.isEmpty())
        return std::nullopt;
    return reason;
}

QString requiredReason(const QJsonObject &body, const HttpRequest &r)
{
    const std::optional<QString> reason = reasonOf(body, r);
    if (!reason)
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("a reason is required"));
    return *reason;
}

/// The JSON body, or an empty object for an empty body (actions whose fields are optional).
QJsonObject optionalBody(const HttpRequest &r)
{
    return r.body.trimmed().isEmpty() ? QJsonObject {} : parseJsonObject(r);
}

QJsonObject adminOrderJson(const PayOrder &o, const QTimeZone &zone)
{
    QJsonObject j = orderJson(o, zone);
    j.insert(QStringLiteral("openId"), o.openId);
    if (!o.studentId.isEmpty())
        j.insert(QStringLiteral("studentId"), o.studentId);
    j.insert(QStringLiteral("notifyUrl"), o.notifyUrl);
    j.insert(QStringLiteral("version"), o.version);
    j.insert(QStringLiteral("refundedAmount"), o.refundedAmount);
    return j;
}

QJsonObject attemptJson(const NotificationAttempt &a, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("attempt"), a.attempt},
                   {QStringLiteral("at"), rfc3339(a.at, zone)},
                   {QStringLiteral("durationMs"), a.durationMs},
                   {QStringLiteral("error"), a.error},
                   {QStringLiteral("responseExcerpt"), a.responseExcerpt}};
    if (a.httpStatus)
        j.insert(QStringLiteral("httpStatus"), *a.httpStatus);
    return j;
}

QJsonObject notificationJson(const MerchantNotification &n,
                             const QList<NotificationAttempt> &history, const QTimeZone &zone)
{
    QJsonArray attempts;
    for (const NotificationAttempt &a : history)
        attempts.append(attemptJson(a, zone));
    QJsonObject j {{QStringLiteral("id"), QString::number(n.id)},
                   {QStringLiteral("orderId"), snowflakeToString(n.orderId)},
                   {QStringLiteral("appId"), n.appId},
                   {QStringLiteral("eventId"), QString::number(n.eventId)},
                   {QStringLiteral("orderStatus"), n.orderStatus},
                   {QStringLiteral("url"), n.url},
                   {QStringLiteral("state"), notificationStateName(n.state)},
                   {QStringLiteral("attempts"), n.attempts},
                   {QStringLiteral("lastError"), n.lastError},
                   {QStringLiteral("createdAt"), rfc3339(n.createdAt, zone)},
                   {QStringLiteral("updatedAt"), rfc3339(n.updatedAt, zone)},
                   {QStringLiteral("history"), attempts}};
    if (n.state == NotificationState::Pending)
        j.insert(QStringLiteral("nextAttemptAt"), rfc3339(n.nextAttemptAt, zone));
    if (n.lastHttpStatus)
        j.insert(QStringLiteral("lastHttpStatus"), *n.lastHttpStatus);
    if (n.deliveredAt)
        j.insert(QStringLiteral("deliveredAt"), rfc3339(*n.deliveredAt, zone));
    return j;
}

QJsonObject refundJson(const Refund &f, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("id"), snowflakeToString(f.id)},
                   {QStringLiteral("outRefundNo"), f.outRefundNo},
                   {QStringLiteral("amount"), f.amount},
                   {QStringLiteral("reason"), f.reason},
                   {QStringLiteral("status"), refundStatusName(f.status)},
                   {QStringLiteral("channel"), f.channel},
                   {QStringLiteral("channelRefundNo"), f.channelRefundNo},
                   {QStringLiteral("initiator"), f.initiator},
                   {QStringLiteral("createdAt"), rfc3339(f.createdAt, zone)}};
    if (f.finishedAt)
        j.insert(QStringLiteral("finishedAt"), rfc3339(*f.finishedAt, zone));
    return j;
}

QJsonObject bookingJson(const Booking &b, const QTimeZone &zone)
{
    QJsonObject j {{QStringLiteral("id"), snowflakeToString(b.id)},
                   {QStringLiteral("status"), statusName(b.status)},
                   {QStringLiteral("venueId"), b.venueId},
                   {QStringLiteral("userId"), QString::number(b.userId)},
                   {QStringLiteral("date"), b.date},
                   {QStringLiteral("startTime"), b.startTime},
                   {QStringLiteral("endTime"), b.endTime},
                   {QStringLiteral("amount"), b.amount},
                   {QStringLiteral("createdAt"), rfc3339(b.createdAt, zone)},
                   {QStringLiteral("updatedAt"), rfc3339(b.updatedAt, zone)}};
    if (b.payOrderId)
        j.insert(QStringLiteral("payOrderId"), snowflakeToString(*b.payOrderId));
    return j;
}

QJsonObject auditJson(const AuditEntry &e, const QTimeZone &zone)
{
    return {{QStringLiteral("id"), QString::number(e.id)},
            {QStringLiteral("at"), rfc3339(e.at, zone)},
            {QStringLiteral("actor"), e.actor},
            {QStringLiteral("action"), e.action},
            {QStringLiteral("target"), e.target},
            {QStringLiteral("reason"), e.reason},
            {QStringLiteral("remoteAddress"), e.remoteAddress},
            {QStringLiteral("details"),
             e.details.isEmpty() ? QJsonValue(QJsonObject {}) : jsonOrText(e.details)}};
}

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

/// XINFO STREAM and GROUPS of @p stream (with each group's consumers when @p consumers):
/// `{stream, length, lastGeneratedId?, groups: [{name, consumers, pending, lastDeliveredId,
/// entriesRead, lag, consumerList?}]}`. A stream never written to has length 0 and no groups.
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
        if (consumers) {
            const RedisReply consumersReply =
                redis.command({"XINFO", "CONSUMERS", stream, name}, Idempotent::Yes);
            consumersReply.throwIfError("XINFO CONSUMERS");
            QJsonArray list;
            for (const RedisReply &c : consumersReply.elements()) {
                const QHash<QByteArray, RedisReply> cm = replyMap(c);
                list.append(
                    QJsonObject {{QStringLiteral("name"), cm.value("name").toString()},
                                 {QStringLiteral("pending"), cm.value("pending").toInteger()},
                                 {QStringLiteral("idleMs"), cm.value("idle").toInteger()}});
            }
            group.insert(QStringLiteral("consumerList"), list);
        }
        groups.append(group);
    }
    out.insert(QStringLiteral("groups"), groups);
    return out;
}

/// StreamConsumer's dead letters: entries delivered too often to a group.
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

QJsonObject queueDepthJson(DelayedQueue &queue)
{
    return {{QStringLiteral("scheduled"), queue.scheduledCount()},
            {QStringLiteral("processing"), queue.processingCount()}};
}

/// Notifications per state; the states the console shows are there also when zero.
QJsonObject notificationCountsJson(const NotificationRepository &notifications)
{
    QJsonObject counts;
    for (const NotificationState s :
         {NotificationState::Pending, NotificationState::Delivered, NotificationState::Failed})
        counts.insert(notificationStateName(s), 0);
    const QHash<NotificationState, qint64> byState = notifications.countByState();
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        counts.insert(notificationStateName(it.key()), it.value());
    return counts;
}

/// Who did what, when, why, from where — also when it failed (then with the error code).
class Audited
{
public:
    Audited(Database &db, const StaffPrincipal &who, const HttpRequest &r, QString action,
            QString target, QString reason)
        : m_db(db)
    {
        m_entry.actor = who.username;
        m_entry.action = std::move(action);
        m_entry.target = std::move(target);
        m_entry.reason = std::move(reason);
        m_entry.remoteAddress = r.remoteAddress.toString();
        m_details.insert(QStringLiteral("traceId"), r.traceId);
    }

    template<typename F> HttpResponse run(F &&action)
    {
        QJsonObject result;
        try {
            result = action(m_details);
        } catch (const Error &e) {
            m_details.insert(QStringLiteral("outcome"), QStringLiteral("error"));
            m_details.insert(QStringLiteral("code"), static_cast<int>(e.code()));
            write();
            throw;
        }
        m_details.insert(QStringLiteral("outcome"), QStringLiteral("ok"));
        write();
        return HttpResponse::json(200, result);
    }

private:
    void write()
    {
        m_entry.details = QJsonDocument(m_details).toJson(QJsonDocument::Compact);
        try {
            AuditRepository(m_db).append(m_entry);
        } catch (const Error &e) {
            // The intervention happened (or failed) either way; the log line keeps the trace.
            qCCritical(lcApp).noquote() << "audit entry lost:" << m_entry.action << m_entry.target
                                        << "by" << m_entry.actor << ":" << e.detail();
        }
    }

    Database &m_db;
    AuditEntry m_entry;
    QJsonObject m_details;
};

struct QueueRef
{
    QString name; ///< "order-timeout", "booking-expiry"
    QByteArray key;
};

QList<QueueRef> queues(const RedisKeys &keys)
{
    return {{QStringLiteral("order-timeout"), keys.orderTimeoutQueue()},
            {QStringLiteral("booking-expiry"), keys.bookingExpiryQueue()}};
}

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

} // namespace

AdminModule::AdminModule(const ServerContext &context, PayModule *pay, WorkersModule *workers)
    : m_ctx(context)
    , m_pay(pay)
    , m_workers(workers)
    , m_auth(context)
{
    AdminAuth::ensureInitialAdmin(context);
}

AdminModule::~AdminModule() = default;

void AdminModule::attachLiveFeed(HttpServer &server)
{
    m_live = std::make_unique<LiveFeed>(m_ctx, m_auth, server);
}

void AdminModule::registerRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;
    using Handler = std::function<HttpResponse(const HttpRequest &, const StaffPrincipal &)>;
    const auto route = [this, &router](const char *method, const char *path, StaffRole role,
                                       Handler handler) {
        router.add(method, QString::fromLatin1(path), HandlerMode::Blocking,
                   [this, role, handler = std::move(handler)](const HttpRequest &r) {
                       return handler(r, m_auth.require(r, role));
                   });
    };
    const auto payService = [this]() -> PayService & {
        if (!m_pay)
            throw Error(ErrorCode::FeatureDisabled, QStringLiteral("pay module not running"));
        return m_pay->service();
    };
    const auto findOrder = [this](qint64 id) {
        const std::optional<PayOrder> order = OrderRepository(m_ctx.db).find(id);
        if (!order)
            throw Error(ErrorCode::OrderNotFound, QStringLiteral("no order %1").arg(id));
        return *order;
    };
    const auto wakeNotifier = [this] {
        if (m_workers)
            m_workers->notifier().wake();
    };

    // ---- Session ----
    router.add("POST", QStringLiteral("/admin/v1/login"), HandlerMode::Blocking,
               [this](const HttpRequest &r) {
                   const QJsonObject body = parseJsonObject(r);
                   const JsonFields f {body, ErrorCode::InvalidParameter};
                   const QString username = f.string(QStringLiteral("username"), 64);
                   const QString password = f.string(QStringLiteral("password"), 256);
                   try {
                       const AdminLoginResult result =
                           m_auth.login(username, password, r.remoteAddress.toString());
                       return HttpResponse::json(
                           200,
                           QJsonObject {{QStringLiteral("token"), result.token},
                                        {QStringLiteral("role"), staffRoleName(result.role)},
                                        {QStringLiteral("username"), username},
                                        {QStringLiteral("expiresIn"), result.expiresIn}});
                   } catch (const LoginThrottled &e) {
                       HttpResponse response = errorResponse(e.code(), r);
                       response.headers.append({QByteArrayLiteral("Retry-After"),
                                                QByteArray::number(e.retryAfterSeconds())});
                       return response;
                   }
               });
    route("POST", "/admin/v1/logout", StaffRole::Staff,
          [this](const HttpRequest &r, const StaffPrincipal &) {
              m_auth.logout(r);
              return HttpResponse::text(204, {});
          });
    route("GET", "/admin/v1/me", StaffRole::Staff,
          [](const HttpRequest &, const StaffPrincipal &w) {
              return HttpResponse::json(
                  200,
                  QJsonObject {{QStringLiteral("username"), w.username},
                               {QStringLiteral("role"), staffRoleName(w.role)}});
          });

    // ---- Orders ----
    route("GET", "/admin/v1/orders", StaffRole::Staff,
          [this, zone](const HttpRequest &r, const StaffPrincipal &) {
              OrderFilter filter;
              if (r.query.hasQueryItem(QStringLiteral("status"))) {
                  filter.status = orderStatusFromName(queryValue(r, QStringLiteral("status")));
                  if (!filter.status)
                      throw Error(ErrorCode::InvalidParameter, QStringLiteral("unknown status"));
              }
              filter.appId = queryValue(r, QStringLiteral("appId"));
              filter.channel = queryValue(r, QStringLiteral("channel"));
              filter.search = queryValue(r, QStringLiteral("q")).trimmed();
              if (r.query.hasQueryItem(QStringLiteral("from")))
                  filter.createdFrom = dayStartMs(queryValue(r, QStringLiteral("from")), zone);
              if (r.query.hasQueryItem(QStringLiteral("to"))) // inclusive: up to the day's end
                  filter.createdBefore =
                      dayStartMs(queryValue(r, QStringLiteral("to")), zone) + 24 * 3600 * 1000;
              const Page<PayOrder> page =
                  OrderRepository(m_ctx.db).list(filter, cursorParam(r), limitParam(r));
              QJsonArray items;
              for (const PayOrder &o : page.items)
                  items.append(adminOrderJson(o, zone));
              return HttpResponse::json(200, pageJson(items, page.next));
          });

    // Today at a glance (the console's dashboard): order counts for everyone who may read
    // orders, the infrastructure numbers of /streams, /queues and /notifications for admins.
    route("GET", "/admin/v1/dashboard", StaffRole::Staff,
          [this, zone](const HttpRequest &, const StaffPrincipal &who) {
              const QDate today = QDateTime::currentDateTime().toTimeZone(zone).date();
              const qint64 from = QDateTime(today, QTime(0, 0), zone).toMSecsSinceEpoch();
              const qint64 before =
                  QDateTime(today.addDays(1), QTime(0, 0), zone).toMSecsSinceEpoch();
              const OrderRepository orders(m_ctx.db);
              const QHash<OrderStatus, qint64> byStatus = orders.countByStatus(from, before);
              QJsonObject counts;
              qint64 total = 0;
              for (const OrderStatus s : AllOrderStatuses) {
                  counts.insert(statusName(s), byStatus.value(s));
                  total += byStatus.value(s);
              }
              QJsonObject out {{QStringLiteral("date"), today.toString(Qt::ISODate)},
                               {QStringLiteral("from"), rfc3339(from, zone)},
                               {QStringLiteral("orders"), counts},
                               {QStringLiteral("ordersTotal"), total},
                               {QStringLiteral("paidAmount"), orders.paidAmount(from, before)}};
              if (who.role < StaffRole::Admin)
                  return HttpResponse::json(200, out);

              const QByteArray stream = m_ctx.keys.orderEventsStream();
              const QJsonObject info = streamInfoJson(m_ctx.redis, stream, false);
              // The worst group; null when Redis cannot tell (entries deleted past a group).
              QJsonValue lag = 0;
              qint64 pending = 0;
              const QJsonArray groups = info.value(QStringLiteral("groups")).toArray();
              for (const QJsonValue &g : groups) {
                  pending += g[QStringLiteral("pending")].toInteger();
                  const QJsonValue l = g[QStringLiteral("lag")];
                  if (!l.isDouble())
                      lag = QJsonValue::Null;
                  else if (!lag.isNull())
                      lag = std::max(lag.toInteger(), l.toInteger());
              }
              out.insert(QStringLiteral("stream"),
                         QJsonObject {{QStringLiteral("stream"), QString::fromUtf8(stream)},
                                      {QStringLiteral("length"), info[QStringLiteral("length")]},
                                      {QStringLiteral("lag"), lag},
                                      {QStringLiteral("pending"), pending},
                                      {QStringLiteral("deadLetterLength"),
                                       streamLength(m_ctx.redis, deadLetterStream(stream))}});
              QJsonObject queueDepths;
              const QList<QueueRef> all = queues(m_ctx.keys);
              for (const QueueRef &q : all) {
                  DelayedQueue queue(m_ctx.redis, q.key);
                  queueDepths.insert(q.name, queueDepthJson(queue));
              }
              out.insert(QStringLiteral("queues"), queueDepths);
              out.insert(QStringLiteral("notifications"),
                         notificationCountsJson(NotificationRepository(m_ctx.db)));
              out.insert(QStringLiteral("paymentExceptions"), paymentExceptionCountsJson(m_ctx.db));
              return HttpResponse::json(200, out);
          });

    route("GET", "/admin/v1/orders/{id}", StaffRole::Staff,
          [this, zone, findOrder](const HttpRequest &r, const StaffPrincipal &) {
              const PayOrder order = findOrder(orderIdParam(r));
              QJsonObject out {{QStringLiteral("order"), adminOrderJson(order, zone)}};
              QJsonArray events;
              QString traceId;
              const QList<OrderEvent> timeline = OrderRepository(m_ctx.db).events(order.id);
              for (const OrderEvent &e : timeline) {
                  if (traceId.isEmpty())
                      traceId = traceIdOf(e.traceparent);
                  QJsonObject j {{QStringLiteral("id"), QString::number(e.id)},
                                 {QStringLiteral("status"), statusName(e.newStatus)},
                                 {QStringLiteral("at"), rfc3339(e.createdAt, zone)},
                                 {QStringLiteral("traceId"), traceIdOf(e.traceparent)},
                                 {QStringLiteral("payload"), jsonOrText(e.payload)}};
                  if (e.prevStatus)
                      j.insert(QStringLiteral("prevStatus"), statusName(*e.prevStatus));
                  if (e.publishedAt)
                      j.insert(QStringLiteral("publishedAt"), rfc3339(*e.publishedAt, zone));
                  events.append(j);
              }
              out.insert(QStringLiteral("events"), events);
              out.insert(QStringLiteral("traceId"), traceId);

              QJsonArray refunds;
              const QList<Refund> refundList = RefundRepository(m_ctx.db).ofOrder(order.id);
              for (const Refund &f : refundList)
                  refunds.append(refundJson(f, zone));
              out.insert(QStringLiteral("refunds"), refunds);

              QJsonArray callbacks;
              const QList<ChannelCallback> callbackList =
                  CallbackRepository(m_ctx.db).ofOrder(order.id);
              for (const ChannelCallback &c : callbackList)
                  callbacks.append(
                      QJsonObject {{QStringLiteral("id"), QString::number(c.id)},
                                   {QStringLiteral("channel"), c.channel},
                                   {QStringLiteral("notifyId"), c.notifyId},
                                   {QStringLiteral("eventType"), c.eventType},
                                   {QStringLiteral("outcome"), c.outcome},
                                   {QStringLiteral("receivedAt"), rfc3339(c.receivedAt, zone)},
                                   {QStringLiteral("payload"), jsonOrText(c.payload)}});
              out.insert(QStringLiteral("callbacks"), callbacks);

              NotificationRepository notifications(m_ctx.db);
              NotificationFilter nf;
              nf.orderId = order.id;
              QJsonArray notes;
              const Page<MerchantNotification> page = notifications.list(nf, std::nullopt, 100);
              for (const MerchantNotification &n : page.items)
                  notes.append(notificationJson(n, notifications.attempts(n.id), zone));
              out.insert(QStringLiteral("notifications"), notes);

              if (const std::optional<Booking> b =
                      BookingRepository(m_ctx.db).findByPayOrder(order.id))
                  out.insert(QStringLiteral("booking"), bookingJson(*b, zone));
              return HttpResponse::json(200, out);
          });

    route("POST", "/admin/v1/orders/{id}/close", StaffRole::Admin,
          [this, zone, payService, findOrder](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = orderIdParam(r);
              const QString reason = requiredReason(parseJsonObject(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("order.close"),
                             QStringLiteral("order:") + snowflakeToString(id), reason)
                  .run([&](QJsonObject &details) {
                      PayService &pay = payService();
                      const PayOrder before = findOrder(id);
                      details.insert(QStringLiteral("before"), statusName(before.status));
                      const PayOrder after = pay.close(before.appId, id, r.traceparent);
                      details.insert(QStringLiteral("after"), statusName(after.status));
                      return adminOrderJson(after, zone);
                  });
          });

    route("POST", "/admin/v1/orders/{id}/verify", StaffRole::Admin,
          [this, zone, payService, findOrder](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = orderIdParam(r);
              const QString reason = requiredReason(parseJsonObject(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("order.verify"),
                             QStringLiteral("order:") + snowflakeToString(id), reason)
                  .run([&](QJsonObject &details) {
                      PayService &pay = payService();
                      const PayOrder before = findOrder(id);
                      details.insert(QStringLiteral("before"), statusName(before.status));
                      const auto [after, channel] = pay.verifyWithChannel(id, r.traceparent);
                      details.insert(QStringLiteral("after"), statusName(after.status));
                      static const char *const states[] = {"NOT_PAID", "PAID", "CLOSED", "FAILED",
                                                           "UNKNOWN"};
                      QJsonObject channelJson {
                          {QStringLiteral("state"),
                           QString::fromLatin1(states[static_cast<int>(channel.state)])},
                          {QStringLiteral("tradeNo"), channel.payment.tradeNo},
                          {QStringLiteral("amount"), channel.payment.amount}};
                      if (channel.payment.paidAt)
                          channelJson.insert(QStringLiteral("paidAt"),
                                             rfc3339(*channel.payment.paidAt, zone));
                      details.insert(QStringLiteral("channelState"),
                                     channelJson.value(QStringLiteral("state")));
                      return QJsonObject {{QStringLiteral("order"), adminOrderJson(after, zone)},
                                          {QStringLiteral("channel"), channelJson}};
                  });
          });

    route("POST", "/admin/v1/orders/{id}/refund", StaffRole::Admin,
          [this, zone, payService, findOrder](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = orderIdParam(r);
              const QJsonObject body = parseJsonObject(r);
              const QString reason = requiredReason(body, r);
              const qint64 amount = JsonFields {body, ErrorCode::InvalidAmount}.integer(
                  QStringLiteral("amount"), 1, 100000000);
              return Audited(m_ctx.db, who, r, QStringLiteral("order.refund"),
                             QStringLiteral("order:") + snowflakeToString(id), reason)
                  .run([&](QJsonObject &details) {
                      PayService &pay = payService();
                      const PayOrder order = findOrder(id);
                      RefundInput input;
                      input.appId = order.appId;
                      input.orderId = id;
                      input.outRefundNo =
                          QStringLiteral("admin-") + snowflakeToString(m_ctx.ids.next());
                      input.amount = amount;
                      input.reason = reason.left(80); // the channels' limit; the audit keeps all
                      input.initiator = QStringLiteral("ADMIN");
                      input.traceparent = r.traceparent;
                      details.insert(QStringLiteral("amount"), amount);
                      details.insert(QStringLiteral("outRefundNo"), input.outRefundNo);
                      const RefundResult result = pay.refund(input);
                      return QJsonObject {
                          {QStringLiteral("refund"), refundJson(result.refund, zone)},
                          {QStringLiteral("order"), adminOrderJson(result.order, zone)}};
                  });
          });

    route("POST", "/admin/v1/orders/{id}/renotify", StaffRole::Admin,
          [this, zone, findOrder, wakeNotifier](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = orderIdParam(r);
              const QString reason = requiredReason(parseJsonObject(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("order.renotify"),
                             QStringLiteral("order:") + snowflakeToString(id), reason)
                  .run([&](QJsonObject &details) {
                      findOrder(id);
                      NotificationRepository notifications(m_ctx.db);
                      NotificationFilter nf;
                      nf.orderId = id;
                      const QList<MerchantNotification> all =
                          notifications.list(nf, std::nullopt, MaxPageSize).items;
                      if (all.isEmpty())
                          throw Error(ErrorCode::NotFound,
                                      QStringLiteral("order has no merchant notification"));
                      // Every undelivered one; when all were delivered, the latest again (the
                      // merchant says it lost it).
                      QList<qint64> ids;
                      for (const MerchantNotification &n : all) {
                          if (n.state != NotificationState::Delivered)
                              ids.append(n.id);
                      }
                      const bool again = ids.isEmpty();
                      if (again)
                          ids.append(all.first().id); // newest first
                      QJsonArray resent;
                      m_ctx.db.transact([&](Transaction &tx) {
                          resent = {};
                          for (const qint64 nid : std::as_const(ids)) {
                              if (notifications.resend(tx, nid, nowMs(), again))
                                  resent.append(QString::number(nid));
                          }
                      });
                      wakeNotifier();
                      details.insert(QStringLiteral("notifications"), resent);
                      return QJsonObject {{QStringLiteral("resent"), resent.size()},
                                          {QStringLiteral("notificationIds"), resent}};
                  });
          });

    // ---- Venues ----
    route("GET", "/admin/v1/venues/board", StaffRole::Staff,
          [this, zone](const HttpRequest &r, const StaffPrincipal &) {
              QString date = queryValue(r, QStringLiteral("date"));
              if (date.isEmpty())
                  date = QDateTime::currentDateTime().toTimeZone(zone).date().toString(Qt::ISODate);
              dayStartMs(date, zone); // validates
              QHash<QPair<qint64, QString>, SlotHolder> held;
              const QList<SlotHolder> holders = BookingRepository(m_ctx.db).activeSlotsOfDay(date);
              for (const SlotHolder &h : holders)
                  held.insert({h.venueId, h.slotStart}, h);
              UserRepository users(m_ctx.db);
              QHash<qint64, std::optional<User>> userCache;
              QJsonArray venues;
              const QList<Venue> venueList = VenueRepository(m_ctx.db).list();
              for (const Venue &v : venueList) {
                  QJsonArray slotList;
                  const QTime to = QTime::fromString(v.openTo, QStringLiteral("HH:mm"));
                  for (QTime t = QTime::fromString(v.openFrom, QStringLiteral("HH:mm"));
                       t.isValid() && t < to && v.slotMinutes > 0;) {
                      const QTime end = t.addSecs(v.slotMinutes * 60);
                      const QString start = t.toString(QStringLiteral("HH:mm"));
                      QJsonObject slot {
                          {QStringLiteral("startTime"), start},
                          {QStringLiteral("endTime"), end.toString(QStringLiteral("HH:mm"))},
                          {QStringLiteral("state"), QStringLiteral("FREE")}};
                      const auto it = held.constFind({v.id, start});
                      if (it != held.cend()) {
                          QString state = QStringLiteral("BOOKED");
                          if (it->status == BookingStatus::PendingPayment)
                              state = QStringLiteral("HELD");
                          else if (it->status == BookingStatus::CheckedIn)
                              state = QStringLiteral("CHECKED_IN");
                          slot.insert(QStringLiteral("state"), state);
                          slot.insert(QStringLiteral("bookingId"),
                                      snowflakeToString(it->bookingId));
                          slot.insert(QStringLiteral("bookingStatus"), statusName(it->status));
                          if (!userCache.contains(it->userId))
                              userCache.insert(it->userId, users.find(it->userId));
                          QJsonObject user {{QStringLiteral("id"), QString::number(it->userId)}};
                          if (const std::optional<User> &u = userCache[it->userId]) {
                              user.insert(QStringLiteral("openId"), u->openId);
                              user.insert(QStringLiteral("name"), u->name);
                              user.insert(QStringLiteral("studentId"), u->studentId);
                          }
                          slot.insert(QStringLiteral("user"), user);
                      }
                      slotList.append(slot);
                      if (end <= t) // past midnight
                          break;
                      t = end;
                  }
                  venues.append(QJsonObject {{QStringLiteral("id"), v.id},
                                             {QStringLiteral("name"), v.name},
                                             {QStringLiteral("sport"), v.sport},
                                             {QStringLiteral("slots"), slotList}});
              }
              return HttpResponse::json(
                  200,
                  QJsonObject {{QStringLiteral("date"), date}, {QStringLiteral("venues"), venues}});
          });

    route(
        "POST", "/admin/v1/bookings/{id}/check-in", StaffRole::Staff,
        [this, zone](const HttpRequest &r, const StaffPrincipal &who) {
            const std::optional<qint64> id =
                snowflakeFromString(r.pathParams.value(QStringLiteral("id")));
            if (!id)
                throw Error(ErrorCode::BookingNotFound, QStringLiteral("malformed booking id"));
            const std::optional<QString> reason = reasonOf(optionalBody(r), r);
            return Audited(m_ctx.db, who, r, QStringLiteral("booking.check_in"),
                           QStringLiteral("booking:") + snowflakeToString(*id),
                           reason.value_or(QString()))
                .run([&](QJsonObject &) {
                    BookingRepository bookings(m_ctx.db);
                    const QString today =
                        QDateTime::currentDateTime().toTimeZone(zone).date().toString(Qt::ISODate);
                    const Booking done = m_ctx.db.transact([&](Transaction &tx) {
                        const std::optional<Booking> b = bookings.find(tx, *id, RowLock::ForUpdate);
                        if (!b)
                            throw Error(ErrorCode::BookingNotFound, QStringLiteral("no booking"));
                        if (b->status != BookingStatus::Paid || b->date != today)
                            throw Error(ErrorCode::BookingStateConflict,
                                        QStringLiteral("check-in of a %1 booking of %2")
                                            .arg(statusName(b->status), b->date));
                        if (!bookings.transition(tx, b->id, b->version, BookingStatus::Paid,
                                                 BookingStatus::CheckedIn))
                            throw Error(ErrorCode::BookingStateConflict,
                                        QStringLiteral("booking changed meanwhile"));
                        return *b;
                    });
                    return bookingJson(*bookings.find(done.id), zone);
                });
        });

    // ---- Infrastructure: stream, queues, locks ----
    route("GET", "/admin/v1/streams", StaffRole::Admin,
          [this](const HttpRequest &r, const StaffPrincipal &) {
              const int count = limitParam(r, 20, 200);
              const QByteArray stream = m_ctx.keys.orderEventsStream();
              QJsonObject out = streamInfoJson(m_ctx.redis, stream, true);
              out.insert(QStringLiteral("entries"), lastEntries(m_ctx.redis, stream, count));
              const QByteArray dead = deadLetterStream(stream);
              out.insert(
                  QStringLiteral("deadLetter"),
                  QJsonObject {{QStringLiteral("stream"), QString::fromUtf8(dead)},
                               {QStringLiteral("length"), streamLength(m_ctx.redis, dead)},
                               {QStringLiteral("entries"), lastEntries(m_ctx.redis, dead, count)}});
              return HttpResponse::json(200, out);
          });

    route("GET", "/admin/v1/queues", StaffRole::Admin,
          [this, zone](const HttpRequest &r, const StaffPrincipal &) {
              const int limit = limitParam(r, 100, 500);
              QJsonArray out;
              const QList<QueueRef> all = queues(m_ctx.keys);
              for (const QueueRef &q : all) {
                  DelayedQueue queue(m_ctx.redis, q.key);
                  QJsonArray items;
                  const QList<DelayedItemInfo> infos = queue.items(limit);
                  for (const DelayedItemInfo &i : infos) {
                      const bool scheduled = i.state == DelayedItemInfo::State::Scheduled;
                      items.append(QJsonObject {
                          {QStringLiteral("member"), QString::fromUtf8(i.id)},
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
                  out.append(j);
              }
              return HttpResponse::json(200, QJsonObject {{QStringLiteral("queues"), out}});
          });

    route("POST", "/admin/v1/queues/{name}/items/{member}/fire", StaffRole::Admin,
          [this](const HttpRequest &r, const StaffPrincipal &who) {
              const QueueRef q = queueParam(r, m_ctx.keys);
              const QString member = r.pathParams.value(QStringLiteral("member"));
              const QString reason = requiredReason(optionalBody(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("queue.fire"),
                             QStringLiteral("queue:%1:%2").arg(q.name, member), reason)
                  .run([&](QJsonObject &) {
                      if (!DelayedQueue(m_ctx.redis, q.key).fireNow(member.toUtf8()))
                          throw Error(ErrorCode::NotFound, QStringLiteral("not scheduled"));
                      return QJsonObject {{QStringLiteral("fired"), true}};
                  });
          });

    route("DELETE", "/admin/v1/queues/{name}/items/{member}", StaffRole::Admin,
          [this](const HttpRequest &r, const StaffPrincipal &who) {
              const QueueRef q = queueParam(r, m_ctx.keys);
              const QString member = r.pathParams.value(QStringLiteral("member"));
              const QString reason = requiredReason(optionalBody(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("queue.cancel"),
                             QStringLiteral("queue:%1:%2").arg(q.name, member), reason)
                  .run([&](QJsonObject &) {
                      if (!DelayedQueue(m_ctx.redis, q.key).cancel(member.toUtf8()))
                          throw Error(ErrorCode::NotFound, QStringLiteral("not queued"));
                      return QJsonObject {{QStringLiteral("cancelled"), true}};
                  });
          });

    route("GET", "/admin/v1/locks", StaffRole::Admin,
          [this](const HttpRequest &r, const StaffPrincipal &) {
              const int limit = limitParam(r, 200, 1000);
              QJsonArray out;
              for (const QByteArray &pattern :
                   {QByteArrayLiteral("venue_booking:*"), QByteArrayLiteral("paying:*")}) {
                  const QList<LockInfo> locks =
                      m_ctx.locks.heldLocks(m_ctx.keys.key(pattern), limit);
                  for (const LockInfo &l : locks) {
                      QJsonArray owners;
                      for (const auto &[owner, holds] : l.owners)
                          owners.append(
                              QJsonObject {{QStringLiteral("owner"), QString::fromUtf8(owner)},
                                           {QStringLiteral("holds"), holds}});
                      out.append(QJsonObject {{QStringLiteral("key"), QString::fromUtf8(l.key)},
                                              {QStringLiteral("owners"), owners},
                                              {QStringLiteral("ttlMs"), l.ttlMs}});
                  }
              }
              return HttpResponse::json(200, QJsonObject {{QStringLiteral("locks"), out}});
          });

    // ---- Merchant notifications ----
    route("GET", "/admin/v1/notifications", StaffRole::Admin,
          [this, zone](const HttpRequest &r, const StaffPrincipal &) {
              NotificationFilter filter;
              if (r.query.hasQueryItem(QStringLiteral("state"))) {
                  filter.state = notificationStateFromName(queryValue(r, QStringLiteral("state")));
                  if (!filter.state)
                      throw Error(ErrorCode::InvalidParameter, QStringLiteral("unknown state"));
              }
              filter.appId = queryValue(r, QStringLiteral("appId"));
              if (r.query.hasQueryItem(QStringLiteral("orderId"))) {
                  filter.orderId = snowflakeFromString(queryValue(r, QStringLiteral("orderId")));
                  if (!filter.orderId)
                      throw Error(ErrorCode::InvalidParameter, QStringLiteral("bad orderId"));
              }
              NotificationRepository notifications(m_ctx.db);
              const Page<MerchantNotification> page =
                  notifications.list(filter, cursorParam(r), limitParam(r));
              QJsonArray items;
              for (const MerchantNotification &n : page.items)
                  items.append(notificationJson(n, notifications.attempts(n.id), zone));
              QJsonObject out = pageJson(items, page.next);
              out.insert(QStringLiteral("counts"), notificationCountsJson(notifications));
              return HttpResponse::json(200, out);
          });

    route("POST", "/admin/v1/notifications/{id}/resend", StaffRole::Admin,
          [this, zone, wakeNotifier](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = positiveIdParam(r, ErrorCode::NotFound);
              const std::optional<QString> reason = reasonOf(optionalBody(r), r);
              return Audited(m_ctx.db, who, r, QStringLiteral("notification.resend"),
                             QStringLiteral("notification:%1").arg(id), reason.value_or(QString()))
                  .run([&](QJsonObject &) {
                      NotificationRepository notifications(m_ctx.db);
                      if (!notifications.find(id))
                          throw Error(ErrorCode::NotFound, QStringLiteral("no notification"));
                      m_ctx.db.transact([&](Transaction &tx) {
                          return notifications.resend(tx, id, nowMs(), true);
                      });
                      wakeNotifier();
                      return notificationJson(*notifications.find(id), notifications.attempts(id),
                                              zone);
                  });
          });

    route(
        "POST", "/admin/v1/notifications/resend-failed", StaffRole::Admin,
        [this, wakeNotifier](const HttpRequest &r, const StaffPrincipal &who) {
            const QJsonObject body = parseJsonObject(r);
            const QString appId =
                JsonFields {body, ErrorCode::InvalidParameter}.string(QStringLiteral("appId"), 64);
            const std::optional<QString> reason = reasonOf(body, r);
            return Audited(m_ctx.db, who, r, QStringLiteral("notification.resend_failed"),
                           QStringLiteral("app:") + appId, reason.value_or(QString()))
                .run([&](QJsonObject &details) {
                    const int count = m_ctx.db.transact([&](Transaction &tx) {
                        return NotificationRepository(m_ctx.db).resendAllFailed(tx, appId, nowMs());
                    });
                    wakeNotifier();
                    details.insert(QStringLiteral("count"), count);
                    return QJsonObject {{QStringLiteral("count"), count}};
                });
        });

    registerPaymentExceptionRoutes(router, m_ctx, m_auth, m_pay);

    // ---- Audit log ----
    route("GET", "/admin/v1/audit", StaffRole::Admin,
          [this, zone](const HttpRequest &r, const StaffPrincipal &) {
              AuditFilter filter;
              filter.actor = queryValue(r, QStringLiteral("actor"));
              filter.action = queryValue(r, QStringLiteral("action"));
              filter.target = queryValue(r, QStringLiteral("target"));
              if (r.query.hasQueryItem(QStringLiteral("from")))
                  filter.from = dayStartMs(queryValue(r, QStringLiteral("from")), zone);
              if (r.query.hasQueryItem(QStringLiteral("to")))
                  filter.before =
                      dayStartMs(queryValue(r, QStringLiteral("to")), zone) + 24 * 3600 * 1000;
              const Page<AuditEntry> page =
                  AuditRepository(m_ctx.db).list(filter, cursorParam(r), limitParam(r));
              QJsonArray items;
              for (const AuditEntry &e : page.items)
                  items.append(auditJson(e, zone));
              return HttpResponse::json(200, pageJson(items, page.next));
          });
}

} // namespace pomelo
