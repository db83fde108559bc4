#pragma once

#include "module.h"
#include "queuedtask.h"
#include "servercontext.h"

#include <memory>

namespace pomelo {

class DelayedQueue;
class TopupService;

/// The utility top-up module (API.md "Utility top-up API", prefix /api/v1): buildings and rooms,
/// the student's bound room with its balances, top-ups (create, sign, read, list) and the app's
/// notifyUrl (`/api/v1/topup-notify`). Students sign in through the booking module's login, which
/// installs the Student authenticator. With @p runWorkers, start() consumes the top-up queue
/// (delivery, retries, refunds, expiry), sweeps for what a lost item left behind, and checks the
/// bound rooms' balances for the low-balance reminder.
class TopupModule : public Module
{
public:
    TopupModule(const ServerContext &context, bool runWorkers);
    ~TopupModule() override;

    QString name() const override { return QStringLiteral("topup"); }
    void registerRoutes(Router &router) override;
    void start() override;
    void stop() override;
    TopupService &topups() { return *m_service; }

private:
    void registerRoomRoutes(Router &router);
    void registerTopupRoutes(Router &router);

    const ServerContext &m_ctx;
    const bool m_runWorkers;
    std::unique_ptr<DelayedQueue> m_queue;
    std::unique_ptr<TopupService> m_service;
    queuedtask::Tasks m_tasks;
};

} // namespace pomelo
