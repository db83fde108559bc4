#include "outboxrelay.h"

#include "domain/errors.h"
#include "domain/statemachine.h"
#include "storage/database.h"
#include "storage/orderrepository.h"
#include "storage/outboxrepository.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "telemetry/trace.h"

#include <algorithm>
#include <openssl/crypto.h>

namespace pomelo {

namespace {

prometheus::Counter &publishedCounter()
{
    static prometheus::Counter &c =
        Metrics::instance()
            .counterFamily("pomelo_outbox_published_total",
                           "Order events appended to the stream by the outbox relay")
            .Add({});
    return c;
}

prometheus::Gauge &lagGauge()
{
    static prometheus::Gauge &g =
        Metrics::instance()
            .gaugeFamily("pomelo_outbox_lag", "Committed order events not yet published")
            .Add({});
    return g;
}

} // namespace

OutboxRelay::OutboxRelay(Database &db, RedisPool &redis, QByteArray stream,
                         OutboxRelayOptions options)
    : m_db(db)
    , m_redis(redis)
    , m_publisher(redis, std::move(stream), options.streamMaxLen, true)
    , m_options(options)
    , m_worker(
          QStringLiteral("outbox-relay"), [this] { return round(); },
          [this] {
              m_db.releaseThreadConnection();
              OPENSSL_thread_stop();
          })
{
    publishedCounter(); // in /metrics at 0 from the start
    lagGauge();
}

OutboxRelay::~OutboxRelay()
{
    stop();
}

void OutboxRelay::start()
{
    if (m_worker.isRunning())
        return;
    m_backoffMs = 0;
    // Direct: the signal comes from the committing thread and only sets a flag under a mutex.
    m_connection = QObject::connect(
        &m_db, &Database::outboxAppended, &m_db, [this] { wake(); }, Qt::DirectConnection);
    m_worker.start();
}

void OutboxRelay::stop()
{
    QObject::disconnect(m_connection);
    m_worker.stop();
}

void OutboxRelay::wake()
{
    m_worker.wake();
}

StreamFields OutboxRelay::fieldsOf(const OrderEvent &e, const QString &openId) const
{
    StreamFields f {
        {streamfields::EventId, QByteArray::number(e.id)},
        {streamfields::OrderId, QByteArray::number(e.orderId)},
        {streamfields::AppId, e.appId.toUtf8()},
        {streamfields::OutTradeNo, e.outTradeNo.toUtf8()},
    };
    if (e.prevStatus)
        f.append({streamfields::PrevStatus, statusName(*e.prevStatus).toUtf8()});
    f.append({streamfields::Status, statusName(e.newStatus).toUtf8()});
    f.append({streamfields::Amount, QByteArray::number(e.amount)});
    f.append({streamfields::At, QByteArray::number(e.createdAt)});
    if (!e.traceparent.isEmpty())
        f.append({streamfields::Traceparent, e.traceparent.toUtf8()});
    if (!openId.isEmpty())
        f.append({streamfields::OpenId, openId.toUtf8()});
    return f;
}

int OutboxRelay::publishOnce()
{
    OutboxRepository outbox(m_db);
    OrderRepository orders(m_db);
    const auto entriesOf = [&](const QList<OrderEvent> &events) {
        QHash<qint64, QString> openIds;
        QList<StreamFields> entries;
        entries.reserve(events.size());
        for (const OrderEvent &e : events) {
            if (!openIds.contains(e.orderId)) {
                const std::optional<PayOrder> order = orders.find(e.orderId);
                openIds.insert(e.orderId, order ? order->openId : QString());
            }
            entries.append(fieldsOf(e, openIds.value(e.orderId)));
        }
        return entries;
    };
    // The publish span of each event (a child of the event's traceparent, made by the
    // publisher) is labelled with its order; nothing is built when no one records spans.
    const auto spanAttributesOf = [](const QList<OrderEvent> &events) {
        QList<QVariantMap> attributes;
        if (!Tracer::instance().isRecording())
            return attributes;
        attributes.reserve(events.size());
        for (const OrderEvent &e : events) {
            attributes.append({{QStringLiteral("order.id"), QString::number(e.orderId)},
                               {QStringLiteral("order.status"), statusName(e.newStatus)}});
        }
        return attributes;
    };
    const auto idsOf = [](const QList<OrderEvent> &events) {
        QList<qint64> ids;
        ids.reserve(events.size());
        for (const OrderEvent &e : events)
            ids.append(e.id);
        return ids;
    };

    int published = 0;
    if (m_db.dialect() == Dialect::Postgres) {
        // The claim holds row locks until the commit: another instance's relay skips these rows
        // and (the repository's rule) every later event of the same orders.
        Transaction tx(m_db);
        const QList<OrderEvent> events = outbox.claimUnpublished(tx, m_options.batchSize);
        if (events.isEmpty())
            return 0;
        m_publisher.publishBatch(entriesOf(events), spanAttributesOf(events));
        outbox.markPublished(tx, idsOf(events));
        tx.commit();
        published = int(events.size());
    } else {
        // SQLite: one relay per database (embedded mode); a write transaction around the XADD
        // would block every writer for the Redis round trip.
        const QList<OrderEvent> events = outbox.fetchUnpublished(m_options.batchSize);
        if (events.isEmpty())
            return 0;
        m_publisher.publishBatch(entriesOf(events), spanAttributesOf(events));
        m_db.transact([&](Transaction &tx) { outbox.markPublished(tx, idsOf(events)); });
        published = int(events.size());
    }
    m_published += quint64(published);
    publishedCounter().Increment(published);
    qCDebug(lcWorkers) << "outbox relay published" << published << "events";
    return published;
}

WakeableWorker::Sleep OutboxRelay::round()
{
    int waitMs = m_options.pollIntervalMs;
    try {
        const int n = publishOnce();
        if (m_backoffMs)
            qCInfo(lcWorkers) << "outbox relay recovered";
        m_backoffMs = 0;
        lagGauge().Set(double(OutboxRepository(m_db).unpublishedCount()));
        if (n >= m_options.batchSize)
            return {std::chrono::milliseconds(0)}; // more are waiting
    } catch (const Error &e) {
        ++m_failedRounds;
        m_backoffMs = m_backoffMs ? std::min(m_backoffMs * 2, m_options.backoffMaxMs)
                                  : m_options.backoffInitialMs;
        waitMs = m_backoffMs;
        qCWarning(lcWorkers).noquote()
            << "outbox relay: publishing failed, retrying in" << m_backoffMs << "ms:" << e.detail();
    } catch (const std::exception &e) {
        ++m_failedRounds;
        m_backoffMs = m_options.backoffMaxMs;
        waitMs = m_backoffMs;
        qCCritical(lcWorkers) << "outbox relay: unexpected failure:" << e.what();
    }
    // A wake-up during a back-off does not cut it short: Redis is still down.
    return {std::chrono::milliseconds(waitMs), m_backoffMs == 0};
}

} // namespace pomelo
