#pragma once

#include "redisurl.h"

#include <QString>

namespace pomelo {

struct EmbeddedRedisOptions
{
    /// `server.data_dir`; Redis keeps its files in `<dataDir>/redis`.
    QString dataDir;
    /// Program to run: a name looked up on PATH, or an absolute path.
    QString executable = QStringLiteral("redis-server");
    /// Bound on waiting for PING after starting (or for a reused server still loading its AOF).
    int startTimeoutMs = 15000;
    /// Bound on waiting for the process to exit after SHUTDOWN (then SIGKILL).
    int stopTimeoutMs = 10000;
};

/// `redis.url = embedded`: a private `redis-server` started from PATH, with its files in
/// `<data_dir>/redis`: a config file (mode 0600, with a generated `requirepass`), a unix socket
/// (mode 0700) plus a loopback TCP port chosen free, `appendonly yes`, `appendfsync everysec`, a
/// pidfile and a log file, and `state.json` recording pid, port, socket and password.
///
/// start() waits for PING. If a previous run crashed and left its Redis running (pidfile names a
/// live redis-server whose working directory is ours), start() reuses it when it answers PING on
/// the recorded socket/port, and otherwise kills it and starts a new one; the AOF carries the
/// data across. stop() sends SHUTDOWN (which syncs the AOF) and waits for the process to exit.
/// The server runs in its own session, so a Ctrl-C at the terminal reaches only our process,
/// which then stops Redis in order.
class EmbeddedRedis
{
public:
    explicit EmbeddedRedis(EmbeddedRedisOptions options);
    /// Calls stop().
    ~EmbeddedRedis();
    EmbeddedRedis(const EmbeddedRedis &) = delete;
    EmbeddedRedis &operator=(const EmbeddedRedis &) = delete;

    /// Starts (or reuses) the server and returns its URL (the unix socket, or the TCP port when
    /// the socket path would be too long). Throws Error(DependencyUnavailable) with a message for
    /// the operator: without redis-server on PATH it names the Debian package to install.
    RedisUrl start();
    /// SHUTDOWN and wait; SIGKILL if it does not exit in time. Idempotent.
    void stop();
    /// Forgets the server without stopping it, as a crash of this process would (tests).
    void abandon();

    bool isRunning() const;
    RedisUrl url() const { return m_url; }
    /// The same server over TCP on 127.0.0.1 (for redis-cli -p).
    RedisUrl tcpUrl() const;
    qint64 pid() const { return m_pid; }
    quint16 port() const { return m_port; }
    /// True when start() adopted a server left behind by an earlier run.
    bool reusedExisting() const { return m_reused; }
    /// `<dataDir>/redis`.
    QString directory() const { return m_dir; }

    /// The operator-facing message for a missing redis-server.
    static QString missingBinaryMessage();

private:
    bool tryReuse();
    void launch(const QString &program);
    void writeConfig(const QString &confPath, const QString &pidPath, const QString &logPath) const;
    bool waitForPing(qint64 pid, const QString &pidPath, bool *exited) const;
    bool ping(const RedisUrl &url, int timeoutMs, bool *loading = nullptr) const;
    void writeState() const;
    void killPid(qint64 pid, int graceMs) const;

    EmbeddedRedisOptions m_options;
    QString m_dir;
    RedisUrl m_url;
    QString m_password;
    QString m_socketPath;
    quint16 m_port = 0;
    qint64 m_pid = 0;
    bool m_reused = false;
};

} // namespace pomelo
