#pragma once

#include "http/httptypes.h"
#include "paymentstrategy.h"
#include "payservice.h"
#include "storage/secretbox.h"

#include <memory>

namespace pomelo {

class DelayedQueue;
class DelayedQueueWorker;
class PeriodicTask;
class Router;
class WechatStrategy;

/// The pay platform's API (API.md "Pay API", prefix /pay/v1): orders, cashier, close, and the
/// channels' callbacks. With @p runWorkers it also consumes the order-timeout delayed queue
/// (and sweeps expired open orders the queue never got). Owns the strategy registry: further
/// channels register with strategies().add() before registerRoutes().
class PayModule
{
public:
    PayModule(const ServerContext &context, bool runWorkers);
    ~PayModule();

    void registerRoutes(Router &router);
    PayService &service() { return *m_service; }
    PaymentStrategyRegistry &strategies() { return m_strategies; }

private:
    /// POST /pay/v1/notify/wechat: TRANSACTION.SUCCESS and REFUND.* (verified, decrypted).
    HttpResponse handleWechatNotification(const HttpRequest &request);
    HttpResponse handleEcardNotification(const HttpRequest &request);

    const ServerContext &m_ctx;
    SecretBox m_box;
    PaymentStrategyRegistry m_strategies;
    std::unique_ptr<DelayedQueue> m_timeoutQueue;
    std::unique_ptr<PayService> m_service;
    std::unique_ptr<DelayedQueueWorker> m_timeoutWorker;
    std::unique_ptr<PeriodicTask> m_sweep;
    std::unique_ptr<PeriodicTask> m_exceptionRefunds;
    const WechatStrategy *m_wechat = nullptr; ///< owned by m_strategies; nullptr when not enabled
};

} // namespace pomelo
