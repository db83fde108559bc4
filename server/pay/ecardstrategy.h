#pragma once

#include "paymentstrategy.h"

namespace pomelo {

class Config;

/// The campus e-card channel (docs/ecard-protocol.md) through EcardClient. The channel's
/// out_trade_no is the pay order id (unique across apps). The client options are read from the
/// configuration at each call: the public base URL is only known once the server listens.
class EcardStrategy : public PaymentStrategy
{
public:
    explicit EcardStrategy(const Config &config);

    QString channel() const override { return QStringLiteral("ECARD"); }
    void validate(const PayOrder &order) const override;
    ChannelPayment open(const PayOrder &order) const override;
    ChannelTradeStatus query(const PayOrder &order) const override;
    ChannelTradeStatus queryTrade(const QString &outTradeNo) const override;
    ChannelTradeStatus close(const PayOrder &order) const override;
    ChannelRefundStatus refund(const ChannelRefundRequest &request) const override;
    ChannelRefundStatus queryRefund(const QString &outRefundNo) const override;
    MerchantIdentity identity() const override;

    /// Where the card center sends its pay results.
    QString notifyUrl() const;

private:
    const Config &m_config;
};

} // namespace pomelo
