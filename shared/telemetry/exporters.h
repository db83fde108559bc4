#pragma once

#include "trace.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QString>
#include <QUrl>

#include <atomic>
#include <memory>

namespace prometheus {
class Registry;
}

namespace pomelo {

/// OTLP/JSON encoding helpers (public for tests and for other exporters).
/// Ids are lower-case hex, 64-bit integers (times, intValue) are decimal strings.
QJsonArray otlpAttributes(const QVariantMap &attributes);
/// One OTLP `Span` object (`traceId`, `spanId`, `parentSpanId` when not a root, `name`, `kind`,
/// `startTimeUnixNano`, `endTimeUnixNano`, `attributes`, `events`, `links` (each `traceId`,
/// `spanId`, `attributes`, `flags`) when there are any, `status`).
QJsonObject otlpSpan(const SpanData &span);
/// A whole `ExportTraceServiceRequest`: one resource (`service.name`, `service.version`, …), one
/// scope (`pomelo`), the spans.
QByteArray otlpTracesRequest(const QList<SpanData> &spans, const QString &serviceName,
                             const QString &serviceVersion);

struct OtlpHttpJsonExporterOptions
{
    /// Spans waiting for export; when full, new spans are dropped (and counted), never waited for.
    int maxQueueSize = 2048;
    /// Spans per POST; reaching it wakes the export thread before the interval.
    int maxBatchSize = 512;
    /// A partial batch is sent at the latest after this long.
    int flushIntervalMs = 2000;
    /// Timeout of one POST (no retries: a failed batch is counted and dropped).
    int requestTimeoutMs = 10000;
    /// Resource attributes; empty: taken from Tracer::instance() at export time.
    QString serviceName;
    QString serviceVersion;
    /// Extra request headers (e.g. an authorization header of the collector).
    QList<QPair<QByteArray, QByteArray>> headers;
    /// When set, the counters are also registered there (label exporter="otlp"):
    /// pomelo_telemetry_spans_exported_total, pomelo_telemetry_spans_dropped_total,
    /// pomelo_telemetry_export_failures_total.
    std::shared_ptr<prometheus::Registry> registry;
};

/// Exports spans with OTLP/HTTP JSON (`POST {endpoint}/v1/traces`) in batches from its own
/// thread (with its own QNetworkAccessManager). exportSpans() only takes a mutex and appends.
class OtlpHttpJsonExporter final : public SpanExporter
{
public:
    /// @p endpoint is the collector base URL, e.g. http://127.0.0.1:4318 (a trailing
    /// `/v1/traces` is accepted as is).
    explicit OtlpHttpJsonExporter(const QUrl &endpoint,
                                  const OtlpHttpJsonExporterOptions &options = {});
    /// Shuts down (flushing, bounded by 5 s) if not done yet.
    ~OtlpHttpJsonExporter() override;
    OtlpHttpJsonExporter(const OtlpHttpJsonExporter &) = delete;
    OtlpHttpJsonExporter &operator=(const OtlpHttpJsonExporter &) = delete;

    void exportSpans(const QList<SpanData> &spans) override;
    /// Sends everything queued, waits at most @p timeoutMs (then aborts the POST in flight and
    /// counts what is left as dropped), stops the thread. Blocks the caller; idempotent.
    void shutdown(int timeoutMs = 5000) override;

    QUrl tracesUrl() const;
    quint64 exportedSpans() const; ///< acknowledged by the collector (2xx)
    quint64 droppedSpans() const; ///< queue full, or left over at shutdown
    quint64 failedSpans() const; ///< in a POST that failed (error, timeout, non-2xx)
    quint64 failedExports() const; ///< POSTs that failed
    qsizetype queuedSpans() const;

    struct Private;

private:
    std::unique_ptr<Private> d;
};

/// Appends one JSON object per span per line (the OTLP span fields, plus `service.name`
/// as `serviceName`) to a file. Thread-safe; writes synchronously.
class JsonLinesFileExporter final : public SpanExporter
{
public:
    explicit JsonLinesFileExporter(const QString &path);
    ~JsonLinesFileExporter() override;

    bool isOpen() const;
    QString errorString() const;
    void exportSpans(const QList<SpanData> &spans) override;
    void shutdown(int timeoutMs = 5000) override;

private:
    mutable QMutex m_mutex;
    QFile m_file;
};

/// Keeps finished spans in memory: for tests (this project's and the server's).
class InMemorySpanExporter final : public SpanExporter
{
public:
    void exportSpans(const QList<SpanData> &spans) override;
    QList<SpanData> spans() const;
    qsizetype count() const;
    void clear();

private:
    mutable QMutex m_mutex;
    QList<SpanData> m_spans;
};

} // namespace pomelo
