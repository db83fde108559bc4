#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace pomelo {
struct RedisOptions;
}

namespace pomelo::test {

/// A private redis-server for one test: loopback only, a free port chosen at the first start and
/// kept across restarts, its files in a temporary directory kept across restarts too (so AOF
/// tests can restart it on the same data). Killed (SIGKILL) when destroyed.
class RedisServer
{
public:
    struct Options
    {
        /// `--appendonly yes` (restart tests); default: no persistence at all (`--save ''`).
        bool appendOnly = false;
        QString appendFsync = QStringLiteral("everysec");
        QStringList extraArgs;
    };

    RedisServer();
    explicit RedisServer(Options options);
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    /// Starts the server and waits until it answers PING (LOADING counts as not yet).
    bool start(int timeoutMs = 10000);
    /// Graceful stop (SIGTERM: Redis syncs the AOF and exits).
    void stop(int timeoutMs = 10000);
    /// SIGKILL: a crash, nothing synced beyond what appendfsync already wrote.
    void kill();
    bool restart(int timeoutMs = 10000);
    /// SIGSTOP / SIGCONT: a server that hangs (connections open, no replies).
    void pause();
    void resume();

    bool isRunning() const;
    bool ping(int timeoutMs = 1000) const;
    quint16 port() const { return m_port; }
    qint64 pid() const;
    QString dataDir() const { return m_dir.path(); }
    /// `redis://127.0.0.1:<port>/0`.
    QString url() const;
    /// What the server logged so far.
    QByteArray log();

private:
    bool startOnce(int timeoutMs);

    Options m_options;
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_log;
};

/// RedisOptions for a client of @p server (its url(), database 0): commands bounded by
/// @p commandTimeoutMs, connects by @p connectTimeoutMs (0: the same bound).
RedisOptions redisOptionsFor(const RedisServer &server, int commandTimeoutMs = 1000,
                             int connectTimeoutMs = 0);

} // namespace pomelo::test
