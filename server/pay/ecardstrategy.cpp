#include "ecardstrategy.h"

#include "channels/ecardclient.h"
#include "config/config.h"
#include "domain/snowflake.h"
#include "telemetry/logging.h"

namespace pomelo {

namespace {

ChannelTradeStatus fromTrade(const EcardTrade &trade, const QString &partnerId)
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
    ChannelPaymentRecord &p = s.payment;
    p.channel = QStringLiteral("ECARD");
    p.tradeNo = trade.tradeNo;
    p.outTradeNo = trade.outTradeNo;
    p.amount = trade.amount;
    // The card center only keeps fen of CNY, and its answers are signed for our partner id
    // (EcardClient checks partner_id), so these two are what the protocol guarantees.
    p.currency = QStringLiteral("CNY");
    p.merchantId = partnerId;
    p.prepayId = trade.prepayId;
    if (trade.paidTime.isValid())
        p.paidAt = trade.paidTime.toMSecsSinceEpoch();
    return s;
}

/// Refusals of the card center that say nothing about the refund: asking again can succeed.
bool isTransient(const QString &retcode)
{
    return retcode == ecard::retcode::signError || retcode == ecard::retcode::timestampExpired
        || retcode == ecard::retcode::nonceReused || retcode == ecard::retcode::systemError
        || retcode == ecard::retcode::invalidParameter;
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
    return queryTrade(snowflakeToString(order.id));
}

ChannelTradeStatus EcardStrategy::queryTrade(const QString &outTradeNo) const
{
    const std::optional<EcardTrade> trade = client(m_config).query(outTradeNo);
    if (!trade)
        return {};
    return fromTrade(*trade, m_config.ecardPartnerId());
}

ChannelTradeStatus EcardStrategy::close(const PayOrder &order) const
{
    const EcardClient c = client(m_config);
    try {
        return fromTrade(c.close(snowflakeToString(order.id)), m_config.ecardPartnerId());
    } catch (const EcardError &e) {
        if (e.retcode() == ecard::retcode::orderNotFound)
            return {};
        if (e.retcode() == ecard::retcode::orderStateInvalid) {
            // Paid (or failed) meanwhile: what it is now decides, not the refusal.
            const std::optional<EcardTrade> trade = c.query(snowflakeToString(order.id));
            if (trade)
                return fromTrade(*trade, m_config.ecardPartnerId());
        }
        throw;
    }
}

ChannelRefundStatus EcardStrategy::refund(const ChannelRefundRequest &r) const
{
    EcardRefundRequest request;
    request.outTradeNo = r.outTradeNo;
    request.outRefundNo = r.outRefundNo;
    request.refundAmount = r.amount;
    request.reason = r.reason.left(80);
    try {
        return fromRefund(client(m_config).refund(request));
    } catch (const EcardError &e) {
        if (isTransient(e.retcode()))
            throw; // not a verdict on the refund: asked again later
        // Signed business refusal (nothing paid, over-refund, unknown order): it will not happen.
        qCWarning(lcPay).noquote() << "ecard refused refund" << r.outRefundNo << "of"
                                   << r.outTradeNo << ":" << e.retcode() << e.retmsg();
        return {ChannelRefundStatus::State::Closed, {}};
    }
}

ChannelRefundStatus EcardStrategy::queryRefund(const QString &outRefundNo) const
{
    const std::optional<EcardRefund> r = client(m_config).queryRefund(outRefundNo);
    if (!r)
        return {ChannelRefundStatus::State::Unknown, {}};
    return fromRefund(*r);
}

MerchantIdentity EcardStrategy::identity() const
{
    return {m_config.ecardPartnerId(), {}};
}

} // namespace pomelo
