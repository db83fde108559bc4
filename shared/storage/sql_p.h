#pragma once

// Internal to shared/storage: the per-thread connection, its statement cache and the one place
// where Qt SQL errors become typed errors. Nothing outside shared/storage includes this.

#include "database.h"
#include "pagination.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <mutex>
#include <optional>

namespace pomelo::storage_detail {

struct ConnectionConfig
{
    DatabaseUrl url;
    Database::Options options;
    quint64 instanceId = 0;
    QString driver; ///< QSQLITE or QPSQL
    /// SQLite: the write lock of this process, taken before BEGIN IMMEDIATE. SQLite's busy handler
    /// polls with sleeps of up to 100 ms, so threads queued on the file lock wake late and in no
    /// order (a convoy under load); waiting here instead wakes the next writer the moment the
    /// previous one commits. Other processes on the same file still meet the busy handler.
    mutable std::timed_mutex sqliteWriter;
};

/// What went wrong with a statement, as far as the caller must react differently.
enum class Failure {
    Connection, ///< unreachable, lost, shut down: DependencyUnavailable, reconnect next time
    Unavailable, ///< busy or timed out, connection still fine: DependencyUnavailable
    Unique, ///< unique constraint / index
    Conflict, ///< deadlock or serialization failure: retry the transaction
    Other, ///< a bug (bad SQL, a constraint the caller should have checked): Internal
};

Failure classify(Dialect dialect, const QSqlError &error, bool connectionOpen);

/// One thread's connection to one Database.
class Connection
{
public:
    Connection(std::shared_ptr<const ConnectionConfig> config, QString name);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    Dialect dialect() const { return m_config->url.dialect; }
    const ConnectionConfig &config() const { return *m_config; }

    /// Opens (and configures) the connection if it is not open. Throws DependencyUnavailable.
    void ensureOpen();
    /// Open as far as the driver knows (a PostgreSQL connection that broke is not).
    bool isOpen() const { return m_db.isValid() && m_db.isOpen(); }
    /// COMMIT through the driver (which sees PostgreSQL answering ROLLBACK to a COMMIT). Throws
    /// DependencyUnavailable; the transaction is rolled back then.
    void commit();
    /// ROLLBACK; never throws (a dead connection has nothing to roll back).
    void rollback() noexcept;
    /// Forgets the connection after a failure: cached statements dropped, closed. The next use
    /// opens a new one.
    void discard();
    /// Runs @p sql without preparing or caching it (BEGIN, COMMIT, PRAGMA, DDL).
    void execDirect(const QString &sql);

    /// Throws the typed error for @p error (discarding the connection when it is a connection
    /// failure). @p context names the statement (its first words), never values.
    [[noreturn]] void raise(const QSqlError &error, const QString &context);

    /// Bumped by discard(): statements taken before it must not touch their query any more.
    quint64 generation() const { return m_generation; }

    bool inTransaction = false;
    /// A statement failed inside the current transaction: it may only be rolled back. Later
    /// statements and the commit throw an error with failureCode instead of running.
    bool transactionFailed = false;
    ErrorCode failureCode = ErrorCode::Internal;

private:
    QString scrub(QString text) const;
    void configure();

    std::shared_ptr<const ConnectionConfig> m_config;
    QString m_name;
    QSqlDatabase m_db;
    struct Cached
    {
        QSqlQuery *query = nullptr;
        bool busy = false;
    };
    QHash<QString, Cached> m_statements;
    quint64 m_generation = 0;

    friend class Statement;
};

/// A statement with positional `?` parameters, executed on a connection. Reading results:
/// next(), then the typed getters by column index. Finished (cursor reset, statement kept in the
/// cache) on destruction.
class Statement
{
public:
    Statement(Connection &connection, const QString &sql);
    Statement(Transaction &tx, const QString &sql)
        : Statement(tx.connection(), sql)
    { }
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(const QVariant &value);
    Statement &bind(qint64 value) { return bind(QVariant::fromValue(value)); }
    Statement &bind(int value) { return bind(QVariant::fromValue(qint64(value))); }
    Statement &bind(bool value) { return bind(QVariant(value)); }
    Statement &bind(const QString &value) { return bind(QVariant(value)); }
    /// NULL when empty.
    Statement &bindOptional(const std::optional<qint64> &value);
    Statement &bindOptional(const std::optional<int> &value);
    /// NULL for a null or empty string.
    Statement &bindNullable(const QString &value);

    /// Executes. Outside a transaction a lost connection is reopened and the statement retried
    /// once (only reads run outside transactions). Throws the typed errors of Connection::raise.
    Statement &exec();
    bool next();
    int rowsAffected() const;

    QVariant value(int column) const;
    bool isNull(int column) const;
    qint64 int64(int column) const;
    int int32(int column) const;
    bool boolean(int column) const;
    QString text(int column) const;
    std::optional<qint64> optionalInt64(int column) const;
    std::optional<int> optionalInt32(int column) const;

private:
    /// Prepares (or takes from the cache) the query; nullopt on success, else the error.
    std::optional<QSqlError> acquire();
    void release();

    Connection &m_connection;
    QString m_sql;
    QSqlQuery *m_query = nullptr;
    bool m_owned = false; ///< not from the cache (the cached one was busy)
    quint64 m_generation = 0;
    QVariantList m_values;
};

/// "?, ?, ?" with @p count markers.
QString placeholders(int count);
/// The smallest of 1, 2, 4, 8, … that holds @p count: `IN (…)` lists are padded to it by repeating
/// the last value, so that few distinct statements reach the statement cache.
int bucketSize(int count);

/// " FOR UPDATE" on PostgreSQL when @p lock asks for it, empty otherwise.
QString lockClause(Dialect dialect, RowLock lock);

/// A newest-first list with keyset pagination, the shape of every console and API list: the
/// select, the filters, `(time, id) < cursor`, ORDER BY time DESC, id DESC, and one row more than
/// asked for — that row only says whether there is a next page.
class KeysetList
{
public:
    /// @p select ends with the FROM clause (and a space); @p timeColumn is the page key's column.
    explicit KeysetList(QString select, QString timeColumn = QStringLiteral("created_at"))
        : m_select(std::move(select))
        , m_timeColumn(std::move(timeColumn))
    { }

    /// Adds `condition` (with its `?` placeholders) and the values bound to them, in order.
    KeysetList &where(const QString &condition, const QVariantList &values = {})
    {
        m_where.append(condition);
        m_values.append(values);
        return *this;
    }

    /// Runs it: @p read turns the executed statement into rows, @p key gives a row's cursor.
    template<typename Row, typename Read, typename Key>
    Page<Row> page(Connection &connection, const std::optional<PageCursor> &after, int limit,
                   Read read, Key key) const
    {
        limit = std::clamp(limit, 1, MaxPageSize);
        QStringList where = m_where;
        QVariantList values = m_values;
        if (after) {
            where.append(QStringLiteral("(%1, id) < (?, ?)").arg(m_timeColumn));
            values << QVariant::fromValue(after->key) << QVariant::fromValue(after->id);
        }
        QString sql = m_select;
        if (!where.isEmpty())
            sql += QStringLiteral("WHERE ") + where.join(QLatin1String(" AND "));
        sql += QStringLiteral(" ORDER BY %1 DESC, id DESC LIMIT ?").arg(m_timeColumn);
        Statement st(connection, sql);
        for (const QVariant &v : std::as_const(values))
            st.bind(v);
        st.bind(limit + 1).exec();
        Page<Row> page;
        page.items = read(st);
        if (page.items.size() > limit) {
            page.items.removeLast();
            page.next = key(page.items.last());
        }
        return page;
    }

private:
    QString m_select;
    QString m_timeColumn;
    QStringList m_where;
    QVariantList m_values;
};

} // namespace pomelo::storage_detail
