#include "commandline.h"

#include "admin/usercommands.h"
#include "admin/venuecommands.h"
#include "config/config.h"
#include "initcommand.h"
#include "pay/appcommands.h"

#include <cstdio>

namespace pomelo {

namespace {

void printErr(const QString &text)
{
    std::fputs(qUtf8Printable(text + u'\n'), stderr);
}

QCommandLineOption option(const char *name, const char *description, const char *valueName = "")
{
    return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(description),
                              QString::fromLatin1(valueName));
}

} // namespace

CommandLine::CommandLine()
    : m_help(m_parser.addHelpOption())
    , m_version(m_parser.addVersionOption())
    , m_config(option("config", "INI configuration file.", "FILE"))
    , m_listen(option("listen", "Address to listen on (server.listen).", "HOST:PORT"))
    , m_dataDir(option("data-dir", "Data directory (server.data_dir).", "DIR"))
    , m_redis(option("redis", "Redis URL or 'embedded' (redis.url).", "URL"))
    , m_database(option("database", "sqlite:PATH or postgres://… (database.url).", "URL"))
    , m_modules(option("modules",
                       "Modules to run: booking,topup,pay,sandbox,workers,admin (server.modules).",
                       "LIST"))
    , m_printConfig(
          option("print-config", "Print the effective configuration (secrets masked) and exit."))
    , m_name(option("name", "app add: app name.", "NAME"))
    , m_notifyHost(
          option("notify-host", "app add: a host allowed in notifyUrl (repeatable).", "HOST"))
    , m_internal(option("internal",
                        "app add: a campus service on the intranet (notifyUrl may be on private "
                        "addresses; loopback in development only)."))
    , m_username(option("username", "user add: console user name.", "NAME"))
    , m_role(option("role", "user add: staff or admin.", "ROLE"))
    , m_password(option("password",
                        "user add/passwd: the password, or - to read it from stdin (default: "
                        "generated and printed once).",
                        "PASSWORD"))
    , m_showSecret(option("show-secret", "init: print the booking app's secret."))
{
    m_parser.setApplicationDescription(QStringLiteral(
        "Pomelo Pay server: venue booking, pay platform, channel sandbox, workers and admin API.\n"
        "Every option can also be set in the INI file (--config) or as POMELO_<SECTION>_<KEY>."));
    m_parser.addOptions({m_username, m_role, m_password, m_config, m_listen, m_dataDir, m_redis,
                         m_database, m_modules, m_printConfig, m_name, m_notifyHost, m_internal,
                         m_showSecret});
    m_parser.addOptions(venueCommandOptions());
    m_parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("Optional management command: init, app, user, venue."),
        QStringLiteral("[command]"));
}

std::optional<int> CommandLine::parse(const QStringList &arguments)
{
    if (!m_parser.parse(arguments)) {
        printErr(m_parser.errorText() + QStringLiteral("\nSee pomelo-server --help."));
        return ExitConfigError;
    }
    if (m_parser.isSet(m_help)) {
        printHelp();
        return 0;
    }
    if (m_parser.isSet(m_version)) {
        m_parser.showVersion(); // exits
        return 0;
    }
    const QString command = m_parser.positionalArguments().value(0);
    if (!command.isEmpty() && command != QLatin1String("app") && command != QLatin1String("user")
        && command != QLatin1String("init") && command != QLatin1String("venue")) {
        printErr(QStringLiteral("unknown command: ") + command
                 + QStringLiteral("\nSee pomelo-server --help."));
        return ExitConfigError;
    }
    return std::nullopt;
}

void CommandLine::printHelp() const
{
    std::fputs(qUtf8Printable(m_parser.helpText()), stdout);
    std::fputs("\nConfiguration keys (INI [section] key, env POMELO_SECTION_KEY):\n", stdout);
    for (const ConfigKey &k : configKeys())
        std::fprintf(stdout, "  %-28s %s (%s)\n", qUtf8Printable(k.name),
                     qUtf8Printable(k.description), qUtf8Printable(k.expected));
}

QString CommandLine::configFile() const
{
    return m_parser.value(m_config);
}

QMap<QString, QString> CommandLine::overrides() const
{
    const std::pair<const QCommandLineOption *, const char *> flagKeys[] = {
        {&m_listen, "server.listen"},  {&m_dataDir, "server.data_dir"}, {&m_redis, "redis.url"},
        {&m_database, "database.url"}, {&m_modules, "server.modules"},
    };
    QMap<QString, QString> out;
    for (const auto &[opt, key] : flagKeys) {
        if (m_parser.isSet(*opt))
            out.insert(QString::fromLatin1(key), m_parser.value(*opt));
    }
    return out;
}

bool CommandLine::printConfig() const
{
    return m_parser.isSet(m_printConfig);
}

bool CommandLine::hasCommand() const
{
    return !m_parser.positionalArguments().isEmpty();
}

int CommandLine::runCommand(const Config &config) const
{
    const QStringList positional = m_parser.positionalArguments();
    if (positional.value(0) == QLatin1String("init"))
        return runInitCommand(config, m_parser.isSet(m_showSecret));
    if (positional.value(0) == QLatin1String("app"))
        return runAppCommand(config, positional.mid(1), m_parser.value(m_name),
                             m_parser.values(m_notifyHost), m_parser.isSet(m_internal));
    if (positional.value(0) == QLatin1String("venue"))
        return runVenueCommand(config, positional.mid(1), m_parser);
    return runUserCommand(
        config, positional.mid(1),
        {m_parser.value(m_username), m_parser.value(m_role), m_parser.value(m_password)});
}

} // namespace pomelo
