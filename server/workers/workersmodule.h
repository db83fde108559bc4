#pragma once

#include "module.h"
#include "servercontext.h"

#include <memory>

namespace pomelo {

class MerchantNotifier;
class OutboxRelay;
class PushNotifier;
class SecretBox;
class StatusTracker;

/// The background workers of DESIGN.md steps 5/7, 10 and 11 (`workers` in server.modules): the
/// outbox relay, the merchant notifier and the two stream consumer groups. Each runs on its own
/// thread with its own Redis and database connections; every one is safe on N instances.
class WorkersModule : public Module
{
public:
    WorkersModule(const ServerContext &context, const SecretBox &box);
    ~WorkersModule() override;
    WorkersModule(const WorkersModule &) = delete;
    WorkersModule &operator=(const WorkersModule &) = delete;

    QString name() const override { return QStringLiteral("workers"); }
    /// The workers serve no route.
    void registerRoutes(Router &) override { }
    void start() override;
    /// Stops every worker and joins its thread (idempotent; the destructor calls it).
    void stop() override;

    OutboxRelay &relay() { return *m_relay; }
    MerchantNotifier &notifier() { return *m_notifier; }
    StatusTracker &statusTracker() { return *m_statusTracker; }
    PushNotifier &pushNotifier() { return *m_pushNotifier; }

private:
    std::unique_ptr<OutboxRelay> m_relay;
    std::unique_ptr<MerchantNotifier> m_notifier;
    std::unique_ptr<StatusTracker> m_statusTracker;
    std::unique_ptr<PushNotifier> m_pushNotifier;
};

} // namespace pomelo
