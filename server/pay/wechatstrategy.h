#pragma once

#include "paymentstrategy.h"

#include <QFuture>

#include <chrono>
#include <memory>

namespace pomelo {

class Config;
class PeriodicTask;
struct WechatClientOptions;
class WechatClient;
namespace wechat {
struct Refund;
struct Transaction;
} // namespace wechat

/// The platform's view of a WeChat refund (answer, query or REFUND.* notification).
ChannelRefundStatus channelRefundStatus(const wechat::Refund &refund);
/// A transaction (query answer or TRANSACTION.* notification) as the payment record to check.
ChannelPaymentRecord wechatPaymentRecord(const wechat::Transaction &transaction);

/// WeChat Pay APIv3, JSAPI (mini-program), through WechatClient (docs/wechat-pay.md). The
/// channel's out_trade_no is the pay order id, its out_refund_no the refund id. The keys are
/// loaded once at start (@p options); the base URL is resolved at each call because the sandbox's
/// address is only known once the server listens.
class WechatStrategy : public PaymentStrategy
{
public:
    /// Downloads the platform certificates at once (an external WeChat endpoint; the local
    /// sandbox is not listening yet: its first unknown serial does it) and then every 12 h.
    WechatStrategy(const Config &config, std::shared_ptr<const WechatClientOptions> options);
    ~WechatStrategy() override;

    QString channel() const override { return QStringLiteral("WECHAT_JSAPI"); }
    void validate(const PayOrder &order) const override;
    ChannelPayment open(const PayOrder &order) const override;
    ChannelTradeStatus query(const PayOrder &order) const override;
    ChannelTradeStatus queryTrade(const QString &outTradeNo) const override;
    bool refundsByTradeNo() const override { return true; }
    ChannelTradeStatus close(const PayOrder &order) const override;
    ChannelRefundStatus refund(const ChannelRefundRequest &request) const override;
    ChannelRefundStatus queryRefund(const QString &outRefundNo) const override;
    MerchantIdentity identity() const override;

    /// Where WeChat sends TRANSACTION.* and REFUND.* notifications.
    QString notifyUrl() const;
    /// A client with the current base URL (also what the notification route verifies with).
    WechatClient client() const;
    /// One download of the platform certificates (logged; never throws).
    void refreshCertificates() const;

    /// How often the platform certificates are downloaded again.
    static constexpr std::chrono::hours CertificateRefreshInterval {12};

private:
    const Config &m_config;
    std::shared_ptr<const WechatClientOptions> m_options;
    std::unique_ptr<PeriodicTask> m_certificateRefresh;
    QFuture<void> m_firstRefresh;
};

} // namespace pomelo
