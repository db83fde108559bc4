#include "metricscollector.h"

#include "domain/errors.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "storage/database.h"
#include "storage/notificationrepository.h"
#include "storage/outboxrepository.h"
#include "storage/paymentexceptionrepository.h"
#include "storage/refundrepository.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

#include <QDateTime>
#include <QtConcurrent>

namespace pomelo {

namespace {

prometheus::Gauge &gauge(const char *name, const char *help, const prometheus::Labels &labels = {})
{
    return Metrics::instance().gaugeFamily(name, help).Add(labels);
}

prometheus::Gauge &redisUp()
{
    return gauge("pomelo_redis_up", "1 when Redis answered the last PING of this instance");
}

prometheus::Gauge &databaseUp()
{
    return gauge("pomelo_database_up",
                 "1 when the database answered the last check of this instance");
}

prometheus::Gauge &queueOverdue(const QByteArray &queue)
{
    return gauge("pomelo_delayed_queue_overdue",
                 "Delayed-queue items due (or whose claim expired) more than the grace period ago",
                 {{"queue", queue.toStdString()}});
}

prometheus::Gauge &queueScheduled(const QByteArray &queue)
{
    return gauge("pomelo_delayed_queue_scheduled", "Delayed-queue items waiting for their due time",
                 {{"queue", queue.toStdString()}});
}

prometheus::Gauge &exceptionsOpen(const QString &state)
{
    return gauge("pomelo_payment_exceptions_open", "Payment exceptions not resolved, by state",
                 {{"state", state.toStdString()}});
}

prometheus::Gauge &notificationsFailed()
{
    return gauge("pomelo_merchant_notifications_failed",
                 "Merchant notifications given up (FAILED), waiting for a re-send");
}

prometheus::Gauge &refundsProcessing()
{
    return gauge("pomelo_refunds_processing", "Refunds in flight (PROCESSING)");
}

prometheus::Gauge &refundsOldest()
{
    return gauge("pomelo_refunds_processing_oldest_seconds",
                 "Age of the oldest refund in flight (0 when none)");
}

prometheus::Gauge &outboxOldest()
{
    return gauge("pomelo_outbox_oldest_unpublished_seconds",
                 "Age of the oldest committed order event not yet published (0 when none)");
}

const QStringList OpenExceptionStates {QStringLiteral("REFUNDING"), QStringLiteral("REFUNDED"),
                                       QStringLiteral("REFUND_FAILED")};

double ageSeconds(const std::optional<qint64> &sinceMs, qint64 nowMs)
{
    return sinceMs ? std::max<double>(0, double(nowMs - *sinceMs) / 1000.0) : 0.0;
}

} // namespace

MetricsCollector::MetricsCollector(Database &db, RedisPool &redis, const RedisKeys &keys,
                                   MetricsCollectorOptions options)
    : m_db(db)
    , m_redis(redis)
    , m_options(options)
    , m_queues {{QByteArrayLiteral("order-timeout"), keys.orderTimeoutQueue()},
                {QByteArrayLiteral("booking-expiry"), keys.bookingExpiryQueue()}}
{
    // Every series exists from the start (an alert must see 0, not nothing). The up gauges start
    // at 0: nothing has been checked yet.
    redisUp().Set(0);
    databaseUp().Set(0);
    for (const Queue &q : std::as_const(m_queues)) {
        queueOverdue(q.label);
        queueScheduled(q.label);
    }
    for (const QString &state : OpenExceptionStates)
        exceptionsOpen(state);
    notificationsFailed();
    refundsProcessing();
    refundsOldest();
    outboxOldest();
    m_thread.setMaxThreadCount(1);
    m_thread.setExpiryTimeout(-1);
    m_timer.setInterval(m_options.interval);
    QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
}

MetricsCollector::~MetricsCollector()
{
    stop();
}

void MetricsCollector::start()
{
    m_timer.start();
    tick();
}

void MetricsCollector::stop()
{
    m_timer.stop();
    m_run.waitForFinished();
    m_thread.waitForDone();
}

void MetricsCollector::tick()
{
    if (m_run.isRunning())
        return;
    m_run = QtConcurrent::run(&m_thread, [this] { collect(); });
}

void MetricsCollector::collect()
{
    collectRedis();
    collectDatabase();
}

void MetricsCollector::collectRedis()
{
    try {
        m_redis.command({QByteArrayLiteral("PING")}, Idempotent::Yes).throwIfError("PING");
        // Overdue by Redis's clock, the one the queues are scored with.
        const RedisReply time = m_redis.command({QByteArrayLiteral("TIME")}, Idempotent::Yes);
        time.throwIfError("TIME");
        const qint64 nowMs = time.at(0).toByteArray().toLongLong() * 1000
            + time.at(1).toByteArray().toLongLong() / 1000;
        const QByteArray limit = QByteArray::number(nowMs - m_options.overdueGraceMs);
        QList<QList<QByteArray>> commands;
        for (const Queue &q : std::as_const(m_queues)) {
            // Scheduled and past due, or claimed and past the visibility deadline: both mean no
            // worker is taking them.
            commands.append({QByteArrayLiteral("ZCOUNT"), q.key, QByteArrayLiteral("-inf"), limit});
            commands.append({QByteArrayLiteral("ZCOUNT"), q.key + QByteArrayLiteral(":processing"),
                             QByteArrayLiteral("-inf"), limit});
            commands.append({QByteArrayLiteral("ZCARD"), q.key});
        }
        const QList<RedisReply> replies = m_redis.pipeline(commands, Idempotent::Yes);
        for (const RedisReply &r : replies)
            r.throwIfError("ZCOUNT");
        for (qsizetype i = 0; i < m_queues.size(); ++i) {
            queueOverdue(m_queues.at(i).label)
                .Set(double(replies.at(3 * i).toInteger() + replies.at(3 * i + 1).toInteger()));
            queueScheduled(m_queues.at(i).label).Set(double(replies.at(3 * i + 2).toInteger()));
        }
        redisUp().Set(1);
    } catch (const Error &e) {
        redisUp().Set(0);
        qCDebug(lcWorkers).noquote() << "metrics: Redis not readable:" << e.detail();
    }
}

void MetricsCollector::collectDatabase()
{
    if (!m_db.isAvailable()) {
        databaseUp().Set(0);
        return;
    }
    try {
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const QList<std::pair<QString, qint64>> open =
            PaymentExceptionRepository(m_db).openCounts();
        for (const QString &state : OpenExceptionStates) {
            qint64 count = 0;
            for (const auto &[name, n] : open) {
                if (name == state)
                    count = n;
            }
            exceptionsOpen(state).Set(double(count));
        }
        notificationsFailed().Set(
            double(NotificationRepository(m_db).countInState(NotificationState::Failed)));
        const auto [processing, oldest] = RefundRepository(m_db).processingSummary();
        refundsProcessing().Set(double(processing));
        refundsOldest().Set(ageSeconds(oldest, nowMs));
        outboxOldest().Set(ageSeconds(OutboxRepository(m_db).oldestUnpublishedAt(), nowMs));
        databaseUp().Set(1);
    } catch (const Error &e) {
        databaseUp().Set(0);
        qCDebug(lcWorkers).noquote() << "metrics: database not readable:" << e.detail();
    }
}

} // namespace pomelo
