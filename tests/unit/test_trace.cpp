#include "telemetry/exporters.h"
#include "telemetry/trace.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <thread>

using namespace pomelo;

namespace {

const QByteArray TraceHex = QByteArrayLiteral("4bf92f3577b34da6a3ce929d0e0e4736");
const QByteArray SpanHex = QByteArrayLiteral("00f067aa0ba902b7");

bool isLowerHex(const QByteArray &s, qsizetype length)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]*$"));
    return s.size() == length && re.match(QString::fromLatin1(s)).hasMatch();
}

} // namespace

class TestTrace : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void traceIdsAreRandomNonZeroLowerHex();
    void spanIdsAreRandomNonZeroLowerHex();
    void threadsGenerateDistinctIds();
    void idsRoundTripThroughHex();
    void idsRejectBadHex_data();
    void idsRejectBadHex();

    void parseTraceparent_data();
    void parseTraceparent();
    void formatTraceparent();
    void formatParseRoundTrip();

    void rootSpanHasNoParent();
    void childInheritsTraceIdAndSetsParent();
    void remoteParentFromTraceparent();
    void unsampledParentIsNotExported();
    void samplingDecision_data();
    void samplingDecision();
    void sampleRatioZeroExportsOnlyErrors();
    void sampleRatioOneExportsAll();
    void sampleRatioQuarterKeepsAboutAQuarter();
    void childOfUnsampledRootIsUnsampled();
    void sampleRatioIsClamped();
    void threadLocalContextScopeRestores();
    void contextIsPerThread();
    void endedSpanReachesExporterWithAttributesAndStatus();
    void endIsIdempotentAndMoveDoesNotEndTwice();
    void okStatusIsFinal();
    void nanosecondTimesAreOrdered();
    void noExporterMeansNoRecording();
    void attributeLimitIsEnforced();

private:
    std::shared_ptr<InMemorySpanExporter> m_exporter;
};

void TestTrace::init()
{
    m_exporter = std::make_shared<InMemorySpanExporter>();
    Tracer::instance().setExporters({m_exporter});
}

void TestTrace::cleanup()
{
    Tracer::instance().setExporters({});
    Tracer::instance().setSampleRatio(1.0);
    m_exporter.reset();
    QVERIFY(!currentSpanContext().isValid());
}

void TestTrace::traceIdsAreRandomNonZeroLowerHex()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        const TraceId id = TraceId::random();
        QVERIFY(id.isValid());
        const QByteArray hex = id.toHex();
        QVERIFY2(isLowerHex(hex, 32), hex.constData());
        QCOMPARE(id.toString(), QString::fromLatin1(hex));
        seen.insert(hex);
    }
    QCOMPARE(seen.size(), 1000);
    QVERIFY(!TraceId().isValid());
    QCOMPARE(TraceId().toHex(), QByteArray(32, '0'));
}

void TestTrace::spanIdsAreRandomNonZeroLowerHex()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        const SpanId id = SpanId::random();
        QVERIFY(id.isValid());
        const QByteArray hex = id.toHex();
        QVERIFY2(isLowerHex(hex, 16), hex.constData());
        seen.insert(hex);
    }
    QCOMPARE(seen.size(), 1000);
    QVERIFY(!SpanId().isValid());
}

void TestTrace::threadsGenerateDistinctIds()
{
    // Each thread seeds its own generator from the system: two threads never replay one sequence.
    constexpr int Threads = 4;
    constexpr int PerThread = 256;
    std::vector<QList<QByteArray>> ids(Threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&ids, t] {
            for (int i = 0; i < PerThread; ++i) {
                ids[std::size_t(t)].append(TraceId::random().toHex());
                ids[std::size_t(t)].append(SpanId::random().toHex());
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QSet<QByteArray> seen;
    for (const QList<QByteArray> &list : ids) {
        for (const QByteArray &id : list) {
            QVERIFY(id != QByteArray(id.size(), '0'));
            seen.insert(id);
        }
    }
    QCOMPARE(seen.size(), Threads * PerThread * 2);
}

void TestTrace::idsRoundTripThroughHex()
{
    const std::optional<TraceId> traceId = TraceId::fromHex(TraceHex);
    QVERIFY(traceId);
    QCOMPARE(traceId->toHex(), TraceHex);
    QCOMPARE(traceId->bytes()[0], quint8(0x4b));
    QCOMPARE(traceId->bytes()[15], quint8(0x36));
    const std::optional<SpanId> spanId = SpanId::fromHex(SpanHex);
    QVERIFY(spanId);
    QCOMPARE(spanId->toHex(), SpanHex);
    const TraceId random = TraceId::random();
    QCOMPARE(TraceId::fromHex(random.toHex()), std::optional<TraceId>(random));
}

void TestTrace::idsRejectBadHex_data()
{
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<bool>("isTrace");
    QTest::newRow("trace upper case") << TraceHex.toUpper() << true;
    QTest::newRow("trace all zero") << QByteArray(32, '0') << true;
    QTest::newRow("trace too short") << TraceHex.left(31) << true;
    QTest::newRow("trace too long") << QByteArray(TraceHex + '0') << true;
    QTest::newRow("trace non-hex") << QByteArray(TraceHex.left(31) + 'g') << true;
    QTest::newRow("span upper case") << SpanHex.toUpper() << false;
    QTest::newRow("span all zero") << QByteArray(16, '0') << false;
    QTest::newRow("span empty") << QByteArray() << false;
}

void TestTrace::idsRejectBadHex()
{
    QFETCH(QByteArray, hex);
    QFETCH(bool, isTrace);
    if (isTrace)
        QVERIFY(!TraceId::fromHex(hex));
    else
        QVERIFY(!SpanId::fromHex(hex));
}

void TestTrace::parseTraceparent_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("flags");

    const QByteArray ids = TraceHex + '-' + SpanHex;
    // Valid (W3C Trace Context examples and rules).
    QTest::newRow("spec example sampled") << QByteArray("00-" + ids + "-01") << true << 1;
    QTest::newRow("spec example not sampled") << QByteArray("00-" + ids + "-00") << true << 0;
    QTest::newRow("unknown flag bits kept") << QByteArray("00-" + ids + "-09") << true << 9;
    QTest::newRow("future version, same length") << QByteArray("cc-" + ids + "-01") << true << 1;
    QTest::newRow("future version, extra field")
        << QByteArray("01-" + ids + "-01-what-the-future-will-be-like") << true << 1;
    QTest::newRow("future version fe, extra dash only")
        << QByteArray("fe-" + ids + "-00-") << true << 0;
    QTest::newRow("leading and trailing OWS") << QByteArray(" \t00-" + ids + "-01 \t") << true << 1;

    // Invalid.
    QTest::newRow("empty") << QByteArray() << false << 0;
    QTest::newRow("garbage") << QByteArrayLiteral("hello") << false << 0;
    QTest::newRow("version ff") << QByteArray("ff-" + ids + "-01") << false << 0;
    QTest::newRow("version upper case") << QByteArray("0A-" + ids + "-01") << false << 0;
    QTest::newRow("version non-hex") << QByteArray("0g-" + ids + "-01") << false << 0;
    QTest::newRow("version one digit") << QByteArray("0-" + ids + "-01") << false << 0;
    QTest::newRow("version 00 extra field") << QByteArray("00-" + ids + "-01-extra") << false << 0;
    QTest::newRow("version 00 trailing char") << QByteArray("00-" + ids + "-01x") << false << 0;
    QTest::newRow("version 00 trailing newline") << QByteArray("00-" + ids + "-01\n") << false << 0;
    QTest::newRow("future version, no dash after flags")
        << QByteArray("01-" + ids + "-01x") << false << 0;
    QTest::newRow("trace id upper case")
        << QByteArray("00-" + TraceHex.toUpper() + '-' + SpanHex + "-01") << false << 0;
    QTest::newRow("parent id upper case")
        << QByteArray("00-" + TraceHex + '-' + SpanHex.toUpper() + "-01") << false << 0;
    QTest::newRow("trace id all zero")
        << QByteArray("00-" + QByteArray(32, '0') + '-' + SpanHex + "-01") << false << 0;
    QTest::newRow("parent id all zero")
        << QByteArray("00-" + TraceHex + '-' + QByteArray(16, '0') + "-01") << false << 0;
    QTest::newRow("trace id too short")
        << QByteArray("00-" + TraceHex.left(31) + '-' + SpanHex + "-01") << false << 0;
    QTest::newRow("trace id too long")
        << QByteArray("00-" + TraceHex + "0-" + SpanHex + "-01") << false << 0;
    QTest::newRow("parent id too short")
        << QByteArray("00-" + TraceHex + '-' + SpanHex.left(15) + "-01") << false << 0;
    QTest::newRow("trace id non-hex")
        << QByteArray("00-" + TraceHex.left(31) + "z-" + SpanHex + "-01") << false << 0;
    QTest::newRow("flags non-hex") << QByteArray("00-" + ids + "-0g") << false << 0;
    QTest::newRow("flags upper case") << QByteArray("00-" + ids + "-0A") << false << 0;
    QTest::newRow("flags one digit") << QByteArray("00-" + ids + "-1") << false << 0;
    QTest::newRow("wrong separator") << QByteArray("00_" + ids + "-01") << false << 0;
    QTest::newRow("missing separator")
        << QByteArray("00-" + TraceHex + SpanHex + "-01-") << false << 0;
    QTest::newRow("inner whitespace") << QByteArray("00- " + ids + "-01") << false << 0;
}

void TestTrace::parseTraceparent()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    QFETCH(int, flags);

    const std::optional<SpanContext> context = SpanContext::fromTraceparent(header);
    QCOMPARE(context.has_value(), valid);
    if (!valid)
        return;
    QCOMPARE(context->traceId.toHex(), TraceHex);
    QCOMPARE(context->spanId.toHex(), SpanHex);
    QCOMPARE(int(context->flags), flags);
    QCOMPARE(context->isSampled(), (flags & 1) != 0);
    QVERIFY(context->isValid());
}

void TestTrace::formatTraceparent()
{
    SpanContext context {*TraceId::fromHex(TraceHex), *SpanId::fromHex(SpanHex), 0x01};
    QCOMPARE(context.toTraceparent(), QByteArray("00-" + TraceHex + '-' + SpanHex + "-01"));
    context.flags = 0;
    QCOMPARE(context.toTraceparent(), QByteArray("00-" + TraceHex + '-' + SpanHex + "-00"));
    QVERIFY(SpanContext().toTraceparent().isEmpty());
}

void TestTrace::formatParseRoundTrip()
{
    for (int i = 0; i < 100; ++i) {
        const SpanContext context {TraceId::random(), SpanId::random(), quint8(i % 2)};
        const QByteArray header = context.toTraceparent();
        QCOMPARE(header.size(), 55);
        QCOMPARE(SpanContext::fromTraceparent(header), std::optional<SpanContext>(context));
    }
}

void TestTrace::rootSpanHasNoParent()
{
    {
        Span root(QStringLiteral("root"), SpanKind::Server);
        QVERIFY(root.context().isValid());
        QVERIFY(root.isRecording());
    }
    QCOMPARE(m_exporter->count(), 1);
    const SpanData data = m_exporter->spans().constFirst();
    QCOMPARE(data.name, QStringLiteral("root"));
    QCOMPARE(data.kind, SpanKind::Server);
    QVERIFY(!data.parentSpanId.isValid());
    QVERIFY(data.traceId.isValid());
}

void TestTrace::childInheritsTraceIdAndSetsParent()
{
    Span parent(QStringLiteral("parent"));
    Span child(QStringLiteral("child"), SpanKind::Client, parent.context());
    QCOMPARE(child.traceId(), parent.traceId());
    QVERIFY(child.spanId() != parent.spanId());
    child.end();
    parent.end();

    const QList<SpanData> spans = m_exporter->spans();
    QCOMPARE(spans.size(), 2);
    QCOMPARE(spans.at(0).name, QStringLiteral("child"));
    QCOMPARE(spans.at(0).parentSpanId, parent.spanId());
    QCOMPARE(spans.at(0).traceId, parent.traceId());
    QCOMPARE(spans.at(0).kind, SpanKind::Client);
    QVERIFY(!spans.at(1).parentSpanId.isValid());

    // An invalid explicit parent starts a new trace.
    Span orphan(QStringLiteral("orphan"), SpanKind::Internal, SpanContext());
    QVERIFY(orphan.context().isValid());
    QVERIFY(orphan.traceId() != parent.traceId());
}

void TestTrace::remoteParentFromTraceparent()
{
    const std::optional<SpanContext> remote =
        SpanContext::fromTraceparent(QByteArray("00-" + TraceHex + '-' + SpanHex + "-01"));
    QVERIFY(remote);
    {
        Span server(QStringLiteral("POST /pay/v1/orders"), SpanKind::Server, *remote);
        QCOMPARE(server.traceId().toHex(), TraceHex);
        QVERIFY(server.spanId() != remote->spanId);
        // What goes out on a downstream call carries our span id.
        QCOMPARE(server.context().toTraceparent(),
                 QByteArray("00-" + TraceHex + '-' + server.spanId().toHex() + "-01"));
    }
    QCOMPARE(m_exporter->count(), 1);
    QCOMPARE(m_exporter->spans().constFirst().parentSpanId.toHex(), SpanHex);
}

void TestTrace::unsampledParentIsNotExported()
{
    const std::optional<SpanContext> remote =
        SpanContext::fromTraceparent(QByteArray("00-" + TraceHex + '-' + SpanHex + "-00"));
    QVERIFY(remote);
    {
        Span span(QStringLiteral("unsampled"), SpanKind::Server, *remote);
        QCOMPARE(span.traceId().toHex(), TraceHex); // still usable for logs and X-Trace-Id
        QVERIFY(!span.context().isSampled());
        Span child(QStringLiteral("child"), SpanKind::Internal, span.context());
        QVERIFY(!child.context().isSampled());
        child.setAttribute(QStringLiteral("k"), 1);
    }
    QCOMPARE(m_exporter->count(), 0);

    // ... except an error: kept whatever the sampling, with its attributes.
    {
        Span span(QStringLiteral("failed"), SpanKind::Server, *remote);
        span.setAttribute(QStringLiteral("order.id"), QStringLiteral("42"));
        span.setError(QStringLiteral("boom"));
    }
    QCOMPARE(m_exporter->count(), 1);
    const SpanData failed = m_exporter->spans().constFirst();
    QCOMPARE(failed.name, QStringLiteral("failed"));
    QCOMPARE(failed.status, SpanStatus::Error);
    QCOMPARE(failed.flags, quint8(0));
    QCOMPARE(failed.attributes.value(QStringLiteral("order.id")).toString(), QStringLiteral("42"));
    QCOMPARE(failed.parentSpanId.toHex(), SpanHex);
}

void TestTrace::samplingDecision_data()
{
    QTest::addColumn<QByteArray>("traceId");
    QTest::addColumn<double>("ratio");
    QTest::addColumn<bool>("sampled");

    // Only the last 8 bytes count (big-endian); 0.25 * 2^64 = 0x4000000000000000.
    const QByteArray high = QByteArrayLiteral("ffffffffffffffff");
    QTest::newRow("below quarter") << high + "3fffffffffffffff" << 0.25 << true;
    QTest::newRow("at quarter") << high + "4000000000000000" << 0.25 << false;
    QTest::newRow("zero low half, quarter") << high + "0000000000000000" << 0.25 << true;
    QTest::newRow("zero low half, ratio 0") << high + "0000000000000000" << 0.0 << false;
    QTest::newRow("max, ratio 1") << high + "ffffffffffffffff" << 1.0 << true;
    QTest::newRow("max, almost 1") << high + "ffffffffffffffff" << 0.999999 << false;
    QTest::newRow("high half ignored")
        << QByteArrayLiteral("0000000000000001") + "7fffffffffffffff" << 0.5 << true;
    QTest::newRow("half") << QByteArrayLiteral("0000000000000001") + "8000000000000000" << 0.5
                          << false;
}

void TestTrace::samplingDecision()
{
    QFETCH(QByteArray, traceId);
    QFETCH(double, ratio);
    QFETCH(bool, sampled);
    const std::optional<TraceId> id = TraceId::fromHex(traceId);
    QVERIFY(id);
    QCOMPARE(Tracer::traceIdRatioSampled(*id, ratio), sampled);
    Tracer::instance().setSampleRatio(ratio);
    QCOMPARE(Tracer::instance().shouldSample(*id), sampled);
    QCOMPARE(Tracer::instance().shouldSample(*id), sampled); // the same twice
}

void TestTrace::sampleRatioZeroExportsOnlyErrors()
{
    Tracer::instance().setSampleRatio(0.0);
    for (int i = 0; i < 50; ++i) {
        ScopedSpan root(QStringLiteral("root"), SpanKind::Server);
        QVERIFY(root.context().isValid());
        QVERIFY(!root.context().isSampled());
        root.setAttribute(QStringLiteral("a"), i);
        Span child(QStringLiteral("child"));
        QCOMPARE(child.traceId(), root.traceId());
    }
    QCOMPARE(m_exporter->count(), 0);

    {
        ScopedSpan root(QStringLiteral("root"), SpanKind::Server);
        Span ok(QStringLiteral("fine"));
        Span bad(QStringLiteral("broken"), SpanKind::Client);
        bad.setAttribute(QStringLiteral("db.system"), QStringLiteral("sqlite"));
        bad.addEvent(QStringLiteral("retry"));
        bad.setError(QStringLiteral("unique"));
    }
    const QList<SpanData> spans = m_exporter->spans();
    QCOMPARE(spans.size(), 1);
    QCOMPARE(spans.at(0).name, QStringLiteral("broken"));
    QCOMPARE(spans.at(0).attributes.value(QStringLiteral("db.system")).toString(),
             QStringLiteral("sqlite"));
    QCOMPARE(spans.at(0).events.size(), 1);
    QVERIFY(spans.at(0).endTimeUnixNano >= spans.at(0).startTimeUnixNano);
}

void TestTrace::sampleRatioOneExportsAll()
{
    Tracer::instance().setSampleRatio(1.0);
    for (int i = 0; i < 100; ++i) {
        ScopedSpan root(QStringLiteral("root"), SpanKind::Server);
        QVERIFY(root.context().isSampled());
        Span child(QStringLiteral("child"));
    }
    QCOMPARE(m_exporter->count(), 200);
}

void TestTrace::sampleRatioQuarterKeepsAboutAQuarter()
{
    Tracer::instance().setSampleRatio(0.25);
    constexpr int Roots = 4000;
    int sampled = 0;
    for (int i = 0; i < Roots; ++i) {
        Span root(QStringLiteral("root"), SpanKind::Server);
        const bool kept = root.context().isSampled();
        QCOMPARE(kept, Tracer::instance().shouldSample(root.traceId())); // deterministic
        sampled += kept ? 1 : 0;
    }
    QCOMPARE(m_exporter->count(), qsizetype(sampled));
    QVERIFY2(sampled >= Roots * 20 / 100 && sampled <= Roots * 30 / 100,
             qPrintable(QString::number(sampled)));
}

void TestTrace::childOfUnsampledRootIsUnsampled()
{
    Tracer::instance().setSampleRatio(0.0);
    ScopedSpan root(QStringLiteral("root"));
    QVERIFY(!root.context().isSampled());
    // Later changes of the ratio do not split a trace that has started.
    Tracer::instance().setSampleRatio(1.0);
    Span child(QStringLiteral("child"));
    QVERIFY(!child.context().isSampled());
    QCOMPARE(child.traceId(), root.traceId());
    Span explicitChild(QStringLiteral("explicit"), SpanKind::Internal, root.context());
    QVERIFY(!explicitChild.context().isSampled());
    child.end();
    explicitChild.end();
    QCOMPARE(m_exporter->count(), 0);
    // A sampled remote parent is followed even at ratio 0.
    Tracer::instance().setSampleRatio(0.0);
    const std::optional<SpanContext> remote =
        SpanContext::fromTraceparent(QByteArray("00-" + TraceHex + '-' + SpanHex + "-01"));
    QVERIFY(remote);
    {
        Span server(QStringLiteral("server"), SpanKind::Server, *remote);
        QVERIFY(server.context().isSampled());
    }
    QCOMPARE(m_exporter->count(), 1);
}

void TestTrace::sampleRatioIsClamped()
{
    Tracer::instance().setSampleRatio(-1.0);
    QCOMPARE(Tracer::instance().sampleRatio(), 0.0);
    Tracer::instance().setSampleRatio(7.0);
    QCOMPARE(Tracer::instance().sampleRatio(), 1.0);
    Tracer::instance().setSampleRatio(0.5);
    QCOMPARE(Tracer::instance().sampleRatio(), 0.5);
}

void TestTrace::threadLocalContextScopeRestores()
{
    QVERIFY(!currentSpanContext().isValid());
    SpanContext outerContext;
    SpanContext innerContext;
    {
        ScopedSpan outer(QStringLiteral("outer"), SpanKind::Server);
        outerContext = outer.context();
        QCOMPARE(currentSpanContext(), outerContext);
        {
            ScopedSpan inner(QStringLiteral("inner"));
            innerContext = inner.context();
            QCOMPARE(currentSpanContext(), innerContext);
            QCOMPARE(inner.traceId(), outer.traceId());
            // A deep call needs no parameters.
            Span deep(QStringLiteral("deep"));
            QCOMPARE(deep.traceId(), outer.traceId());
        }
        QCOMPARE(currentSpanContext(), outerContext);
        {
            ContextScope scope(SpanContext {});
            QVERIFY(!currentSpanContext().isValid());
            Span detached(QStringLiteral("detached"));
            QVERIFY(detached.traceId() != outerContext.traceId);
        }
        QCOMPARE(currentSpanContext(), outerContext);
    }
    QVERIFY(!currentSpanContext().isValid());

    const QList<SpanData> spans = m_exporter->spans();
    QCOMPARE(spans.size(), 4);
    QCOMPARE(spans.at(0).name, QStringLiteral("deep"));
    QCOMPARE(spans.at(0).parentSpanId, innerContext.spanId);
    QCOMPARE(spans.at(1).name, QStringLiteral("inner"));
    QCOMPARE(spans.at(1).parentSpanId, outerContext.spanId);
    QCOMPARE(spans.at(2).name, QStringLiteral("detached"));
    QVERIFY(!spans.at(2).parentSpanId.isValid());
    QCOMPARE(spans.at(3).name, QStringLiteral("outer"));
}

void TestTrace::contextIsPerThread()
{
    ScopedSpan request(QStringLiteral("request"), SpanKind::Server);
    const SpanContext handedOver = request.context();
    SpanContext seenBefore;
    SpanContext seenInside;
    SpanContext seenAfter;
    SpanId workerParent;
    std::thread worker([&] {
        seenBefore = currentSpanContext();
        {
            ContextScope scope(handedOver);
            seenInside = currentSpanContext();
            Span work(QStringLiteral("work"));
            workerParent = work.context().spanId; // just to use it
            work.end();
        }
        seenAfter = currentSpanContext();
    });
    worker.join();
    QVERIFY(!seenBefore.isValid());
    QCOMPARE(seenInside, handedOver);
    QVERIFY(!seenAfter.isValid());
    QCOMPARE(currentSpanContext(), handedOver); // this thread is untouched
    const QList<SpanData> spans = m_exporter->spans();
    QCOMPARE(spans.size(), 1);
    QCOMPARE(spans.at(0).parentSpanId, handedOver.spanId);
    QCOMPARE(spans.at(0).traceId, handedOver.traceId);
    QCOMPARE(spans.at(0).spanId, workerParent);
}

void TestTrace::endedSpanReachesExporterWithAttributesAndStatus()
{
    {
        Span span(QStringLiteral("pay.cashier"), SpanKind::Internal);
        span.setAttribute(QStringLiteral("order.id"), QStringLiteral("1790000000000000001"));
        span.setAttribute(QStringLiteral("order.amount"), qint64(1500));
        span.setAttribute(QStringLiteral("ratio"), 0.25);
        span.setAttribute(QStringLiteral("retry"), true);
        span.addEvent(QStringLiteral("lock.acquired"),
                      {{QStringLiteral("lock"), QStringLiteral("paying:1")}});
        span.setError(QStringLiteral("channel timeout"));
        QCOMPARE(m_exporter->count(), 0); // nothing until it ends
    }
    QCOMPARE(m_exporter->count(), 1);
    const SpanData data = m_exporter->spans().constFirst();
    QCOMPARE(data.name, QStringLiteral("pay.cashier"));
    QCOMPARE(data.attributes.value(QStringLiteral("order.id")).toString(),
             QStringLiteral("1790000000000000001"));
    QCOMPARE(data.attributes.value(QStringLiteral("order.amount")).toLongLong(), 1500);
    QCOMPARE(data.attributes.value(QStringLiteral("ratio")).toDouble(), 0.25);
    QCOMPARE(data.attributes.value(QStringLiteral("retry")).toBool(), true);
    QCOMPARE(data.status, SpanStatus::Error);
    QCOMPARE(data.statusMessage, QStringLiteral("channel timeout"));
    QCOMPARE(data.events.size(), 1);
    QCOMPARE(data.events.at(0).name, QStringLiteral("lock.acquired"));
    QCOMPARE(data.events.at(0).attributes.value(QStringLiteral("lock")).toString(),
             QStringLiteral("paying:1"));
}

void TestTrace::endIsIdempotentAndMoveDoesNotEndTwice()
{
    {
        Span span(QStringLiteral("once"));
        span.end();
        QVERIFY(span.isEnded());
        span.end();
        span.setAttribute(QStringLiteral("late"), 1); // ignored after end
    }
    QCOMPARE(m_exporter->count(), 1);
    QVERIFY(m_exporter->spans().constFirst().attributes.isEmpty());

    m_exporter->clear();
    {
        Span a(QStringLiteral("moved"));
        Span b(std::move(a));
        QVERIFY(b.context().isValid());
        Span c;
        c = std::move(b);
        QVERIFY(!c.isEnded());
    }
    QCOMPARE(m_exporter->count(), 1);
    QCOMPARE(m_exporter->spans().constFirst().name, QStringLiteral("moved"));

    m_exporter->clear();
    {
        Span a(QStringLiteral("first"));
        Span b(QStringLiteral("second"));
        a = std::move(b); // ends "first"
        QCOMPARE(m_exporter->count(), 1);
    }
    QCOMPARE(m_exporter->count(), 2);
    QCOMPARE(m_exporter->spans().at(0).name, QStringLiteral("first"));
    QCOMPARE(m_exporter->spans().at(1).name, QStringLiteral("second"));
}

void TestTrace::okStatusIsFinal()
{
    {
        Span span(QStringLiteral("ok"));
        span.setStatus(SpanStatus::Ok, QStringLiteral("ignored for ok"));
        span.setError(QStringLiteral("too late"));
    }
    const SpanData data = m_exporter->spans().constFirst();
    QCOMPARE(data.status, SpanStatus::Ok);
    QVERIFY(data.statusMessage.isEmpty());
}

void TestTrace::nanosecondTimesAreOrdered()
{
    const qint64 before = wallClockUnixNano();
    {
        Span parent(QStringLiteral("parent"));
        Span child(QStringLiteral("child"), SpanKind::Internal, parent.context());
        child.addEvent(QStringLiteral("mid"));
        child.end();
        parent.end();
    }
    const qint64 after = wallClockUnixNano();
    const QList<SpanData> spans = m_exporter->spans();
    QCOMPARE(spans.size(), 2);
    const SpanData &child = spans.at(0);
    const SpanData &parent = spans.at(1);
    // Plausibly "now", in nanoseconds (not ms or µs).
    const qint64 nowNs = QDateTime::currentMSecsSinceEpoch() * 1000000;
    QVERIFY(qAbs(parent.startTimeUnixNano - nowNs) < qint64(60) * 1000000000);
    QVERIFY(before <= parent.startTimeUnixNano + 1000000); // wall clocks may differ by rounding
    QVERIFY(parent.startTimeUnixNano <= child.startTimeUnixNano);
    QVERIFY(child.startTimeUnixNano <= child.events.at(0).timeUnixNano);
    QVERIFY(child.events.at(0).timeUnixNano <= child.endTimeUnixNano);
    QVERIFY(child.endTimeUnixNano <= parent.endTimeUnixNano);
    QVERIFY(parent.endTimeUnixNano <= after + 1000000);
}

void TestTrace::noExporterMeansNoRecording()
{
    Tracer::instance().setExporters({});
    QVERIFY(!Tracer::instance().isRecording());
    {
        Span span(QStringLiteral("cheap"));
        QVERIFY(!span.isRecording());
        QVERIFY(span.context().isValid()); // still has ids for logs and X-Trace-Id
        span.setAttribute(QStringLiteral("a"), 1);
        span.setError(QStringLiteral("x"));
    }
    QCOMPARE(m_exporter->count(), 0);

    Span inert;
    QVERIFY(!inert.context().isValid());
    inert.end();
}

void TestTrace::attributeLimitIsEnforced()
{
    {
        Span span(QStringLiteral("many"));
        for (int i = 0; i < Span::MaxAttributes + 10; ++i)
            span.setAttribute(QStringLiteral("k%1").arg(i), i);
        span.setAttribute(QStringLiteral("k0"), -1); // overwriting an existing key is fine
    }
    const SpanData data = m_exporter->spans().constFirst();
    QCOMPARE(data.attributes.size(), Span::MaxAttributes);
    QCOMPARE(data.droppedAttributesCount, 10);
    QCOMPARE(data.attributes.value(QStringLiteral("k0")).toInt(), -1);
}

QTEST_GUILESS_MAIN(TestTrace)
#include "test_trace.moc"
