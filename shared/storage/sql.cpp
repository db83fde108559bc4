#include "sql_p.h"
#include "telemetry/trace.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QThread>

namespace pomelo::storage_detail {

namespace {

// SQLite result codes (sqlite3.h); Qt's QSQLITE reports them as nativeErrorCode().
constexpr int SqliteBusy = 5;
constexpr int SqliteLocked = 6;
constexpr int SqliteReadOnly = 8;
constexpr int SqliteIoErr = 10;
constexpr int SqliteCorrupt = 11;
constexpr int SqliteFull = 13;
constexpr int SqliteCantOpen = 14;
constexpr int SqliteConstraint = 19;
constexpr int SqliteNotADb = 26;
constexpr int SqliteConstraintPrimaryKey = 1555;
constexpr int SqliteConstraintUnique = 2067;

QString firstWords(const QString &sql)
{
    QString s = sql.simplified();
    if (s.size() > 80)
        s = s.left(77) + QStringLiteral("...");
    return s;
}

/// What a span says about a statement: its first keyword and, best effort, its table.
struct SqlSummary
{
    QString operation;
    QString table;
};

SqlSummary summarize(const QString &sql)
{
    // Per thread, keyed by the SQL text: the statements are a small fixed set (values are bound),
    // so the regular expression runs once per statement and thread. Bounded all the same.
    thread_local QHash<QString, SqlSummary> cache;
    if (const auto it = cache.constFind(sql); it != cache.constEnd())
        return *it;

    static const QRegularExpression operationRe(QStringLiteral("^\\s*([A-Za-z]+)"));
    // The first name after FROM / INTO / UPDATE that is not a function call (EXTRACT(… FROM x()),
    // no space before its parenthesis, unlike `INTO t (columns)`) nor a subquery; quotes are not
    // part of the name.
    static const QRegularExpression tableRe(
        QStringLiteral("\\b(?:FROM|INTO|UPDATE)\\s+(?:ONLY\\s+)?\"?([A-Za-z_][A-Za-z0-9_.]*+)\"?"
                       "(?!\\()"),
        QRegularExpression::CaseInsensitiveOption);
    SqlSummary summary;
    const QRegularExpressionMatch operation = operationRe.match(sql);
    summary.operation =
        operation.hasMatch() ? operation.captured(1).toUpper() : QStringLiteral("SQL");
    const QRegularExpressionMatch table = tableRe.match(sql);
    if (table.hasMatch())
        summary.table = table.captured(1);
    if (cache.size() >= 1024)
        cache.clear();
    cache.insert(sql, summary);
    return summary;
}

QString failureName(Failure failure)
{
    switch (failure) {
    case Failure::Connection:
        return QStringLiteral("connection");
    case Failure::Unavailable:
        return QStringLiteral("unavailable");
    case Failure::Unique:
        return QStringLiteral("unique_violation");
    case Failure::Conflict:
        return QStringLiteral("conflict");
    case Failure::Other:
        break;
    }
    return QStringLiteral("other");
}

bool isWrite(const QString &operation)
{
    return operation == QLatin1String("INSERT") || operation == QLatin1String("UPDATE")
        || operation == QLatin1String("DELETE");
}

/// A Client span for one statement, or an inert one. Only inside a trace: a statement outside
/// any (the workers' polling) must not start a root trace of its own. When nobody listens this
/// costs one atomic load.
Span startDbSpan(Dialect dialect, const QString &sql)
{
    if (!Tracer::instance().isRecording() || !currentSpanContext().isValid())
        return Span();
    const SqlSummary summary = summarize(sql);
    Span span(summary.table.isEmpty() ? summary.operation
                                      : summary.operation + u' ' + summary.table,
              SpanKind::Client);
    span.setAttribute(QStringLiteral("db.system"),
                      dialect == Dialect::Sqlite ? QStringLiteral("sqlite")
                                                 : QStringLiteral("postgresql"));
    span.setAttribute(QStringLiteral("db.operation"), summary.operation);
    // The text as prepared: values are always bound (`?`), never part of it.
    span.setAttribute(QStringLiteral("db.statement"), sql);
    if (!summary.table.isEmpty())
        span.setAttribute(QStringLiteral("db.sql.table"), summary.table);
    return span;
}

/// The failure kind only: the driver's text may quote the values of the row.
void setDbSpanFailure(Span &span, Failure failure)
{
    if (!span.isRecording())
        return;
    span.setAttribute(QStringLiteral("error.type"), failureName(failure));
    span.setError(failureName(failure));
}

} // namespace

Failure classify(Dialect dialect, const QSqlError &error, bool connectionOpen)
{
    const QString code = error.nativeErrorCode();
    if (dialect == Dialect::Sqlite) {
        const int extended = code.toInt();
        const int primary = extended & 0xff;
        if (extended == SqliteConstraintUnique || extended == SqliteConstraintPrimaryKey)
            return Failure::Unique;
        if (primary == SqliteConstraint
            && error.databaseText().contains(QLatin1String("UNIQUE constraint failed")))
            return Failure::Unique;
        if (primary == SqliteBusy || primary == SqliteLocked)
            return Failure::Unavailable;
        if (primary == SqliteIoErr || primary == SqliteFull || primary == SqliteCantOpen
            || primary == SqliteReadOnly || primary == SqliteNotADb || primary == SqliteCorrupt)
            return Failure::Connection;
        // Not error.type(): QSQLITE reports every failed step as a ConnectionError.
        return connectionOpen ? Failure::Other : Failure::Connection;
    }

    // PostgreSQL SQLSTATE (Appendix A of its manual).
    if (code == QLatin1String("23505"))
        return Failure::Unique;
    if (code == QLatin1String("40001") || code == QLatin1String("40P01"))
        return Failure::Conflict;
    if (code.startsWith(QLatin1String("08")) || code.startsWith(QLatin1String("57P"))
        || code.startsWith(QLatin1String("53")))
        return Failure::Connection;
    if (code == QLatin1String("57014") || code == QLatin1String("55P03"))
        return Failure::Unavailable; // statement timeout / lock not available
    if (error.type() == QSqlError::ConnectionError || !connectionOpen)
        return Failure::Connection;
    return Failure::Other;
}

Connection::Connection(std::shared_ptr<const ConnectionConfig> config, QString name)
    : m_config(std::move(config))
    , m_name(std::move(name))
{ }

Connection::~Connection()
{
    for (const Cached &cached : std::as_const(m_statements))
        delete cached.query;
    m_statements.clear();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
}

QString Connection::scrub(QString text) const
{
    const QString &password = m_config->url.password;
    if (!password.isEmpty())
        text.replace(password, QStringLiteral("***"));
    return text;
}

void Connection::ensureOpen()
{
    if (isOpen())
        return;
    // Statements prepared on a previous connection are of no use on a new one.
    for (const Cached &cached : std::as_const(m_statements))
        delete cached.query;
    m_statements.clear();
    ++m_generation;

    const DatabaseUrl &url = m_config->url;
    if (!m_db.isValid()) {
        m_db = QSqlDatabase::addDatabase(m_config->driver, m_name);
        if (url.dialect == Dialect::Sqlite) {
            m_db.setDatabaseName(url.path);
        } else {
            m_db.setHostName(url.host);
            m_db.setPort(url.port);
            m_db.setDatabaseName(url.database);
            m_db.setUserName(url.user);
            m_db.setPassword(url.password);
            QStringList options;
            options
                << QStringLiteral("connect_timeout=%1").arg(m_config->options.connectTimeoutSeconds)
                << QStringLiteral("application_name='%1'").arg(m_config->options.applicationName);
            for (const auto &[key, value] : url.options)
                options << key + QStringLiteral("='") + value + u'\'';
            m_db.setConnectOptions(options.join(u';'));
        }
    }
    if (url.dialect == Dialect::Sqlite) {
        const QFileInfo file(url.path);
        if (!file.absoluteDir().exists())
            QDir().mkpath(file.absolutePath());
    }
    if (!m_db.open()) {
        const QSqlError error = m_db.lastError();
        m_db.close();
        throw Error(ErrorCode::DependencyUnavailable,
                    scrub(QStringLiteral("database (") + dialectName(url.dialect)
                          + QStringLiteral("): cannot connect to ") + url.toDisplayString()
                          + QStringLiteral(": ") + error.text()));
    }
    try {
        configure();
    } catch (...) {
        discard();
        throw;
    }
}

void Connection::configure()
{
    if (dialect() == Dialect::Sqlite) {
        // busy_timeout first: switching to WAL needs a lock another connection may hold.
        execDirect(QStringLiteral("PRAGMA busy_timeout = %1").arg(m_config->options.busyTimeoutMs));
        // SQLite does not call the busy handler for a journal-mode change: one that meets another
        // connection's lock (several instances opening the file at once) fails at once with
        // "database is locked". Asking again is safe: the mode is WAL in the end either way.
        QElapsedTimer waited;
        waited.start();
        for (;;) {
            try {
                execDirect(QStringLiteral("PRAGMA journal_mode = WAL"));
                break;
            } catch (const Error &e) {
                const bool busy = e.detail().contains(QLatin1String("locked"))
                    || e.detail().contains(QLatin1String("busy"));
                if (!busy || waited.elapsed() >= m_config->options.busyTimeoutMs)
                    throw;
                QThread::msleep(10);
            }
        }
        // NORMAL in WAL mode: a crash of the process loses nothing; a power cut may lose the
        // last transactions, never corrupt the file.
        execDirect(QStringLiteral("PRAGMA synchronous = NORMAL"));
        execDirect(QStringLiteral("PRAGMA foreign_keys = ON"));
        // LIKE as on PostgreSQL (outTradeNo search): case-sensitive.
        execDirect(QStringLiteral("PRAGMA case_sensitive_like = ON"));
    } else {
        // NOTICEs ("relation … already exists, skipping") would go to stderr through libpq.
        execDirect(QStringLiteral("SET client_min_messages = warning"));
        if (m_config->options.statementTimeoutMs > 0)
            execDirect(QStringLiteral("SET statement_timeout = %1")
                           .arg(m_config->options.statementTimeoutMs));
    }
}

void Connection::discard()
{
    ++m_generation;
    auto stale = std::move(m_statements);
    m_statements.clear();
    if (m_db.isValid()) {
        // Drop the whole QSqlDatabase before the statements: a deleted QPSQL statement sends
        // DEALLOCATE through its driver, which on a dead connection only logs a warning per
        // statement; with the driver gone there is nothing to send. ensureOpen() adds it again.
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    for (const Cached &cached : std::as_const(stale))
        delete cached.query;
}

void Connection::execDirect(const QString &sql)
{
    ensureOpen();
    QSqlQuery query(m_db);
    if (query.exec(sql))
        return;
    const QSqlError error = query.lastError();
    query = QSqlQuery();
    raise(error, firstWords(sql));
}

void Connection::commit()
{
    Span span = startDbSpan(dialect(), QStringLiteral("COMMIT"));
    if (m_db.commit())
        return;
    const QSqlError error = m_db.lastError();
    setDbSpanFailure(span, classify(dialect(), error, isOpen()));
    span.end(); // before the ROLLBACK's span
    rollback();
    raise(error, QStringLiteral("COMMIT"));
}

void Connection::rollback() noexcept
{
    if (!isOpen())
        return;
    try {
        Span span = startDbSpan(dialect(), QStringLiteral("ROLLBACK"));
        m_db.rollback();
    } catch (...) {
        // Only the span can throw (allocation); roll back without it.
        m_db.rollback();
    }
}

void Connection::raise(const QSqlError &error, const QString &context)
{
    const Failure failure = classify(dialect(), error, isOpen());
    QString detail = QStringLiteral("database (") + dialectName(dialect()) + QStringLiteral("): ")
        + context + QStringLiteral(": ") + error.text().simplified();
    if (!error.nativeErrorCode().isEmpty())
        detail += QStringLiteral(" [") + error.nativeErrorCode() + u']';
    detail = scrub(detail);
    if (inTransaction) {
        transactionFailed = true;
        failureCode = failure == Failure::Connection || failure == Failure::Unavailable
                || failure == Failure::Conflict
            ? ErrorCode::DependencyUnavailable
            : ErrorCode::Internal;
    }
    switch (failure) {
    case Failure::Connection:
        discard();
        throw Error(ErrorCode::DependencyUnavailable, detail);
    case Failure::Unavailable:
        throw Error(ErrorCode::DependencyUnavailable, detail);
    case Failure::Unique:
        throw UniqueViolation(detail);
    case Failure::Conflict:
        throw TransactionConflict(ErrorCode::DependencyUnavailable, detail);
    case Failure::Other:
        break;
    }
    throw Error(ErrorCode::Internal, detail);
}

Statement::Statement(Connection &connection, const QString &sql)
    : m_connection(connection)
    , m_sql(sql)
{ }

Statement::~Statement()
{
    release();
}

std::optional<QSqlError> Statement::acquire()
{
    release();
    m_connection.ensureOpen();
    m_generation = m_connection.m_generation;
    auto it = m_connection.m_statements.find(m_sql);
    if (it != m_connection.m_statements.end() && !it->busy) {
        it->busy = true;
        m_query = it->query;
        m_owned = false;
        return std::nullopt;
    }
    auto query = std::make_unique<QSqlQuery>(m_connection.m_db);
    // PostgreSQL's forward-only mode is libpq's single-row mode, which keeps the connection busy
    // until every row was read; the statements here read whole results, so fetch them at once.
    query->setForwardOnly(m_connection.dialect() == Dialect::Sqlite);
    if (!query->prepare(m_sql))
        return query->lastError();
    m_query = query.release();
    m_owned = it != m_connection.m_statements.end(); // the cached one is busy: keep ours private
    if (!m_owned) {
        // A bounded cache: dynamic filters give few distinct statements, but never let it grow
        // without limit.
        if (m_connection.m_statements.size() >= 256) {
            for (auto c = m_connection.m_statements.begin();
                 c != m_connection.m_statements.end();) {
                if (c->busy) {
                    ++c;
                } else {
                    delete c->query;
                    c = m_connection.m_statements.erase(c);
                }
            }
        }
        m_connection.m_statements.insert(m_sql, Connection::Cached {m_query, true});
    }
    return std::nullopt;
}

void Statement::release()
{
    if (!m_query)
        return;
    if (m_generation == m_connection.m_generation) {
        m_query->finish();
        if (m_owned) {
            delete m_query;
        } else {
            auto it = m_connection.m_statements.find(m_sql);
            if (it != m_connection.m_statements.end() && it->query == m_query)
                it->busy = false;
        }
    } else if (m_owned) {
        // The connection was discarded meanwhile; our private query belongs to a closed driver.
        delete m_query;
    }
    m_query = nullptr;
    m_owned = false;
}

Statement &Statement::bind(const QVariant &value)
{
    m_values.append(value);
    return *this;
}

Statement &Statement::bindOptional(const std::optional<qint64> &value)
{
    return value ? bind(*value) : bind(QVariant(QMetaType::fromType<qint64>()));
}

Statement &Statement::bindOptional(const std::optional<int> &value)
{
    return value ? bind(qint64(*value)) : bind(QVariant(QMetaType::fromType<qint64>()));
}

Statement &Statement::bindNullable(const QString &value)
{
    return value.isEmpty() ? bind(QVariant(QMetaType::fromType<QString>())) : bind(value);
}

Statement &Statement::exec()
{
    if (m_connection.inTransaction && m_connection.transactionFailed)
        throw Error(m_connection.failureCode,
                    QStringLiteral("database: a statement after a failed one in the same "
                                   "transaction: ")
                        + firstWords(m_sql));
    Span span = startDbSpan(m_connection.dialect(), m_sql);
    for (int attempt = 0;; ++attempt) {
        std::optional<QSqlError> error = acquire();
        if (!error) {
            for (qsizetype i = 0; i < m_values.size(); ++i)
                m_query->bindValue(int(i), m_values.at(i));
            if (m_query->exec()) {
                if (span.isRecording()) {
                    const QString operation = summarize(m_sql).operation;
                    if (isWrite(operation))
                        span.setAttribute(QStringLiteral("db.response.rows_affected"),
                                          qint64(m_query->numRowsAffected()));
                }
                return *this;
            }
            error = m_query->lastError();
        }
        release();
        const Failure failure = classify(m_connection.dialect(), *error, m_connection.isOpen());
        // Outside a transaction only reads run: a connection that died while idle is reopened
        // and the read retried once.
        if (attempt == 0 && !m_connection.inTransaction && failure == Failure::Connection) {
            span.addEvent(QStringLiteral("db.reconnect"));
            m_connection.discard();
            continue;
        }
        setDbSpanFailure(span, failure);
        span.end();
        m_connection.raise(*error, firstWords(m_sql));
    }
}

bool Statement::next()
{
    return m_query && m_query->next();
}

int Statement::rowsAffected() const
{
    return m_query ? m_query->numRowsAffected() : 0;
}

QVariant Statement::value(int column) const
{
    return m_query->value(column);
}

bool Statement::isNull(int column) const
{
    return m_query->isNull(column);
}

qint64 Statement::int64(int column) const
{
    return m_query->value(column).toLongLong();
}

int Statement::int32(int column) const
{
    return m_query->value(column).toInt();
}

bool Statement::boolean(int column) const
{
    // PostgreSQL gives a bool, SQLite an integer 0/1.
    return m_query->value(column).toBool();
}

QString Statement::text(int column) const
{
    return m_query->value(column).toString();
}

std::optional<qint64> Statement::optionalInt64(int column) const
{
    if (m_query->isNull(column))
        return std::nullopt;
    return m_query->value(column).toLongLong();
}

std::optional<int> Statement::optionalInt32(int column) const
{
    if (m_query->isNull(column))
        return std::nullopt;
    return m_query->value(column).toInt();
}

QString placeholders(int count)
{
    QString s;
    s.reserve(count * 3);
    for (int i = 0; i < count; ++i) {
        if (i)
            s += QLatin1String(", ");
        s += u'?';
    }
    return s;
}

int bucketSize(int count)
{
    int size = 1;
    while (size < count)
        size *= 2;
    return size;
}

QString lockClause(Dialect dialect, RowLock lock)
{
    if (dialect == Dialect::Postgres && lock == RowLock::ForUpdate)
        return QStringLiteral(" FOR UPDATE");
    return {};
}

} // namespace pomelo::storage_detail
