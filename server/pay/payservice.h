#pragma once

#include "domain/signing.h"
#include "paymentexceptions.h"
#include "paymentstrategy.h"
#include "redis/redislock.h"
#include "servercontext.h"
#include "storage/apprepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QJsonObject>

#include <optional>

namespace pomelo {

class DelayedQueue;
class SecretBox;

/// POST /pay/v1/orders, after the envelope was checked.
struct CreateOrderInput
{
    QString appId;
    QString outTradeNo;
    qint64 amount = 0;
    QString subject;
    QString openId;
    QString studentId;
    QString notifyUrl;
    std::optional<qint64> expireSeconds;
    QString traceparent;
};

struct CreateOrderResult
{
    PayOrder order;
    bool created = false; ///< false: the idempotent answer of an earlier identical request
};

/// POST /pay/v1/cashier, after the envelope was checked.
struct CashierInput
{
    QString appId;
    qint64 orderId = 0;
    qint64 amount = 0;
    QString channel;
    QString traceparent;
};

/// POST /pay/v1/refunds (and the admin's refund), after the envelope was checked.
struct RefundInput
{
    QString appId;
    qint64 orderId = 0;
    QString outRefundNo; ///< the idempotency key, unique per app
    qint64 amount = 0; ///< cents, ≤ paid minus already refunded
    QString reason;
    QString initiator = QStringLiteral("APP"); ///< APP, ADMIN or SYSTEM
    QString traceparent;
};

struct RefundResult
{
    Refund refund;
    PayOrder order; ///< as it is after the refund was asked for
    bool created = false; ///< false: the idempotent answer of an earlier identical request
};

struct CashierResult
{
    PayOrder order;
    QJsonObject payParams;
};

/// A verified pay result of a channel (the strategy's notification, normalized).
struct ChannelResult
{
    QString notifyId; ///< the de-duplication key
    bool success = false; ///< false: the payment failed (FAILED)
    ChannelPaymentRecord payment; ///< channel, trade, amount, currency, merchant, out_trade_no
    QByteArray payload; ///< what is recorded (no keys, no signatures)
    QString traceparent;
};

/// The pay platform's domain (DESIGN.md steps 3–4, 6, 8–9): apps and their signed requests,
/// orders, the cashier, channel results and timeouts. Every status change goes through
/// OrderRepository::transition (compare-and-set + outbox event); PAID, CLOSED and FAILED also
/// enqueue the merchant notification in the same transaction.
class PayService
{
public:
    PayService(const ServerContext &context, const SecretBox &box,
               const PaymentStrategyRegistry &strategies, DelayedQueue &timeoutQueue);

    /// The app of a signed request after the envelope checks: app (2002), signature (2003, which
    /// binds @p target: the request's method and path), timestamp and nonce (2004).
    /// @p unsignedKeys: fields left out of the signature.
    App verifySigned(const signing::Target &target, const QJsonObject &request,
                     const QStringList &unsignedKeys = {});

    /// Steps 3–4. Errors 2009 (outTradeNo reused with other fields), 2010 (fields).
    CreateOrderResult createOrder(const App &app, const CreateOrderInput &input);
    /// The order of @p appId; 2005 for an unknown order or another app's.
    PayOrder order(const QString &appId, qint64 orderId) const;
    /// Step 6. Errors 2001, 2005, 2006, 2007, 2008, 2010, 3001.
    CashierResult cashier(const CashierInput &input);
    /// Closes an INIT or PAYING order on the merchant's request (closing at the channel first
    /// when it is PAYING). 2007 when finished (also when the channel turned out to be paid: the
    /// order is then PAID).
    PayOrder close(const QString &appId, qint64 orderId, const QString &traceparent = {});

    /// Refunds (part of) a PAID order through its channel. Errors 2001 (amount above what is left),
    /// 2005, 2006 (not paid), 2009 (outRefundNo reused with other fields), 3001.
    RefundResult refund(const RefundInput &input);
    /// The admin's "verify with channel": asks the channel and fixes the order when the channel
    /// says it was paid (PAID, or a payment exception when the payment is not exactly the
    /// order's, e.g. after the close). Returns the order afterwards and the channel's view.
    std::pair<PayOrder, ChannelTradeStatus> verifyWithChannel(qint64 orderId,
                                                              const QString &traceparent = {});

    /// A verified refund result of a channel (WeChat's REFUND.* notifications). Idempotent on
    /// @p notifyId.
    void applyRefundResult(const QString &channel, const QString &notifyId, qint64 refundId,
                           const ChannelRefundStatus &status, const QByteArray &payload,
                           const QString &traceparent = {});
    /// Refunds still PROCESSING after a while are asked again (the channel's answer or
    /// notification may have been lost), and orders flagged for refund by an older version become
    /// payment exceptions. Returns how many were handled.
    int sweepRefunds(int limit = 100);

    /// Step 9, a channel's callback. Idempotent on notifyId: a repeat changes nothing. A success
    /// that is not exactly its order's (checkPayment()) is a payment exception, refunded.
    void applyChannelResult(const ChannelResult &result);
    /// Step 8, the delayed queue fired: true when the item is done (nothing left to do counts).
    bool handleTimeout(qint64 orderId);
    /// Timeouts whose queue item never made it (Redis failed after the order's or the cashier's
    /// commit): the safety net, every minute.
    int sweepExpired(int limit = 100);

    /// Refund attempts of payment exceptions that are due (their own periodic task).
    int refundExceptions(int limit = 100);
    PaymentExceptions &exceptions() { return m_exceptions; }

    const PaymentStrategyRegistry &strategies() const { return m_strategies; }

private:
    struct PaymentOutcome
    {
        QString outcome; ///< APPLIED, ALREADY_PAID, or EXCEPTION_<reason>
        std::optional<PaymentException> exception; ///< newly recorded: refund after the commit
    };
    /// The one road to PAID: @p order (read with a row lock in @p tx, or none) takes @p payment
    /// only when checkPayment() finds it exactly the order's; otherwise the payment is recorded
    /// as a payment exception in @p tx. Nothing leaves the transaction: the caller commits, then
    /// hands a new exception to m_exceptions.recorded().
    PaymentOutcome applyPayment(Transaction &tx, const std::optional<PayOrder> &order,
                                const ChannelPaymentRecord &payment, const QString &traceparent);
    /// Order is locked by the caller (paying lock). Closes at the channel if needed, then CLOSED;
    /// PAID when the channel says it was paid. Returns the order as it is afterwards.
    PayOrder finishUnpaid(const PayOrder &order, const QString &traceparent);
    /// The channel says @p order was paid: PAID, or a payment exception. True when PAID (now or
    /// before).
    bool markPaid(const PayOrder &order, const ChannelTradeStatus &status,
                  const QString &traceparent);
    void scheduleTimeout(const PayOrder &order);
    /// The `paying:{orderId}` lock, waited for up to 5 s; 2006 when another request holds it.
    LockGuard holdPayingLock(qint64 orderId) const;
    /// Asks the channel for @p refund (PROCESSING) and applies its answer.
    void settleRefund(const Refund &refund, const QString &traceparent);
    /// An order flagged needsRefund by an older version (money after the close): the money
    /// becomes a LATE payment exception and the flag goes.
    void convertFlaggedOrder(qint64 orderId);

    const ServerContext &m_ctx;
    const SecretBox &m_box;
    const PaymentStrategyRegistry &m_strategies;
    DelayedQueue &m_timeoutQueue;
    PaymentExceptions m_exceptions;
};

/// The merchant-facing JSON of an order (GET /pay/v1/orders/{id} and friends).
QJsonObject orderJson(const PayOrder &order, const QTimeZone &zone);
/// A refund as the app sees it (POST /pay/v1/refunds), with its order's status afterwards.
QJsonObject refundJson(const Refund &refund, const PayOrder &order, const QTimeZone &zone);

} // namespace pomelo
