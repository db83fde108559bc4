#include "telemetry/exporters.h"
#include "telemetry/trace.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <future>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <thread>

using namespace pomelo;

namespace {

struct HttpRequest
{
    QByteArray method;
    QByteArray path;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
};

/// A minimal OTLP/HTTP collector on 127.0.0.1 (main thread): parses requests by Content-Length
/// and answers 200 `{}` — or, when silent, reads and never answers.
class FakeCollector : public QObject
{
public:
    explicit FakeCollector(bool silent = false)
        : m_silent(silent)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onData(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }
    const QList<HttpRequest> &requests() const { return m_requests; }

    /// All spans of all requests received so far.
    QJsonArray spans() const
    {
        QJsonArray out;
        for (const HttpRequest &request : m_requests) {
            const QJsonObject root = QJsonDocument::fromJson(request.body).object();
            const QJsonArray resourceSpans = root.value(QStringLiteral("resourceSpans")).toArray();
            for (const QJsonValue &rs : resourceSpans) {
                const QJsonArray scopeSpans =
                    rs.toObject().value(QStringLiteral("scopeSpans")).toArray();
                for (const QJsonValue &ss : scopeSpans) {
                    const QJsonArray spans = ss.toObject().value(QStringLiteral("spans")).toArray();
                    for (const QJsonValue &span : spans)
                        out.append(span);
                }
            }
        }
        return out;
    }

private:
    void onData(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            HttpRequest request;
            const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            request.method = requestLine.value(0);
            request.path = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines.at(i).indexOf(':');
                if (colon > 0) {
                    request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                           lines.at(i).mid(colon + 1).trimmed());
                }
            }
            const qsizetype length = request.headers.value("content-length").toLongLong();
            if (buffer.size() < headerEnd + 4 + length)
                return;
            request.body = buffer.mid(headerEnd + 4, length);
            buffer.remove(0, headerEnd + 4 + length);
            m_requests.append(request);
            if (!m_silent) {
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Content-Length: 2\r\n\r\n{}");
            }
        }
    }

    QTcpServer m_server;
    bool m_silent = false;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<HttpRequest> m_requests;
};

bool isLowerHex(const QString &s, qsizetype length)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]+$"));
    return s.size() == length && re.match(s).hasMatch();
}

bool isDecimalString(const QJsonValue &value)
{
    static const QRegularExpression re(QStringLiteral("^[0-9]+$"));
    return value.isString() && re.match(value.toString()).hasMatch();
}

/// The `value` object of attribute @p key in an OTLP attribute list.
QJsonObject attributeValue(const QJsonArray &attributes, const QString &key)
{
    for (const QJsonValue &attribute : attributes) {
        if (attribute.toObject().value(QStringLiteral("key")).toString() == key)
            return attribute.toObject().value(QStringLiteral("value")).toObject();
    }
    return {};
}

QJsonObject spanNamed(const QJsonArray &spans, const QString &name)
{
    for (const QJsonValue &span : spans) {
        if (span.toObject().value(QStringLiteral("name")).toString() == name)
            return span.toObject();
    }
    return {};
}

SpanData makeSpan(const QString &name)
{
    SpanData span;
    span.name = name;
    span.traceId = TraceId::random();
    span.spanId = SpanId::random();
    span.startTimeUnixNano = wallClockUnixNano();
    span.endTimeUnixNano = span.startTimeUnixNano + 1000;
    return span;
}

std::string serializeRegistry(prometheus::Registry &registry)
{
    return prometheus::TextSerializer().Serialize(registry.Collect());
}

} // namespace

class TestExporters : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();

    void postsOtlpJsonToCollector();
    void fullBatchIsSentWithoutWaitingForTheInterval();
    void boundedQueueNeverBlocksAndCountsDrops();
    void unreachableEndpointCountsFailures();
    void slowEndpointTimesOut();
    void shutdownFlushesQueuedSpans();
    void endpointPathIsNormalised_data();
    void endpointPathIsNormalised();
    void attributeEncoding();
    void linkEncoding();
    void jsonLinesFileExporterCarriesLinks();
    void jsonLinesFileExporterWritesParseableLines();
    void inMemoryExporterCollects();
};

void TestExporters::cleanup()
{
    Tracer::instance().setExporters({});
    Tracer::instance().configure(QStringLiteral("pomelo"), QString());
}

void TestExporters::postsOtlpJsonToCollector()
{
    FakeCollector collector;
    QVERIFY(collector.listen());
    OtlpHttpJsonExporterOptions options;
    options.flushIntervalMs = 50;
    auto exporter = std::make_shared<OtlpHttpJsonExporter>(collector.url(), options);
    Tracer::instance().configure(QStringLiteral("pomelo-server"), QStringLiteral("1.2.3"));
    Tracer::instance().setExporters({exporter});

    SpanContext parentContext;
    SpanContext childContext;
    {
        Span parent(QStringLiteral("POST /pay/v1/orders"), SpanKind::Server);
        parent.setAttribute(QStringLiteral("order.id"), QStringLiteral("1790000000000000001"));
        parent.setAttribute(QStringLiteral("http.status_code"), 201);
        parent.setAttribute(QStringLiteral("big"), qint64(9007199254740993)); // > 2^53
        parent.setAttribute(QStringLiteral("ratio"), 0.5);
        parent.setAttribute(QStringLiteral("cached"), false);
        parent.setStatus(SpanStatus::Ok);
        parentContext = parent.context();
        Span child(QStringLiteral("wechat.prepay"), SpanKind::Client, parent.context());
        child.addEvent(QStringLiteral("retry"), {{QStringLiteral("attempt"), 2}});
        child.setError(QStringLiteral("timeout"));
        childContext = child.context();
    }

    QTRY_COMPARE(collector.spans().size(), 2);
    QTRY_COMPARE(exporter->exportedSpans(), quint64(2));
    QCOMPARE(exporter->failedExports(), quint64(0));
    QCOMPARE(exporter->droppedSpans(), quint64(0));

    for (const HttpRequest &request : collector.requests()) {
        QCOMPARE(request.method, QByteArrayLiteral("POST"));
        QCOMPARE(request.path, QByteArrayLiteral("/v1/traces"));
        QCOMPARE(request.headers.value("content-type"), QByteArrayLiteral("application/json"));
        QJsonParseError error {};
        const QJsonObject root = QJsonDocument::fromJson(request.body, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        const QJsonArray resourceSpans = root.value(QStringLiteral("resourceSpans")).toArray();
        QCOMPARE(resourceSpans.size(), 1);
        const QJsonObject resource =
            resourceSpans.at(0).toObject().value(QStringLiteral("resource")).toObject();
        const QJsonArray resourceAttributes =
            resource.value(QStringLiteral("attributes")).toArray();
        QCOMPARE(attributeValue(resourceAttributes, QStringLiteral("service.name"))
                     .value(QStringLiteral("stringValue"))
                     .toString(),
                 QStringLiteral("pomelo-server"));
        QCOMPARE(attributeValue(resourceAttributes, QStringLiteral("service.version"))
                     .value(QStringLiteral("stringValue"))
                     .toString(),
                 QStringLiteral("1.2.3"));
        const QJsonArray scopeSpans =
            resourceSpans.at(0).toObject().value(QStringLiteral("scopeSpans")).toArray();
        QCOMPARE(scopeSpans.size(), 1);
        const QJsonObject scope =
            scopeSpans.at(0).toObject().value(QStringLiteral("scope")).toObject();
        QCOMPARE(scope.value(QStringLiteral("name")).toString(), QStringLiteral("pomelo"));
        QVERIFY(!scope.value(QStringLiteral("version")).toString().isEmpty());
    }

    const QJsonArray spans = collector.spans();
    for (const QJsonValue &value : spans) {
        const QJsonObject span = value.toObject();
        QVERIFY(isLowerHex(span.value(QStringLiteral("traceId")).toString(), 32));
        QVERIFY(isLowerHex(span.value(QStringLiteral("spanId")).toString(), 16));
        QVERIFY(isDecimalString(span.value(QStringLiteral("startTimeUnixNano"))));
        QVERIFY(isDecimalString(span.value(QStringLiteral("endTimeUnixNano"))));
        const qint64 start =
            span.value(QStringLiteral("startTimeUnixNano")).toString().toLongLong();
        const qint64 end = span.value(QStringLiteral("endTimeUnixNano")).toString().toLongLong();
        QVERIFY(start > qint64(1600000000) * 1000000000); // nanoseconds, not ms
        QVERIFY(start <= end);
        QCOMPARE(span.value(QStringLiteral("traceId")).toString(),
                 parentContext.traceId.toString());
    }

    const QJsonObject parent = spanNamed(spans, QStringLiteral("POST /pay/v1/orders"));
    QCOMPARE(parent.value(QStringLiteral("spanId")).toString(), parentContext.spanId.toString());
    QVERIFY(!parent.contains(QStringLiteral("parentSpanId")));
    QCOMPARE(parent.value(QStringLiteral("kind")).toInt(), 2);
    QCOMPARE(
        parent.value(QStringLiteral("status")).toObject().value(QStringLiteral("code")).toInt(), 1);
    const QJsonArray attributes = parent.value(QStringLiteral("attributes")).toArray();
    QCOMPARE(attributeValue(attributes, QStringLiteral("order.id")),
             QJsonObject({{QStringLiteral("stringValue"), QStringLiteral("1790000000000000001")}}));
    QCOMPARE(attributeValue(attributes, QStringLiteral("http.status_code")),
             QJsonObject({{QStringLiteral("intValue"), QStringLiteral("201")}}));
    QCOMPARE(attributeValue(attributes, QStringLiteral("big")),
             QJsonObject({{QStringLiteral("intValue"), QStringLiteral("9007199254740993")}}));
    QCOMPARE(attributeValue(attributes, QStringLiteral("ratio")),
             QJsonObject({{QStringLiteral("doubleValue"), 0.5}}));
    QCOMPARE(attributeValue(attributes, QStringLiteral("cached")),
             QJsonObject({{QStringLiteral("boolValue"), false}}));

    const QJsonObject child = spanNamed(spans, QStringLiteral("wechat.prepay"));
    QCOMPARE(child.value(QStringLiteral("spanId")).toString(), childContext.spanId.toString());
    QCOMPARE(child.value(QStringLiteral("parentSpanId")).toString(),
             parentContext.spanId.toString());
    QCOMPARE(child.value(QStringLiteral("kind")).toInt(), 3);
    const QJsonObject status = child.value(QStringLiteral("status")).toObject();
    QCOMPARE(status.value(QStringLiteral("code")).toInt(), 2);
    QCOMPARE(status.value(QStringLiteral("message")).toString(), QStringLiteral("timeout"));
    const QJsonArray events = child.value(QStringLiteral("events")).toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("retry"));
    QVERIFY(isDecimalString(events.at(0).toObject().value(QStringLiteral("timeUnixNano"))));
    QCOMPARE(attributeValue(events.at(0).toObject().value(QStringLiteral("attributes")).toArray(),
                            QStringLiteral("attempt")),
             QJsonObject({{QStringLiteral("intValue"), QStringLiteral("2")}}));
}

void TestExporters::fullBatchIsSentWithoutWaitingForTheInterval()
{
    FakeCollector collector;
    QVERIFY(collector.listen());
    OtlpHttpJsonExporterOptions options;
    options.maxBatchSize = 3;
    options.flushIntervalMs = 3600 * 1000; // never, within this test
    OtlpHttpJsonExporter exporter(collector.url(), options);

    exporter.exportSpans({makeSpan(QStringLiteral("a")), makeSpan(QStringLiteral("b"))});
    exporter.exportSpans({makeSpan(QStringLiteral("c"))});
    QTRY_COMPARE(collector.requests().size(), 1);
    QCOMPARE(collector.spans().size(), 3);
    QTRY_COMPARE(exporter.exportedSpans(), quint64(3));

    // A partial batch waits for the interval (or shutdown).
    exporter.exportSpans({makeSpan(QStringLiteral("d"))});
    QCOMPARE(exporter.queuedSpans(), 1);
    QCOMPARE(collector.requests().size(), 1);

    // shutdown() blocks its caller: run it aside so this thread's event loop serves the collector.
    auto done = std::async(std::launch::async, [&] { exporter.shutdown(10000); });
    QTRY_VERIFY_WITH_TIMEOUT(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                             15000);
    QCOMPARE(collector.requests().size(), 2);
    QCOMPARE(spanNamed(collector.spans(), QStringLiteral("d")).isEmpty(), false);
    QCOMPARE(exporter.exportedSpans(), quint64(4));
}

void TestExporters::boundedQueueNeverBlocksAndCountsDrops()
{
    FakeCollector silent(true); // accepts the POST and never answers
    QVERIFY(silent.listen());
    auto registry = std::make_shared<prometheus::Registry>();
    OtlpHttpJsonExporterOptions options;
    options.maxQueueSize = 100;
    options.maxBatchSize = 10;
    options.flushIntervalMs = 3600 * 1000;
    options.requestTimeoutMs = 3600 * 1000;
    options.registry = registry;
    auto exporter = std::make_unique<OtlpHttpJsonExporter>(silent.url(), options);

    constexpr int Total = 5000;
    const QList<SpanData> one {makeSpan(QStringLiteral("s"))};
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < Total; ++i)
        exporter->exportSpans(one);
    const qint64 elapsedMs = timer.elapsed();
    QVERIFY2(elapsedMs < 3000, qPrintable(QString::number(elapsedMs)));

    // At most one batch is in flight; everything beyond the queue is dropped.
    const quint64 dropped = exporter->droppedSpans();
    const auto queued = quint64(exporter->queuedSpans());
    QVERIFY(queued <= 100);
    QVERIFY2(dropped >= quint64(Total - 100 - 10), qPrintable(QString::number(dropped)));
    QVERIFY(dropped + queued <= quint64(Total));
    QVERIFY(quint64(Total) - dropped - queued <= 10);
    QCOMPARE(exporter->exportedSpans(), quint64(0));

    const std::string text = serializeRegistry(*registry);
    QVERIFY(text.find("pomelo_telemetry_spans_dropped_total{exporter=\"otlp\"}")
            != std::string::npos);
    QVERIFY(text.find("pomelo_telemetry_spans_dropped_total{exporter=\"otlp\"} 0")
            == std::string::npos);

    // Shutdown is bounded even though the collector never answers; nothing is lost silently.
    QTRY_VERIFY(silent.requests().size() >= 1); // the first batch did reach the collector
    auto done = std::async(std::launch::async, [&] { exporter->shutdown(200); });
    QTRY_VERIFY_WITH_TIMEOUT(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                             15000);
    QCOMPARE(exporter->droppedSpans() + exporter->failedSpans() + exporter->exportedSpans(),
             quint64(Total));
    QCOMPARE(exporter->queuedSpans(), 0);

    // After shutdown, spans are dropped (and counted), not queued.
    exporter->exportSpans(one);
    QCOMPARE(exporter->queuedSpans(), 0);
    QCOMPARE(exporter->droppedSpans() + exporter->failedSpans(), quint64(Total + 1));
    exporter.reset();
}

void TestExporters::unreachableEndpointCountsFailures()
{
    const quint16 port = test::freeLoopbackPort(); // nothing listens there
    QVERIFY(port != 0);
    auto registry = std::make_shared<prometheus::Registry>();
    OtlpHttpJsonExporterOptions options;
    options.flushIntervalMs = 20;
    options.registry = registry;
    OtlpHttpJsonExporter exporter(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), options);
    exporter.exportSpans({makeSpan(QStringLiteral("lost")), makeSpan(QStringLiteral("lost2"))});
    QTRY_VERIFY(exporter.failedExports() >= 1);
    QTRY_COMPARE(exporter.failedSpans(), quint64(2));
    QCOMPARE(exporter.exportedSpans(), quint64(0));
    const std::string text = serializeRegistry(*registry);
    QVERIFY(text.find("pomelo_telemetry_export_failures_total{exporter=\"otlp\"} 1")
            != std::string::npos);
}

void TestExporters::slowEndpointTimesOut()
{
    FakeCollector silent(true);
    QVERIFY(silent.listen());
    OtlpHttpJsonExporterOptions options;
    options.flushIntervalMs = 20;
    options.requestTimeoutMs = 200;
    OtlpHttpJsonExporter exporter(silent.url(), options);
    exporter.exportSpans({makeSpan(QStringLiteral("slow"))});
    QTRY_COMPARE(silent.requests().size(), 1);
    QTRY_COMPARE(exporter.failedExports(), quint64(1));
    QCOMPARE(exporter.failedSpans(), quint64(1));
    QCOMPARE(exporter.exportedSpans(), quint64(0));
}

void TestExporters::shutdownFlushesQueuedSpans()
{
    FakeCollector collector;
    QVERIFY(collector.listen());
    OtlpHttpJsonExporterOptions options;
    options.maxBatchSize = 4;
    options.flushIntervalMs = 3600 * 1000;
    OtlpHttpJsonExporter exporter(collector.url(), options);
    for (int i = 0; i < 11; ++i)
        exporter.exportSpans({makeSpan(QStringLiteral("q%1").arg(i))});

    // shutdown() blocks its caller: run it aside so this thread's event loop serves the collector.
    auto done = std::async(std::launch::async, [&] { exporter.shutdown(10000); });
    QTRY_VERIFY_WITH_TIMEOUT(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                             15000);
    QCOMPARE(exporter.exportedSpans(), quint64(11));
    QCOMPARE(collector.spans().size(), 11);
    QCOMPARE(exporter.droppedSpans(), quint64(0));
    QCOMPARE(exporter.queuedSpans(), 0);
    exporter.shutdown(); // idempotent
}

void TestExporters::endpointPathIsNormalised_data()
{
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("expected");
    QTest::newRow("base") << QStringLiteral("http://collector:4318")
                          << QStringLiteral("http://collector:4318/v1/traces");
    QTest::newRow("trailing slash") << QStringLiteral("http://collector:4318/")
                                    << QStringLiteral("http://collector:4318/v1/traces");
    QTest::newRow("prefix") << QStringLiteral("https://gw.example/otlp")
                            << QStringLiteral("https://gw.example/otlp/v1/traces");
    QTest::newRow("full") << QStringLiteral("http://collector:4318/v1/traces")
                          << QStringLiteral("http://collector:4318/v1/traces");
}

void TestExporters::endpointPathIsNormalised()
{
    QFETCH(QString, endpoint);
    QFETCH(QString, expected);
    OtlpHttpJsonExporter exporter {QUrl(endpoint)};
    QCOMPARE(exporter.tracesUrl().toString(), expected);
}

void TestExporters::attributeEncoding()
{
    QVariantMap attributes;
    attributes.insert(QStringLiteral("s"), QStringLiteral("text"));
    attributes.insert(QStringLiteral("i"), -7);
    attributes.insert(QStringLiteral("u64"), quint64(18446744073709551615ULL));
    attributes.insert(QStringLiteral("d"), 1.5);
    attributes.insert(QStringLiteral("nan"), qQNaN());
    attributes.insert(QStringLiteral("b"), true);
    attributes.insert(QStringLiteral("list"),
                      QStringList {QStringLiteral("x"), QStringLiteral("y")});
    const QJsonArray json = otlpAttributes(attributes);
    QCOMPARE(json.size(), attributes.size());
    QCOMPARE(attributeValue(json, QStringLiteral("s")),
             QJsonObject({{QStringLiteral("stringValue"), QStringLiteral("text")}}));
    QCOMPARE(attributeValue(json, QStringLiteral("i")),
             QJsonObject({{QStringLiteral("intValue"), QStringLiteral("-7")}}));
    QCOMPARE(
        attributeValue(json, QStringLiteral("u64")),
        QJsonObject({{QStringLiteral("stringValue"), QStringLiteral("18446744073709551615")}}));
    QCOMPARE(attributeValue(json, QStringLiteral("d")),
             QJsonObject({{QStringLiteral("doubleValue"), 1.5}}));
    QCOMPARE(attributeValue(json, QStringLiteral("nan")),
             QJsonObject({{QStringLiteral("doubleValue"), QStringLiteral("NaN")}}));
    QCOMPARE(attributeValue(json, QStringLiteral("b")),
             QJsonObject({{QStringLiteral("boolValue"), true}}));
    const QJsonArray values = attributeValue(json, QStringLiteral("list"))
                                  .value(QStringLiteral("arrayValue"))
                                  .toObject()
                                  .value(QStringLiteral("values"))
                                  .toArray();
    QCOMPARE(values.size(), 2);
    QCOMPARE(values.at(1).toObject().value(QStringLiteral("stringValue")).toString(),
             QStringLiteral("y"));

    // The whole request is valid JSON even with a non-finite double.
    SpanData span = makeSpan(QStringLiteral("n"));
    span.attributes = attributes;
    QJsonParseError error {};
    QJsonDocument::fromJson(otlpTracesRequest({span}, QStringLiteral("svc"), QString()), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
}

void TestExporters::linkEncoding()
{
    const SpanContext sampled =
        *SpanContext::fromTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const SpanContext unsampled =
        *SpanContext::fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    SpanData span = makeSpan(QStringLiteral("consume"));
    span.links.append(
        SpanLink {sampled, {{QStringLiteral("messaging.message.id"), QStringLiteral("1-0")}}});
    span.links.append(SpanLink {unsampled, {}});

    const QJsonObject json = otlpSpan(span);
    const QJsonArray links = json.value(QStringLiteral("links")).toArray();
    QCOMPARE(links.size(), 2);
    const QJsonObject first = links.at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("traceId")).toString(),
             QStringLiteral("0af7651916cd43dd8448eb211c80319c"));
    QCOMPARE(first.value(QStringLiteral("spanId")).toString(), QStringLiteral("b7ad6b7169203331"));
    QCOMPARE(first.value(QStringLiteral("flags")).toInt(), 1);
    QCOMPARE(attributeValue(first.value(QStringLiteral("attributes")).toArray(),
                            QStringLiteral("messaging.message.id")),
             QJsonObject({{QStringLiteral("stringValue"), QStringLiteral("1-0")}}));
    const QJsonObject second = links.at(1).toObject();
    QCOMPARE(second.value(QStringLiteral("traceId")).toString(),
             QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736"));
    QCOMPARE(second.value(QStringLiteral("flags")).toInt(), 0);
    QVERIFY(second.value(QStringLiteral("attributes")).toArray().isEmpty());
    QVERIFY(!json.contains(QStringLiteral("droppedLinksCount")));

    // No links: no empty array; links beyond the limit are counted.
    QVERIFY(!otlpSpan(makeSpan(QStringLiteral("plain"))).contains(QStringLiteral("links")));
    span.droppedLinksCount = 3;
    QCOMPARE(otlpSpan(span).value(QStringLiteral("droppedLinksCount")).toInt(), 3);

    // Inside a whole request too.
    const QJsonObject request =
        QJsonDocument::fromJson(otlpTracesRequest({span}, QStringLiteral("svc"), QString()))
            .object();
    const QJsonObject inRequest = request.value(QStringLiteral("resourceSpans"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QStringLiteral("scopeSpans"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QStringLiteral("spans"))
                                      .toArray()
                                      .at(0)
                                      .toObject();
    QCOMPARE(inRequest.value(QStringLiteral("links")).toArray(), links);
}

void TestExporters::jsonLinesFileExporterCarriesLinks()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("spans.jsonl"));
    auto exporter = std::make_shared<JsonLinesFileExporter>(path);
    Tracer::instance().setExporters({exporter});
    SpanContext cause;
    {
        Span producer(QStringLiteral("publish"), SpanKind::Producer);
        cause = producer.context();
    }
    {
        Span consumer(QStringLiteral("process"), SpanKind::Consumer, SpanContext());
        consumer.addLink(cause, {{QStringLiteral("why"), QStringLiteral("caused")}});
        consumer.addLink(SpanContext()); // invalid: ignored
    }
    Tracer::instance().setExporters({});
    exporter->shutdown();

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QJsonObject publish = QJsonDocument::fromJson(lines.at(0)).object();
    const QJsonObject process = QJsonDocument::fromJson(lines.at(1)).object();
    QVERIFY(!publish.contains(QStringLiteral("links")));
    QVERIFY(process.value(QStringLiteral("traceId")) != publish.value(QStringLiteral("traceId")));
    const QJsonArray links = process.value(QStringLiteral("links")).toArray();
    QCOMPARE(links.size(), 1);
    QCOMPARE(links.at(0).toObject().value(QStringLiteral("traceId")),
             publish.value(QStringLiteral("traceId")));
    QCOMPARE(links.at(0).toObject().value(QStringLiteral("spanId")),
             publish.value(QStringLiteral("spanId")));
    QCOMPARE(attributeValue(links.at(0).toObject().value(QStringLiteral("attributes")).toArray(),
                            QStringLiteral("why"))
                 .value(QStringLiteral("stringValue"))
                 .toString(),
             QStringLiteral("caused"));
}

void TestExporters::jsonLinesFileExporterWritesParseableLines()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("spans.jsonl"));
    Tracer::instance().configure(QStringLiteral("pomelo-server"), QString());

    constexpr int Threads = 4;
    constexpr int PerThread = 100;
    {
        auto exporter = std::make_shared<JsonLinesFileExporter>(path);
        QVERIFY(exporter->isOpen());
        Tracer::instance().setExporters({exporter});
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t) {
            threads.emplace_back([t] {
                for (int i = 0; i < PerThread; ++i) {
                    Span span(QStringLiteral("t%1-%2").arg(t).arg(i), SpanKind::Internal);
                    span.setAttribute(QStringLiteral("note"),
                                      QStringLiteral("quote \" newline \n 中文"));
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        Tracer::instance().setExporters({});
    }
    {
        // A second exporter on the same file appends.
        JsonLinesFileExporter again(path);
        again.exportSpans({makeSpan(QStringLiteral("appended"))});
    }

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size(), Threads * PerThread + 1 + 1); // + the empty piece after the last '\n'
    QVERIFY(lines.last().isEmpty());
    QSet<QString> names;
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        QJsonParseError error {};
        const QJsonObject span = QJsonDocument::fromJson(lines.at(i), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(isLowerHex(span.value(QStringLiteral("traceId")).toString(), 32));
        QVERIFY(isLowerHex(span.value(QStringLiteral("spanId")).toString(), 16));
        QVERIFY(isDecimalString(span.value(QStringLiteral("startTimeUnixNano"))));
        QVERIFY(isDecimalString(span.value(QStringLiteral("endTimeUnixNano"))));
        QCOMPARE(span.value(QStringLiteral("kind")).toInt(), 1);
        QVERIFY(span.contains(QStringLiteral("status")));
        names.insert(span.value(QStringLiteral("name")).toString());
        if (span.value(QStringLiteral("name")).toString() != QStringLiteral("appended")) {
            QCOMPARE(span.value(QStringLiteral("serviceName")).toString(),
                     QStringLiteral("pomelo-server"));
            QCOMPARE(attributeValue(span.value(QStringLiteral("attributes")).toArray(),
                                    QStringLiteral("note"))
                         .value(QStringLiteral("stringValue"))
                         .toString(),
                     QStringLiteral("quote \" newline \n 中文"));
        }
    }
    QCOMPARE(names.size(), Threads * PerThread + 1);
    QVERIFY(names.contains(QStringLiteral("appended")));

    JsonLinesFileExporter bad(dir.filePath(QStringLiteral("missing/dir/spans.jsonl")));
    QVERIFY(!bad.isOpen());
    bad.exportSpans({makeSpan(QStringLiteral("ignored"))}); // harmless
}

void TestExporters::inMemoryExporterCollects()
{
    InMemorySpanExporter exporter;
    exporter.exportSpans({makeSpan(QStringLiteral("a")), makeSpan(QStringLiteral("b"))});
    QCOMPARE(exporter.count(), 2);
    QCOMPARE(exporter.spans().at(1).name, QStringLiteral("b"));
    exporter.clear();
    QCOMPARE(exporter.count(), 0);
}

QTEST_GUILESS_MAIN(TestExporters)
#include "test_exporters.moc"
