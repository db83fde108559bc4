#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMutex>
#include <QString>
#include <QVariant>
#include <QVariantMap>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace pomelo {

/// 16-byte W3C trace id. A default-constructed id is all-zero, which the spec defines as invalid.
class TraceId
{
public:
    static constexpr qsizetype Size = 16;

    TraceId() = default;
    explicit TraceId(const std::array<quint8, Size> &bytes)
        : m_bytes(bytes)
    { }

    /// A fresh id from this thread's PRNG (std::mt19937_64 seeded once per thread from the system
    /// CSPRNG: no syscall per span); never all-zero. Unique, not secret: whoever sees enough ids
    /// of one thread can compute its next ones, so never use an id as a token.
    static TraceId random();
    /// Strict: exactly 32 lower-case hex digits and not all-zero, else std::nullopt.
    static std::optional<TraceId> fromHex(QByteArrayView hex);

    bool isValid() const;
    QByteArray toHex() const;
    QString toString() const { return QString::fromLatin1(toHex()); }
    const std::array<quint8, Size> &bytes() const { return m_bytes; }

    friend bool operator==(const TraceId &, const TraceId &) = default;

private:
    std::array<quint8, Size> m_bytes {};
};

/// 8-byte W3C span (parent) id. A default-constructed id is all-zero (invalid, "no parent").
class SpanId
{
public:
    static constexpr qsizetype Size = 8;

    SpanId() = default;
    explicit SpanId(const std::array<quint8, Size> &bytes)
        : m_bytes(bytes)
    { }

    /// A fresh id from this thread's PRNG, like TraceId::random(); never all-zero.
    static SpanId random();
    /// Strict: exactly 16 lower-case hex digits and not all-zero, else std::nullopt.
    static std::optional<SpanId> fromHex(QByteArrayView hex);

    bool isValid() const;
    QByteArray toHex() const;
    QString toString() const { return QString::fromLatin1(toHex()); }
    const std::array<quint8, Size> &bytes() const { return m_bytes; }

    friend bool operator==(const SpanId &, const SpanId &) = default;

private:
    std::array<quint8, Size> m_bytes {};
};

/// What crosses process and thread boundaries: the W3C `traceparent` triple.
struct SpanContext
{
    static constexpr quint8 SampledFlag = 0x01;

    TraceId traceId;
    SpanId spanId;
    quint8 flags = SampledFlag;

    bool isValid() const { return traceId.isValid() && spanId.isValid(); }
    bool isSampled() const { return (flags & SampledFlag) != 0; }

    /// `00-<32 hex>-<16 hex>-<2 hex>`; empty when the context is invalid.
    QByteArray toTraceparent() const;
    /// Parses an incoming `traceparent` header value following W3C Trace Context: version 00
    /// must be exactly 55 characters; a future version (01..fe) may be longer if the 56th
    /// character is '-' (only the first 55 are read); version ff, upper-case or non-hex digits,
    /// all-zero ids and wrong separators are rejected. Leading/trailing OWS (space, tab) is
    /// ignored, as HTTP does. Anything else gives std::nullopt: start a new trace then.
    static std::optional<SpanContext> fromTraceparent(QByteArrayView header);

    friend bool operator==(const SpanContext &, const SpanContext &) = default;
};

/// Values match OTLP's SpanKind enum.
enum class SpanKind : int {
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4, ///< hands a message to a stream or queue
    Consumer = 5, ///< receives or processes a message from a stream or queue
};

/// Values match OTLP's Status.StatusCode enum.
enum class SpanStatus : int {
    Unset = 0,
    Ok = 1,
    Error = 2,
};

/// Nanoseconds since the Unix epoch, from the wall clock.
qint64 wallClockUnixNano();

struct SpanEvent
{
    QString name;
    qint64 timeUnixNano = 0;
    QVariantMap attributes;
};

/// A link to a span of another trace (or an earlier one of the same trace): used where work
/// starts a new trace but is caused by another one (OTLP `Span.Link`).
struct SpanLink
{
    SpanContext context;
    QVariantMap attributes;
};

/// A finished span as handed to exporters. Attribute values are QString, bool, an integer type
/// (exported as int64), double, or a QStringList/QVariantList of those; anything else is exported
/// as its string form.
struct SpanData
{
    QString name;
    SpanKind kind = SpanKind::Internal;
    TraceId traceId;
    SpanId spanId;
    SpanId parentSpanId; ///< invalid (all-zero) for a root span
    quint8 flags = SpanContext::SampledFlag;
    QVariantMap attributes;
    SpanStatus status = SpanStatus::Unset;
    QString statusMessage;
    qint64 startTimeUnixNano = 0;
    qint64 endTimeUnixNano = 0;
    QList<SpanEvent> events;
    QList<SpanLink> links;
    int droppedAttributesCount = 0;
    int droppedEventsCount = 0;
    int droppedLinksCount = 0;

    SpanContext context() const { return {traceId, spanId, flags}; }
};

/// Receives finished spans. Called on the thread that ended the span: must be thread-safe and
/// must not block (queue and return). (`export` is a C++ keyword, hence `exportSpans`.)
class SpanExporter
{
public:
    virtual ~SpanExporter() = default;
    virtual void exportSpans(const QList<SpanData> &spans) = 0;
    /// Flushes what is queued (bounded by @p timeoutMs) and stops; later spans are dropped.
    virtual void shutdown(int timeoutMs = 5000) { Q_UNUSED(timeoutMs); }
};

/// The per-thread "current span context" (invalid when none).
SpanContext currentSpanContext();

/// Makes @p context the current one of this thread until destroyed, then restores the previous
/// one. Stack-only. Use it on a worker thread to continue a trace handed over explicitly.
class ContextScope
{
public:
    explicit ContextScope(const SpanContext &context);
    ~ContextScope();
    ContextScope(const ContextScope &) = delete;
    ContextScope &operator=(const ContextScope &) = delete;

private:
    SpanContext m_previous;
};

/// A span being timed. Ends (and goes to the Tracer's exporters) on end() or destruction.
/// Movable, not copyable. A span always has valid ids (so a request has a trace id to log and
/// return), but it records attributes/events only when the Tracer has exporters; otherwise
/// setters are no-ops and nothing is allocated. A span of an unsampled trace records too (errors
/// are always kept) but is exported only if it ends with status Error.
class Span
{
public:
    /// An inert span: invalid context, does nothing.
    Span() = default;
    /// A child of the thread's current span context, or a new root when there is none.
    explicit Span(const QString &name, SpanKind kind = SpanKind::Internal);
    /// A child of @p parent (e.g. parsed from `traceparent`); a new root if @p parent is invalid.
    Span(const QString &name, SpanKind kind, const SpanContext &parent);
    ~Span();

    Span(Span &&other) noexcept;
    Span &operator=(Span &&other) noexcept;
    Span(const Span &) = delete;
    Span &operator=(const Span &) = delete;

    SpanContext context() const { return m_context; }
    TraceId traceId() const { return m_context.traceId; }
    SpanId spanId() const { return m_context.spanId; }
    bool isRecording() const { return m_data != nullptr; }
    bool isEnded() const { return m_ended; }

    void setAttribute(const QString &key, const QVariant &value);
    void setAttributes(const QVariantMap &attributes);
    void addEvent(const QString &name, const QVariantMap &attributes = {});
    /// Links @p context (ignored when invalid): the span was caused by it but is not its child.
    void addLink(const SpanContext &context, const QVariantMap &attributes = {});
    void setStatus(SpanStatus status, const QString &message = {});
    /// Shorthand for setStatus(SpanStatus::Error, message).
    void setError(const QString &message) { setStatus(SpanStatus::Error, message); }
    void updateName(const QString &name);

    /// Ends the span (idempotent) and hands it to the Tracer.
    void end();

    static constexpr int MaxAttributes = 128;
    static constexpr int MaxEvents = 128;
    static constexpr int MaxLinks = 128;

private:
    void start(const QString &name, SpanKind kind, const SpanContext &parent);
    qint64 nowUnixNano() const;

    SpanContext m_context;
    std::unique_ptr<SpanData> m_data;
    std::chrono::steady_clock::time_point m_startSteady {};
    qint64 m_startUnixNano = 0;
    bool m_ended = true;
};

/// A Span that is also the thread's current context while it lives: a deeper call can start a
/// child with `Span child(name)` without parameters. Stack-only.
class ScopedSpan
{
public:
    explicit ScopedSpan(const QString &name, SpanKind kind = SpanKind::Internal);
    ScopedSpan(const QString &name, SpanKind kind, const SpanContext &parent);
    ~ScopedSpan();
    ScopedSpan(const ScopedSpan &) = delete;
    ScopedSpan &operator=(const ScopedSpan &) = delete;

    Span &span() { return m_span; }
    SpanContext context() const { return m_span.context(); }
    TraceId traceId() const { return m_span.traceId(); }
    void setAttribute(const QString &key, const QVariant &value)
    {
        m_span.setAttribute(key, value);
    }
    void addEvent(const QString &name, const QVariantMap &attributes = {})
    {
        m_span.addEvent(name, attributes);
    }
    void addLink(const SpanContext &context, const QVariantMap &attributes = {})
    {
        m_span.addLink(context, attributes);
    }
    void setStatus(SpanStatus status, const QString &message = {})
    {
        m_span.setStatus(status, message);
    }
    void setError(const QString &message) { m_span.setError(message); }

private:
    Span m_span;
    ContextScope m_scope;
};

/// Process-wide tracer. Default: no exporters, so spans only carry ids. Configure once at startup
/// and call shutdown() before QCoreApplication goes away (also done by a Qt post routine).
class Tracer
{
public:
    static Tracer &instance();

    void configure(const QString &serviceName, const QString &serviceVersion);
    QString serviceName() const;
    QString serviceVersion() const;

    void setExporters(const QList<std::shared_ptr<SpanExporter>> &exporters);
    void addExporter(const std::shared_ptr<SpanExporter> &exporter);
    QList<std::shared_ptr<SpanExporter>> exporters() const;
    /// Shuts every exporter down (flushing, bounded by @p timeoutMs each) and removes them.
    void shutdown(int timeoutMs = 5000);

    /// True when at least one exporter is set (spans record attributes).
    bool isRecording() const { return m_recording.load(std::memory_order_acquire); }

    /// Head sampling of new root spans (TraceIdRatioBased): a trace is sampled when the last 8
    /// bytes of its id, read as a big-endian uint64, are below @p ratio * 2^64. Deterministic per
    /// trace id, so every instance decides alike; children and remote parents follow the parent's
    /// flag (ParentBased). Clamped to 0..1; 1 (the default) samples everything.
    void setSampleRatio(double ratio);
    double sampleRatio() const;
    /// The decision for a new root with @p traceId under the current ratio.
    bool shouldSample(const TraceId &traceId) const;
    /// The decision for @p traceId under @p ratio (what shouldSample() applies).
    static bool traceIdRatioSampled(const TraceId &traceId, double ratio);

    /// Called by Span::end().
    void onEnd(const SpanData &span);

private:
    Tracer() = default;

    mutable QMutex m_mutex;
    QString m_serviceName = QStringLiteral("pomelo");
    QString m_serviceVersion;
    std::shared_ptr<const QList<std::shared_ptr<SpanExporter>>> m_exporters;
    std::atomic<bool> m_recording {false};
    std::atomic<double> m_sampleRatio {1.0};
};

} // namespace pomelo
