#include "paymentcheck.h"

#include "domain/statemachine.h"

namespace pomelo {

namespace {

PaymentMismatch mismatch(PaymentExceptionReason reason, const QString &detail)
{
    return {reason, detail};
}

} // namespace

std::optional<PaymentMismatch> checkPayment(const std::optional<PayOrder> &order,
                                            const ChannelPaymentRecord &payment,
                                            const MerchantIdentity &us)
{
    if (!order)
        return mismatch(PaymentExceptionReason::UnknownOrder,
                        QStringLiteral("no order %1").arg(payment.outTradeNo.left(64)));
    // An INIT order may have no channel yet: the channel order is opened before INIT -> PAYING
    // commits, and a payment in between is still this order's.
    if (!order->channel.isEmpty() && order->channel != payment.channel)
        return mismatch(PaymentExceptionReason::Channel,
                        QStringLiteral("paid through %1, the order is on %2")
                            .arg(payment.channel, order->channel));
    if (!order->prepayId.isEmpty() && !payment.prepayId.isEmpty()
        && order->prepayId != payment.prepayId)
        return mismatch(PaymentExceptionReason::Channel,
                        QStringLiteral("paid channel order %1, the order opened %2")
                            .arg(payment.prepayId.left(64), order->prepayId));
    if (payment.merchantId != us.merchantId)
        return mismatch(PaymentExceptionReason::Merchant,
                        QStringLiteral("paid to merchant %1").arg(payment.merchantId.left(64)));
    if (!us.appId.isEmpty() && payment.appId != us.appId)
        return mismatch(PaymentExceptionReason::Merchant,
                        QStringLiteral("paid for app %1").arg(payment.appId.left(64)));
    if (payment.currency != QLatin1String("CNY"))
        return mismatch(PaymentExceptionReason::Currency,
                        QStringLiteral("paid in \"%1\"").arg(payment.currency.left(16)));
    if (payment.amount != order->amount)
        return mismatch(PaymentExceptionReason::AmountMismatch,
                        QStringLiteral("paid %1 fen, the order is %2 fen")
                            .arg(payment.amount)
                            .arg(order->amount));
    switch (order->status) {
    case OrderStatus::Init:
    case OrderStatus::Paying:
        return std::nullopt;
    case OrderStatus::Paid:
    case OrderStatus::Refunding:
    case OrderStatus::Refunded:
        // The payment that paid it, reported again, is no news; any other is a second payment.
        if (order->channelTradeNo.isEmpty() || order->channelTradeNo == payment.tradeNo)
            return std::nullopt;
        return mismatch(PaymentExceptionReason::Duplicate,
                        QStringLiteral("order already paid by %1").arg(order->channelTradeNo));
    case OrderStatus::Closed:
    case OrderStatus::Failed:
        return mismatch(
            PaymentExceptionReason::Late,
            QStringLiteral("paid after the order was %1").arg(statusName(order->status)));
    }
    return mismatch(PaymentExceptionReason::UnknownOrder, QStringLiteral("unknown order state"));
}

} // namespace pomelo
