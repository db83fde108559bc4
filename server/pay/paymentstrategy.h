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

/// The channel's view of an order (timeout worker, close).
struct ChannelTradeStatus
{
    enum class State { NotPaid, Paid, Closed, Failed, Unknown };
    State state = State::Unknown;
    QString tradeNo; ///< the channel's transaction serial, once paid
    std::optional<qint64> paidAt; ///< Unix ms
    qint64 amount = 0;
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
    /// Closes an unpaid order at the channel. Returns the channel's status afterwards: Paid when
    /// it turned out to be paid (the caller must then mark it PAID, never CLOSED).
    virtual ChannelTradeStatus close(const PayOrder &order) const = 0;
    /// Refunds @p refund (its id is the channel's out_refund_no, so asking again is idempotent).
    /// A business refusal is a Closed state, not an exception; transport failures throw
    /// Error(ChannelError) and leave the refund for a retry.
    virtual ChannelRefundStatus refund(const PayOrder &order, const Refund &refund) const = 0;
    virtual ChannelRefundStatus queryRefund(const PayOrder &order, const Refund &refund) const = 0;
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
