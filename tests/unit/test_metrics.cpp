#include "telemetry/metrics.h"

#include <QDateTime>
#include <QFile>
#include <QTest>

#include <cmath>
#include <optional>
#include <thread>
#include <vector>

using namespace pomelo;

namespace {

struct Sample
{
    QByteArray name;
    QMap<QByteArray, QByteArray> labels;
    double value = 0;
};

/// Parses the sample lines of a Prometheus text exposition (no escaped quotes in our labels).
QList<Sample> parseSamples(const QByteArray &text)
{
    QList<Sample> samples;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        Sample sample;
        const qsizetype brace = line.indexOf('{');
        const qsizetype space = line.lastIndexOf(' ');
        if (brace >= 0 && brace < space) {
            sample.name = line.left(brace);
            const qsizetype close = line.lastIndexOf('}');
            const QByteArray labels = line.mid(brace + 1, close - brace - 1);
            for (const QByteArray &pair : labels.split(',')) {
                const qsizetype eq = pair.indexOf('=');
                if (eq > 0)
                    sample.labels.insert(pair.left(eq), pair.mid(eq + 2, pair.size() - eq - 3));
            }
        } else {
            sample.name = line.left(space);
        }
        sample.value = line.mid(space + 1).toDouble();
        samples.append(sample);
    }
    return samples;
}

/// The value of the sample @p name whose labels include @p labels (le compared numerically).
std::optional<double> valueOf(const QList<Sample> &samples, const QByteArray &name,
                              const QMap<QByteArray, QByteArray> &labels = {})
{
    for (const Sample &sample : samples) {
        if (sample.name != name)
            continue;
        bool match = true;
        for (auto it = labels.cbegin(); it != labels.cend() && match; ++it) {
            const QByteArray actual = sample.labels.value(it.key());
            if (it.key() == "le" && it.value() != "+Inf")
                match = qFuzzyCompare(actual.toDouble(), it.value().toDouble());
            else
                match = actual == it.value();
        }
        if (match)
            return sample.value;
    }
    return std::nullopt;
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void httpCounterHasLabels();
    void httpHistogramBuckets();
    void histogramBucketsAreSensible();
    void inFlightGauge();
    void customFamiliesAppear();
    void familiesAreIdempotentByName();
    void processMetricsArePresentAndPlausible();
    void processStatsRead();
    void cpuCounterNeverDecreases();
    void concurrentObservationsAreCounted();
    void instanceIsProcessWide();
};

void TestMetrics::httpCounterHasLabels()
{
    Metrics metrics;
    metrics.observeHttpRequest(QStringLiteral("GET"), QStringLiteral("/api/v1/venues"), 200, 0.003);
    metrics.observeHttpRequest(QStringLiteral("GET"), QStringLiteral("/api/v1/venues"), 200, 0.004);
    metrics.observeHttpRequest(QStringLiteral("POST"), QStringLiteral("/pay/v1/orders"), 201, 0.2);
    metrics.observeHttpRequest(QStringLiteral("POST"), QStringLiteral("/pay/v1/orders"), 401,
                               0.001);
    const QByteArray text = metrics.serialize();
    QVERIFY(text.contains("# TYPE pomelo_http_requests_total counter"));
    QVERIFY(text.contains("# HELP pomelo_http_requests_total "));
    QVERIFY(text.contains(
        R"(pomelo_http_requests_total{method="GET",route="/api/v1/venues",status="200"} 2)"));

    const QList<Sample> samples = parseSamples(text);
    QCOMPARE(valueOf(samples, "pomelo_http_requests_total",
                     {{"method", "POST"}, {"route", "/pay/v1/orders"}, {"status", "201"}}),
             std::optional<double>(1));
    QCOMPARE(valueOf(samples, "pomelo_http_requests_total",
                     {{"method", "POST"}, {"route", "/pay/v1/orders"}, {"status", "401"}}),
             std::optional<double>(1));
    QVERIFY(!valueOf(samples, "pomelo_http_requests_total", {{"status", "500"}}));
}

void TestMetrics::httpHistogramBuckets()
{
    Metrics metrics;
    const QString route = QStringLiteral("/pay/v1/cashier");
    metrics.observeHttpRequest(QStringLiteral("POST"), route, 200, 0.0005);
    metrics.observeHttpRequest(QStringLiteral("POST"), route, 200, 0.03);
    metrics.observeHttpRequest(QStringLiteral("POST"), route, 502, 7.0);
    const QByteArray text = metrics.serialize();
    QVERIFY(text.contains("# TYPE pomelo_http_request_duration_seconds histogram"));
    const QList<Sample> samples = parseSamples(text);
    const QMap<QByteArray, QByteArray> labels {{"method", "POST"}, {"route", "/pay/v1/cashier"}};
    auto bucket = [&](const QByteArray &le) {
        QMap<QByteArray, QByteArray> l = labels;
        l.insert("le", le);
        return valueOf(samples, "pomelo_http_request_duration_seconds_bucket", l);
    };
    QCOMPARE(bucket("0.001"), std::optional<double>(1));
    QCOMPARE(bucket("0.025"), std::optional<double>(1));
    QCOMPARE(bucket("0.05"), std::optional<double>(2));
    QCOMPARE(bucket("5"), std::optional<double>(2));
    QCOMPARE(bucket("10"), std::optional<double>(3));
    QCOMPARE(bucket("+Inf"), std::optional<double>(3));
    QCOMPARE(valueOf(samples, "pomelo_http_request_duration_seconds_count", labels),
             std::optional<double>(3));
    const std::optional<double> sum =
        valueOf(samples, "pomelo_http_request_duration_seconds_sum", labels);
    QVERIFY(sum);
    QVERIFY(qAbs(*sum - 7.0305) < 1e-9);
    // The status is not a histogram label (cardinality).
    QVERIFY(!text.contains(
        R"(pomelo_http_request_duration_seconds_count{method="POST",route="/pay/v1/cashier",status)"));
}

void TestMetrics::histogramBucketsAreSensible()
{
    const auto buckets = Metrics::httpDurationBuckets();
    QVERIFY(buckets.size() >= 8);
    QCOMPARE(buckets.front(), 0.001);
    QCOMPARE(buckets.back(), 10.0);
    for (std::size_t i = 1; i < buckets.size(); ++i)
        QVERIFY(buckets[i - 1] < buckets[i]);
}

void TestMetrics::inFlightGauge()
{
    Metrics metrics;
    metrics.httpRequestsInFlight().Increment();
    metrics.httpRequestsInFlight().Increment();
    metrics.httpRequestsInFlight().Decrement();
    const QList<Sample> samples = parseSamples(metrics.serialize());
    QCOMPARE(valueOf(samples, "pomelo_http_requests_in_flight"), std::optional<double>(1));
}

void TestMetrics::customFamiliesAppear()
{
    Metrics metrics;
    metrics.counterFamily("pomelo_outbox_published_total", "Events published to the stream")
        .Add({{"type", "PAID"}})
        .Increment(3);
    metrics.gaugeFamily("pomelo_delay_queue_size", "Due items waiting").Add({}).Set(42);
    metrics.histogramFamily("pomelo_notify_duration_seconds", "Merchant notify time")
        .Add({{"result", "ok"}}, prometheus::Histogram::BucketBoundaries {0.1, 1})
        .Observe(0.5);
    const QByteArray text = metrics.serialize();
    QVERIFY(text.contains("# HELP pomelo_outbox_published_total Events published to the stream"));
    QVERIFY(text.contains("# TYPE pomelo_delay_queue_size gauge"));
    const QList<Sample> samples = parseSamples(text);
    QCOMPARE(valueOf(samples, "pomelo_outbox_published_total", {{"type", "PAID"}}),
             std::optional<double>(3));
    QCOMPARE(valueOf(samples, "pomelo_delay_queue_size"), std::optional<double>(42));
    QCOMPARE(
        valueOf(samples, "pomelo_notify_duration_seconds_bucket", {{"result", "ok"}, {"le", "1"}}),
        std::optional<double>(1));
    QCOMPARE(valueOf(samples, "pomelo_notify_duration_seconds_bucket",
                     {{"result", "ok"}, {"le", "0.1"}}),
             std::optional<double>(0));
}

void TestMetrics::familiesAreIdempotentByName()
{
    Metrics metrics;
    auto &a = metrics.counterFamily("pomelo_same_total", "help");
    auto &b = metrics.counterFamily("pomelo_same_total", "help");
    QCOMPARE(&a, &b);
    QCOMPARE(&a.Add({{"k", "v"}}), &b.Add({{"k", "v"}}));
    // The registry is shared, not copied.
    QCOMPARE(metrics.registry().get(), metrics.registry().get());
    QVERIFY(metrics.registry().use_count() >= 2);
}

void TestMetrics::processMetricsArePresentAndPlausible()
{
    Metrics metrics;
    const QByteArray text = metrics.serialize();
    QVERIFY(text.contains("# TYPE process_cpu_seconds_total counter"));
    QVERIFY(text.contains("# TYPE process_resident_memory_bytes gauge"));
    const QList<Sample> samples = parseSamples(text);

    const std::optional<double> rss = valueOf(samples, "process_resident_memory_bytes");
    QVERIFY(rss);
    QVERIFY(*rss > 1024 * 1024); // a Qt process is bigger than a megabyte
    QVERIFY(*rss < 64.0 * 1024 * 1024 * 1024);
    const std::optional<double> vsize = valueOf(samples, "process_virtual_memory_bytes");
    QVERIFY(vsize && *vsize >= *rss);

    const std::optional<double> start = valueOf(samples, "process_start_time_seconds");
    QVERIFY(start);
    const double now = double(QDateTime::currentSecsSinceEpoch());
    QVERIFY2(*start <= now + 1 && *start > now - 24 * 3600, qPrintable(QString::number(*start)));

    const std::optional<double> cpu = valueOf(samples, "process_cpu_seconds_total");
    QVERIFY(cpu && *cpu >= 0);

    const std::optional<double> fds = valueOf(samples, "process_open_fds");
    QVERIFY(fds && *fds >= 3); // stdin, stdout, stderr at least
    const std::optional<double> maxFds = valueOf(samples, "process_max_fds");
    QVERIFY(maxFds && *maxFds >= *fds);

    // Refreshed at scrape time: a newly opened file shows up.
    QFile extra(QStringLiteral("/proc/self/status"));
    QVERIFY(extra.open(QIODevice::ReadOnly));
    const std::optional<double> fdsAfter =
        valueOf(parseSamples(metrics.serialize()), "process_open_fds");
    QVERIFY(fdsAfter);
    QCOMPARE(*fdsAfter, *fds + 1);
}

void TestMetrics::processStatsRead()
{
    const ProcessStats stats = ProcessStats::read();
    QVERIFY(stats.residentMemoryBytes > 0);
    QVERIFY(stats.virtualMemoryBytes >= stats.residentMemoryBytes);
    QVERIFY(stats.startTimeSeconds > 1600000000);
    QVERIFY(stats.openFds >= 3);
    QVERIFY(stats.cpuSeconds >= 0);
}

void TestMetrics::cpuCounterNeverDecreases()
{
    Metrics metrics;
    const std::optional<double> first =
        valueOf(parseSamples(metrics.serialize()), "process_cpu_seconds_total");
    volatile double sink = 0;
    for (int i = 0; i < 3000000; ++i)
        sink = sink + std::sqrt(double(i));
    const std::optional<double> second =
        valueOf(parseSamples(metrics.serialize()), "process_cpu_seconds_total");
    QVERIFY(first && second);
    QVERIFY2(*second > *first, qPrintable(QStringLiteral("%1 %2").arg(*first).arg(*second)));
}

void TestMetrics::concurrentObservationsAreCounted()
{
    Metrics metrics;
    constexpr int Threads = 4;
    constexpr int PerThread = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&metrics, t] {
            for (int i = 0; i < PerThread; ++i) {
                metrics.observeHttpRequest(QStringLiteral("GET"), QStringLiteral("/healthz"),
                                           i % 2 ? 200 : 503, 0.001 * t);
            }
        });
    }
    // Scrapes during the load must not crash or deadlock.
    for (int i = 0; i < 20; ++i)
        QVERIFY(!metrics.serialize().isEmpty());
    for (std::thread &thread : threads)
        thread.join();
    const QList<Sample> samples = parseSamples(metrics.serialize());
    QCOMPARE(valueOf(samples, "pomelo_http_requests_total", {{"status", "200"}}),
             std::optional<double>(Threads * PerThread / 2));
    QCOMPARE(valueOf(samples, "pomelo_http_requests_total", {{"status", "503"}}),
             std::optional<double>(Threads * PerThread / 2));
    QCOMPARE(valueOf(samples, "pomelo_http_request_duration_seconds_count",
                     {{"method", "GET"}, {"route", "/healthz"}}),
             std::optional<double>(Threads * PerThread));
}

void TestMetrics::instanceIsProcessWide()
{
    Metrics &a = Metrics::instance();
    Metrics &b = Metrics::instance();
    QCOMPARE(&a, &b);
    a.observeHttpRequest(QStringLiteral("GET"), QStringLiteral("/metrics"), 200, 0.001);
    const QByteArray text = b.serialize();
    QVERIFY(text.contains(
        R"(pomelo_http_requests_total{method="GET",route="/metrics",status="200"} 1)"));
    QVERIFY(text.contains("process_resident_memory_bytes"));
    QCOMPARE(QByteArray(Metrics::ContentType),
             QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
