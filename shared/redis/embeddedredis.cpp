#include "embeddedredis.h"

#include "domain/errors.h"
#include "redisclient.h"
#include "telemetry/logging.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace pomelo {

namespace {

constexpr qsizetype maxSocketPathBytes = 100; // sun_path is 108 bytes including the NUL

QString readLink(const QString &path)
{
    char buffer[4096];
    const ssize_t n = ::readlink(QFile::encodeName(path).constData(), buffer, sizeof buffer - 1);
    return n > 0 ? QFile::decodeName(QByteArray(buffer, static_cast<qsizetype>(n))) : QString();
}

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    // A zombie (exited, not yet reaped by whoever adopted it) is not alive.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const qsizetype close = text.lastIndexOf(')');
        if (close > 0 && close + 2 < text.size()) {
            const char state = text.at(close + 2);
            if (state == 'Z' || state == 'X')
                return false;
        }
    }
    return true;
}

quint16 freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QString quoted(const QString &value)
{
    QString escaped = value;
    escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return u'"' + escaped + u'"';
}

QString logTail(const QString &path, int lines)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QStringList all = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    return all.mid(std::max<qsizetype>(0, all.size() - lines)).join(QStringLiteral(" | "));
}

/// redis-server with @p confPath, working in @p dir, detached: in its own session (a Ctrl-C reaches
/// only us, and we stop it in order) and not killed with us, so a crash of ours leaves it for the
/// next start to reuse. Returns its pid.
qint64 startDetached(const QString &program, const QString &confPath, const QString &dir)
{
    QProcess process;
    process.setProgram(program);
    process.setArguments({confPath});
    process.setWorkingDirectory(dir);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    qint64 pid = 0;
    if (!process.startDetached(&pid))
        throw Error(ErrorCode::DependencyUnavailable,
                    QStringLiteral("embedded redis: cannot run %1: %2")
                        .arg(program, process.errorString()));
    return pid;
}

} // namespace

EmbeddedRedis::EmbeddedRedis(EmbeddedRedisOptions options)
    : m_options(std::move(options))
    , m_dir(QDir(m_options.dataDir).absoluteFilePath(QStringLiteral("redis")))
{ }

EmbeddedRedis::~EmbeddedRedis()
{
    try {
        stop();
    } catch (const std::exception &e) {
        qCWarning(lcRedis) << "embedded redis: stop failed:" << e.what();
    }
}

QString EmbeddedRedis::missingBinaryMessage()
{
    return QStringLiteral(
        "redis-server was not found on PATH. The embedded Redis (redis.url = embedded, the "
        "default) "
        "runs it as a child process; install it with: apt-get install redis-server "
        "(Debian package redis-server), or point redis.url at an existing Redis "
        "(redis://host:port/db).");
}

bool EmbeddedRedis::isRunning() const
{
    return processAlive(m_pid);
}

RedisUrl EmbeddedRedis::tcpUrl() const
{
    RedisUrl url = RedisUrl::tcp(QStringLiteral("127.0.0.1"), m_port);
    url.password = m_password;
    return url;
}

bool EmbeddedRedis::ping(const RedisUrl &url, int timeoutMs, bool *loading) const
{
    if (loading)
        *loading = false;
    RedisOptions options;
    options.url = url;
    options.connectTimeoutMs = timeoutMs;
    options.commandTimeoutMs = timeoutMs;
    try {
        RedisConnection connection(options);
        const RedisReply reply = connection.command({QByteArrayLiteral("PING")});
        if (reply.isError() && loading)
            *loading = reply.toByteArray().startsWith("LOADING");
        return reply.isStatus() && reply.toByteArray() == "PONG";
    } catch (const Error &e) {
        if (loading)
            *loading = e.detail().contains(QLatin1String("LOADING"));
        return false;
    }
}

RedisUrl EmbeddedRedis::start()
{
    if (isRunning())
        return m_url;
    const QString program = QFileInfo(m_options.executable).isAbsolute()
        ? (QFileInfo(m_options.executable).isExecutable() ? m_options.executable : QString())
        : QStandardPaths::findExecutable(m_options.executable);
    if (program.isEmpty())
        throw Error(ErrorCode::DependencyUnavailable, missingBinaryMessage());
    if (!QDir().mkpath(m_dir))
        throw Error(ErrorCode::DependencyUnavailable,
                    QStringLiteral("embedded redis: cannot create %1").arg(m_dir));
    QFile::setPermissions(m_dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_reused = tryReuse();
    if (!m_reused)
        launch(program);
    qCInfo(lcRedis).noquote() << QStringLiteral("embedded redis %1: pid %2, %3 (tcp 127.0.0.1:%4), "
                                                "files in %5")
                                     .arg(m_reused ? QStringLiteral("reused")
                                                   : QStringLiteral("started"))
                                     .arg(m_pid)
                                     .arg(m_url.toDisplayString())
                                     .arg(m_port)
                                     .arg(m_dir);
    return m_url;
}

bool EmbeddedRedis::tryReuse()
{
    const QString pidPath = m_dir + QStringLiteral("/redis.pid");
    QFile pidFile(pidPath);
    if (!pidFile.open(QIODevice::ReadOnly))
        return false;
    const qint64 pid = pidFile.readAll().trimmed().toLongLong();
    pidFile.close();
    if (!processAlive(pid)) {
        QFile::remove(pidPath);
        return false;
    }
    // The pid may have been reused by an unrelated process since: only a redis-server working in
    // our directory is ours.
    const QString cwd = readLink(QStringLiteral("/proc/%1/cwd").arg(pid));
    const QString exe = QFileInfo(readLink(QStringLiteral("/proc/%1/exe").arg(pid))).fileName();
    if (cwd != QDir(m_dir).canonicalPath() || !exe.startsWith(QLatin1String("redis"))) {
        qCWarning(lcRedis) << "embedded redis: pidfile names pid" << pid
                           << "which is not our redis-server; ignoring it";
        QFile::remove(pidPath);
        return false;
    }

    QFile stateFile(m_dir + QStringLiteral("/state.json"));
    QJsonObject state;
    if (stateFile.open(QIODevice::ReadOnly))
        state = QJsonDocument::fromJson(stateFile.readAll()).object();
    const QString socket = state.value(QLatin1String("socket")).toString();
    const int port = state.value(QLatin1String("port")).toInt();
    const QString password = state.value(QLatin1String("password")).toString();
    RedisUrl url = socket.isEmpty()
        ? RedisUrl::tcp(QStringLiteral("127.0.0.1"), static_cast<quint16>(port))
        : RedisUrl::unixSocket(socket);
    url.password = password;

    bool answered = false;
    if (!state.isEmpty()) {
        QDeadlineTimer deadline(m_options.startTimeoutMs);
        for (;;) {
            bool loading = false;
            if (ping(url, 1000, &loading)) {
                answered = true;
                break;
            }
            if (!loading || deadline.hasExpired())
                break;
            QThread::msleep(50); // still loading its AOF: it will answer
        }
    }
    if (!answered) {
        qCWarning(lcRedis).noquote()
            << QStringLiteral("embedded redis: the server left behind (pid %1) does not answer; "
                              "replacing it")
                   .arg(pid);
        killPid(pid, 2000);
        QFile::remove(pidPath);
        return false;
    }
    m_pid = pid;
    m_port = static_cast<quint16>(port);
    m_socketPath = socket;
    m_password = password;
    m_url = url;
    return true;
}

void EmbeddedRedis::launch(const QString &program)
{
    const QString confPath = m_dir + QStringLiteral("/redis.conf");
    const QString pidPath = m_dir + QStringLiteral("/redis.pid");
    const QString logPath = m_dir + QStringLiteral("/redis.log");
    const QString socketPath = m_dir + QStringLiteral("/redis.sock");
    const bool useSocket = QFile::encodeName(socketPath).size() <= maxSocketPathBytes;

    for (int attempt = 1;; ++attempt) {
        m_port = freeLoopbackPort();
        m_password =
            QString::fromLatin1(QByteArray::number(QRandomGenerator::system()->generate64(), 16)
                                + QByteArray::number(QRandomGenerator::system()->generate64(), 16));
        m_socketPath = useSocket ? socketPath : QString();
        QFile::remove(pidPath);
        QFile::remove(socketPath);
        writeConfig(confPath, pidPath, logPath);

        const qint64 pid = startDetached(program, confPath, m_dir);
        m_pid = pid;
        m_url = useSocket ? RedisUrl::unixSocket(socketPath)
                          : RedisUrl::tcp(QStringLiteral("127.0.0.1"), m_port);
        m_url.password = m_password;

        bool exited = false;
        if (waitForPing(pid, pidPath, &exited)) {
            writeState();
            return;
        }
        const QString tail = logTail(logPath, 5);
        if (exited && tail.contains(QLatin1String("Address already in use")) && attempt < 3)
            continue; // lost the race for the port: another one
        if (!exited)
            killPid(pid, 2000);
        m_pid = 0;
        throw Error(
            ErrorCode::DependencyUnavailable,
            exited
                ? QStringLiteral("embedded redis exited at start (see %1): %2").arg(logPath, tail)
                : QStringLiteral("embedded redis did not answer PING within %1 ms "
                                 "(see %2): %3")
                      .arg(m_options.startTimeoutMs)
                      .arg(logPath, tail));
    }
}

/// For the current port, password and socket (m_socketPath empty: TCP only).
void EmbeddedRedis::writeConfig(const QString &confPath, const QString &pidPath,
                                const QString &logPath) const
{
    QSaveFile conf(confPath);
    if (!conf.open(QIODevice::WriteOnly))
        throw Error(ErrorCode::DependencyUnavailable,
                    QStringLiteral("embedded redis: cannot write %1").arg(confPath));
    QStringList lines {
        QStringLiteral("# Written by pomelo-server for the embedded Redis; rewritten at start."),
        QStringLiteral("bind 127.0.0.1"),
        QStringLiteral("port %1").arg(m_port),
        QStringLiteral("protected-mode yes"),
        QStringLiteral("daemonize no"),
        QStringLiteral("dir ") + quoted(m_dir),
        QStringLiteral("pidfile ") + quoted(pidPath),
        QStringLiteral("logfile ") + quoted(logPath),
        QStringLiteral("appendonly yes"),
        QStringLiteral("appendfsync everysec"),
        QStringLiteral("save \"\""),
        QStringLiteral("requirepass ") + m_password,
    };
    if (!m_socketPath.isEmpty()) {
        lines << QStringLiteral("unixsocket ") + quoted(m_socketPath)
              << QStringLiteral("unixsocketperm 700");
    }
    conf.write((lines.join(u'\n') + u'\n').toUtf8());
    if (!conf.commit())
        throw Error(ErrorCode::DependencyUnavailable,
                    QStringLiteral("embedded redis: cannot write %1").arg(confPath));
    QFile::setPermissions(confPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

/// True once the server at m_url answers PING; false when it exits first (then @p exited is set)
/// or does not answer within the start timeout.
bool EmbeddedRedis::waitForPing(qint64 pid, const QString &pidPath, bool *exited) const
{
    QDeadlineTimer deadline(m_options.startTimeoutMs);
    while (!deadline.hasExpired()) {
        if (!processAlive(pid)) {
            *exited = true;
            return false;
        }
        bool loading = false;
        // The pidfile appears once it listens: no connection attempts (and logged refusals)
        // before that.
        if (QFile::exists(pidPath) && ping(m_url, 1000, &loading))
            return true;
        QThread::msleep(20);
    }
    return false;
}

void EmbeddedRedis::writeState() const
{
    const QString path = m_dir + QStringLiteral("/state.json");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return;
    file.write(QJsonDocument(QJsonObject {{QStringLiteral("pid"), m_pid},
                                          {QStringLiteral("port"), m_port},
                                          {QStringLiteral("socket"), m_socketPath},
                                          {QStringLiteral("password"), m_password}})
                   .toJson());
    if (file.commit())
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

void EmbeddedRedis::killPid(qint64 pid, int graceMs) const
{
    const auto p = static_cast<pid_t>(pid);
    ::kill(p, SIGTERM);
    ::kill(p, SIGCONT); // a stopped process acts on SIGTERM only once continued
    QDeadlineTimer grace(graceMs);
    while (processAlive(pid) && !grace.hasExpired())
        QThread::msleep(10);
    if (processAlive(pid)) {
        ::kill(p, SIGKILL);
        QDeadlineTimer reap(5000);
        while (processAlive(pid) && !reap.hasExpired())
            QThread::msleep(10);
    }
}

void EmbeddedRedis::stop()
{
    if (m_pid == 0)
        return;
    const qint64 pid = std::exchange(m_pid, 0);
    if (processAlive(pid)) {
        RedisOptions options;
        options.url = m_url;
        options.connectTimeoutMs = 2000;
        options.commandTimeoutMs = m_options.stopTimeoutMs;
        try {
            RedisConnection connection(options);
            // On success the server closes the connection without a reply (an error below).
            const RedisReply reply = connection.command({QByteArrayLiteral("SHUTDOWN")});
            if (reply.isError())
                qCWarning(lcRedis).noquote() << "embedded redis: SHUTDOWN:" << reply.toString();
        } catch (const Error &) { }
        QDeadlineTimer deadline(m_options.stopTimeoutMs);
        while (processAlive(pid) && !deadline.hasExpired())
            QThread::msleep(10);
        if (processAlive(pid)) {
            qCWarning(lcRedis) << "embedded redis: pid" << pid << "did not exit after SHUTDOWN;"
                               << "killing it";
            killPid(pid, 0);
        }
    }
    QFile::remove(m_dir + QStringLiteral("/state.json"));
    qCInfo(lcRedis) << "embedded redis stopped";
}

void EmbeddedRedis::abandon()
{
    m_pid = 0;
}

} // namespace pomelo
