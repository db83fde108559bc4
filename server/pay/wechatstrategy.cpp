#include "wechatstrategy.h"

#include "channels/wechatclient.h"
#include "channels/wechatplatformkeys.h"
#include "config/config.h"
#include "domain/snowflake.h"
#include "periodictask.h"
#include "telemetry/logging.h"

#include <QTimeZone>

namespace pomelo {

ChannelPaymentRecord wechatPaymentRecord(const WechatTransaction &t)
{
    ChannelPaymentRecord p;
    p.channel = QStringLiteral("WECHAT_JSAPI");
    p.tradeNo = t.transactionId;
    p.outTradeNo = t.outTradeNo;
    p.amount = t.total;
    p.currency = t.currency;
    p.merchantId = t.mchId;
    p.appId = t.appId;
    if (t.successTime.isValid())
        p.paidAt = t.successTime.toMSecsSinceEpoch();
    return p;
}

namespace {

ChannelTradeStatus fromTransaction(const WechatTransaction &t)
{
    ChannelTradeStatus s;
    switch (t.tradeState) {
    case wechat::TradeState::Success:
    case wechat::TradeState::Refund:
        s.state = ChannelTradeStatus::State::Paid;
        break;
    case wechat::TradeState::NotPay:
    case wechat::TradeState::UserPaying: // the password is being typed: not paid yet
    case wechat::TradeState::Accept:
        s.state = ChannelTradeStatus::State::NotPaid;
        break;
    case wechat::TradeState::Closed:
    case wechat::TradeState::Revoked:
        s.state = ChannelTradeStatus::State::Closed;
        break;
    case wechat::TradeState::PayError:
        s.state = ChannelTradeStatus::State::Failed;
        break;
    }
    s.payment = wechatPaymentRecord(t);
    return s;
}

} // namespace

ChannelRefundStatus channelRefundStatus(const WechatRefund &r)
{
    ChannelRefundStatus s;
    switch (r.status) {
    case wechat::RefundStatus::Success:
        s.state = ChannelRefundStatus::State::Success;
        break;
    case wechat::RefundStatus::Processing:
        s.state = ChannelRefundStatus::State::Processing;
        break;
    case wechat::RefundStatus::Closed:
        s.state = ChannelRefundStatus::State::Closed;
        break;
    case wechat::RefundStatus::Abnormal:
        s.state = ChannelRefundStatus::State::Abnormal;
        break;
    }
    s.refundNo = r.refundId;
    return s;
}

WechatStrategy::WechatStrategy(const Config &config,
                               std::shared_ptr<const WechatClientOptions> options)
    : m_config(config)
    , m_options(std::move(options))
{
    if (!m_options->downloadCertificates)
        return;
    m_certificateRefresh = std::make_unique<PeriodicTask>(CertificateRefreshInterval,
                                                          [this] { refreshCertificates(); });
    if (!m_config.wechatBaseUrl().isEmpty())
        m_firstRefresh = QtConcurrent::run([this] { refreshCertificates(); });
}

WechatStrategy::~WechatStrategy()
{
    m_certificateRefresh.reset();
    m_firstRefresh.waitForFinished();
}

void WechatStrategy::refreshCertificates() const
{
    try {
        const WechatClient::RefreshOutcome r = client().refreshPlatformCertificates();
        if (r.ok && !r.notProvided)
            qCInfo(lcPay).noquote() << "WeChat Pay platform certificates refreshed:"
                                    << client().platformKeys().certificates().size() << "held";
        else if (!r.ok)
            qCWarning(lcPay).noquote()
                << "WeChat Pay platform certificates not refreshed:" << r.error;
    } catch (const std::exception &e) {
        qCWarning(lcPay).noquote() << "WeChat Pay platform certificates not refreshed:" << e.what();
    }
}

QString WechatStrategy::notifyUrl() const
{
    return m_config.publicBaseUrl() + QStringLiteral("/pay/v1/notify/wechat");
}

WechatClient WechatStrategy::client() const
{
    WechatClientOptions options = *m_options;
    if (m_config.wechatBaseUrl().isEmpty())
        options.baseUrl = QUrl(m_config.publicBaseUrl() + QStringLiteral("/sandbox/wechat"));
    return WechatClient(std::move(options));
}

void WechatStrategy::validate(const PayOrder &order) const
{
    if (order.openId.isEmpty())
        throw Error(ErrorCode::InvalidOrderField,
                    QStringLiteral("WECHAT_JSAPI needs the payer's openId"));
}

ChannelPayment WechatStrategy::open(const PayOrder &order) const
{
    validate(order);
    WechatPrepayRequest request;
    request.outTradeNo = snowflakeToString(order.id);
    request.description = order.subject;
    request.total = order.amount;
    request.payerOpenId = order.openId;
    request.notifyUrl = QUrl(notifyUrl());
    request.timeExpire = QDateTime::fromMSecsSinceEpoch(order.expiresAt, QTimeZone::utc());
    request.attach = order.appId;
    const WechatClient c = client();
    const QString prepayId = c.prepayJsapi(request);
    return {c.requestPaymentParams(prepayId), prepayId};
}

ChannelTradeStatus WechatStrategy::query(const PayOrder &order) const
{
    return queryTrade(snowflakeToString(order.id));
}

ChannelTradeStatus WechatStrategy::queryTrade(const QString &outTradeNo) const
{
    const std::optional<WechatTransaction> t = client().query(outTradeNo);
    if (!t)
        return {};
    return fromTransaction(*t);
}

ChannelTradeStatus WechatStrategy::close(const PayOrder &order) const
{
    const WechatClient c = client();
    const QString outTradeNo = snowflakeToString(order.id);
    try {
        c.close(outTradeNo);
    } catch (const WechatError &e) {
        if (e.wechatCode() == QLatin1String("ORDER_NOT_EXIST"))
            return {};
        if (e.wechatCode() != QLatin1String("ORDERPAID"))
            throw;
        // Paid meanwhile: what it is now decides, not the refusal.
    }
    const std::optional<WechatTransaction> t = c.query(outTradeNo);
    if (!t)
        return {};
    return fromTransaction(*t);
}

ChannelRefundStatus WechatStrategy::refund(const ChannelRefundRequest &r) const
{
    WechatRefundRequest request;
    request.outTradeNo = r.outTradeNo;
    request.transactionId = r.tradeNo;
    request.outRefundNo = r.outRefundNo;
    request.refund = r.amount;
    request.total = r.total;
    request.reason = r.reason.left(80);
    request.notifyUrl = QUrl(notifyUrl());
    try {
        return channelRefundStatus(client().refund(request));
    } catch (const WechatError &e) {
        // 401: our signature or clock was refused, nothing was decided about the refund.
        if (e.httpStatus() >= 500 || e.httpStatus() == 429 || e.httpStatus() == 401
            || e.wechatCode() == QLatin1String("SYSTEM_ERROR")
            || e.wechatCode() == QLatin1String("FREQUENCY_LIMITED"))
            throw; // not a verdict: asked again later
        // A signed business refusal (over-refund, order not paid …): it will not happen.
        qCWarning(lcPay).noquote() << "WeChat refused refund" << r.outRefundNo << "of"
                                   << r.outTradeNo << ":" << e.wechatCode() << e.message();
        return {ChannelRefundStatus::State::Closed, {}};
    }
}

ChannelRefundStatus WechatStrategy::queryRefund(const QString &outRefundNo) const
{
    const std::optional<WechatRefund> r = client().queryRefund(outRefundNo);
    if (!r)
        return {ChannelRefundStatus::State::Unknown, {}};
    return channelRefundStatus(*r);
}

MerchantIdentity WechatStrategy::identity() const
{
    return {m_options->mchId, m_options->appId};
}

} // namespace pomelo
