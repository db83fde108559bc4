#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QMap>
#include <QString>

#include <optional>

namespace pomelo {

class Config;

/// pomelo-server's command line: the options, the flags that override configuration keys, and
/// the management commands (`init`, `app`, `user`) that run instead of the server.
class CommandLine
{
public:
    static constexpr int ExitConfigError = 2;

    CommandLine();

    /// Parses @p arguments (argv). Help, version and a usage error are answered here (on stdout
    /// or stderr): then the exit code to end with is returned, otherwise nullopt.
    std::optional<int> parse(const QStringList &arguments);

    QString configFile() const;
    /// `server.listen` and the other keys set by a flag, to lay over the file and the environment.
    QMap<QString, QString> overrides() const;
    bool printConfig() const;
    /// Whether a management command was given; runCommand() runs it.
    bool hasCommand() const;
    int runCommand(const Config &config) const;

private:
    void printHelp() const;

    QCommandLineParser m_parser;
    QCommandLineOption m_help;
    QCommandLineOption m_version;
    QCommandLineOption m_config;
    QCommandLineOption m_listen;
    QCommandLineOption m_dataDir;
    QCommandLineOption m_redis;
    QCommandLineOption m_database;
    QCommandLineOption m_modules;
    QCommandLineOption m_printConfig;
    QCommandLineOption m_name;
    QCommandLineOption m_notifyHost;
    QCommandLineOption m_internal;
    QCommandLineOption m_username;
    QCommandLineOption m_role;
    QCommandLineOption m_password;
    QCommandLineOption m_showSecret;
};

} // namespace pomelo
