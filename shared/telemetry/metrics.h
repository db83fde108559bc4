#pragma once

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <memory>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>
#include <string>

namespace pomelo {

/// Process-level readings used by the process_* metrics (Linux /proc; 0 when unavailable).
struct ProcessStats
{
    double startTimeSeconds = 0; ///< Unix time the process started
    double cpuSeconds = 0; ///< user + system
    double residentMemoryBytes = 0;
    double virtualMemoryBytes = 0;
    double openFds = 0;
    double maxFds = 0;

    static ProcessStats read();
};

/// The Prometheus registry of the process plus the metrics every instance has: process_* (refreshed
/// at each scrape) and HTTP request metrics. Thread-safe. Later features add families with
/// counterFamily()/gaugeFamily()/histogramFamily() (idempotent: the same name and type give the
/// same family) or through registry(). Keep label values low-cardinality (route templates, not
/// raw paths; never user ids or secrets).
class Metrics
{
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

    /// The process-wide instance (what `GET /metrics` serves).
    static Metrics &instance();

    std::shared_ptr<prometheus::Registry> registry() const { return m_registry; }

    prometheus::Family<prometheus::Counter> &counterFamily(const std::string &name,
                                                           const std::string &help);
    prometheus::Family<prometheus::Gauge> &gaugeFamily(const std::string &name,
                                                       const std::string &help);
    prometheus::Family<prometheus::Histogram> &histogramFamily(const std::string &name,
                                                               const std::string &help);

    /// Records one finished HTTP request: `pomelo_http_requests_total{method,route,status}` and
    /// `pomelo_http_request_duration_seconds{method,route}`. @p route is the route pattern
    /// (e.g. "/pay/v1/orders/{orderId}"), or "unmatched" for a 404.
    void observeHttpRequest(const QString &method, const QString &route, int status,
                            double durationSeconds);
    /// `pomelo_http_requests_in_flight`: increment when a request starts, decrement when it ends.
    prometheus::Gauge &httpRequestsInFlight() { return *m_httpInFlight; }

    /// 1 ms .. 10 s.
    static prometheus::Histogram::BucketBoundaries httpDurationBuckets();

    /// Refreshes the process metrics and renders the Prometheus text exposition format
    /// (Content-Type `text/plain; version=0.0.4; charset=utf-8`).
    QByteArray serialize();

    static constexpr const char *ContentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    void refreshProcessMetrics();

    std::shared_ptr<prometheus::Registry> m_registry;
    prometheus::Family<prometheus::Counter> *m_httpRequests = nullptr;
    prometheus::Family<prometheus::Histogram> *m_httpDuration = nullptr;
    prometheus::Gauge *m_httpInFlight = nullptr;

    QMutex m_processMutex;
    prometheus::Gauge *m_startTime = nullptr;
    prometheus::Counter *m_cpuSeconds = nullptr;
    prometheus::Gauge *m_residentMemory = nullptr;
    prometheus::Gauge *m_virtualMemory = nullptr;
    prometheus::Gauge *m_openFds = nullptr;
    prometheus::Gauge *m_maxFds = nullptr;
};

} // namespace pomelo
