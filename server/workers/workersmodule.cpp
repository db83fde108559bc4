#include "workersmodule.h"

#include "merchantnotifier.h"
#include "outboxrelay.h"
#include "pushnotifier.h"
#include "redis/rediskeys.h"
#include "statustracker.h"
#include "telemetry/logging.h"

#include <QCoreApplication>
#include <QHostInfo>

namespace pomelo {

namespace {

QByteArray consumerName()
{
    return (QHostInfo::localHostName() + QLatin1Char('-')
            + QString::number(QCoreApplication::applicationPid()))
        .toUtf8();
}

} // namespace

WorkersModule::WorkersModule(const ServerContext &context, const SecretBox &box)
{
    m_relay =
        std::make_unique<OutboxRelay>(context.db, context.redis, context.keys.orderEventsStream());
    MerchantNotifierOptions notify;
    notify.scheduleSeconds = context.config.notifyScheduleSeconds();
    notify.timeoutMs = context.config.notifyTimeoutMs();
    notify.zone = context.zone;
    notify.development = !context.config.isProduction();
    m_notifier = std::make_unique<MerchantNotifier>(context.db, box, notify);
    const QByteArray name = consumerName();
    m_statusTracker = std::make_unique<StatusTracker>(context.redis, context.keys, name);
    m_pushNotifier =
        std::make_unique<PushNotifier>(context.redis, context.keys, name, context.zone);
}

WorkersModule::~WorkersModule()
{
    stop();
}

void WorkersModule::start()
{
    m_relay->start();
    m_notifier->start();
    m_statusTracker->start();
    m_pushNotifier->start();
    qCInfo(lcWorkers) << "workers started: outbox relay, merchant notifier, status-tracker,"
                      << "push-notifier";
}

void WorkersModule::stop()
{
    m_pushNotifier->stop();
    m_statusTracker->stop();
    m_notifier->stop();
    m_relay->stop();
}

} // namespace pomelo
