#include "paymodule.h"

#include "channels/ecardclient.h"
#include "channels/wechatclient.h"
#include "domain/errors.h"
#include "domain/money.h"
#include "domain/snowflake.h"
#include "ecardstrategy.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "queuedtask.h"
#include "redis/rediskeys.h"
#include "telemetry/logging.h"
#include "wechatstrategy.h"

#include <QJsonDocument>

namespace pomelo {

namespace {

/// The query string as the object that was signed (every value a string).
QJsonObject queryObject(const HttpRequest &r)
{
    QJsonObject o;
    const auto items = r.query.queryItems(QUrl::FullyDecoded);
    for (const auto &item : items) {
        if (o.contains(item.first))
            throw Error(ErrorCode::InvalidSignature, QStringLiteral("repeated query parameter"));
        o.insert(item.first, item.second);
    }
    return o;
}

/// What a signature of @p r must be bound to: its method and path.
signing::Target targetOf(const HttpRequest &r)
{
    return {QString::fromLatin1(r.method), r.path};
}

} // namespace

PayModule::PayModule(const ServerContext &context, bool runWorkers)
    : m_ctx(context)
    , m_runWorkers(runWorkers)
    , m_box(context.secrets)
    , m_timeoutQueue(
          std::make_unique<DelayedQueue>(context.redis, context.keys.orderTimeoutQueue()))
{
    const QStringList channels = context.config.payChannels();
    if (channels.contains(QStringLiteral("ECARD")))
        m_strategies.add(std::make_unique<EcardStrategy>(context.config));
    if (channels.contains(QStringLiteral("WECHAT_JSAPI"))) {
        // Loads (and in sandbox mode generates) the keys now: a missing key stops the start with
        // a message naming it, rather than failing the first student's payment.
        auto wechat = std::make_unique<WechatStrategy>(context.config,
                                                       WechatClientOptions::load(context.config));
        m_wechat = wechat.get();
        m_strategies.add(std::move(wechat));
    }
    m_service = std::make_unique<PayService>(context, m_box, m_strategies, *m_timeoutQueue);
}

PayModule::~PayModule()
{
    stop();
}

void PayModule::start()
{
    if (!m_runWorkers)
        return;
    m_tasks.addWorker(m_ctx.redis, m_ctx.keys.orderTimeoutQueue(), lcPay, "order timeout",
                      [this](const DelayedItem &item) {
                          const std::optional<qint64> id =
                              snowflakeFromString(QString::fromLatin1(item.payload));
                          if (!id)
                              return true; // not ours to understand: drop rather than retry forever
                          return m_service->handleTimeout(*id);
                      });

    // Payment exceptions are refunded on their own, faster beat: money owed to a student waits
    // at most one period past its back-off.
    m_tasks.addSweep(std::chrono::seconds(std::min(60, m_ctx.config.refundRetrySeconds())), lcPay,
                     "payment exception refunds", [this] {
                         if (const int n = m_service->refundExceptions())
                             qCInfo(lcPay) << "asked again for" << n << "payment exception refunds";
                     });

    m_tasks.addSweep(std::chrono::minutes(1), lcPay, "order sweep", [this] {
        if (const int n = m_service->sweepExpired())
            qCInfo(lcPay) << "sweep handled" << n << "expired open orders";
        if (const int n = m_service->sweepRefunds())
            qCInfo(lcPay) << "sweep handled" << n << "open refunds";
    });
}

void PayModule::stop()
{
    m_tasks.stop();
}

void PayModule::registerRoutes(Router &router)
{
    // A merchant app's request: the signed fields are the JSON body, or the query of a GET.
    router.setAuthenticator(
        Access::Kind::SignedApp, [this](const Access &access, const HttpRequest &r) -> Principal {
            QJsonObject fields = r.method == "GET" ? queryObject(r) : parseJsonObject(r);
            const qint64 amount = access.withAmount ? amountFromJsonBody(r.body) : 0;
            App app = m_service->verifySigned(targetOf(r), fields, access.unsignedFields);
            return AppPrincipal {std::move(app), std::move(fields), amount};
        });
    registerOrderRoutes(router);
    registerPaymentRoutes(router);
    registerChannelRoutes(router);
}

/// Create, query and close orders.
void PayModule::registerOrderRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;
    router.add(
        "POST", QStringLiteral("/pay/v1/orders"), Access::signedWithAmount(),
        Router::as<AppPrincipal>([this, zone](const HttpRequest &r, const AppPrincipal &p) {
            CreateOrderInput in;
            in.amount = p.amount;
            const JsonFields f {p.fields, ErrorCode::InvalidOrderField};
            in.appId = p.app.appId;
            in.outTradeNo = f.string(QStringLiteral("outTradeNo"), 32);
            in.subject = f.string(QStringLiteral("subject"), 127);
            in.openId = f.string(QStringLiteral("openId"), 64);
            in.studentId = f.optionalString(QStringLiteral("studentId"), 20).value_or(QString());
            in.notifyUrl = f.string(QStringLiteral("notifyUrl"), 512);
            if (p.fields.contains(QStringLiteral("expireSeconds")))
                in.expireSeconds = f.integer(QStringLiteral("expireSeconds"), 1, 86400);
            in.traceparent = r.traceparent;
            const CreateOrderResult result = m_service->createOrder(p.app, in);
            return HttpResponse::json(result.created ? 201 : 200, orderJson(result.order, zone));
        }));

    router.add("GET", QStringLiteral("/pay/v1/orders/{orderId}"), Access::signedApp(),
               Router::as<AppPrincipal>([this, zone](const HttpRequest &r, const AppPrincipal &p) {
                   const qint64 id = snowflakeOr(r.pathParams.value(QStringLiteral("orderId")),
                                                 ErrorCode::OrderNotFound);
                   return HttpResponse::json(200,
                                             orderJson(m_service->order(p.app.appId, id), zone));
               }));

    router.add("POST", QStringLiteral("/pay/v1/orders/{orderId}/close"), Access::signedApp(),
               Router::as<AppPrincipal>([this, zone](const HttpRequest &r, const AppPrincipal &p) {
                   const qint64 id = snowflakeOr(r.pathParams.value(QStringLiteral("orderId")),
                                                 ErrorCode::OrderNotFound);
                   return HttpResponse::json(
                       200, orderJson(m_service->close(p.app.appId, id, r.traceparent), zone));
               }));
}

/// The cashier (pay an order with a channel) and refunds.
void PayModule::registerPaymentRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;
    router.add("POST", QStringLiteral("/pay/v1/refunds"), Access::signedWithAmount(),
               Router::as<AppPrincipal>([this, zone](const HttpRequest &r, const AppPrincipal &p) {
                   RefundInput in;
                   in.amount = p.amount;
                   in.appId = p.app.appId;
                   const JsonFields f {p.fields, ErrorCode::InvalidOrderField};
                   in.orderId = snowflakeOr(JsonFields {p.fields, ErrorCode::OrderNotFound}.string(
                                                QStringLiteral("orderId"), 32),
                                            ErrorCode::OrderNotFound);
                   in.outRefundNo = f.string(QStringLiteral("outRefundNo"), 64);
                   in.reason = f.optionalString(QStringLiteral("reason"), 80).value_or(QString());
                   in.traceparent = r.traceparent;
                   const RefundResult result = m_service->refund(in);
                   return HttpResponse::json(result.created ? 201 : 200,
                                             refundJson(result.refund, result.order, zone));
               }));

    // The channel is the student's choice at the cashier, not the merchant's: left unsigned.
    router.add(
        "POST", QStringLiteral("/pay/v1/cashier"),
        Access::signedWithAmount({QStringLiteral("channel")}),
        Router::as<AppPrincipal>([this, zone](const HttpRequest &r, const AppPrincipal &p) {
            CashierInput in;
            in.amount = p.amount;
            in.appId = p.app.appId;
            const JsonFields f {p.fields, ErrorCode::OrderNotFound};
            in.orderId =
                snowflakeOr(f.string(QStringLiteral("orderId"), 32), ErrorCode::OrderNotFound);
            in.channel = JsonFields {p.fields, ErrorCode::UnsupportedChannel}.string(
                QStringLiteral("channel"), 32);
            in.traceparent = r.traceparent;
            const CashierResult result = m_service->cashier(in);
            return HttpResponse::json(
                200,
                QJsonObject {{QStringLiteral("orderId"), snowflakeToString(result.order.id)},
                             {QStringLiteral("status"), statusName(result.order.status)},
                             {QStringLiteral("channel"), result.order.channel},
                             {QStringLiteral("payParams"), result.payParams},
                             {QStringLiteral("expiresAt"),
                              orderJson(result.order, zone).value(QStringLiteral("expiresAt"))}});
        }));
}

/// The channels' callbacks. A callback route exists only for a channel this instance offers: no
/// other door to PAID. Each is verified with the channel's keys before its handler runs; a
/// refusal is in the channel's own terms.
void PayModule::registerChannelRoutes(Router &router)
{
    if (m_wechat) {
        router.setAuthenticator(
            Access::Kind::Channel,
            [this](const Access &, const HttpRequest &r) -> Principal {
                std::optional<WechatNotification> n =
                    m_wechat->client().verifyNotification(r.headers, r.body);
                // WeChat only reads the status: anything but 2xx is sent again on its schedule.
                if (!n)
                    throw HttpRefusal(
                        HttpResponse::json(401,
                                           WechatClient::notificationFailBody(
                                               QStringLiteral("signature or content invalid"))));
                return ChannelPrincipal {m_wechat->channel(), std::move(*n)};
            },
            m_wechat->channel());
        router.add(
            "POST", QStringLiteral("/pay/v1/notify/wechat"),
            Access::channelCallback(m_wechat->channel()),
            Router::as<ChannelPrincipal>([this](const HttpRequest &r, const ChannelPrincipal &p) {
                return handleWechatNotification(
                    r, std::any_cast<const WechatNotification &>(p.message));
            }));
    }
    const QString ecardChannel = QStringLiteral("ECARD");
    if (m_ctx.config.payChannels().contains(ecardChannel)) {
        router.setAuthenticator(
            Access::Kind::Channel,
            [this, ecardChannel](const Access &, const HttpRequest &r) -> Principal {
                const EcardClient client(EcardClientOptions::fromConfig(m_ctx.config));
                std::optional<EcardNotification> n = client.verifyNotification(r.body);
                if (!n)
                    throw HttpRefusal(HttpResponse::json(
                        400,
                        QJsonObject {
                            {QStringLiteral("retcode"), QString(ecard::retcode::signError)},
                            {QStringLiteral("retmsg"), QStringLiteral("verification failed")}}));
                return ChannelPrincipal {ecardChannel, std::move(*n)};
            },
            ecardChannel);
        router.add(
            "POST", QStringLiteral("/pay/v1/notify/ecard"), Access::channelCallback(ecardChannel),
            Router::as<ChannelPrincipal>([this](const HttpRequest &r, const ChannelPrincipal &p) {
                return handleEcardNotification(r,
                                               std::any_cast<const EcardNotification &>(p.message));
            }));
    }
}

HttpResponse PayModule::handleEcardNotification(const HttpRequest &r, const EcardNotification &n)
{
    ChannelResult result;
    result.notifyId = n.notifyId;
    result.success = n.tradeState == ecard::TradeState::Success;
    ChannelPaymentRecord &p = result.payment;
    p.channel = QStringLiteral("ECARD");
    p.tradeNo = n.tradeNo;
    p.outTradeNo = n.outTradeNo;
    p.amount = n.amount;
    // The card center keeps fen of CNY only, and verifyNotification() checked its partner_id.
    p.currency = QStringLiteral("CNY");
    p.merchantId = m_ctx.config.ecardPartnerId();
    p.prepayId = n.prepayId;
    if (n.paidTime.isValid())
        p.paidAt = n.paidTime.toMSecsSinceEpoch();
    QJsonObject payload = QJsonDocument::fromJson(r.body).object();
    payload.remove(QStringLiteral("sign"));
    result.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    result.traceparent = r.traceparent;
    m_service->applyChannelResult(result);
    return HttpResponse::json(200, EcardClient::notificationAck());
}

HttpResponse PayModule::handleWechatNotification(const HttpRequest &r, const WechatNotification &n)
{
    // WeChat only reads the status: 2xx is delivered, anything else is sent again on its
    // schedule. So every failure of ours is a 5xx with its FAIL body.
    QJsonObject recorded = QJsonDocument::fromJson(r.body).object();
    try {
        if (n.transaction) {
            const WechatTransaction &t = *n.transaction;
            ChannelResult result;
            result.notifyId = n.id;
            result.success = t.tradeState == wechat::TradeState::Success;
            result.payment = wechatPaymentRecord(t);
            // The decrypted transaction is what is kept (the ciphertext is of no use to admins),
            // without the payer's openid.
            QJsonObject plain = wechat::transactionToJson(t);
            plain.remove(QStringLiteral("payer"));
            recorded.insert(QStringLiteral("resource"), plain);
            result.payload = QJsonDocument(recorded).toJson(QJsonDocument::Compact);
            result.traceparent = r.traceparent;
            if (result.success)
                m_service->applyChannelResult(result);
            else
                qCInfo(lcPay).noquote()
                    << "WeChat notification" << n.id << n.eventType << "trade state"
                    << wechat::tradeStateName(t.tradeState) << "ignored";
        } else if (n.refund) {
            const WechatRefund &rf = *n.refund;
            const ChannelRefundStatus status = channelRefundStatus(rf);
            recorded.insert(QStringLiteral("resource"), wechat::refundToJson(rf, true));
            m_service->applyRefundResult(
                m_wechat->channel(), n.id, snowflakeFromString(rf.outRefundNo).value_or(0), status,
                QJsonDocument(recorded).toJson(QJsonDocument::Compact), r.traceparent);
        }
    } catch (const Error &e) {
        qCWarning(lcPay).noquote() << "WeChat notification" << n.id << "not applied, WeChat will"
                                   << "send it again:" << e.detail();
        return HttpResponse::json(
            500, WechatClient::notificationFailBody(QStringLiteral("not applied, try again")));
    }
    HttpResponse ok;
    ok.status = 204;
    return ok;
}

} // namespace pomelo
