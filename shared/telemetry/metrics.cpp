#include "metrics.h"

#include <QDateTime>
#include <QFile>
#include <QMutexLocker>

#include <dirent.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

namespace pomelo {

namespace {

QByteArray readProcFile(const char *path)
{
    // /proc files report size 0: read until EOF rather than trusting size().
    QFile file(QString::fromLatin1(path));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

double clockTicksPerSecond()
{
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? double(ticks) : 100.0;
}

double pageSize()
{
    const long size = ::sysconf(_SC_PAGESIZE);
    return size > 0 ? double(size) : 4096.0;
}

double bootTimeSeconds()
{
    const QByteArray stat = readProcFile("/proc/stat");
    for (const QByteArray &line : stat.split('\n')) {
        if (line.startsWith("btime "))
            return line.mid(6).trimmed().toDouble();
    }
    return 0;
}

double countOpenFds()
{
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return 0;
    double count = 0;
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    ::closedir(dir);
    return count > 0 ? count - 1 : 0; // minus the descriptor of the listing itself
}

} // namespace

ProcessStats ProcessStats::read()
{
    ProcessStats stats;

    rusage usage {};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
        stats.cpuSeconds = double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6
            + double(usage.ru_stime.tv_sec) + double(usage.ru_stime.tv_usec) / 1e6;
    }

    const QList<QByteArray> statm = readProcFile("/proc/self/statm").simplified().split(' ');
    if (statm.size() >= 2) {
        stats.virtualMemoryBytes = statm.at(0).toDouble() * pageSize();
        stats.residentMemoryBytes = statm.at(1).toDouble() * pageSize();
    }

    // The command name (field 2) may contain spaces and parentheses: fields restart after the
    // last ')'. starttime is field 22, i.e. index 19 after "state" (field 3) at index 0.
    const QByteArray stat = readProcFile("/proc/self/stat");
    const qsizetype close = stat.lastIndexOf(')');
    if (close >= 0) {
        const QList<QByteArray> fields = stat.mid(close + 1).simplified().split(' ');
        if (fields.size() > 19) {
            const double btime = bootTimeSeconds();
            if (btime > 0)
                stats.startTimeSeconds = btime + fields.at(19).toDouble() / clockTicksPerSecond();
        }
    }

    stats.openFds = countOpenFds();
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        stats.maxFds = double(limit.rlim_cur);
    return stats;
}

Metrics::Metrics()
    : m_registry(std::make_shared<prometheus::Registry>())
{
    m_httpRequests = &counterFamily("pomelo_http_requests_total", "HTTP requests handled");
    m_httpDuration = &histogramFamily("pomelo_http_request_duration_seconds",
                                      "Time from request received to response sent");
    m_httpInFlight =
        &gaugeFamily("pomelo_http_requests_in_flight", "HTTP requests being handled").Add({});

    m_startTime = &gaugeFamily("process_start_time_seconds",
                               "Start time of the process since unix epoch in seconds.")
                       .Add({});
    m_cpuSeconds = &counterFamily("process_cpu_seconds_total",
                                  "Total user and system CPU time spent in seconds.")
                        .Add({});
    m_residentMemory =
        &gaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes.").Add({});
    m_virtualMemory =
        &gaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.").Add({});
    m_openFds = &gaugeFamily("process_open_fds", "Number of open file descriptors.").Add({});
    m_maxFds = &gaugeFamily("process_max_fds", "Maximum number of open file descriptors.").Add({});

    const ProcessStats stats = ProcessStats::read();
    m_startTime->Set(stats.startTimeSeconds > 0 ? stats.startTimeSeconds
                                                : double(QDateTime::currentSecsSinceEpoch()));
    refreshProcessMetrics();
}

Metrics::~Metrics() = default;

Metrics &Metrics::instance()
{
    static Metrics metrics;
    return metrics;
}

prometheus::Family<prometheus::Counter> &Metrics::counterFamily(const std::string &name,
                                                                const std::string &help)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(*m_registry);
}

prometheus::Family<prometheus::Gauge> &Metrics::gaugeFamily(const std::string &name,
                                                            const std::string &help)
{
    return prometheus::BuildGauge().Name(name).Help(help).Register(*m_registry);
}

prometheus::Family<prometheus::Histogram> &Metrics::histogramFamily(const std::string &name,
                                                                    const std::string &help)
{
    return prometheus::BuildHistogram().Name(name).Help(help).Register(*m_registry);
}

prometheus::Histogram::BucketBoundaries Metrics::httpDurationBuckets()
{
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Metrics::observeHttpRequest(const QString &method, const QString &route, int status,
                                 double durationSeconds)
{
    const std::string methodLabel = method.toStdString();
    const std::string routeLabel = route.toStdString();
    m_httpRequests
        ->Add({{"method", methodLabel}, {"route", routeLabel}, {"status", std::to_string(status)}})
        .Increment();
    // Buckets are only used when the series is first created.
    static const prometheus::Histogram::BucketBoundaries buckets = httpDurationBuckets();
    m_httpDuration->Add({{"method", methodLabel}, {"route", routeLabel}}, buckets)
        .Observe(durationSeconds);
}

void Metrics::refreshProcessMetrics()
{
    const ProcessStats stats = ProcessStats::read();
    const QMutexLocker lock(&m_processMutex);
    m_residentMemory->Set(stats.residentMemoryBytes);
    m_virtualMemory->Set(stats.virtualMemoryBytes);
    m_openFds->Set(stats.openFds);
    m_maxFds->Set(stats.maxFds);
    // A counter can only grow: add what was used since the last scrape.
    const double delta = stats.cpuSeconds - m_cpuSeconds->Value();
    if (delta > 0)
        m_cpuSeconds->Increment(delta);
}

QByteArray Metrics::serialize()
{
    refreshProcessMetrics();
    const std::string text = prometheus::TextSerializer().Serialize(m_registry->Collect());
    return QByteArray(text.data(), qsizetype(text.size()));
}

} // namespace pomelo
