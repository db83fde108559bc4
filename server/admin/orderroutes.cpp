#include "orderroutes.h"

#include "adminjson.h"
#include "adminqueries.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "http/jsonbody.h"
#include "pay/payservice.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QJsonArray>

namespace pomelo::admin {

namespace {

qint64 orderIdParam(const HttpRequest &r)
{
    return snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::OrderNotFound);
}

QString orderTarget(qint64 id)
{
    return QStringLiteral("order:") + snowflakeToString(id);
}

OrderFilter orderFilter(const HttpRequest &r, const QTimeZone &zone)
{
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
    return filter;
}

HttpResponse listOrders(const AdminRoutes &a, const HttpRequest &r)
{
    const QTimeZone &zone = a.ctx->zone;
    const Page<PayOrder> page =
        OrderRepository(a.ctx->db).list(orderFilter(r, zone), cursorParam(r), limitParam(r));
    return HttpResponse::json(
        200, toApiPage(page, [&zone](const PayOrder &o) { return toApi(o, zone); }).toJson());
}

HttpResponse closeOrder(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id = orderIdParam(r);
    const QString reason = requiredReason(parseJsonObject(r), r);
    return Audited(a.ctx->db, who, r, QStringLiteral("order.close"), orderTarget(id), reason)
        .run([&](QJsonObject &details) {
            PayService &pay = a.payService();
            const PayOrder before = a.findOrder(id);
            details.insert(QStringLiteral("before"), statusName(before.status));
            const PayOrder after = pay.close(before.appId, id, r.traceparent);
            details.insert(QStringLiteral("after"), statusName(after.status));
            return toApi(after, a.ctx->zone).toJson();
        });
}

HttpResponse verifyOrder(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id = orderIdParam(r);
    const QString reason = requiredReason(parseJsonObject(r), r);
    return Audited(a.ctx->db, who, r, QStringLiteral("order.verify"), orderTarget(id), reason)
        .run([&](QJsonObject &details) {
            PayService &pay = a.payService();
            const PayOrder before = a.findOrder(id);
            details.insert(QStringLiteral("before"), statusName(before.status));
            const auto [after, channel] = pay.verifyWithChannel(id, r.traceparent);
            details.insert(QStringLiteral("after"), statusName(after.status));
            const api::VerifyOrderResult result {toApi(after, a.ctx->zone),
                                                 toApi(channel, a.ctx->zone)};
            details.insert(QStringLiteral("channelState"), result.channel.state);
            return result.toJson();
        });
}

HttpResponse refundOrder(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id = orderIdParam(r);
    const QJsonObject body = parseJsonObject(r);
    const QString reason = requiredReason(body, r);
    const qint64 amount =
        JsonFields {body, ErrorCode::InvalidAmount}.integer(QStringLiteral("amount"), 1, 100000000);
    return Audited(a.ctx->db, who, r, QStringLiteral("order.refund"), orderTarget(id), reason)
        .run([&](QJsonObject &details) {
            PayService &pay = a.payService();
            const PayOrder order = a.findOrder(id);
            RefundInput input;
            input.appId = order.appId;
            input.orderId = id;
            input.outRefundNo = QStringLiteral("admin-") + snowflakeToString(a.ctx->ids.next());
            input.amount = amount;
            input.reason = reason.left(80); // the channels' limit; the audit keeps all
            input.initiator = QStringLiteral("ADMIN");
            input.traceparent = r.traceparent;
            details.insert(QStringLiteral("amount"), amount);
            details.insert(QStringLiteral("outRefundNo"), input.outRefundNo);
            const RefundResult result = pay.refund(input);
            return api::RefundOrderResult {toApi(result.refund, a.ctx->zone),
                                           toApi(result.order, a.ctx->zone)}
                .toJson();
        });
}

/// Every undelivered notification of order @p id; when all were delivered, the latest again (the
/// merchant says it lost it). The ids of those re-queued.
QStringList resendOfOrder(Database &db, qint64 id)
{
    NotificationRepository notifications(db);
    NotificationFilter nf;
    nf.orderId = id;
    const QList<MerchantNotification> all = notifications.list(nf, std::nullopt, MaxPageSize).items;
    if (all.isEmpty())
        throw Error(ErrorCode::NotFound, QStringLiteral("order has no merchant notification"));
    QList<qint64> ids;
    for (const MerchantNotification &n : all) {
        if (n.state != NotificationState::Delivered)
            ids.append(n.id);
    }
    const bool again = ids.isEmpty();
    if (again)
        ids.append(all.first().id); // newest first
    QStringList resent;
    db.transact([&](Transaction &tx) {
        resent.clear();
        for (const qint64 nid : std::as_const(ids)) {
            if (notifications.resend(tx, nid, nowMs(), again))
                resent.append(QString::number(nid));
        }
    });
    return resent;
}

HttpResponse renotifyOrder(const AdminRoutes &a, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id = orderIdParam(r);
    const QString reason = requiredReason(parseJsonObject(r), r);
    return Audited(a.ctx->db, who, r, QStringLiteral("order.renotify"), orderTarget(id), reason)
        .run([&](QJsonObject &details) {
            a.findOrder(id);
            const QStringList resent = resendOfOrder(a.ctx->db, id);
            a.wakeNotifier();
            details.insert(QStringLiteral("notifications"), QJsonArray::fromStringList(resent));
            return api::RenotifyResult {static_cast<int>(resent.size()), resent}.toJson();
        });
}

} // namespace

void registerOrderRoutes(const AdminRoutes &routes)
{
    const AdminRoutes a = routes;
    a.add("GET", "/admin/v1/orders", StaffRole::Staff,
          [a](const HttpRequest &r, const StaffPrincipal &) { return listOrders(a, r); });
    a.add("GET", "/admin/v1/orders/{id}", StaffRole::Staff,
          [a](const HttpRequest &r, const StaffPrincipal &) {
              return HttpResponse::json(
                  200, AdminQueries(*a.ctx).orderDetail(a.findOrder(orderIdParam(r))).toJson());
          });
    a.add("POST", "/admin/v1/orders/{id}/close", StaffRole::Admin,
          [a](const HttpRequest &r, const StaffPrincipal &who) { return closeOrder(a, r, who); });
    a.add("POST", "/admin/v1/orders/{id}/verify", StaffRole::Admin,
          [a](const HttpRequest &r, const StaffPrincipal &who) { return verifyOrder(a, r, who); });
    a.add("POST", "/admin/v1/orders/{id}/refund", StaffRole::Admin,
          [a](const HttpRequest &r, const StaffPrincipal &who) { return refundOrder(a, r, who); });
    a.add(
        "POST", "/admin/v1/orders/{id}/renotify", StaffRole::Admin,
        [a](const HttpRequest &r, const StaffPrincipal &who) { return renotifyOrder(a, r, who); });
}

} // namespace pomelo::admin
