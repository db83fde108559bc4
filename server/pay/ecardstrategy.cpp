#include "ecardstrategy.h"

#include "channels/ecardclient.h"
#include "config/config.h"
#include "domain/snowflake.h"
#include "telemetry/logging.h"

namespace pomelo {

namespace {

ChannelTradeStatus fromTrade(const EcardTrade &trade)
{
    ChannelTradeStatus s;
    switch (trade.tradeState) {
    case ecard::TradeState::NotPay:
        s.state = ChannelTradeStatus::State::NotPaid;
        break;
    case ecard::TradeState::Success:
    case ecard::TradeState::Refund:
        s.state = ChannelTradeStatus::State::Paid;
        break;
    case ecard::TradeState::Closed:
        s.state = ChannelTradeStatus::State::Closed;
        break;
    case ecard::TradeState::PayError:
        s.state = ChannelTradeStatus::State::Failed;
        break;
    }
    s.tradeNo = trade.tradeNo;
    if (trade.paidTime.isValid())
        s.paidAt = trade.paidTime.toMSecsSinceEpoch();
    s.amount = trade.amount;
    return s;
}

ChannelRefundStatus fromRefund(const EcardRefund &refund)
{
    ChannelRefundStatus s;
    switch (refund.refundState) {
    case ecard::RefundState::Processing:
        s.state = ChannelRefundStatus::State::Processing;
        break;
    case ecard::RefundState::Success:
        s.state = ChannelRefundStatus::State::Success;
        break;
    case ecard::RefundState::Failed:
        s.state = ChannelRefundStatus::State::Abnormal;
        break;
    }
    s.refundNo = refund.refundId;
    return s;
}

EcardClient client(const Config &config)
{
    return EcardClient(EcardClientOptions::fromConfig(config));
}

} // namespace

EcardStrategy::EcardStrategy(const Config &config)
    : m_config(config)
{ }

QString EcardStrategy::notifyUrl() const
{
    return m_config.publicBaseUrl() + QStringLiteral("/pay/v1/notify/ecard");
}

void EcardStrategy::validate(const PayOrder &order) const
{
    if (order.studentId.isEmpty())
        throw Error(ErrorCode::InvalidOrderField,
                    QStringLiteral("ECARD needs the student id of the payer"));
}

ChannelPayment EcardStrategy::open(const PayOrder &order) const
{
    validate(order);
    EcardPayRequest request;
    request.outTradeNo = snowflakeToString(order.id);
    request.studentNo = order.studentId;
    request.amount = order.amount;
    request.subject = order.subject;
    request.notifyUrl = QUrl(notifyUrl());
    request.expireTime = QDateTime::fromMSecsSinceEpoch(order.expiresAt, QTimeZone::utc());
    request.attach = order.appId;
    const EcardTrade trade = client(m_config).createPayment(request);
    return {buildCashierParams(trade, order.openId, m_config.wechatAppId()), trade.prepayId};
}

ChannelTradeStatus EcardStrategy::query(const PayOrder &order) const
{
    const std::optional<EcardTrade> trade = client(m_config).query(snowflakeToString(order.id));
    if (!trade)
        return {ChannelTradeStatus::State::Unknown, {}, {}, 0};
    return fromTrade(*trade);
}

ChannelTradeStatus EcardStrategy::close(const PayOrder &order) const
{
    const EcardClient c = client(m_config);
    try {
        return fromTrade(c.close(snowflakeToString(order.id)));
    } catch (const EcardError &e) {
        if (e.retcode() == ecard::retcode::orderNotFound)
            return {ChannelTradeStatus::State::Unknown, {}, {}, 0};
        if (e.retcode() == ecard::retcode::orderStateInvalid) {
            // Paid (or failed) meanwhile: what it is now decides, not the refusal.
            const std::optional<EcardTrade> trade = c.query(snowflakeToString(order.id));
            if (trade)
                return fromTrade(*trade);
        }
        throw;
    }
}

ChannelRefundStatus EcardStrategy::refund(const PayOrder &order, const Refund &refund) const
{
    EcardRefundRequest request;
    request.outTradeNo = snowflakeToString(order.id);
    request.outRefundNo = snowflakeToString(refund.id);
    request.refundAmount = refund.amount;
    request.reason = refund.reason.left(80);
    try {
        return fromRefund(client(m_config).refund(request));
    } catch (const EcardError &e) {
        // Signed business refusal (nothing paid, over-refund, unknown order): it will not happen.
        qCWarning(lcPay).noquote() << "ecard refused refund" << refund.id << "of order" << order.id
                                   << ":" << e.retcode() << e.retmsg();
        return {ChannelRefundStatus::State::Closed, {}};
    }
}

ChannelRefundStatus EcardStrategy::queryRefund(const PayOrder &order, const Refund &refund) const
{
    Q_UNUSED(order);
    const std::optional<EcardRefund> r = client(m_config).queryRefund(snowflakeToString(refund.id));
    if (!r)
        return {ChannelRefundStatus::State::Unknown, {}};
    return fromRefund(*r);
}

} // namespace pomelo
