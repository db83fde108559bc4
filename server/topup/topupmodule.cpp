#include "topupmodule.h"

#include "domain/errors.h"
#include "domain/money.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "http/studentroute.h"
#include "merchant/merchantnotify.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "telemetry/logging.h"
#include "topupjson.h"
#include "topupservice.h"

#include <QJsonArray>

namespace pomelo {

namespace {

qint64 topupIdParam(const HttpRequest &r)
{
    return snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::TopupNotFound);
}

QJsonObject roomJson(const QString &roomId, const QString &building, const QString &room)
{
    return {{QStringLiteral("roomId"), roomId},
            {QStringLiteral("building"), building},
            {QStringLiteral("room"), room}};
}

QJsonObject roomViewJson(const RoomView &v, const QTimeZone &zone)
{
    QJsonObject o = roomJson(v.binding.roomId, v.binding.building, v.binding.room);
    o.insert(QStringLiteral("boundAt"), rfc3339(v.binding.boundAt, zone));
    o.insert(QStringLiteral("balanceAvailable"), v.balance.has_value());
    if (v.balance) {
        o.insert(QStringLiteral("electricity"),
                 QJsonObject {{QStringLiteral("balance"), v.balance->electricity},
                              {QStringLiteral("unit"), QStringLiteral("fen")},
                              {QStringLiteral("powerOn"), v.balance->powerOn}});
        o.insert(QStringLiteral("water"),
                 QJsonObject {{QStringLiteral("balance"), v.balance->water},
                              {QStringLiteral("unit"), QStringLiteral("fen")}});
        if (v.balance->updatedAt.isValid())
            o.insert(QStringLiteral("updatedAt"),
                     rfc3339(v.balance->updatedAt.toMSecsSinceEpoch(), zone));
    }
    return o;
}

/// `?limit=&cursor=` of a student's list (4001 when malformed).
std::pair<int, std::optional<PageCursor>> pageParams(const HttpRequest &r)
{
    int limit = 20;
    if (r.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = r.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 100)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("limit is 1..100"));
    }
    std::optional<PageCursor> after;
    if (r.query.hasQueryItem(QStringLiteral("cursor"))) {
        after = PageCursor::fromToken(r.query.queryItemValue(QStringLiteral("cursor")));
        if (!after)
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("malformed cursor"));
    }
    return {limit, after};
}

} // namespace

TopupModule::TopupModule(const ServerContext &context, bool runWorkers)
    : m_ctx(context)
    , m_runWorkers(runWorkers)
    , m_queue(std::make_unique<DelayedQueue>(context.redis, context.keys.topupDeliveryQueue()))
    , m_service(std::make_unique<TopupService>(context, *m_queue,
                                               TopupOptions::fromConfig(context.config)))
{ }

TopupModule::~TopupModule()
{
    stop();
}

void TopupModule::start()
{
    if (!m_runWorkers)
        return;
    m_tasks.addWorker(m_ctx.redis, m_ctx.keys.topupDeliveryQueue(), lcTopup, "top-up step",
                      [this](const DelayedItem &item) { return m_service->handle(item); });
    // Safety net for steps and expiries that never reached the queue.
    m_tasks.addSweep(std::chrono::seconds(30), lcTopup, "top-up sweep", [this] {
        if (const int n = m_service->sweep())
            qCInfo(lcTopup) << "sweep re-scheduled or expired" << n << "top-ups";
    });
    m_tasks.addSweep(std::chrono::seconds(m_ctx.config.topupBalanceCheckSeconds()), lcTopup,
                     "balance check", [this] { m_service->checkBalances(); });
}

void TopupModule::stop()
{
    m_tasks.stop();
}

void TopupModule::registerRoutes(Router &router)
{
    registerRoomRoutes(router);
    registerTopupRoutes(router);
    registerMerchantNotifyRoute(router, m_ctx, m_service->options().appId,
                                QStringLiteral("/api/v1/topup-notify"),
                                [this](const QJsonObject &n) { m_service->applyPayResult(n); });
}

/// Buildings, rooms and the student's bound room.
void TopupModule::registerRoomRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;
    studentRoute(router, "GET", QStringLiteral("/api/v1/buildings"),
                 [this](qint64, const HttpRequest &) {
                     return HttpResponse::json(
                         200, QJsonArray::fromStringList(m_service->utility().buildings()));
                 });
    studentRoute(router, "GET", QStringLiteral("/api/v1/rooms"),
                 [this](qint64, const HttpRequest &r) {
                     const QString building =
                         r.query.queryItemValue(QStringLiteral("building"), QUrl::FullyDecoded);
                     if (building.size() > 64)
                         throw Error(ErrorCode::InvalidParameter, QStringLiteral("building"));
                     QJsonArray out;
                     const QList<UtilityRoom> rooms = m_service->utility().rooms(building);
                     for (const UtilityRoom &room : rooms)
                         out.append(roomJson(room.roomId, room.building, room.room));
                     return HttpResponse::json(200, out);
                 });
    studentRoute(router, "GET", QStringLiteral("/api/v1/me/room"),
                 [this, zone](qint64 userId, const HttpRequest &) {
                     return HttpResponse::json(200, roomViewJson(m_service->myRoom(userId), zone));
                 });
    // ?days=N (1..31, default 7): the room's use per day and utility, newest day last.
    studentRoute(
        router, "GET", QStringLiteral("/api/v1/me/room/usage"),
        [this](qint64 userId, const HttpRequest &r) {
            int days = 7;
            if (r.query.hasQueryItem(QStringLiteral("days"))) {
                bool ok = false;
                days = r.query.queryItemValue(QStringLiteral("days")).toInt(&ok);
                if (!ok || days < 1 || days > 31)
                    throw Error(ErrorCode::InvalidParameter, QStringLiteral("days is 1..31"));
            }
            QJsonArray out;
            const QList<UtilityUsageDay> usage = m_service->myUsage(userId, days);
            for (const UtilityUsageDay &u : usage)
                out.append(QJsonObject {{QStringLiteral("day"), u.day.toString(Qt::ISODate)},
                                        {QStringLiteral("utility"), utilityName(u.utility)},
                                        {QStringLiteral("amount"), u.amount}});
            return HttpResponse::json(200, out);
        });
    studentRoute(router, "PUT", QStringLiteral("/api/v1/me/room"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     const QJsonObject body = parseJsonObject(r);
                     const QString roomId = JsonFields {body, ErrorCode::InvalidParameter}.string(
                         QStringLiteral("roomId"), 32);
                     m_service->bindRoom(userId, roomId);
                     return HttpResponse::json(200, roomViewJson(m_service->myRoom(userId), zone));
                 });
    studentRoute(router, "DELETE", QStringLiteral("/api/v1/me/room"),
                 [this](qint64 userId, const HttpRequest &) {
                     m_service->unbindRoom(userId);
                     return HttpResponse::json(200, QJsonObject {});
                 });
}

/// A student's top-ups: the amounts offered, create, list, read, sign for payment.
void TopupModule::registerTopupRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;
    studentRoute(router, "GET", QStringLiteral("/api/v1/topup-options"),
                 [this](qint64, const HttpRequest &) {
                     const TopupOptions &o = m_service->options();
                     QJsonArray presets;
                     for (const qint64 p : o.presets)
                         presets.append(p);
                     return HttpResponse::json(
                         200,
                         QJsonObject {{QStringLiteral("presets"), presets},
                                      {QStringLiteral("minAmount"), o.minAmount},
                                      {QStringLiteral("maxAmount"), o.maxAmount},
                                      {QStringLiteral("utilities"),
                                       QJsonArray {QStringLiteral("ELECTRICITY"),
                                                   QStringLiteral("WATER")}}});
                 });
    studentRoute(router, "POST", QStringLiteral("/api/v1/topups"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     const QJsonObject body = parseJsonObject(r);
                     const QString utility = JsonFields {body, ErrorCode::InvalidParameter}.string(
                         QStringLiteral("utility"), 16);
                     // From the raw body: 12.0, 1e3 and "100" are refused (2001), never rounded.
                     const qint64 amount = amountFromJsonBody(r.body);
                     return HttpResponse::json(
                         201, topupJson(m_service->create(userId, utility, amount), zone));
                 });
    studentRoute(router, "GET", QStringLiteral("/api/v1/topups"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     const auto [limit, after] = pageParams(r);
                     const Page<Topup> page = m_service->list(userId, after, limit);
                     QJsonArray items;
                     for (const Topup &t : page.items)
                         items.append(topupJson(t, zone));
                     QJsonObject out {{QStringLiteral("items"), items}};
                     if (page.next)
                         out.insert(QStringLiteral("nextCursor"), page.next->toToken());
                     return HttpResponse::json(200, out);
                 });
    studentRoute(router, "GET", QStringLiteral("/api/v1/topups/{id}"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     return HttpResponse::json(
                         200, topupJson(m_service->get(userId, topupIdParam(r)), zone));
                 });
    studentRoute(router, "POST", QStringLiteral("/api/v1/topups/{id}/sign"),
                 [this](qint64 userId, const HttpRequest &r) {
                     const auto [orderId, cashier] = m_service->sign(userId, topupIdParam(r));
                     return HttpResponse::json(
                         200,
                         QJsonObject {{QStringLiteral("payOrderId"), snowflakeToString(orderId)},
                                      {QStringLiteral("cashier"), cashier}});
                 });
}

} // namespace pomelo
