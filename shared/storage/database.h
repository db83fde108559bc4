#pragma once

#include "domain/errors.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>

namespace pomelo {

enum class Dialect { Sqlite, Postgres };

/// "sqlite" or "postgres".
QString dialectName(Dialect dialect);

/// A parsed `database.url`: `sqlite:PATH` or `postgres://user:pass@host:port/db[?options]`
/// (also `postgresql://`). Query options are passed to libpq; only sslmode, sslrootcert, sslcert,
/// sslkey, connect_timeout, application_name, target_session_attrs and host (a unix socket
/// directory, e.g. `?host=/var/run/postgresql`) are accepted.
struct DatabaseUrl
{
    Dialect dialect = Dialect::Sqlite;
    QString path; ///< SQLite file
    QString host;
    int port = 5432;
    QString user;
    QString password; ///< a secret: never log it, never put it into an error
    QString database;
    QList<std::pair<QString, QString>> options;

    /// Throws Error(Internal) with a detail that never contains the password.
    static DatabaseUrl parse(const QString &url);
    /// The URL with the password replaced by `***` (for logs and the console).
    QString toDisplayString() const;
};

/// Thrown by Database::transact when a transaction kept failing with a deadlock or a
/// serialization failure (PostgreSQL 40P01 / 40001) — HTTP 503 like any unavailable dependency.
class TransactionConflict : public Error
{
public:
    using Error::Error;
};

/// A unique constraint or unique index rejected a write (SQLite SQLITE_CONSTRAINT_UNIQUE /
/// PRIMARYKEY, PostgreSQL 23505). Repositories translate it into the domain's error (a slot that
/// is taken is ErrorCode::SlotAlreadyBooked); anything that escapes them is an internal error.
/// On PostgreSQL the transaction is aborted after it: roll back.
class UniqueViolation : public Error
{
public:
    explicit UniqueViolation(QString detail)
        : Error(ErrorCode::Internal, std::move(detail))
    { }
};

class Transaction;
namespace storage_detail {
class Connection;
struct ConnectionConfig;
} // namespace storage_detail

/// The database of one `database.url`: created once, shared by every thread.
///
/// Each thread that uses it gets its own named QSqlDatabase connection
/// ("pomelo-<instance>-<thread>"), opened on first use and closed when the thread ends (or on
/// releaseThreadConnection(), or when the Database is destroyed — for the destroying thread; other
/// threads' connections close when those threads end, so destroy a Database after the threads
/// that used it). HTTP worker threads therefore never share a connection.
///
/// SQLite: WAL, synchronous=NORMAL, busy_timeout, foreign_keys=ON; write transactions start with
/// BEGIN IMMEDIATE so that they take the write lock at once (no deadlock between two deferred
/// transactions that both try to upgrade). PostgreSQL: READ COMMITTED, statement timeout.
///
/// A database that is down, unreachable or lost its connection is
/// Error(ErrorCode::DependencyUnavailable) from every call, never a crash; the next use reconnects
/// by itself. No password appears in any error detail or log line.
class Database : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int busyTimeoutMs = 5000; ///< SQLite: wait for the write lock at most this long
        int connectTimeoutSeconds = 5; ///< PostgreSQL: libpq connect_timeout
        int statementTimeoutMs = 30000; ///< PostgreSQL: statement_timeout (0 = none)
        QString applicationName = QStringLiteral("pomelo");
    };

    /// Parses @p url (throws Error(Internal) if malformed or the Qt driver is not installed);
    /// does not connect yet.
    explicit Database(const QString &url);
    Database(const QString &url, const Options &options);
    ~Database() override;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    Dialect dialect() const;
    /// The URL without the password.
    QString displayUrl() const;

    /// Opens this thread's connection if needed and runs a trivial query. Throws
    /// Error(DependencyUnavailable).
    void checkAvailable();
    /// checkAvailable() as a bool (for /readyz).
    bool isAvailable() noexcept;
    /// Closes this thread's connection now (the next use opens a new one).
    void releaseThreadConnection();

    /// Runs @p fn(tx) in a write transaction and commits it. A deadlock or serialization failure
    /// (PostgreSQL) rolls back and runs @p fn again, up to 3 times; so @p fn must have no effect
    /// outside the transaction. Returns what @p fn returns.
    template<typename F> auto transact(F &&fn) -> std::invoke_result_t<F &, Transaction &>;

    /// This thread's connection (opened on first use). Internal to shared/storage.
    storage_detail::Connection &threadConnection();

signals:
    /// Emitted after a transaction that appended order events committed (from the committing
    /// thread; connect with a queued connection). Wakes the outbox relay without polling.
    void outboxAppended();

private:
    friend class Transaction;
    void noteOutboxCommit();

    std::shared_ptr<const storage_detail::ConnectionConfig> m_config;
};

enum class TransactionMode {
    Write, ///< SQLite: BEGIN IMMEDIATE (takes the write lock now); PostgreSQL: BEGIN
    Read, ///< SQLite: BEGIN (deferred); PostgreSQL: BEGIN READ ONLY
};

/// Row locks for reads inside a transaction: ForUpdate is `SELECT … FOR UPDATE` on PostgreSQL
/// (SQLite needs none: a write transaction holds the database's write lock).
enum class RowLock { None, ForUpdate };

/// A scoped transaction on this thread's connection: rolled back on destruction unless commit()
/// was called. One at a time per thread and Database (a nested one throws Error(Internal)).
class Transaction
{
public:
    /// Begins. Throws Error(DependencyUnavailable) when the database cannot be reached (a dead
    /// connection is reopened once first: nothing has happened yet, so that is safe), and on
    /// SQLite when another write transaction of this process held the write lock for longer than
    /// busyTimeoutMs (writers of one process queue in-process, see ConnectionConfig).
    explicit Transaction(Database &db, TransactionMode mode = TransactionMode::Write);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    /// Commits and then runs the onCommit() callbacks. Throws Error(DependencyUnavailable) if the
    /// commit failed (the transaction is then rolled back; its effects are not there).
    void commit();
    /// Rolls back now (never throws); the destructor does it too.
    void rollback() noexcept;
    bool isActive() const { return m_active; }

    Database &database() const { return m_db; }
    Dialect dialect() const;
    TransactionMode mode() const { return m_mode; }

    /// Runs @p fn after a successful commit (not after a rollback).
    void onCommit(std::function<void()> fn);
    /// Serializes this transaction with every other that takes the same @p key, until it ends
    /// (PostgreSQL pg_advisory_xact_lock; SQLite: nothing to do, a write transaction already
    /// excludes all other writers).
    void advisoryLock(qint64 key);

    storage_detail::Connection &connection() const { return m_connection; }
    /// Marks that this transaction appended order events (Database::outboxAppended on commit).
    void noteOutboxAppend() { m_outboxAppended = true; }

private:
    void releaseWriterGate() noexcept;

    Database &m_db;
    storage_detail::Connection &m_connection;
    TransactionMode m_mode;
    bool m_active = false;
    bool m_outboxAppended = false;
    QList<std::function<void()>> m_onCommit;
    std::unique_lock<std::timed_mutex> m_writerGate; ///< SQLite write mode: held until the end
};

template<typename F> auto Database::transact(F &&fn) -> std::invoke_result_t<F &, Transaction &>
{
    using Result = std::invoke_result_t<F &, Transaction &>;
    for (int attempt = 1;; ++attempt) {
        try {
            Transaction tx(*this);
            if constexpr (std::is_void_v<Result>) {
                fn(tx);
                tx.commit();
                return;
            } else {
                Result result = fn(tx);
                tx.commit();
                return result;
            }
        } catch (const TransactionConflict &) {
            if (attempt >= 3)
                throw;
        }
    }
}

/// Unix time in milliseconds (what every timestamp column holds).
qint64 nowMs();

} // namespace pomelo
