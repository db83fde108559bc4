#include "exporters.h"

#include "logging.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSysInfo>
#include <QThread>
#include <QTimer>
#include <QWaitCondition>

#include <cmath>
#include <deque>
#include <limits>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <unistd.h>

#ifndef POMELO_TELEMETRY_VERSION
#define POMELO_TELEMETRY_VERSION "0"
#endif

namespace pomelo {

// --- OTLP/JSON encoding ---------------------------------------------------------------------

namespace {

QJsonObject otlpAnyValue(const QVariant &value);

QJsonObject otlpArrayValue(const QVariantList &list)
{
    QJsonArray values;
    for (const QVariant &item : list)
        values.append(otlpAnyValue(item));
    return QJsonObject {
        {QStringLiteral("arrayValue"), QJsonObject {{QStringLiteral("values"), values}}}};
}

QJsonObject otlpAnyValue(const QVariant &value)
{
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return {{QStringLiteral("boolValue"), value.toBool()}};
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::Long:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::UChar:
    case QMetaType::LongLong:
        return {{QStringLiteral("intValue"), QString::number(value.toLongLong())}};
    case QMetaType::ULong:
    case QMetaType::ULongLong: {
        const qulonglong v = value.toULongLong();
        if (v > qulonglong(std::numeric_limits<qint64>::max()))
            return {{QStringLiteral("stringValue"), QString::number(v)}};
        return {{QStringLiteral("intValue"), QString::number(qint64(v))}};
    }
    case QMetaType::Double:
    case QMetaType::Float: {
        const double v = value.toDouble();
        if (std::isnan(v))
            return {{QStringLiteral("doubleValue"), QStringLiteral("NaN")}};
        if (std::isinf(v)) {
            return {{QStringLiteral("doubleValue"),
                     v > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity")}};
        }
        return {{QStringLiteral("doubleValue"), v}};
    }
    case QMetaType::QStringList:
    case QMetaType::QVariantList:
        return otlpArrayValue(value.toList());
    case QMetaType::QByteArray:
        return {{QStringLiteral("stringValue"), QString::fromUtf8(value.toByteArray())}};
    default:
        return {{QStringLiteral("stringValue"), value.toString()}};
    }
}

QJsonObject keyValue(const QString &key, const QJsonObject &value)
{
    return {{QStringLiteral("key"), key}, {QStringLiteral("value"), value}};
}

} // namespace

QJsonArray otlpAttributes(const QVariantMap &attributes)
{
    QJsonArray out;
    for (auto it = attributes.cbegin(); it != attributes.cend(); ++it)
        out.append(keyValue(it.key(), otlpAnyValue(it.value())));
    return out;
}

QJsonObject otlpSpan(const SpanData &span)
{
    QJsonObject out;
    out.insert(QStringLiteral("traceId"), span.traceId.toString());
    out.insert(QStringLiteral("spanId"), span.spanId.toString());
    if (span.parentSpanId.isValid())
        out.insert(QStringLiteral("parentSpanId"), span.parentSpanId.toString());
    out.insert(QStringLiteral("name"), span.name);
    out.insert(QStringLiteral("kind"), int(span.kind));
    out.insert(QStringLiteral("startTimeUnixNano"), QString::number(span.startTimeUnixNano));
    out.insert(QStringLiteral("endTimeUnixNano"), QString::number(span.endTimeUnixNano));
    out.insert(QStringLiteral("attributes"), otlpAttributes(span.attributes));
    if (span.droppedAttributesCount > 0)
        out.insert(QStringLiteral("droppedAttributesCount"), span.droppedAttributesCount);
    if (!span.events.isEmpty()) {
        QJsonArray events;
        for (const SpanEvent &event : span.events) {
            events.append(QJsonObject {
                {QStringLiteral("timeUnixNano"), QString::number(event.timeUnixNano)},
                {QStringLiteral("name"), event.name},
                {QStringLiteral("attributes"), otlpAttributes(event.attributes)},
            });
        }
        out.insert(QStringLiteral("events"), events);
    }
    if (span.droppedEventsCount > 0)
        out.insert(QStringLiteral("droppedEventsCount"), span.droppedEventsCount);
    if (!span.links.isEmpty()) {
        QJsonArray links;
        for (const SpanLink &link : span.links) {
            links.append(QJsonObject {
                {QStringLiteral("traceId"), link.context.traceId.toString()},
                {QStringLiteral("spanId"), link.context.spanId.toString()},
                {QStringLiteral("attributes"), otlpAttributes(link.attributes)},
                // OTLP `Link.flags` (fixed32, a JSON number): bits 0-7 are the W3C trace flags.
                {QStringLiteral("flags"), int(link.context.flags)},
            });
        }
        out.insert(QStringLiteral("links"), links);
    }
    if (span.droppedLinksCount > 0)
        out.insert(QStringLiteral("droppedLinksCount"), span.droppedLinksCount);
    QJsonObject status {{QStringLiteral("code"), int(span.status)}};
    if (!span.statusMessage.isEmpty())
        status.insert(QStringLiteral("message"), span.statusMessage);
    out.insert(QStringLiteral("status"), status);
    return out;
}

QByteArray otlpTracesRequest(const QList<SpanData> &spans, const QString &serviceName,
                             const QString &serviceVersion)
{
    QJsonArray resourceAttributes {
        keyValue(QStringLiteral("service.name"), otlpAnyValue(serviceName)),
    };
    if (!serviceVersion.isEmpty()) {
        resourceAttributes.append(
            keyValue(QStringLiteral("service.version"), otlpAnyValue(serviceVersion)));
    }
    resourceAttributes.append(
        keyValue(QStringLiteral("telemetry.sdk.name"), otlpAnyValue(QStringLiteral("pomelo"))));
    resourceAttributes.append(
        keyValue(QStringLiteral("telemetry.sdk.language"), otlpAnyValue(QStringLiteral("cpp"))));
    resourceAttributes.append(
        keyValue(QStringLiteral("host.name"), otlpAnyValue(QSysInfo::machineHostName())));
    resourceAttributes.append(
        keyValue(QStringLiteral("process.pid"), otlpAnyValue(qint64(::getpid()))));

    QJsonArray jsonSpans;
    for (const SpanData &span : spans)
        jsonSpans.append(otlpSpan(span));

    const QJsonObject scope {
        {QStringLiteral("name"), QStringLiteral("pomelo")},
        {QStringLiteral("version"), QStringLiteral(POMELO_TELEMETRY_VERSION)},
    };
    const QJsonObject scopeSpans {
        {QStringLiteral("scope"), scope},
        {QStringLiteral("spans"), jsonSpans},
    };
    const QJsonObject resourceSpans {
        {QStringLiteral("resource"),
         QJsonObject {{QStringLiteral("attributes"), resourceAttributes}}},
        {QStringLiteral("scopeSpans"), QJsonArray {scopeSpans}},
    };
    const QJsonObject request {{QStringLiteral("resourceSpans"), QJsonArray {resourceSpans}}};
    return QJsonDocument(request).toJson(QJsonDocument::Compact);
}

// --- OtlpHttpJsonExporter -------------------------------------------------------------------

namespace {
class OtlpWorker;
}

struct OtlpHttpJsonExporter::Private
{
    QUrl url;
    OtlpHttpJsonExporterOptions options;

    mutable QMutex mutex;
    QWaitCondition workerStarted;
    std::deque<SpanData> queue; // guarded by mutex
    OtlpWorker *worker = nullptr; // guarded; set while the export thread's loop runs
    bool threadStarted = false; // guarded
    bool wakePending = false; // guarded
    bool stopping = false; // guarded: no more spans are accepted

    QMutex shutdownMutex;
    std::unique_ptr<QThread> thread; // guarded by shutdownMutex after construction

    std::atomic<quint64> exported {0};
    std::atomic<quint64> dropped {0};
    std::atomic<quint64> failedSpans {0};
    std::atomic<quint64> failedExports {0};
    prometheus::Counter *promExported = nullptr;
    prometheus::Counter *promDropped = nullptr;
    prometheus::Counter *promFailures = nullptr;

    void countDropped(quint64 n)
    {
        if (n == 0)
            return;
        dropped.fetch_add(n, std::memory_order_relaxed);
        if (promDropped)
            promDropped->Increment(double(n));
    }
    void countExported(quint64 n)
    {
        exported.fetch_add(n, std::memory_order_relaxed);
        if (promExported)
            promExported->Increment(double(n));
    }
    void countFailed(quint64 n)
    {
        failedSpans.fetch_add(n, std::memory_order_relaxed);
        failedExports.fetch_add(1, std::memory_order_relaxed);
        if (promFailures)
            promFailures->Increment();
    }

    void run();
};

namespace {

/// Lives on the export thread (created and destroyed there) with its network manager.
class OtlpWorker
{
public:
    explicit OtlpWorker(OtlpHttpJsonExporter::Private &d)
        : m_d(d)
    {
        m_timer.setInterval(std::max(1, d.options.flushIntervalMs));
        QObject::connect(&m_timer, &QTimer::timeout, &m_context, [this] { pump(false); });
        m_deadline.setSingleShot(true);
        QObject::connect(&m_deadline, &QTimer::timeout, &m_context, [this] { expire(); });
    }

    QObject *context() { return &m_context; }

    void run()
    {
        m_timer.start();
        m_loop.exec();
        m_timer.stop();
        if (m_reply) {
            m_expired = true;
            m_reply->abort();
        }
    }

    /// Sends one batch unless a POST is in flight. @p fullOnly: only if a whole batch is waiting.
    void pump(bool fullOnly)
    {
        if (m_reply || m_expired)
            return;
        QList<SpanData> batch;
        {
            const QMutexLocker lock(&m_d.mutex);
            m_d.wakePending = false;
            const auto batchSize = std::size_t(std::max(1, m_d.options.maxBatchSize));
            if (!m_d.queue.empty() && (!fullOnly || m_draining || m_d.queue.size() >= batchSize)) {
                const std::size_t n = std::min(batchSize, m_d.queue.size());
                batch.reserve(qsizetype(n));
                for (std::size_t i = 0; i < n; ++i) {
                    batch.append(std::move(m_d.queue.front()));
                    m_d.queue.pop_front();
                }
            }
        }
        if (batch.isEmpty()) {
            finishIfDrained();
            return;
        }
        send(batch);
    }

    void startDrain(int timeoutMs)
    {
        m_draining = true;
        m_timer.stop();
        m_deadline.start(std::max(0, timeoutMs));
        pump(false);
    }

private:
    void send(const QList<SpanData> &batch)
    {
        const QString service = m_d.options.serviceName.isEmpty() ? Tracer::instance().serviceName()
                                                                  : m_d.options.serviceName;
        const QString version = m_d.options.serviceVersion.isEmpty()
            ? Tracer::instance().serviceVersion()
            : m_d.options.serviceVersion;
        QNetworkRequest request(m_d.url);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        request.setTransferTimeout(std::max(1, m_d.options.requestTimeoutMs));
        for (const auto &[name, value] : m_d.options.headers)
            request.setRawHeader(name, value);
        m_replySpans = quint64(batch.size());
        m_reply = m_nam.post(request, otlpTracesRequest(batch, service, version));
        QObject::connect(m_reply, &QNetworkReply::finished, &m_context, [this] { onFinished(); });
    }

    void onFinished()
    {
        QNetworkReply *reply = std::exchange(m_reply, nullptr);
        if (!reply)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
        if (ok) {
            m_d.countExported(m_replySpans);
            m_failing = false;
        } else {
            m_d.countFailed(m_replySpans);
            if (!m_failing) {
                // Once per failure streak: a down collector must not flood the log.
                QString reason = reply->errorString();
                if (reply->error() == QNetworkReply::OperationCanceledError && !m_expired)
                    reason = QStringLiteral("no answer in %1 ms").arg(m_d.options.requestTimeoutMs);
                else if (status > 0)
                    reason = QStringLiteral("HTTP %1").arg(status);
                qCWarning(lcTelemetry, "OTLP export to %s failed: %s",
                          qPrintable(m_d.url.toDisplayString()), qPrintable(reason));
            }
            m_failing = true;
        }
        reply->deleteLater();
        if (!m_expired)
            pump(!m_draining);
    }

    void finishIfDrained()
    {
        if (m_draining && !m_reply)
            m_loop.quit();
    }

    void expire()
    {
        m_expired = true;
        if (m_reply)
            m_reply->abort(); // emits finished synchronously: counted as failed
        quint64 left = 0;
        {
            const QMutexLocker lock(&m_d.mutex);
            left = m_d.queue.size();
            m_d.queue.clear();
        }
        m_d.countDropped(left);
        m_loop.quit();
    }

    OtlpHttpJsonExporter::Private &m_d;
    // Destroyed in reverse order: the manager (and its replies) before the context.
    QObject m_context;
    QEventLoop m_loop;
    QTimer m_timer;
    QTimer m_deadline;
    QNetworkAccessManager m_nam;
    QNetworkReply *m_reply = nullptr;
    quint64 m_replySpans = 0;
    bool m_draining = false;
    bool m_expired = false;
    bool m_failing = false;
};

} // namespace

void OtlpHttpJsonExporter::Private::run()
{
    OtlpWorker w(*this);
    {
        const QMutexLocker lock(&mutex);
        worker = &w;
        threadStarted = true;
        workerStarted.wakeAll();
    }
    w.run();
    quint64 left = 0;
    {
        const QMutexLocker lock(&mutex);
        worker = nullptr;
        stopping = true;
        left = queue.size();
        queue.clear();
    }
    countDropped(left);
}

OtlpHttpJsonExporter::OtlpHttpJsonExporter(const QUrl &endpoint,
                                           const OtlpHttpJsonExporterOptions &options)
    : d(std::make_unique<Private>())
{
    d->options = options;
    d->url = endpoint;
    QString path = d->url.path();
    if (!path.endsWith(QLatin1String("/v1/traces"))) {
        while (path.endsWith(u'/'))
            path.chop(1);
        d->url.setPath(path + QLatin1String("/v1/traces"));
    }

    if (options.registry) {
        const prometheus::Labels labels {{"exporter", "otlp"}};
        d->promExported = &prometheus::BuildCounter()
                               .Name("pomelo_telemetry_spans_exported_total")
                               .Help("Spans accepted by the trace collector")
                               .Register(*options.registry)
                               .Add(labels);
        d->promDropped = &prometheus::BuildCounter()
                              .Name("pomelo_telemetry_spans_dropped_total")
                              .Help("Spans dropped because the export queue was full or closed")
                              .Register(*options.registry)
                              .Add(labels);
        d->promFailures = &prometheus::BuildCounter()
                               .Name("pomelo_telemetry_export_failures_total")
                               .Help("Trace export requests that failed")
                               .Register(*options.registry)
                               .Add(labels);
    }

    Private *p = d.get();
    d->thread.reset(QThread::create([p] { p->run(); }));
    d->thread->setObjectName(QStringLiteral("otlp-exporter"));
    d->thread->start();
    const QMutexLocker lock(&d->mutex);
    while (!d->threadStarted)
        d->workerStarted.wait(&d->mutex);
}

OtlpHttpJsonExporter::~OtlpHttpJsonExporter()
{
    shutdown();
}

void OtlpHttpJsonExporter::exportSpans(const QList<SpanData> &spans)
{
    quint64 dropped = 0;
    {
        const QMutexLocker lock(&d->mutex);
        if (d->stopping) {
            dropped = quint64(spans.size());
        } else {
            const auto capacity = std::size_t(std::max(1, d->options.maxQueueSize));
            for (const SpanData &span : spans) {
                if (d->queue.size() >= capacity)
                    ++dropped;
                else
                    d->queue.push_back(span);
            }
            if (d->worker && !d->wakePending
                && d->queue.size() >= std::size_t(std::max(1, d->options.maxBatchSize))) {
                d->wakePending = true;
                // Posting under the lock: the worker cannot be destroyed meanwhile.
                OtlpWorker *w = d->worker;
                QMetaObject::invokeMethod(
                    w->context(), [w] { w->pump(true); }, Qt::QueuedConnection);
            }
        }
    }
    d->countDropped(dropped);
}

void OtlpHttpJsonExporter::shutdown(int timeoutMs)
{
    const QMutexLocker shutdownLock(&d->shutdownMutex);
    if (!d->thread)
        return;
    {
        const QMutexLocker lock(&d->mutex);
        d->stopping = true;
        if (OtlpWorker *w = d->worker) {
            QMetaObject::invokeMethod(
                w->context(), [w, timeoutMs] { w->startDrain(timeoutMs); }, Qt::QueuedConnection);
        }
    }
    // The worker quits by its own deadline (aborting a POST in flight); the margin is for a
    // thread that is slow to get scheduled.
    if (!d->thread->wait(QDeadlineTimer(qint64(std::max(0, timeoutMs)) + 10000))) {
        qCWarning(lcTelemetry, "OTLP exporter thread did not stop in time; still waiting");
        d->thread->wait();
    }
    d->thread.reset();
}

QUrl OtlpHttpJsonExporter::tracesUrl() const
{
    return d->url;
}

quint64 OtlpHttpJsonExporter::exportedSpans() const
{
    return d->exported.load(std::memory_order_relaxed);
}

quint64 OtlpHttpJsonExporter::droppedSpans() const
{
    return d->dropped.load(std::memory_order_relaxed);
}

quint64 OtlpHttpJsonExporter::failedSpans() const
{
    return d->failedSpans.load(std::memory_order_relaxed);
}

quint64 OtlpHttpJsonExporter::failedExports() const
{
    return d->failedExports.load(std::memory_order_relaxed);
}

qsizetype OtlpHttpJsonExporter::queuedSpans() const
{
    const QMutexLocker lock(&d->mutex);
    return qsizetype(d->queue.size());
}

// --- JsonLinesFileExporter ------------------------------------------------------------------

JsonLinesFileExporter::JsonLinesFileExporter(const QString &path)
    : m_file(path)
{
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        qCWarning(lcTelemetry, "Cannot open span file %s: %s", qPrintable(path),
                  qPrintable(m_file.errorString()));
    }
}

JsonLinesFileExporter::~JsonLinesFileExporter() = default;

bool JsonLinesFileExporter::isOpen() const
{
    const QMutexLocker lock(&m_mutex);
    return m_file.isOpen();
}

QString JsonLinesFileExporter::errorString() const
{
    const QMutexLocker lock(&m_mutex);
    return m_file.errorString();
}

void JsonLinesFileExporter::exportSpans(const QList<SpanData> &spans)
{
    const QString service = Tracer::instance().serviceName();
    QByteArray lines;
    for (const SpanData &span : spans) {
        QJsonObject object = otlpSpan(span);
        object.insert(QStringLiteral("serviceName"), service);
        lines += QJsonDocument(object).toJson(QJsonDocument::Compact);
        lines += '\n';
    }
    const QMutexLocker lock(&m_mutex);
    if (!m_file.isOpen())
        return;
    m_file.write(lines);
    m_file.flush();
}

void JsonLinesFileExporter::shutdown(int timeoutMs)
{
    Q_UNUSED(timeoutMs);
    const QMutexLocker lock(&m_mutex);
    m_file.close();
}

// --- InMemorySpanExporter -------------------------------------------------------------------

void InMemorySpanExporter::exportSpans(const QList<SpanData> &spans)
{
    const QMutexLocker lock(&m_mutex);
    m_spans.append(spans);
}

QList<SpanData> InMemorySpanExporter::spans() const
{
    const QMutexLocker lock(&m_mutex);
    return m_spans;
}

qsizetype InMemorySpanExporter::count() const
{
    const QMutexLocker lock(&m_mutex);
    return m_spans.size();
}

void InMemorySpanExporter::clear()
{
    const QMutexLocker lock(&m_mutex);
    m_spans.clear();
}

} // namespace pomelo
