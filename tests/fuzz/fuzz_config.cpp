// The configuration: an INI file (--config, read by QSettings) and POMELO_* environment
// variables, every value checked by its key's validator, then the typed getters the server calls
// at start. The input is written to a file, as Config::load reads only files.
#include "config/config.h"
#include "fuzzsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <memory>

using namespace pomelo;

namespace {

std::unique_ptr<QTemporaryDir> g_dir;
quint64 g_counter = 0;

void useGetters(const Config &config)
{
    config.listenHost();
    config.listenPort();
    config.listenAddress();
    config.modules();
    config.publicBaseUrl();
    config.orderTimeoutSeconds();
    config.refundRetrySeconds();
    config.payChannels();
    config.bookingExpirySeconds();
    config.refundCutoffMinutes();
    const QList<int> schedule = config.notifyScheduleSeconds();
    FUZZ_CHECK(!schedule.isEmpty());
    for (int delay : schedule)
        FUZZ_CHECK(delay >= 1);
    config.notifyTimeoutMs();
    config.timeZone();
    config.workerThreads();
    config.maxQueuedRequests();
    config.redactedValues();
    config.loadsDemoData();
    if (config.isProduction()) {
        for (const ConfigError &problem : config.productionProblems())
            FUZZ_CHECK(!problem.key().isEmpty() && !problem.problem().isEmpty());
    }
}

void load(const QString &iniPath, const QStringList &environment)
{
    try {
        useGetters(Config::load(iniPath, environment, {}));
    } catch (const ConfigError &e) {
        // The key may be empty: QSettings reads ` = value` as a key without a name.
        FUZZ_CHECK(!e.problem().isEmpty());
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceQtMessages();
    // In TMPDIR: scripts/fuzz points it into a directory it removes, also after a crash (which
    // skips the QTemporaryDir's destructor).
    g_dir =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/fuzz_config-XXXXXX"));
    FUZZ_CHECK(g_dir->isValid());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    // QSettings caches a parsed file by name and re-reads it when its size or modification time
    // changed: a distinct time for each input, since two writes can fall in the same millisecond.
    // (A new name each time instead grows that cache, and LeakSanitizer then scans after each
    // input.)
    const QString path = g_dir->filePath(QStringLiteral("pomelo.ini"));
    {
        QFile file(path);
        FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        FUZZ_CHECK(file.write(input) == input.size());
        FUZZ_CHECK(file.setFileTime(QDateTime::fromSecsSinceEpoch(qint64(++g_counter), Qt::UTC),
                                    QFileDevice::FileModificationTime));
    }
    load(path, {});

    // The same text as environment variables: POMELO_SERVER_LISTEN=… lines, values unparsed.
    QStringList environment;
    for (const QByteArray &line : input.split('\n'))
        environment.append(QString::fromUtf8(line));
    load({}, environment);
    return 0;
}
