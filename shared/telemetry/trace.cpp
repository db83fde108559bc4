#include "trace.h"

#include <QCoreApplication>
#include <QMutexLocker>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>

namespace pomelo {

namespace {

thread_local SpanContext t_currentContext;

int lowerHexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; // upper case is invalid in traceparent
}

template<std::size_t N> bool parseLowerHex(QByteArrayView hex, std::array<quint8, N> &out)
{
    if (hex.size() != qsizetype(N * 2))
        return false;
    for (std::size_t i = 0; i < N; ++i) {
        const int hi = lowerHexValue(hex[qsizetype(2 * i)]);
        const int lo = lowerHexValue(hex[qsizetype(2 * i + 1)]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = quint8((hi << 4) | lo);
    }
    return true;
}

template<std::size_t N> bool allZero(const std::array<quint8, N> &bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](quint8 b) { return b == 0; });
}

template<std::size_t N> QByteArray toLowerHex(const std::array<quint8, N> &bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    QByteArray out(qsizetype(N * 2), Qt::Uninitialized);
    for (std::size_t i = 0; i < N; ++i) {
        out[qsizetype(2 * i)] = digits[bytes[i] >> 4];
        out[qsizetype(2 * i + 1)] = digits[bytes[i] & 0x0f];
    }
    return out;
}

/// This thread's id generator, seeded once from the system CSPRNG (one getrandom per thread
/// instead of one per id). 256 seed bits per thread keep ids of threads and instances apart; ids
/// are not secrets (mt19937_64 can be predicted from its output).
std::mt19937_64 &idGenerator()
{
    thread_local std::mt19937_64 generator = [] {
        std::array<quint32, 8> seed {};
        QRandomGenerator::system()->fillRange(seed.data(), qsizetype(seed.size()));
        std::seed_seq sequence(seed.begin(), seed.end());
        return std::mt19937_64(sequence);
    }();
    return generator;
}

template<std::size_t N> std::array<quint8, N> randomNonZero()
{
    static_assert(N % 8 == 0);
    std::array<quint64, N / 8> words {};
    std::array<quint8, N> bytes {};
    std::mt19937_64 &generator = idGenerator();
    do {
        for (quint64 &word : words)
            word = generator();
        std::memcpy(bytes.data(), words.data(), N);
    } while (allZero(bytes));
    return bytes;
}

void shutdownTracerAtExit()
{
    Tracer::instance().shutdown();
}

} // namespace

TraceId TraceId::random()
{
    return TraceId(randomNonZero<Size>());
}

std::optional<TraceId> TraceId::fromHex(QByteArrayView hex)
{
    std::array<quint8, Size> bytes {};
    if (!parseLowerHex(hex, bytes) || allZero(bytes))
        return std::nullopt;
    return TraceId(bytes);
}

bool TraceId::isValid() const
{
    return !allZero(m_bytes);
}

QByteArray TraceId::toHex() const
{
    return toLowerHex(m_bytes);
}

SpanId SpanId::random()
{
    return SpanId(randomNonZero<Size>());
}

std::optional<SpanId> SpanId::fromHex(QByteArrayView hex)
{
    std::array<quint8, Size> bytes {};
    if (!parseLowerHex(hex, bytes) || allZero(bytes))
        return std::nullopt;
    return SpanId(bytes);
}

bool SpanId::isValid() const
{
    return !allZero(m_bytes);
}

QByteArray SpanId::toHex() const
{
    return toLowerHex(m_bytes);
}

QByteArray SpanContext::toTraceparent() const
{
    if (!isValid())
        return {};
    const std::array<quint8, 1> flagByte {flags};
    return QByteArrayLiteral("00-") + traceId.toHex() + '-' + spanId.toHex() + '-'
        + toLowerHex(flagByte);
}

std::optional<SpanContext> SpanContext::fromTraceparent(QByteArrayView header)
{
    // Layout of the first 55 characters (all versions so far):
    // vv-tttttttttttttttttttttttttttttttt-pppppppppppppppp-ff
    constexpr qsizetype Length = 55;
    auto isOws = [](char c) {
        return c == ' ' || c == '\t';
    };
    while (!header.isEmpty() && isOws(header.front()))
        header = header.sliced(1);
    while (!header.isEmpty() && isOws(header.back()))
        header.chop(1);
    if (header.size() < Length)
        return std::nullopt;

    std::array<quint8, 1> version {};
    if (!parseLowerHex(header.first(2), version) || version[0] == 0xff)
        return std::nullopt;
    if (version[0] == 0x00 && header.size() != Length)
        return std::nullopt;
    // A future version may append fields, but only after another '-'.
    if (header.size() > Length && header[Length] != '-')
        return std::nullopt;
    if (header[2] != '-' || header[35] != '-' || header[52] != '-')
        return std::nullopt;

    const std::optional<TraceId> traceId = TraceId::fromHex(header.sliced(3, 32));
    const std::optional<SpanId> spanId = SpanId::fromHex(header.sliced(36, 16));
    std::array<quint8, 1> flags {};
    if (!traceId || !spanId || !parseLowerHex(header.sliced(53, 2), flags))
        return std::nullopt;
    return SpanContext {*traceId, *spanId, flags[0]};
}

qint64 wallClockUnixNano()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

SpanContext currentSpanContext()
{
    return t_currentContext;
}

ContextScope::ContextScope(const SpanContext &context)
    : m_previous(t_currentContext)
{
    t_currentContext = context;
}

ContextScope::~ContextScope()
{
    t_currentContext = m_previous;
}

// --- Span -----------------------------------------------------------------------------------

Span::Span(const QString &name, SpanKind kind)
{
    start(name, kind, t_currentContext);
}

Span::Span(const QString &name, SpanKind kind, const SpanContext &parent)
{
    start(name, kind, parent);
}

Span::~Span()
{
    end();
}

Span::Span(Span &&other) noexcept
    : m_context(other.m_context)
    , m_data(std::move(other.m_data))
    , m_startSteady(other.m_startSteady)
    , m_startUnixNano(other.m_startUnixNano)
    , m_ended(std::exchange(other.m_ended, true))
{ }

Span &Span::operator=(Span &&other) noexcept
{
    if (this != &other) {
        end();
        m_context = other.m_context;
        m_data = std::move(other.m_data);
        m_startSteady = other.m_startSteady;
        m_startUnixNano = other.m_startUnixNano;
        m_ended = std::exchange(other.m_ended, true);
    }
    return *this;
}

void Span::start(const QString &name, SpanKind kind, const SpanContext &parent)
{
    m_ended = false;
    if (parent.isValid()) {
        m_context.traceId = parent.traceId;
        // Only the sampled bit is defined in version 00; other bits are not propagated.
        m_context.flags = parent.flags & SpanContext::SampledFlag;
    } else {
        m_context.traceId = TraceId::random();
        m_context.flags =
            Tracer::instance().shouldSample(m_context.traceId) ? SpanContext::SampledFlag : 0;
    }
    m_context.spanId = SpanId::random();
    m_startSteady = std::chrono::steady_clock::now();
    m_startUnixNano = wallClockUnixNano();

    // Unsampled spans record too: whether one is kept (an error) is only known at its end.
    if (!Tracer::instance().isRecording())
        return;
    m_data = std::make_unique<SpanData>();
    m_data->name = name;
    m_data->kind = kind;
    m_data->traceId = m_context.traceId;
    m_data->spanId = m_context.spanId;
    m_data->flags = m_context.flags;
    if (parent.isValid())
        m_data->parentSpanId = parent.spanId;
    m_data->startTimeUnixNano = m_startUnixNano;
}

qint64 Span::nowUnixNano() const
{
    // Wall start + monotonic elapsed: end is never before start even if the wall clock steps.
    using namespace std::chrono;
    return m_startUnixNano
        + duration_cast<nanoseconds>(steady_clock::now() - m_startSteady).count();
}

void Span::setAttribute(const QString &key, const QVariant &value)
{
    if (!m_data || m_ended)
        return;
    if (m_data->attributes.size() >= MaxAttributes && !m_data->attributes.contains(key)) {
        ++m_data->droppedAttributesCount;
        return;
    }
    m_data->attributes.insert(key, value);
}

void Span::setAttributes(const QVariantMap &attributes)
{
    for (auto it = attributes.cbegin(); it != attributes.cend(); ++it)
        setAttribute(it.key(), it.value());
}

void Span::addEvent(const QString &name, const QVariantMap &attributes)
{
    if (!m_data || m_ended)
        return;
    if (m_data->events.size() >= MaxEvents) {
        ++m_data->droppedEventsCount;
        return;
    }
    m_data->events.append(SpanEvent {name, nowUnixNano(), attributes});
}

void Span::addLink(const SpanContext &context, const QVariantMap &attributes)
{
    if (!m_data || m_ended || !context.isValid())
        return;
    if (m_data->links.size() >= MaxLinks) {
        ++m_data->droppedLinksCount;
        return;
    }
    m_data->links.append(SpanLink {context, attributes});
}

void Span::setStatus(SpanStatus status, const QString &message)
{
    if (!m_data || m_ended)
        return;
    // OTLP: Ok is final; a description is only meaningful for Error.
    if (m_data->status == SpanStatus::Ok && status != SpanStatus::Ok)
        return;
    m_data->status = status;
    m_data->statusMessage = status == SpanStatus::Error ? message : QString();
}

void Span::updateName(const QString &name)
{
    if (m_data && !m_ended)
        m_data->name = name;
}

void Span::end()
{
    if (m_ended)
        return;
    m_ended = true;
    if (!m_data)
        return;
    const std::unique_ptr<SpanData> data = std::move(m_data);
    // Errors are always kept, whatever the sampling said (their trace may be incomplete).
    if (!m_context.isSampled() && data->status != SpanStatus::Error)
        return;
    data->endTimeUnixNano = std::max(nowUnixNano(), data->startTimeUnixNano);
    Tracer::instance().onEnd(*data);
}

// --- ScopedSpan -----------------------------------------------------------------------------

ScopedSpan::ScopedSpan(const QString &name, SpanKind kind)
    : m_span(name, kind)
    , m_scope(m_span.context())
{ }

ScopedSpan::ScopedSpan(const QString &name, SpanKind kind, const SpanContext &parent)
    : m_span(name, kind, parent)
    , m_scope(m_span.context())
{ }

ScopedSpan::~ScopedSpan() = default; // members: scope restores first, then the span ends

// --- Tracer ---------------------------------------------------------------------------------

Tracer &Tracer::instance()
{
    static Tracer tracer;
    return tracer;
}

void Tracer::configure(const QString &serviceName, const QString &serviceVersion)
{
    const QMutexLocker lock(&m_mutex);
    m_serviceName = serviceName;
    m_serviceVersion = serviceVersion;
}

QString Tracer::serviceName() const
{
    const QMutexLocker lock(&m_mutex);
    return m_serviceName;
}

QString Tracer::serviceVersion() const
{
    const QMutexLocker lock(&m_mutex);
    return m_serviceVersion;
}

void Tracer::setExporters(const QList<std::shared_ptr<SpanExporter>> &exporters)
{
    QList<std::shared_ptr<SpanExporter>> valid;
    for (const auto &exporter : exporters) {
        if (exporter)
            valid.append(exporter);
    }
    if (!valid.isEmpty()) {
        // Exporters own threads: stop them while Qt is still alive.
        static std::once_flag once;
        std::call_once(once, [] { qAddPostRoutine(shutdownTracerAtExit); });
    }
    std::shared_ptr<const QList<std::shared_ptr<SpanExporter>>> previous;
    {
        const QMutexLocker lock(&m_mutex);
        previous = std::exchange(
            m_exporters, std::make_shared<const QList<std::shared_ptr<SpanExporter>>>(valid));
        m_recording.store(!valid.isEmpty(), std::memory_order_release);
    }
    // `previous` is released outside the lock: an exporter's destructor may join a thread.
}

void Tracer::addExporter(const std::shared_ptr<SpanExporter> &exporter)
{
    QList<std::shared_ptr<SpanExporter>> list = exporters();
    list.append(exporter);
    setExporters(list);
}

QList<std::shared_ptr<SpanExporter>> Tracer::exporters() const
{
    const QMutexLocker lock(&m_mutex);
    return m_exporters ? *m_exporters : QList<std::shared_ptr<SpanExporter>>();
}

void Tracer::shutdown(int timeoutMs)
{
    const QList<std::shared_ptr<SpanExporter>> list = exporters();
    setExporters({});
    for (const auto &exporter : list)
        exporter->shutdown(timeoutMs);
}

void Tracer::setSampleRatio(double ratio)
{
    if (std::isnan(ratio))
        ratio = 1.0;
    m_sampleRatio.store(std::clamp(ratio, 0.0, 1.0), std::memory_order_relaxed);
}

double Tracer::sampleRatio() const
{
    return m_sampleRatio.load(std::memory_order_relaxed);
}

bool Tracer::shouldSample(const TraceId &traceId) const
{
    return traceIdRatioSampled(traceId, sampleRatio());
}

bool Tracer::traceIdRatioSampled(const TraceId &traceId, double ratio)
{
    if (ratio >= 1.0)
        return true;
    if (!(ratio > 0.0))
        return false;
    quint64 value = 0;
    for (std::size_t i = 8; i < std::size_t(TraceId::Size); ++i)
        value = (value << 8) | traceId.bytes()[i];
    // ratio < 1, so ratio * 2^64 (exact: ldexp only changes the exponent) is below 2^64 and the
    // largest such double, 2^64 - 2048, still fits the integer.
    const auto threshold = static_cast<quint64>(std::ldexp(ratio, 64));
    return value < threshold;
}

void Tracer::onEnd(const SpanData &span)
{
    std::shared_ptr<const QList<std::shared_ptr<SpanExporter>>> snapshot;
    {
        const QMutexLocker lock(&m_mutex);
        snapshot = m_exporters;
    }
    if (!snapshot || snapshot->isEmpty())
        return;
    const QList<SpanData> batch {span};
    for (const auto &exporter : *snapshot) {
        try {
            exporter->exportSpans(batch);
        } catch (...) {
            // Telemetry must never take a request down (end() runs in destructors).
        }
    }
}

} // namespace pomelo
