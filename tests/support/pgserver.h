#pragma once

#include "testsupport.h"

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace pomelo::test {

/// A private PostgreSQL 15 cluster for one test binary: `initdb` into a temporary directory,
/// `postgres` on a free loopback port with its unix socket inside that directory, password
/// authentication over TCP. initdb and postgres refuse to run as root, so under root (CI) they run
/// as the `postgres` system user (setpriv), the directory chown'ed to it. Stopped and removed when
/// destroyed. Binaries from $POMELO_PG_BINDIR, default /usr/lib/postgresql/15/bin.
///
/// Start one per test binary (initTestCase) and give each test its own database
/// (createDatabase()): a cluster takes about a second to create, a database a few milliseconds.
class PgServer
{
public:
    /// @p durable false (tests): fsync, synchronous_commit and full_page_writes off.
    explicit PgServer(bool durable = false);
    ~PgServer();
    PgServer(const PgServer &) = delete;
    PgServer &operator=(const PgServer &) = delete;

    /// Creates the cluster on first call, then starts the server and waits until it accepts
    /// connections. false with errorString() otherwise. Again after stop(): same port and data.
    bool start(int timeoutMs = 60000);
    /// Fast shutdown (SIGINT: sessions are terminated), waits for the exit. Data stays.
    bool stop(int timeoutMs = 30000);
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString user() const { return QStringLiteral("pomelo"); }
    QString password() const { return m_password; }
    QString socketDir() const;
    /// postgres://pomelo:PASSWORD@127.0.0.1:PORT/DATABASE
    QString url(const QString &database) const;
    /// A new, empty database named @p prefix + a counter; returns its URL ("" on failure).
    QString createDatabase(const QString &prefix = QStringLiteral("test"));
    /// Runs @p sql with psql on @p database; false (with errorString()) if it failed.
    bool exec(const QString &sql, const QString &database = QStringLiteral("postgres"));

    QString errorString() const { return m_error; }
    /// What the server wrote so far.
    QByteArray log();

    static QString binDir();

private:
    bool initCluster();
    QStringList asPostgresUser(const QString &program, const QStringList &args,
                               QString *programOut) const;
    bool runTool(const QString &tool, const QStringList &args, int timeoutMs, QByteArray *out);

    bool m_durable;
    QTemporaryDir m_dir;
    bool m_initialised = false;
    quint16 m_port = 0;
    QString m_password;
    std::unique_ptr<ChildProcess> m_server;
    QByteArray m_log;
    QString m_error;
    int m_databases = 0;
    uint m_uid = 0;
    uint m_gid = 0;
    bool m_dropPrivileges = false;
};

/// The two backends every storage test runs on. Use in a `_data()` function:
/// `StorageBackends::addColumn(); StorageBackends::addRows();` and in the test
/// `QFETCH(QString, backend); const QString url = backends.freshUrl(backend);`.
class StorageBackends
{
public:
    /// Starts PostgreSQL (once). false with errorString() if it failed.
    bool start();
    static void addColumn();
    static void addRows();
    /// A new empty database: "sqlite:<tmp>/dbN.sqlite" or a new PostgreSQL database.
    QString freshUrl(const QString &backend);
    PgServer &postgres() { return m_pg; }
    QString errorString() const { return m_pg.errorString(); }

private:
    PgServer m_pg;
    QTemporaryDir m_sqliteDir;
    int m_sqliteCount = 0;
};

} // namespace pomelo::test
