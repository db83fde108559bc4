// The cost of tracing on a request path: a ScopedSpan with 3 attributes and one child span, with
// no exporter (the default), with an exporter that drops everything (the Tracer's own cost), and
// with an exporter but sample ratio 0 (unsampled spans still record, errors are kept). BM_NoSpan
// is the same loop without spans: scripts/bench/trace prints each figure against it.
#include "telemetry/trace.h"

#include <QString>

#include <benchmark/benchmark.h>
#include <memory>

namespace {

using namespace pomelo;

/// Records nothing: measures the Tracer, not an exporter.
class NoopExporter final : public SpanExporter
{
public:
    void exportSpans(const QList<SpanData> &spans) override { benchmark::DoNotOptimize(&spans); }
};

/// What a request does around its span anyway: the attribute values exist either way.
struct Work
{
    qint64 orderId = 1234567890123;
    QString status = QStringLiteral("PAID");
    bool retried = false;
};

void tracedStep(const Work &work)
{
    ScopedSpan span(QStringLiteral("pay.confirm"), SpanKind::Server);
    span.setAttribute(QStringLiteral("order.id"), work.orderId);
    span.setAttribute(QStringLiteral("order.status"), work.status);
    span.setAttribute(QStringLiteral("retried"), work.retried);
    Span child(QStringLiteral("SELECT pay_orders"), SpanKind::Client);
    benchmark::DoNotOptimize(child.spanId());
}

/// Sets the tracer up for one benchmark and restores the defaults after it.
class TracerSetup
{
public:
    TracerSetup(bool exporter, double ratio)
    {
        if (exporter)
            Tracer::instance().setExporters({std::make_shared<NoopExporter>()});
        Tracer::instance().setSampleRatio(ratio);
    }
    ~TracerSetup()
    {
        Tracer::instance().setExporters({});
        Tracer::instance().setSampleRatio(1.0);
    }
};

void BM_NoSpan(benchmark::State &state)
{
    Work work;
    for (auto _ : state) {
        benchmark::DoNotOptimize(work.orderId);
        benchmark::DoNotOptimize(work.status);
        benchmark::DoNotOptimize(work.retried);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_NoSpan);

void BM_SpanNoExporter(benchmark::State &state)
{
    const TracerSetup setup(false, 1.0);
    Work work;
    for (auto _ : state)
        tracedStep(work);
}
BENCHMARK(BM_SpanNoExporter);

void BM_SpanNoopExporter(benchmark::State &state)
{
    const TracerSetup setup(true, 1.0);
    Work work;
    for (auto _ : state)
        tracedStep(work);
}
BENCHMARK(BM_SpanNoopExporter);

void BM_SpanRatio0(benchmark::State &state)
{
    const TracerSetup setup(true, 0.0);
    Work work;
    for (auto _ : state)
        tracedStep(work);
}
BENCHMARK(BM_SpanRatio0);

void BM_TraceIdRandom(benchmark::State &state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(TraceId::random());
}
BENCHMARK(BM_TraceIdRandom);

void BM_SpanIdRandom(benchmark::State &state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(SpanId::random());
}
BENCHMARK(BM_SpanIdRandom);

} // namespace

BENCHMARK_MAIN();
