#pragma once

#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QJsonObject>
#include <QString>

#include <map>
#include <memory>
#include <optional>

namespace pomelo {

/// What a channel answered to the cashier: the parameters the front end needs to pay.
struct ChannelPayment
{
    QJsonObject payParams;
    QString prepayId; ///< the channel's reference of the order
};

/// A payment as a channel reports it, in a verified notification or a query's answer. Nothing
/// becomes PAID before checkPayment() compared it with its order field by field.
struct ChannelPaymentRecord
{
    QString channel; ///< "ECARD", "WECHAT_JSAPI"
    QString tradeNo; ///< the channel's transaction serial
    QString outTradeNo; ///< the order the channel names (our order id), as sent
    qint64 amount = 0; ///< cents the payment is for (WeChat: amount.total)
    QString currency; ///< "CNY"; empty when the channel did not say
    QString merchantId; ///< WeChat mchid, e-card partner id
    QString appId; ///< WeChat appid; empty for the e-card
    QString prepayId; ///< the channel order it paid, when the channel says
    std::optional<qint64> paidAt; ///< Unix ms
};

/// Who this platform is at a channel: what every record of a payment to us must carry.
struct MerchantIdentity
{
    QString merchantId;
    QString appId; ///< empty: the channel has no app ids
};

/// The channel's view of an order (timeout worker, close, admin verify).
struct ChannelTradeStatus
{
    enum class State { NotPaid, Paid, Closed, Failed, Unknown };
    State state = State::Unknown;
    ChannelPaymentRecord payment; ///< once paid: the payment, as the channel records it
};

/// A refund as the channel is asked for it: of an order's payment, or of a payment that no order
/// keeps (a payment exception), always named by the channel's own references.
struct ChannelRefundRequest
{
    QString outTradeNo; ///< the paid order at the channel
    /// The channel's transaction to refund, where the channel refunds by it (WeChat): a payment
    /// exception names its own payment, never the order's first.
    QString tradeNo;
    QString outRefundNo; ///< the idempotency key: asking again never refunds twice
    qint64 amount = 0; ///< cents to refund
    qint64 total = 0; ///< cents the payment was for (WeChat checks it)
    QString reason;
};

/// The channel's view of a refund.
struct ChannelRefundStatus
{
    /// Processing: asked, not settled (a notification or a query tells later). Closed and
    /// Abnormal: the refund did not happen (refused, or the payer's account cannot take it).
    /// Unknown: the channel has no such refund (the request never arrived: asking again is safe).
    enum class State { Processing, Success, Closed, Abnormal, Unknown };
    State state = State::Unknown;
    QString refundNo; ///< the channel's refund serial, once known
};

/// One payment channel (DESIGN.md step 6): the cashier picks it by `channel` from the registry.
/// Implementations are stateless and thread-safe; they throw Error(ChannelError) on channel
/// failures.
class PaymentStrategy
{
public:
    virtual ~PaymentStrategy() = default;
    /// The API name: "ECARD", "WECHAT_JSAPI".
    virtual QString channel() const = 0;
    /// Checks that @p order can be paid on this channel; throws Error(InvalidOrderField) when a
    /// field the channel needs is missing (e.g. the student id of the e-card).
    virtual void validate(const PayOrder &order) const = 0;
    /// Creates (idempotently) the channel's order and builds the pay parameters.
    virtual ChannelPayment open(const PayOrder &order) const = 0;
    virtual ChannelTradeStatus query(const PayOrder &order) const = 0;
    /// The channel's trade under @p outTradeNo (which may name no order of ours).
    virtual ChannelTradeStatus queryTrade(const QString &outTradeNo) const = 0;
    /// True when refund() refunds the payment named by ChannelRefundRequest::tradeNo; false when
    /// the channel refunds by out_trade_no only (then a payment exception is refunded only after
    /// a query showed that the trade under that out_trade_no is the exception's payment).
    virtual bool refundsByTradeNo() const { return false; }
    /// Closes an unpaid order at the channel. Returns the channel's status afterwards: Paid when
    /// it turned out to be paid (the caller must then mark it PAID, never CLOSED).
    virtual ChannelTradeStatus close(const PayOrder &order) const = 0;
    /// Asks for a refund (its outRefundNo makes asking again idempotent). A business refusal is a
    /// Closed state, not an exception; transport failures, and refusals that say nothing about
    /// the refund (a signature or clock complaint, a 5xx), throw Error(ChannelError) and leave the
    /// refund for a retry.
    virtual ChannelRefundStatus refund(const ChannelRefundRequest &request) const = 0;
    virtual ChannelRefundStatus queryRefund(const QString &outRefundNo) const = 0;
    /// What every payment to us at this channel must carry.
    virtual MerchantIdentity identity() const = 0;
};

/// The strategies by channel name. Filled at start-up, read-only afterwards.
class PaymentStrategyRegistry
{
public:
    void add(std::unique_ptr<PaymentStrategy> strategy);
    /// nullptr for a channel nobody registered (error 2008).
    const PaymentStrategy *find(const QString &channel) const;
    QStringList channels() const;

private:
    std::map<QString, std::unique_ptr<PaymentStrategy>> m_strategies;
};

} // namespace pomelo
