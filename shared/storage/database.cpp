#include "database.h"

#include "sql_p.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QThreadStorage>
#include <QUrl>
#include <QUrlQuery>

#include <atomic>
#include <chrono>
#include <map>

namespace pomelo {

using storage_detail::Connection;
using storage_detail::ConnectionConfig;

namespace {

std::atomic<quint64> g_nextInstanceId {1};
std::atomic<quint64> g_nextThreadSerial {1};

// Every connection this thread opened, by Database instance. Destroyed when the thread ends, which
// closes and removes the QSqlDatabase connections of that thread (a Database closes the calling
// thread's one itself when it is destroyed).
struct ThreadConnections
{
    quint64 serial = g_nextThreadSerial.fetch_add(1);
    std::map<quint64, std::unique_ptr<Connection>> byInstance;
};

// QThreadStorage rather than thread_local: Qt deletes it as part of a QThread's finish, before
// QThread::wait() returns (a thread_local would only go when the pthread exits, later), and for
// threads not started by Qt when they end. Never destroyed itself: it must outlive every thread.
ThreadConnections &threadConnections()
{
    static auto *storage = new QThreadStorage<ThreadConnections *>();
    if (!storage->hasLocalData())
        storage->setLocalData(new ThreadConnections);
    return *storage->localData();
}

const QStringList &allowedUrlOptions()
{
    static const QStringList options = {
        QStringLiteral("sslmode"),
        QStringLiteral("sslrootcert"),
        QStringLiteral("sslcert"),
        QStringLiteral("sslkey"),
        QStringLiteral("connect_timeout"),
        QStringLiteral("application_name"),
        QStringLiteral("target_session_attrs"),
    };
    return options;
}

[[noreturn]] void badUrl(const QString &problem)
{
    // The URL itself is never echoed: it may hold a password.
    throw Error(ErrorCode::Internal, QStringLiteral("database.url: ") + problem);
}

} // namespace

QString dialectName(Dialect dialect)
{
    return dialect == Dialect::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("postgres");
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

DatabaseUrl DatabaseUrl::parse(const QString &text)
{
    DatabaseUrl url;
    if (text.startsWith(QLatin1String("sqlite:"))) {
        url.dialect = Dialect::Sqlite;
        url.path = text.mid(7);
        // sqlite:///abs/path is accepted as well as sqlite:/abs/path.
        if (url.path.startsWith(QLatin1String("///")))
            url.path = url.path.mid(2);
        if (url.path.isEmpty())
            badUrl(QStringLiteral("missing the SQLite file path"));
        if (url.path == QLatin1String(":memory:"))
            badUrl(QStringLiteral("an in-memory SQLite database cannot be shared by threads"));
        return url;
    }

    const QUrl parsed(text, QUrl::StrictMode);
    if (!parsed.isValid())
        badUrl(QStringLiteral("not a valid URL"));
    if (parsed.scheme() != QLatin1String("postgres")
        && parsed.scheme() != QLatin1String("postgresql"))
        badUrl(QStringLiteral("unknown scheme (expected sqlite: or postgres://)"));
    url.dialect = Dialect::Postgres;
    url.host = parsed.host(QUrl::FullyDecoded);
    url.port = parsed.port(5432);
    if (url.port <= 0 || url.port > 65535)
        badUrl(QStringLiteral("bad port"));
    url.user = parsed.userName(QUrl::FullyDecoded);
    url.password = parsed.password(QUrl::FullyDecoded);
    url.database = parsed.path(QUrl::FullyDecoded).mid(1);
    if (url.database.isEmpty() || url.database.contains(u'/'))
        badUrl(QStringLiteral("missing the database name"));

    const QUrlQuery query(parsed);
    const auto items = query.queryItems(QUrl::FullyDecoded);
    for (const auto &[key, value] : items) {
        if (key == QLatin1String("host")) {
            url.host = value; // a unix socket directory
            continue;
        }
        if (!allowedUrlOptions().contains(key))
            badUrl(QStringLiteral("unsupported option ") + key);
        if (value.contains(u';') || value.contains(u'\'') || value.contains(u'\\'))
            badUrl(QStringLiteral("unsupported character in option ") + key);
        url.options.append({key, value});
    }
    if (url.host.isEmpty())
        badUrl(QStringLiteral("missing the host"));
    return url;
}

QString DatabaseUrl::toDisplayString() const
{
    if (dialect == Dialect::Sqlite)
        return QStringLiteral("sqlite:") + path;
    const auto encode = [](const QString &s) {
        return QString::fromLatin1(QUrl::toPercentEncoding(s));
    };
    const bool socketDir = host.startsWith(u'/');
    QString shown = QStringLiteral("postgres://");
    if (!user.isEmpty())
        shown += encode(user) + (password.isEmpty() ? QString() : QStringLiteral(":***")) + u'@';
    shown +=
        (socketDir ? QString() : host) + u':' + QString::number(port) + u'/' + encode(database);
    QStringList query;
    if (socketDir)
        query << QStringLiteral("host=") + host;
    for (const auto &[key, value] : options)
        query << key + u'=' + value;
    if (!query.isEmpty())
        shown += u'?' + query.join(u'&');
    return shown;
}

Database::Database(const QString &url)
    : Database(url, Options())
{ }

Database::Database(const QString &url, const Options &options)
{
    auto config = std::make_shared<ConnectionConfig>();
    config->url = DatabaseUrl::parse(url);
    config->options = options;
    config->instanceId = g_nextInstanceId.fetch_add(1);
    config->driver = config->url.dialect == Dialect::Sqlite ? QStringLiteral("QSQLITE")
                                                            : QStringLiteral("QPSQL");
    if (!QSqlDatabase::isDriverAvailable(config->driver))
        throw Error(ErrorCode::Internal,
                    QStringLiteral("the Qt SQL driver ") + config->driver
                        + QStringLiteral(" is not installed (Debian: libqt6sql6-")
                        + (config->url.dialect == Dialect::Sqlite ? QStringLiteral("sqlite")
                                                                  : QStringLiteral("psql"))
                        + u')');
    m_config = std::move(config);
}

Database::~Database()
{
    releaseThreadConnection();
}

Dialect Database::dialect() const
{
    return m_config->url.dialect;
}

QString Database::displayUrl() const
{
    return m_config->url.toDisplayString();
}

Connection &Database::threadConnection()
{
    ThreadConnections &mine = threadConnections();
    auto it = mine.byInstance.find(m_config->instanceId);
    if (it == mine.byInstance.end()) {
        const QString name =
            QStringLiteral("pomelo-%1-%2").arg(m_config->instanceId).arg(mine.serial);
        it = mine.byInstance
                 .emplace(m_config->instanceId, std::make_unique<Connection>(m_config, name))
                 .first;
    }
    return *it->second;
}

void Database::releaseThreadConnection()
{
    threadConnections().byInstance.erase(m_config->instanceId);
}

void Database::checkAvailable()
{
    Connection &connection = threadConnection();
    storage_detail::Statement(connection, QStringLiteral("SELECT 1")).exec();
}

bool Database::isAvailable() noexcept
{
    try {
        checkAvailable();
        return true;
    } catch (...) {
        return false;
    }
}

void Database::noteOutboxCommit()
{
    emit outboxAppended();
}

Transaction::Transaction(Database &db, TransactionMode mode)
    : m_db(db)
    , m_connection(db.threadConnection())
    , m_mode(mode)
{
    if (m_connection.inTransaction)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("a transaction is already active on this thread"));
    QString begin;
    if (m_connection.dialect() == Dialect::Sqlite) {
        if (mode == TransactionMode::Write) {
            const auto &config = m_connection.config();
            m_writerGate = std::unique_lock(config.sqliteWriter, std::defer_lock);
            if (!m_writerGate.try_lock_for(std::chrono::milliseconds(config.options.busyTimeoutMs)))
                throw Error(ErrorCode::DependencyUnavailable,
                            QStringLiteral("database (sqlite): busy: no write lock within %1 ms")
                                .arg(config.options.busyTimeoutMs));
        }
        begin = mode == TransactionMode::Write ? QStringLiteral("BEGIN IMMEDIATE")
                                               : QStringLiteral("BEGIN");
    } else
        begin = mode == TransactionMode::Write ? QStringLiteral("BEGIN")
                                               : QStringLiteral("BEGIN READ ONLY");
    for (int attempt = 0;; ++attempt) {
        const bool wasOpen = m_connection.isOpen();
        try {
            m_connection.ensureOpen();
            m_connection.execDirect(begin);
            break;
        } catch (const Error &error) {
            // A connection that died while idle (server restarted) is found out here, before
            // anything happened: reconnecting and beginning again is safe.
            if (attempt == 0 && wasOpen && !m_connection.isOpen()
                && error.code() == ErrorCode::DependencyUnavailable)
                continue;
            throw;
        }
    }
    m_connection.inTransaction = true;
    m_connection.transactionFailed = false;
    m_active = true;
}

Transaction::~Transaction()
{
    rollback();
}

Dialect Transaction::dialect() const
{
    return m_connection.dialect();
}

void Transaction::commit()
{
    if (!m_active)
        throw Error(ErrorCode::Internal, QStringLiteral("commit of a finished transaction"));
    if (m_connection.transactionFailed) {
        const ErrorCode code = m_connection.failureCode;
        rollback();
        throw Error(code, QStringLiteral("database: commit after a failed statement: rolled back"));
    }
    m_active = false;
    m_connection.inTransaction = false;
    try {
        m_connection.commit(); // throws; the connection has rolled back by then
    } catch (...) {
        releaseWriterGate();
        throw;
    }
    releaseWriterGate();
    const auto callbacks = std::move(m_onCommit);
    for (const auto &fn : callbacks)
        fn();
    if (m_outboxAppended)
        m_db.noteOutboxCommit();
}

void Transaction::rollback() noexcept
{
    if (!m_active)
        return;
    m_active = false;
    m_connection.inTransaction = false;
    m_connection.transactionFailed = false;
    m_connection.rollback();
    releaseWriterGate();
    m_onCommit.clear();
}

void Transaction::releaseWriterGate() noexcept
{
    if (m_writerGate.owns_lock())
        m_writerGate.unlock();
}

void Transaction::onCommit(std::function<void()> fn)
{
    m_onCommit.append(std::move(fn));
}

void Transaction::advisoryLock(qint64 key)
{
    if (dialect() != Dialect::Postgres)
        return;
    storage_detail::Statement(*this, QStringLiteral("SELECT pg_advisory_xact_lock(?)"))
        .bind(key)
        .exec();
}

} // namespace pomelo
