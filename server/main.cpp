#include "admin/usercommands.h"
#include "pay/appcommands.h"
#include "serverapp.h"
#include "signalwatcher.h"
#include "version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QProcessEnvironment>

#include <cstdio>

using namespace pomelo;

namespace {

constexpr int kExitConfigError = 2;

void printErr(const QString &text)
{
    std::fputs(qUtf8Printable(text + u'\n'), stderr);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pomelo-server"));
    QCoreApplication::setApplicationVersion(pomelo::version());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Pomelo Pay server: venue booking, pay platform, channel sandbox, workers and admin API.\n"
        "Every option can also be set in the INI file (--config) or as POMELO_<SECTION>_<KEY>."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption configOpt(QStringLiteral("config"),
                                       QStringLiteral("INI configuration file."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption listenOpt(QStringLiteral("listen"),
                                       QStringLiteral("Address to listen on (server.listen)."),
                                       QStringLiteral("HOST:PORT"));
    const QCommandLineOption dataDirOpt(QStringLiteral("data-dir"),
                                        QStringLiteral("Data directory (server.data_dir)."),
                                        QStringLiteral("DIR"));
    const QCommandLineOption redisOpt(QStringLiteral("redis"),
                                      QStringLiteral("Redis URL or 'embedded' (redis.url)."),
                                      QStringLiteral("URL"));
    const QCommandLineOption databaseOpt(
        QStringLiteral("database"), QStringLiteral("sqlite:PATH or postgres://… (database.url)."),
        QStringLiteral("URL"));
    const QCommandLineOption modulesOpt(
        QStringLiteral("modules"),
        QStringLiteral("Modules to run: booking,pay,sandbox,workers,admin (server.modules)."),
        QStringLiteral("LIST"));
    const QCommandLineOption printConfigOpt(
        QStringLiteral("print-config"),
        QStringLiteral("Print the effective configuration (secrets masked) and exit."));
    const QCommandLineOption nameOpt(QStringLiteral("name"), QStringLiteral("app add: app name."),
                                     QStringLiteral("NAME"));
    const QCommandLineOption notifyHostOpt(
        QStringLiteral("notify-host"),
        QStringLiteral("app add: a host allowed in notifyUrl (repeatable)."),
        QStringLiteral("HOST"));
    const QCommandLineOption internalOpt(
        QStringLiteral("internal"),
        QStringLiteral("app add: a campus service on the intranet (notifyUrl may be on private "
                       "addresses; loopback in development only)."));
    // ---- user command (admin API) ----
    const QCommandLineOption usernameOpt(QStringLiteral("username"),
                                         QStringLiteral("user add: console user name."),
                                         QStringLiteral("NAME"));
    const QCommandLineOption roleOpt(QStringLiteral("role"),
                                     QStringLiteral("user add: staff or admin."),
                                     QStringLiteral("ROLE"));
    const QCommandLineOption passwordOpt(
        QStringLiteral("password"),
        QStringLiteral("user add/passwd: the password, or - to read it from stdin (default: "
                       "generated and printed once)."),
        QStringLiteral("PASSWORD"));
    parser.addOptions({usernameOpt, roleOpt, passwordOpt});
    // ---- end of user command ----
    parser.addOptions({configOpt, listenOpt, dataDirOpt, redisOpt, databaseOpt, modulesOpt,
                       printConfigOpt, nameOpt, notifyHostOpt, internalOpt});
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("Optional management command: app, user."),
                                 QStringLiteral("[command]"));

    if (!parser.parse(QCoreApplication::arguments())) {
        printErr(parser.errorText() + QStringLiteral("\nSee pomelo-server --help."));
        return kExitConfigError;
    }
    if (parser.isSet(helpOption)) {
        std::fputs(qUtf8Printable(parser.helpText()), stdout);
        std::fputs("\nConfiguration keys (INI [section] key, env POMELO_SECTION_KEY):\n", stdout);
        for (const ConfigKey &k : configKeys())
            std::fprintf(stdout, "  %-28s %s (%s)\n", qUtf8Printable(k.name),
                         qUtf8Printable(k.description), qUtf8Printable(k.expected));
        return 0;
    }
    if (parser.isSet(versionOption)) {
        parser.showVersion();
        return 0;
    }
    const bool appCommand = parser.positionalArguments().value(0) == QLatin1String("app");
    const bool userCommand = parser.positionalArguments().value(0) == QLatin1String("user");
    if (!parser.positionalArguments().isEmpty() && !appCommand && !userCommand) {
        printErr(QStringLiteral("unknown command: ") + parser.positionalArguments().constFirst()
                 + QStringLiteral("\nSee pomelo-server --help."));
        return kExitConfigError;
    }

    QMap<QString, QString> overrides;
    const std::pair<const QCommandLineOption *, const char *> flagKeys[] = {
        {&listenOpt, "server.listen"},  {&dataDirOpt, "server.data_dir"}, {&redisOpt, "redis.url"},
        {&databaseOpt, "database.url"}, {&modulesOpt, "server.modules"},
    };
    for (const auto &[opt, key] : flagKeys) {
        if (parser.isSet(*opt))
            overrides.insert(QString::fromLatin1(key), parser.value(*opt));
    }

    Config config;
    try {
        config = Config::load(parser.value(configOpt),
                              QProcessEnvironment::systemEnvironment().toStringList(), overrides);
    } catch (const ConfigError &e) {
        printErr(QStringLiteral("pomelo-server: configuration error: ") + e.message());
        return kExitConfigError;
    }

    if (appCommand)
        return runAppCommand(config, parser.positionalArguments().mid(1), parser.value(nameOpt),
                             parser.values(notifyHostOpt), parser.isSet(internalOpt));
    if (userCommand)
        return runUserCommand(
            config, parser.positionalArguments().mid(1),
            {parser.value(usernameOpt), parser.value(roleOpt), parser.value(passwordOpt)});

    if (parser.isSet(printConfigOpt)) {
        const QMap<QString, QString> values = config.redactedValues();
        for (auto it = values.cbegin(); it != values.cend(); ++it)
            std::fprintf(stdout, "%s = %s\n", qUtf8Printable(it.key()), qUtf8Printable(it.value()));
        return 0;
    }

    // Production refuses anything unsafe before it opens a port or touches a database.
    const QList<ConfigError> unsafe = config.productionProblems();
    for (const ConfigError &e : unsafe)
        printErr(QStringLiteral("pomelo-server: refusing to start in production: ") + e.message());
    if (!unsafe.isEmpty())
        return kExitConfigError;

    ServerApp server(config);
    if (!server.start())
        return 1;

    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &app, [&](int sig) {
        qInfo("signal %d received, shutting down", sig);
        server.stop();
        QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}
