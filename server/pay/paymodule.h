#pragma once

#include "http/httptypes.h"
#include "module.h"
#include "paymentstrategy.h"
#include "payservice.h"
#include "queuedtask.h"
#include "storage/secretbox.h"

#include <memory>

namespace pomelo {

class DelayedQueue;
class Router;
class WechatStrategy;
struct EcardNotification;
struct WechatNotification;

/// The pay platform's API (API.md "Pay API", prefix /pay/v1): orders, cashier, close, and the
/// channels' callbacks. With @p runWorkers, start() consumes the order-timeout delayed queue,
/// sweeps expired open orders the queue never got, and refunds payment exceptions. Owns the
/// strategy registry: further channels register with strategies().add() before registerRoutes().
/// The constructor throws Error when a configured channel cannot be used (a missing key).
class PayModule : public Module
{
public:
    PayModule(const ServerContext &context, bool runWorkers);
    ~PayModule() override;

    QString name() const override { return QStringLiteral("pay"); }
    void registerRoutes(Router &router) override;
    void start() override;
    void stop() override;
    PayService &service() { return *m_service; }
    PaymentStrategyRegistry &strategies() { return m_strategies; }

private:
    void registerOrderRoutes(Router &router);
    void registerPaymentRoutes(Router &router);
    void registerChannelRoutes(Router &router);
    /// POST /pay/v1/notify/wechat: TRANSACTION.SUCCESS and REFUND.* (verified, decrypted).
    HttpResponse handleWechatNotification(const HttpRequest &request,
                                          const WechatNotification &notification);
    HttpResponse handleEcardNotification(const HttpRequest &request,
                                         const EcardNotification &notification);

    const ServerContext &m_ctx;
    const bool m_runWorkers;
    SecretBox m_box;
    PaymentStrategyRegistry m_strategies;
    std::unique_ptr<DelayedQueue> m_timeoutQueue;
    std::unique_ptr<PayService> m_service;
    queuedtask::Tasks m_tasks; ///< order timeouts, the order sweep, exception refunds
    const WechatStrategy *m_wechat = nullptr; ///< owned by m_strategies; nullptr when not enabled
};

} // namespace pomelo
