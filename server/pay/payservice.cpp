#include "payservice.h"

#include "domain/errors.h"
#include "domain/money.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "net/outboundpolicy.h"
#include "paymentcheck.h"
#include "redis/delayedqueue.h"
#include "redis/redislock.h"
#include "redis/replayguard.h"
#include "storage/callbackrepository.h"
#include "storage/notificationrepository.h"
#include "storage/refundrepository.h"
#include "telemetry/continuedspan.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QUrl>

#include <chrono>

namespace pomelo {

namespace {

using namespace std::chrono_literals;

constexpr int NonceTtlSeconds = 600; // twice the timestamp window
constexpr auto PayingLockWait = 5s;

qint64 currentMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

/// What a merchant is told. REFUNDING -> PAID (a partial refund, or a refund the channel refused)
/// is not news: the merchant was told PAID already and learns of refunds from their answers.
bool notifiesMerchant(OrderStatus from, OrderStatus to)
{
    if (to == OrderStatus::Paid)
        return from != OrderStatus::Refunding;
    return to == OrderStatus::Closed || to == OrderStatus::Failed || to == OrderStatus::Refunded;
}

/// The status change and, for what a merchant must know, its notification row — one
/// transaction. nullopt when the compare-and-set lost.
std::optional<TransitionResult> transitionOrder(Transaction &tx, Database &db,
                                                const PayOrder &order, OrderStatus to,
                                                const OrderChanges &changes,
                                                const QString &traceparent)
{
    // The change is a span of its own, and its event carries that span's traceparent: the
    // relay's publish, the consumers and the merchant's notification continue from here, and
    // the console's timeline names the span. @p traceparent only stands in when no span is
    // current (nothing should call this outside one).
    const SpanContext current = currentSpanContext();
    ScopedSpan span(QStringLiteral("order.transition"), SpanKind::Internal,
                    current.isValid()
                        ? current
                        : SpanContext::fromTraceparent(traceparent.toLatin1()).value_or(current));
    if (span.span().isRecording()) {
        span.setAttribute(QStringLiteral("order.id"), snowflakeToString(order.id));
        span.setAttribute(QStringLiteral("order.prev_status"), statusName(order.status));
        span.setAttribute(QStringLiteral("order.status"), statusName(to));
        span.setAttribute(QStringLiteral("app.id"), order.appId);
    }
    OrderTransition t;
    t.orderId = order.id;
    t.expectedVersion = order.version;
    t.from = order.status;
    t.to = to;
    t.traceparent = QString::fromLatin1(span.context().toTraceparent());
    t.changes = changes;
    const std::optional<TransitionResult> result = OrderRepository(db).transition(tx, t);
    if (result && notifiesMerchant(order.status, to)) {
        MerchantNotification n;
        n.orderId = order.id;
        n.appId = order.appId;
        n.eventId = result->eventId;
        n.orderStatus = statusName(to);
        n.url = order.notifyUrl;
        NotificationRepository(db).enqueue(tx, n);
    }
    if (!result)
        span.setAttribute(QStringLiteral("order.transition.applied"), false);
    if (result)
        qCInfo(lcPay).noquote() << "order" << order.id << statusName(order.status) << "->"
                                << statusName(to);
    return result;
}

bool sameOrder(const PayOrder &o, const CreateOrderInput &in)
{
    return o.amount == in.amount && o.subject == in.subject && o.openId == in.openId
        && o.studentId == in.studentId && o.notifyUrl == in.notifyUrl;
}

void checkFields(const App &app, const CreateOrderInput &in, bool development)
{
    auto refuse = [](const char *why) {
        throw Error(ErrorCode::InvalidOrderField, QString::fromLatin1(why));
    };
    static const QRegularExpression tradeNoRe(QStringLiteral("^[A-Za-z0-9_-]{1,32}$"));
    static const QRegularExpression openIdRe(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    static const QRegularExpression studentRe(QStringLiteral("^[A-Za-z0-9]{4,20}$"));
    if (!tradeNoRe.match(in.outTradeNo).hasMatch())
        refuse("outTradeNo is [A-Za-z0-9_-]{1,32}");
    if (in.subject.isEmpty() || in.subject.size() > 127 || hasControlCharacters(in.subject)
        || in.subject.contains(u'&') || in.subject.contains(u'=') || in.subject.trimmed().isEmpty())
        refuse("subject is 1..127 characters without control characters, '&' or '='");
    if (!openIdRe.match(in.openId).hasMatch())
        refuse("openId malformed");
    if (!in.studentId.isEmpty() && !studentRe.match(in.studentId).hasMatch())
        refuse("studentId malformed");
    if (in.expireSeconds && (*in.expireSeconds < 1 || *in.expireSeconds > 86400))
        refuse("expireSeconds is 1..86400");
    const QUrl url(in.notifyUrl, QUrl::StrictMode);
    if (in.notifyUrl.size() > 512 || !url.isValid() || url.hasFragment())
        refuse("notifyUrl must be an absolute http(s) URL");
    // The merchant's answer comes from wherever notifyUrl points: never inward, unless the app
    // is an internal campus service (and loopback only in development).
    const OutboundPolicy policy {app.notifyHosts, app.internal, app.internal && development};
    if (const QString why = policy.checkUrl(url); !why.isEmpty())
        throw Error(ErrorCode::InvalidOrderField, QStringLiteral("notifyUrl: ") + why);
    // A name that does not resolve now may later (delivery checks again, and retries); one that
    // resolves to forbidden addresses only is refused now.
    QString why;
    bool unresolved = false;
    if (!policy.resolve(url, &why, &unresolved) && !unresolved)
        throw Error(ErrorCode::InvalidOrderField, QStringLiteral("notifyUrl: ") + why);
}

} // namespace

QJsonObject orderJson(const PayOrder &o, const QTimeZone &zone)
{
    QJsonObject j {
        {QStringLiteral("orderId"), snowflakeToString(o.id)},
        {QStringLiteral("appId"), o.appId},
        {QStringLiteral("outTradeNo"), o.outTradeNo},
        {QStringLiteral("amount"), o.amount},
        {QStringLiteral("subject"), o.subject},
        {QStringLiteral("status"), statusName(o.status)},
        {QStringLiteral("expiresAt"), rfc3339(o.expiresAt, zone)},
        {QStringLiteral("createdAt"), rfc3339(o.createdAt, zone)},
        {QStringLiteral("updatedAt"), rfc3339(o.updatedAt, zone)},
    };
    if (!o.channel.isEmpty())
        j.insert(QStringLiteral("channel"), o.channel);
    if (!o.channelTradeNo.isEmpty())
        j.insert(QStringLiteral("channelTradeNo"), o.channelTradeNo);
    if (o.paidAt)
        j.insert(QStringLiteral("paidAt"), rfc3339(*o.paidAt, zone));
    if (o.closedAt)
        j.insert(QStringLiteral("closedAt"), rfc3339(*o.closedAt, zone));
    if (o.refundedAmount)
        j.insert(QStringLiteral("refundedAmount"), o.refundedAmount);
    if (o.needsRefund)
        j.insert(QStringLiteral("needsRefund"), true);
    return j;
}

QJsonObject refundJson(const Refund &r, const PayOrder &o, const QTimeZone &zone)
{
    QJsonObject j {
        {QStringLiteral("refundId"), snowflakeToString(r.id)},
        {QStringLiteral("orderId"), snowflakeToString(r.orderId)},
        {QStringLiteral("outRefundNo"), r.outRefundNo},
        {QStringLiteral("amount"), r.amount},
        {QStringLiteral("status"), refundStatusName(r.status)},
        {QStringLiteral("createdAt"), rfc3339(r.createdAt, zone)},
        {QStringLiteral("orderStatus"), statusName(o.status)},
        {QStringLiteral("refundedAmount"), o.refundedAmount},
    };
    if (!r.reason.isEmpty())
        j.insert(QStringLiteral("reason"), r.reason);
    if (!r.channelRefundNo.isEmpty())
        j.insert(QStringLiteral("channelRefundNo"), r.channelRefundNo);
    if (r.finishedAt)
        j.insert(QStringLiteral("finishedAt"), rfc3339(*r.finishedAt, zone));
    return j;
}

PayService::PayService(const ServerContext &context, const SecretBox &box,
                       const PaymentStrategyRegistry &strategies, DelayedQueue &timeoutQueue)
    : m_ctx(context)
    , m_box(box)
    , m_strategies(strategies)
    , m_timeoutQueue(timeoutQueue)
    , m_exceptions(context, strategies)
{ }

App PayService::verifySigned(const signing::Target &target, const QJsonObject &request,
                             const QStringList &unsignedKeys)
{
    const signing::SignedRequest envelope = signing::parseSignedRequest(request);
    const std::optional<App> app = AppRepository(m_ctx.db, m_box).find(envelope.appId);
    if (!app || !app->active)
        throw Error(ErrorCode::UnknownApp, QStringLiteral("unknown or inactive app"));
    signing::checkSignedRequest(target, request, app->secret, currentMs() / 1000, unsignedKeys);
    if (!ReplayGuard(m_ctx.redis, m_ctx.keys)
             .claimNonce(envelope.appId, envelope.nonce, NonceTtlSeconds))
        throw Error(ErrorCode::RequestExpiredOrReplayed, QStringLiteral("nonce reused"));
    return *app;
}

CreateOrderResult PayService::createOrder(const App &app, const CreateOrderInput &in)
{
    ScopedSpan span(QStringLiteral("pay.createOrder"));
    checkedAmount(in.amount);
    checkFields(app, in, !m_ctx.config.isProduction());
    OrderRepository orders(m_ctx.db);
    auto existing = [&]() -> std::optional<CreateOrderResult> {
        const std::optional<PayOrder> o = orders.findByOutTradeNo(app.appId, in.outTradeNo);
        if (!o)
            return std::nullopt;
        if (!sameOrder(*o, in))
            throw Error(ErrorCode::OutTradeNoReused,
                        QStringLiteral("outTradeNo reused with other fields"));
        span.setAttribute(QStringLiteral("order.id"), snowflakeToString(o->id));
        span.setAttribute(QStringLiteral("order.status"), statusName(o->status));
        return CreateOrderResult {*o, false};
    };
    if (auto r = existing())
        return *r;

    const qint64 now = currentMs();
    PayOrder order;
    order.id = m_ctx.ids.next();
    order.appId = app.appId;
    order.outTradeNo = in.outTradeNo;
    order.amount = in.amount;
    order.subject = in.subject;
    order.openId = in.openId;
    order.studentId = in.studentId;
    order.notifyUrl = in.notifyUrl;
    order.status = OrderStatus::Init;
    order.createdAt = now;
    order.updatedAt = now;
    order.expiresAt =
        now + 1000 * in.expireSeconds.value_or(qint64(m_ctx.config.orderTimeoutSeconds()));
    // The INIT event carries this span: the cashier, the callback and the timeout continue it.
    const QString traceparent = QString::fromLatin1(span.context().toTraceparent());
    const bool inserted = m_ctx.db.transact(
        [&](Transaction &tx) { return orders.insert(tx, order, {}, traceparent).has_value(); });
    if (!inserted) {
        // A concurrent identical request won the unique (appId, outTradeNo).
        if (auto r = existing())
            return *r;
        throw Error(ErrorCode::Internal, QStringLiteral("order insert refused but none found"));
    }
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(order.id));
    span.setAttribute(QStringLiteral("order.status"), statusName(order.status));
    // Scheduled now, after the commit, not only at the cashier: an order the student never takes
    // to the cashier would otherwise wait for the one-minute sweep, its booking's slot held
    // meanwhile. The cashier schedules the same item again (same id, same due time).
    scheduleTimeout(order);
    qCInfo(lcPay).noquote() << "order" << order.id << "created for" << app.appId << in.outTradeNo
                            << "amount" << order.amount;
    return {orders.find(order.id).value_or(order), true};
}

PayOrder PayService::order(const QString &appId, qint64 orderId) const
{
    const std::optional<PayOrder> o = OrderRepository(m_ctx.db).find(orderId);
    if (!o || o->appId != appId)
        throw Error(ErrorCode::OrderNotFound, QStringLiteral("no such order of this app"));
    return *o;
}

CashierResult PayService::cashier(const CashierInput &in)
{
    ContinuedSpan span(QStringLiteral("pay.cashier"),
                       OrderRepository(m_ctx.db).latestTraceparent(in.orderId));
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(in.orderId));
    span.setAttribute(QStringLiteral("pay.channel"), in.channel);
    const LockGuard guard = holdPayingLock(in.orderId);
    const PayOrder o = order(in.appId, in.orderId);
    span.setAttribute(QStringLiteral("order.status"), statusName(o.status));
    if (isFinished(o.status))
        throw Error(ErrorCode::OrderFinished, QStringLiteral("order is ") + statusName(o.status));
    if (o.status != OrderStatus::Init)
        throw Error(ErrorCode::DuplicatePayment,
                    QStringLiteral("order is ") + statusName(o.status));
    if (in.amount != o.amount)
        throw Error(ErrorCode::InvalidAmount, QStringLiteral("amount differs from the order's"));
    if (o.expiresAt <= currentMs())
        throw Error(ErrorCode::OrderFinished, QStringLiteral("order expired"));
    const PaymentStrategy *strategy = m_strategies.find(in.channel);
    if (!strategy)
        throw Error(ErrorCode::UnsupportedChannel, QStringLiteral("channel ") + in.channel);
    strategy->validate(o);

    // The channel order first: it is idempotent at the channel, so a channel failure leaves the
    // order INIT and the cashier can simply be retried.
    const ChannelPayment payment = strategy->open(o);
    OrderChanges changes;
    changes.channel = strategy->channel();
    changes.prepayId = payment.prepayId;
    const bool moved = m_ctx.db.transact([&](Transaction &tx) {
        return transitionOrder(tx, m_ctx.db, o, OrderStatus::Paying, changes, in.traceparent)
            .has_value();
    });
    if (!moved)
        throw Error(ErrorCode::DuplicatePayment, QStringLiteral("order changed meanwhile"));
    const PayOrder paying = order(in.appId, in.orderId);
    span.setAttribute(QStringLiteral("order.status"), statusName(paying.status));
    scheduleTimeout(paying);
    return {paying, payment.payParams};
}

LockGuard PayService::holdPayingLock(qint64 orderId) const
{
    LockGuard guard =
        LockGuard::tryAcquire(m_ctx.locks, m_ctx.keys.payingLock(orderId), PayingLockWait);
    if (!guard)
        throw Error(ErrorCode::DuplicatePayment, QStringLiteral("paying lock busy"));
    return guard;
}

void PayService::scheduleTimeout(const PayOrder &order)
{
    const qint64 delay = std::max<qint64>(0, order.expiresAt - currentMs());
    try {
        m_timeoutQueue.schedule(snowflakeToString(order.id).toLatin1(),
                                snowflakeToString(order.id).toLatin1(),
                                std::chrono::milliseconds(delay));
    } catch (const Error &e) {
        // The sweep over expired open orders closes it instead.
        qCWarning(lcPay).noquote()
            << "order" << order.id << "timeout not scheduled, left to the sweep:" << e.detail();
    }
}

PayOrder PayService::close(const QString &appId, qint64 orderId, const QString &traceparent)
{
    ContinuedSpan span(QStringLiteral("pay.close"),
                       OrderRepository(m_ctx.db).latestTraceparent(orderId));
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(orderId));
    const LockGuard guard = holdPayingLock(orderId);
    const PayOrder o = order(appId, orderId);
    if (isFinished(o.status))
        throw Error(ErrorCode::OrderFinished, QStringLiteral("order is ") + statusName(o.status));
    const PayOrder after = finishUnpaid(o, traceparent);
    span.setAttribute(QStringLiteral("order.status"), statusName(after.status));
    if (after.status != OrderStatus::Closed)
        throw Error(ErrorCode::OrderFinished,
                    QStringLiteral("order turned out ") + statusName(after.status));
    return after;
}

PayService::PaymentOutcome PayService::applyPayment(Transaction &tx,
                                                    const std::optional<PayOrder> &order,
                                                    const ChannelPaymentRecord &payment,
                                                    const QString &traceparent)
{
    const PaymentStrategy *strategy = m_strategies.find(payment.channel);
    const MerchantIdentity us = strategy ? strategy->identity() : MerchantIdentity {};
    if (const std::optional<PaymentMismatch> m = checkPayment(order, payment, us)) {
        PaymentException e;
        e.id = m_ctx.ids.next();
        e.channel = payment.channel;
        e.channelTradeNo = payment.tradeNo;
        e.outTradeNo = payment.outTradeNo;
        if (order) {
            e.orderId = order->id;
            e.orderAmount = order->amount;
        }
        e.paidAmount = payment.amount;
        e.currency = payment.currency;
        e.reason = m->reason;
        e.detail = m->detail;
        e.nextRefundAt = m_exceptions.firstRetryAt();
        const QString outcome =
            QStringLiteral("EXCEPTION_") + paymentExceptionReasonName(m->reason);
        // Recorded once per channel payment, however often (and by whichever road) it comes.
        if (!PaymentExceptionRepository(m_ctx.db).record(tx, e))
            return {outcome, std::nullopt};
        return {outcome, e};
    }
    PayOrder o = *order;
    if (o.status != OrderStatus::Init && o.status != OrderStatus::Paying)
        return {QStringLiteral("ALREADY_PAID"), std::nullopt};
    if (o.status == OrderStatus::Init) {
        // The channel order is opened before INIT -> PAYING commits; a payment in between still
        // takes the legal path.
        const auto r = transitionOrder(tx, m_ctx.db, o, OrderStatus::Paying, {}, traceparent);
        if (!r)
            throw Error(ErrorCode::Internal, QStringLiteral("order moved under its row lock"));
        o.version = r->newVersion;
        o.status = OrderStatus::Paying;
    }
    OrderChanges changes;
    changes.channelTradeNo = payment.tradeNo;
    changes.paidAt = payment.paidAt.value_or(currentMs());
    if (!transitionOrder(tx, m_ctx.db, o, OrderStatus::Paid, changes, traceparent))
        throw Error(ErrorCode::Internal, QStringLiteral("order moved under its row lock"));
    return {QStringLiteral("APPLIED"), std::nullopt};
}

bool PayService::markPaid(const PayOrder &order, const ChannelTradeStatus &status,
                          const QString &traceparent)
{
    bool paid = false;
    const std::optional<PaymentException> recorded =
        m_ctx.db.transact([&](Transaction &tx) -> std::optional<PaymentException> {
            const std::optional<PayOrder> o =
                OrderRepository(m_ctx.db).find(tx, order.id, RowLock::ForUpdate);
            if (!o)
                return std::nullopt;
            PaymentOutcome r = applyPayment(tx, o, status.payment, traceparent);
            paid =
                r.outcome == QLatin1String("APPLIED") || r.outcome == QLatin1String("ALREADY_PAID");
            return r.exception;
        });
    if (recorded)
        m_exceptions.recorded(*recorded);
    return paid;
}

PayOrder PayService::finishUnpaid(const PayOrder &order, const QString &traceparent)
{
    OrderStatus to = OrderStatus::Closed;
    if (const PaymentStrategy *strategy =
            order.channel.isEmpty() ? nullptr : m_strategies.find(order.channel)) {
        ChannelTradeStatus status = strategy->query(order);
        if (status.state == ChannelTradeStatus::State::NotPaid)
            status = strategy->close(order);
        // Paid, but not exactly this order's payment: the payment is an exception (refunded)
        // and the order closes unpaid; the channel keeps it paid, so it is closed here only.
        if (status.state == ChannelTradeStatus::State::Paid && markPaid(order, status, traceparent))
            return *OrderRepository(m_ctx.db).find(order.id);
        if (status.state == ChannelTradeStatus::State::Failed
            && order.status == OrderStatus::Paying)
            to = OrderStatus::Failed;
    }
    m_ctx.db.transact([&](Transaction &tx) {
        const std::optional<PayOrder> o =
            OrderRepository(m_ctx.db).find(tx, order.id, RowLock::ForUpdate);
        if (!o || (o->status != OrderStatus::Init && o->status != OrderStatus::Paying))
            return;
        OrderChanges changes;
        if (to == OrderStatus::Closed)
            changes.closedAt = currentMs();
        // INIT cannot fail: an INIT order is simply closed.
        transitionOrder(tx, m_ctx.db, *o, o->status == OrderStatus::Init ? OrderStatus::Closed : to,
                        changes, traceparent);
    });
    return *OrderRepository(m_ctx.db).find(order.id);
}

void PayService::applyChannelResult(const ChannelResult &result)
{
    const ChannelPaymentRecord &payment = result.payment;
    const qint64 orderId = snowflakeFromString(payment.outTradeNo).value_or(0);
    // The channel's callback comes in a trace of its own (the channel does not trace with us):
    // its handling continues the order's trace and links the callback request.
    ContinuedSpan span(QStringLiteral("pay.callback"),
                       orderId ? OrderRepository(m_ctx.db).latestTraceparent(orderId) : QString());
    if (span.span().span().isRecording()) {
        span.setAttribute(QStringLiteral("order.id"), payment.outTradeNo);
        span.setAttribute(QStringLiteral("pay.channel"), payment.channel);
        span.setAttribute(QStringLiteral("pay.callback.success"), result.success);
    }
    const std::optional<PaymentException> recorded =
        m_ctx.db.transact([&](Transaction &tx) -> std::optional<PaymentException> {
            CallbackRepository callbacks(m_ctx.db);
            ChannelCallback cb;
            cb.channel = payment.channel;
            cb.notifyId = result.notifyId;
            if (orderId)
                cb.orderId = orderId;
            cb.eventType =
                result.success ? QStringLiteral("PAY_SUCCESS") : QStringLiteral("PAY_FAILED");
            cb.payload = result.payload;
            cb.outcome = QStringLiteral("RECEIVED");
            if (!callbacks.record(tx, cb)) {
                qCInfo(lcPay).noquote()
                    << payment.channel << "callback" << result.notifyId << "repeated: ignored";
                return std::nullopt;
            }
            const std::optional<PayOrder> o = orderId
                ? OrderRepository(m_ctx.db).find(tx, orderId, RowLock::ForUpdate)
                : std::nullopt;
            PaymentOutcome r;
            if (result.success) {
                r = applyPayment(tx, o, payment, result.traceparent);
            } else if (o && o->status == OrderStatus::Paying) {
                if (!transitionOrder(tx, m_ctx.db, *o, OrderStatus::Failed, {}, result.traceparent))
                    throw Error(ErrorCode::Internal,
                                QStringLiteral("order moved under its row lock"));
                r.outcome = QStringLiteral("APPLIED");
            } else {
                r.outcome = o ? QStringLiteral("IGNORED") : QStringLiteral("UNKNOWN_ORDER");
            }
            callbacks.setOutcome(tx, cb.id, r.outcome);
            return r.exception;
        });
    // After the commit: the refund goes out to the channel, which must not happen in a
    // transaction that could still roll back.
    if (recorded)
        m_exceptions.recorded(*recorded);
}

int PayService::refundExceptions(int limit)
{
    return m_exceptions.refundDue(limit);
}

bool PayService::handleTimeout(qint64 orderId)
{
    // Fired by the delayed queue, the span continues the trace that scheduled it; swept up, it
    // continues the order's.
    ContinuedSpan span(QStringLiteral("pay.timeout"),
                       OrderRepository(m_ctx.db).latestTraceparent(orderId));
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(orderId));
    LockGuard guard =
        LockGuard::tryAcquire(m_ctx.locks, m_ctx.keys.payingLock(orderId), PayingLockWait);
    if (!guard)
        return false; // a cashier or a close holds it: delivered again later
    const std::optional<PayOrder> o = OrderRepository(m_ctx.db).find(orderId);
    if (!o || (o->status != OrderStatus::Init && o->status != OrderStatus::Paying))
        return true;
    if (o->expiresAt > currentMs() + 1000) {
        scheduleTimeout(*o); // fired early (rescheduled by hand): wait for its real expiry
        return true;
    }
    const PayOrder after = finishUnpaid(*o, {});
    span.setAttribute(QStringLiteral("order.status"), statusName(after.status));
    return true;
}

int PayService::sweepExpired(int limit)
{
    int n = 0;
    const QList<PayOrder> due = OrderRepository(m_ctx.db).expiredOpen(currentMs(), limit);
    for (const PayOrder &o : due) {
        try {
            if (handleTimeout(o.id))
                ++n;
        } catch (const Error &e) {
            qCWarning(lcPay).noquote() << "sweep: order" << o.id << "not closed:" << e.detail();
        }
    }
    return n;
}

namespace {

/// A refund of (part of) an order's payment, as the channel is asked for it: its out_refund_no is
/// the refund id, so asking again never refunds twice.
ChannelRefundRequest refundRequest(const PayOrder &o, const Refund &r)
{
    return {
        snowflakeToString(o.id), QString(), snowflakeToString(r.id), r.amount, o.amount, r.reason};
}

/// Only a PAID order is refunded as an order: money that came for a CLOSED or FAILED order is a
/// payment exception with a refund of its own, so such an order never goes back to PAID.
bool refundable(const PayOrder &o)
{
    return o.status == OrderStatus::Paid;
}

RefundStatus refundStatusOf(ChannelRefundStatus::State state)
{
    switch (state) {
    case ChannelRefundStatus::State::Success:
        return RefundStatus::Success;
    case ChannelRefundStatus::State::Closed:
        return RefundStatus::Closed;
    case ChannelRefundStatus::State::Abnormal:
        return RefundStatus::Abnormal;
    case ChannelRefundStatus::State::Processing:
    case ChannelRefundStatus::State::Unknown:
        break;
    }
    return RefundStatus::Processing;
}

/// Applies a settled refund (@p status not Processing/Unknown) in @p tx: the refund row and its
/// order (REFUNDING -> REFUNDED, or back to PAID). Returns the outcome recorded with a callback.
QString applyRefundStatus(Transaction &tx, Database &db, qint64 refundId,
                          const ChannelRefundStatus &status, const QString &traceparent)
{
    RefundRepository refunds(db);
    const std::optional<Refund> unlocked = refunds.find(tx, refundId);
    if (!unlocked)
        return QStringLiteral("UNKNOWN_REFUND");
    // The order's row first, then the refund's: the order in which refund() takes them too.
    const std::optional<PayOrder> o =
        OrderRepository(db).find(tx, unlocked->orderId, RowLock::ForUpdate);
    const std::optional<Refund> r = refunds.find(tx, refundId, RowLock::ForUpdate);
    if (r->status != RefundStatus::Processing)
        return QStringLiteral("ALREADY_SETTLED");
    if (status.state == ChannelRefundStatus::State::Processing
        || status.state == ChannelRefundStatus::State::Unknown) {
        if (!status.refundNo.isEmpty() && r->channelRefundNo != status.refundNo)
            refunds.setChannelRefundNo(tx, r->id, r->version, r->channel, status.refundNo);
        return QStringLiteral("PROCESSING");
    }
    const RefundStatus to = refundStatusOf(status.state);
    if (!refunds.finish(tx, r->id, r->version, to, status.refundNo))
        throw Error(ErrorCode::Internal, QStringLiteral("refund moved under its row lock"));
    qCInfo(lcPay).noquote() << "refund" << r->id << "of order" << r->orderId << "amount"
                            << r->amount << "->" << refundStatusName(to);
    if (!o || o->status != OrderStatus::Refunding) {
        qCWarning(lcPay).noquote() << "refund" << r->id << "settled but order" << r->orderId << "is"
                                   << (o ? statusName(o->status) : QStringLiteral("gone"));
        return QStringLiteral("APPLIED");
    }
    OrderChanges changes;
    OrderStatus next = OrderStatus::Paid;
    if (to == RefundStatus::Success) {
        const qint64 refunded = o->refundedAmount + r->amount;
        changes.refundedAmount = refunded;
        if (refunded >= o->amount) {
            next = OrderStatus::Refunded;
            changes.needsRefund = false;
        }
    }
    if (!transitionOrder(tx, db, *o, next, changes, traceparent))
        throw Error(ErrorCode::Internal, QStringLiteral("order moved under its row lock"));
    return QStringLiteral("APPLIED");
}

} // namespace

RefundResult PayService::refund(const RefundInput &in)
{
    ContinuedSpan span(QStringLiteral("pay.refund"),
                       OrderRepository(m_ctx.db).latestTraceparent(in.orderId));
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(in.orderId));
    checkedAmount(in.amount);
    static const QRegularExpression refundNoRe(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    if (!refundNoRe.match(in.outRefundNo).hasMatch())
        throw Error(ErrorCode::InvalidOrderField,
                    QStringLiteral("outRefundNo is [A-Za-z0-9_-]{1,64}"));
    if (in.reason.size() > 80 || hasControlCharacters(in.reason))
        throw Error(ErrorCode::InvalidOrderField,
                    QStringLiteral("reason is at most 80 characters without control characters"));
    RefundRepository refunds(m_ctx.db);
    OrderRepository orders(m_ctx.db);
    auto existing = [&]() -> std::optional<RefundResult> {
        const std::optional<Refund> r = refunds.findByOutRefundNo(in.appId, in.outRefundNo);
        if (!r)
            return std::nullopt;
        if (r->orderId != in.orderId || r->amount != in.amount)
            throw Error(ErrorCode::OutTradeNoReused,
                        QStringLiteral("outRefundNo reused with other fields"));
        return RefundResult {*r, order(in.appId, in.orderId), false};
    };
    if (auto r = existing())
        return *r;

    // The paying lock serialises refunds with the timeout worker, closes and other refunds of
    // the order; the row lock below is what makes the amount check safe.
    const LockGuard guard = holdPayingLock(in.orderId);
    const PayOrder o = order(in.appId, in.orderId);
    Refund r;
    r.id = m_ctx.ids.next();
    r.orderId = o.id;
    r.appId = in.appId;
    r.outRefundNo = in.outRefundNo;
    r.amount = in.amount;
    r.reason = in.reason;
    r.status = RefundStatus::Processing;
    r.channel = o.channel;
    r.initiator = in.initiator;
    const bool inserted = m_ctx.db.transact([&](Transaction &tx) {
        const std::optional<PayOrder> locked = orders.find(tx, o.id, RowLock::ForUpdate);
        if (!locked)
            throw Error(ErrorCode::OrderNotFound, QStringLiteral("order gone"));
        if (!refundable(*locked)) {
            if (locked->status == OrderStatus::Refunded || isFinished(locked->status))
                throw Error(ErrorCode::OrderFinished,
                            QStringLiteral("order is ") + statusName(locked->status));
            throw Error(ErrorCode::DuplicatePayment,
                        QStringLiteral("nothing to refund: order is ")
                            + statusName(locked->status));
        }
        const qint64 left = locked->amount - refunds.committedAmount(tx, o.id);
        if (in.amount > left)
            throw Error(ErrorCode::InvalidAmount,
                        QStringLiteral("refund %1 above the %2 left").arg(in.amount).arg(left));
        if (!refunds.insert(tx, r))
            return false;
        if (!transitionOrder(tx, m_ctx.db, *locked, OrderStatus::Refunding, {}, in.traceparent))
            throw Error(ErrorCode::Internal, QStringLiteral("order moved under its row lock"));
        return true;
    });
    if (!inserted) {
        if (auto e = existing()) // a concurrent identical request won
            return *e;
        throw Error(ErrorCode::Internal, QStringLiteral("refund insert refused but none found"));
    }
    qCInfo(lcPay).noquote() << "refund" << r.id << "of order" << o.id << "amount" << r.amount
                            << "asked by" << r.initiator;
    settleRefund(r, in.traceparent);
    span.setAttribute(QStringLiteral("order.status"), statusName(orders.find(o.id)->status));
    return {refunds.find(r.id).value_or(r), orders.find(o.id).value_or(o), true};
}

void PayService::settleRefund(const Refund &refund, const QString &traceparent)
{
    const std::optional<PayOrder> o = OrderRepository(m_ctx.db).find(refund.orderId);
    const PaymentStrategy *strategy = m_strategies.find(refund.channel);
    if (!o || !strategy) {
        qCWarning(lcPay).noquote() << "refund" << refund.id << "has no channel to go to ("
                                   << refund.channel << "): left PROCESSING for an admin";
        return;
    }
    ChannelRefundStatus status;
    try {
        status = strategy->refund(refundRequest(*o, refund));
    } catch (const Error &e) {
        // Asked again by the sweep: out_refund_no makes the repeat safe.
        qCWarning(lcPay).noquote()
            << "refund" << refund.id << "not settled, retried later:" << e.detail();
        return;
    }
    m_ctx.db.transact(
        [&](Transaction &tx) { applyRefundStatus(tx, m_ctx.db, refund.id, status, traceparent); });
}

void PayService::applyRefundResult(const QString &channel, const QString &notifyId, qint64 refundId,
                                   const ChannelRefundStatus &status, const QByteArray &payload,
                                   const QString &traceparent)
{
    const std::optional<Refund> known = RefundRepository(m_ctx.db).find(refundId);
    ContinuedSpan span(QStringLiteral("pay.refund_callback"),
                       known ? OrderRepository(m_ctx.db).latestTraceparent(known->orderId)
                             : QString());
    span.setAttribute(QStringLiteral("pay.channel"), channel);
    if (known)
        span.setAttribute(QStringLiteral("order.id"), snowflakeToString(known->orderId));
    m_ctx.db.transact([&](Transaction &tx) {
        CallbackRepository callbacks(m_ctx.db);
        ChannelCallback cb;
        cb.channel = channel;
        cb.notifyId = notifyId;
        const std::optional<Refund> r = RefundRepository(m_ctx.db).find(tx, refundId);
        if (r)
            cb.orderId = r->orderId;
        cb.eventType = QStringLiteral("REFUND_") + refundStatusName(refundStatusOf(status.state));
        cb.payload = payload;
        cb.outcome = QStringLiteral("RECEIVED");
        if (!callbacks.record(tx, cb)) {
            qCInfo(lcPay).noquote() << channel << "callback" << notifyId << "repeated: ignored";
            return;
        }
        // The refund of a payment exception carries the exception's id as out_refund_no.
        const QString outcome = r ? applyRefundStatus(tx, m_ctx.db, refundId, status, traceparent)
                                  : m_exceptions.applyRefundStatus(tx, refundId, status);
        callbacks.setOutcome(tx, cb.id, outcome);
    });
}

void PayService::convertFlaggedOrder(qint64 orderId)
{
    const std::optional<PaymentException> recorded =
        m_ctx.db.transact([&](Transaction &tx) -> std::optional<PaymentException> {
            OrderRepository orders(m_ctx.db);
            const std::optional<PayOrder> o = orders.find(tx, orderId, RowLock::ForUpdate);
            // REFUNDING (an older version's refund in flight) settles by its own path.
            if (!o || !o->needsRefund
                || (o->status != OrderStatus::Closed && o->status != OrderStatus::Failed))
                return std::nullopt;
            OrderChanges changes;
            changes.needsRefund = false;
            if (!orders.update(tx, o->id, o->version, changes))
                throw Error(ErrorCode::Internal, QStringLiteral("order moved under its row lock"));
            if (o->channelTradeNo.isEmpty() || o->channel.isEmpty()) {
                qCCritical(lcPay).noquote()
                    << "order" << o->id << "was flagged for a refund but names no channel payment:"
                    << "an admin must check it with the channel";
                return std::nullopt;
            }
            PaymentException e;
            e.id = m_ctx.ids.next();
            e.channel = o->channel;
            e.channelTradeNo = o->channelTradeNo;
            e.outTradeNo = snowflakeToString(o->id);
            e.orderId = o->id;
            e.orderAmount = o->amount;
            e.paidAmount = o->amount;
            e.currency = QStringLiteral("CNY");
            e.reason = PaymentExceptionReason::Late;
            e.detail = QStringLiteral("paid after the order was ") + statusName(o->status);
            e.nextRefundAt = m_exceptions.firstRetryAt();
            if (!PaymentExceptionRepository(m_ctx.db).record(tx, e))
                return std::nullopt;
            return e;
        });
    if (recorded)
        m_exceptions.recorded(*recorded);
}

int PayService::sweepRefunds(int limit)
{
    int n = 0;
    // Refunds asked more than a minute ago and still open: the answer or its notification got lost.
    const QList<Refund> open = RefundRepository(m_ctx.db).processing(currentMs() - 60000, limit);
    for (const Refund &r : open) {
        const std::optional<PayOrder> o = OrderRepository(m_ctx.db).find(r.orderId);
        const PaymentStrategy *strategy = m_strategies.find(r.channel);
        if (!o || !strategy)
            continue;
        try {
            ChannelRefundStatus status = strategy->queryRefund(snowflakeToString(r.id));
            if (status.state == ChannelRefundStatus::State::Unknown)
                status = strategy->refund(refundRequest(*o, r)); // never arrived: ask again
            m_ctx.db.transact(
                [&](Transaction &tx) { applyRefundStatus(tx, m_ctx.db, r.id, status, {}); });
            ++n;
        } catch (const Error &e) {
            qCWarning(lcPay).noquote() << "sweep: refund" << r.id << "still open:" << e.detail();
        }
    }
    // Orders flagged before payment exceptions existed: their late money becomes one.
    const QList<PayOrder> flagged = OrderRepository(m_ctx.db).needingRefund(limit);
    for (const PayOrder &o : flagged) {
        if (o.status == OrderStatus::Closed || o.status == OrderStatus::Failed) {
            convertFlaggedOrder(o.id);
            ++n;
        }
    }
    return n;
}

std::pair<PayOrder, ChannelTradeStatus> PayService::verifyWithChannel(qint64 orderId,
                                                                      const QString &traceparent)
{
    ContinuedSpan span(QStringLiteral("pay.verify"),
                       OrderRepository(m_ctx.db).latestTraceparent(orderId));
    span.setAttribute(QStringLiteral("order.id"), snowflakeToString(orderId));
    std::optional<PayOrder> o = OrderRepository(m_ctx.db).find(orderId);
    if (!o)
        throw Error(ErrorCode::OrderNotFound, QStringLiteral("no such order"));
    const PaymentStrategy *strategy =
        o->channel.isEmpty() ? nullptr : m_strategies.find(o->channel);
    if (!strategy)
        return {*o, ChannelTradeStatus {}};
    ChannelTradeStatus status;
    {
        const LockGuard guard = holdPayingLock(orderId);
        status = strategy->query(*o);
        if (status.state == ChannelTradeStatus::State::Paid)
            markPaid(*o, status, traceparent); // or a payment exception, refunded
    }
    o = OrderRepository(m_ctx.db).find(orderId);
    span.setAttribute(QStringLiteral("order.status"), statusName(o->status));
    return {*o, status};
}

} // namespace pomelo
