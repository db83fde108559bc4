#include "commandline.h"
#include "config/config.h"
#include "serverapp.h"
#include "signalwatcher.h"
#include "version.h"

#include <QCoreApplication>
#include <QProcessEnvironment>

#include <cstdio>

using namespace pomelo;

namespace {

void printErr(const QString &text)
{
    std::fputs(qUtf8Printable(text + u'\n'), stderr);
}

/// Production refuses anything unsafe before it opens a port or touches a database.
bool refusedInProduction(const Config &config)
{
    const QList<ConfigError> unsafe = config.productionProblems();
    for (const ConfigError &e : unsafe)
        printErr(QStringLiteral("pomelo-server: refusing to start in production: ") + e.message());
    return !unsafe.isEmpty();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pomelo-server"));
    QCoreApplication::setApplicationVersion(pomelo::version());

    CommandLine commandLine;
    if (const std::optional<int> exitCode = commandLine.parse(QCoreApplication::arguments()))
        return *exitCode;

    Config config;
    try {
        config = Config::load(commandLine.configFile(),
                              QProcessEnvironment::systemEnvironment().toStringList(),
                              commandLine.overrides());
    } catch (const ConfigError &e) {
        printErr(QStringLiteral("pomelo-server: configuration error: ") + e.message());
        return CommandLine::ExitConfigError;
    }
    if (commandLine.hasCommand())
        return commandLine.runCommand(config);
    if (commandLine.printConfig()) {
        const QMap<QString, QString> values = config.redactedValues();
        for (auto it = values.cbegin(); it != values.cend(); ++it)
            std::fprintf(stdout, "%s = %s\n", qUtf8Printable(it.key()), qUtf8Printable(it.value()));
        return 0;
    }
    if (refusedInProduction(config))
        return CommandLine::ExitConfigError;

    ServerApp server(config);
    if (!server.start())
        return server.failureExitCode();
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &app, [&](int sig) {
        qInfo("signal %d received, shutting down", sig);
        server.stop();
        QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}
