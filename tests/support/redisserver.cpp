#include "redisserver.h"

#include "redis/redisclient.h"
#include "redis/redisurl.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QTcpSocket>
#include <QThread>

#include <csignal>

namespace pomelo::test {

RedisServer::RedisServer()
    : RedisServer(Options {})
{ }

RedisServer::RedisServer(Options options)
    : m_options(std::move(options))
    , m_dir(QDir::tempPath() + QStringLiteral("/pomelo-redis-XXXXXX"))
{ }

RedisServer::~RedisServer()
{
    kill();
}

bool RedisServer::start(int timeoutMs)
{
    if (isRunning())
        return true;
    if (m_port != 0)
        return startOnce(timeoutMs);
    // First start: the free port may be taken by someone else before redis binds it; try another.
    for (int attempt = 0; attempt < 3; ++attempt) {
        m_port = freeLoopbackPort();
        if (startOnce(timeoutMs))
            return true;
    }
    return false;
}

bool RedisServer::startOnce(int timeoutMs)
{
    QStringList args {QStringLiteral("--port"),
                      QString::number(m_port),
                      QStringLiteral("--bind"),
                      QStringLiteral("127.0.0.1"),
                      QStringLiteral("--dir"),
                      m_dir.path(),
                      QStringLiteral("--daemonize"),
                      QStringLiteral("no"),
                      QStringLiteral("--save"),
                      QString(),
                      QStringLiteral("--appendonly"),
                      m_options.appendOnly ? QStringLiteral("yes") : QStringLiteral("no"),
                      QStringLiteral("--appendfsync"),
                      m_options.appendFsync};
    args += m_options.extraArgs;
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(QStringLiteral("redis-server"));
    m_process->setArguments(args);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start();
    if (!m_process->waitForStarted(timeoutMs))
        return false;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) {
            log();
            return false;
        }
        if (ping(500))
            return true;
        m_process->waitForReadyRead(10);
    }
    kill();
    return false;
}

void RedisServer::stop(int timeoutMs)
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    resume();
    m_process->terminate();
    if (!m_process->waitForFinished(timeoutMs))
        kill();
    log();
}

void RedisServer::kill()
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    log();
}

bool RedisServer::restart(int timeoutMs)
{
    stop(timeoutMs);
    return start(timeoutMs);
}

void RedisServer::pause()
{
    if (isRunning())
        ::kill(static_cast<pid_t>(m_process->processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (isRunning())
        ::kill(static_cast<pid_t>(m_process->processId()), SIGCONT);
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 RedisServer::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

bool RedisServer::ping(int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write("PING\r\n");
    if (!socket.waitForBytesWritten(timeoutMs))
        return false;
    QByteArray reply;
    QDeadlineTimer deadline(timeoutMs);
    while (!reply.contains("\r\n") && !deadline.hasExpired()) {
        if (!socket.waitForReadyRead(
                static_cast<int>(std::max<qint64>(deadline.remainingTime(), 1))))
            break;
        reply += socket.readAll();
    }
    // NOAUTH: up, but it wants a password (a server started with --requirepass).
    return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_port);
}

QByteArray RedisServer::log()
{
    if (m_process)
        m_log += m_process->readAll();
    return m_log;
}

RedisOptions redisOptionsFor(const RedisServer &server, int commandTimeoutMs, int connectTimeoutMs)
{
    RedisOptions options;
    options.url = *RedisUrl::parse(server.url());
    options.connectTimeoutMs = connectTimeoutMs > 0 ? connectTimeoutMs : commandTimeoutMs;
    options.commandTimeoutMs = commandTimeoutMs;
    return options;
}

} // namespace pomelo::test
