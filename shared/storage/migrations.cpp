#include "migrations.h"

#include "sql_p.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <algorithm>

// The qrc is compiled into this object library; referencing its initializer keeps a static link
// from dropping it.
static void initMigrationResources()
{
    Q_INIT_RESOURCE(migrations);
}

namespace pomelo {

using storage_detail::Statement;

namespace {

// pg_advisory_xact_lock key of schema changes: "pomelo-m" in ASCII.
constexpr qint64 MigrationLockKey = 0x706f6d656c6f2d6d;

const QString CreateMigrationsTable =
    QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");

bool migrationsTableExists(storage_detail::Connection &connection)
{
    const QString sql = connection.dialect() == Dialect::Sqlite
        ? QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                         "'schema_migrations'")
        : QStringLiteral("SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = "
                         "'schema_migrations' AND schemaname = current_schema()");
    Statement st(connection, sql);
    st.exec();
    return st.next() && st.int64(0) > 0;
}

QList<AppliedMigration> readApplied(storage_detail::Connection &connection)
{
    QList<AppliedMigration> rows;
    Statement st(connection,
                 QStringLiteral("SELECT version, name, applied_at FROM "
                                "schema_migrations ORDER BY version"));
    st.exec();
    while (st.next())
        rows.append({st.int32(0), st.text(1), st.int64(2)});
    return rows;
}

} // namespace

SchemaTooNew::SchemaTooNew(int databaseVersion, int binaryVersion)
    : Error(ErrorCode::Internal,
            QStringLiteral("the database schema is at version %1, newer than this pomelo-server "
                           "knows (%2): upgrade pomelo-server, or use another database")
                .arg(databaseVersion)
                .arg(binaryVersion))
    , m_databaseVersion(databaseVersion)
    , m_binaryVersion(binaryVersion)
{ }

Migrator::Migrator(Database &db)
    : Migrator(db, builtin())
{ }

Migrator::Migrator(Database &db, QList<Migration> migrations)
    : m_db(db)
    , m_migrations(std::move(migrations))
{
    std::sort(m_migrations.begin(), m_migrations.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
    for (qsizetype i = 1; i < m_migrations.size(); ++i) {
        if (m_migrations.at(i).version == m_migrations.at(i - 1).version)
            throw Error(
                ErrorCode::Internal,
                QStringLiteral("two migrations with version %1").arg(m_migrations.at(i).version));
    }
}

QList<Migration> Migrator::builtin()
{
    initMigrationResources();
    static const QRegularExpression fileName(QStringLiteral("^(\\d{4})_([a-z0-9_]+)\\.sql$"));
    QList<Migration> migrations;
    const QDir dir(QStringLiteral(":/migrations"));
    const QStringList files = dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name);
    for (const QString &name : files) {
        const auto match = fileName.match(name);
        if (!match.hasMatch())
            throw Error(ErrorCode::Internal, QStringLiteral("badly named migration ") + name);
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            throw Error(ErrorCode::Internal, QStringLiteral("cannot read migration ") + name);
        migrations.append(
            {match.captured(1).toInt(), match.captured(2), QString::fromUtf8(file.readAll())});
    }
    if (migrations.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("no migrations compiled in"));
    return migrations;
}

QStringList Migrator::statements(const QString &sql, Dialect dialect)
{
    static const QRegularExpression dialectLine(QStringLiteral("^--\\s*dialect:\\s*(\\w+)\\s*$"));
    static const QRegularExpression token(QStringLiteral("\\{\\{(\\w+)\\}\\}"));
    const QString mine = dialectName(dialect);

    QStringList result;
    QString current;
    bool included = true;
    const QStringList lines = sql.split(u'\n');
    for (const QString &rawLine : lines) {
        const QString line = rawLine.trimmed();
        const auto match = dialectLine.match(line);
        if (match.hasMatch()) {
            const QString which = match.captured(1);
            if (which != QLatin1String("all") && which != QLatin1String("sqlite")
                && which != QLatin1String("postgres"))
                throw Error(ErrorCode::Internal, QStringLiteral("unknown dialect ") + which);
            included = which == QLatin1String("all") || which == mine;
            continue;
        }
        if (!included || line.isEmpty() || line.startsWith(QLatin1String("--")))
            continue;
        QString text = rawLine;
        for (auto it = token.globalMatch(rawLine); it.hasNext();) {
            const auto t = it.next();
            const QString name = t.captured(1);
            QString replacement;
            if (name == QLatin1String("autoid"))
                replacement = dialect == Dialect::Sqlite
                    ? QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT")
                    : QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
            else if (name == QLatin1String("blob"))
                replacement =
                    dialect == Dialect::Sqlite ? QStringLiteral("BLOB") : QStringLiteral("BYTEA");
            else
                throw Error(ErrorCode::Internal,
                            QStringLiteral("unknown token {{") + name + u'}' + u'}');
            text.replace(t.captured(0), replacement);
        }
        current += text + u'\n';
        if (line.endsWith(u';')) {
            result.append(current.trimmed());
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        throw Error(ErrorCode::Internal,
                    QStringLiteral("migration does not end with ';': ") + current.left(60));
    return result;
}

int Migrator::latestVersion() const
{
    return m_migrations.isEmpty() ? 0 : m_migrations.last().version;
}

QList<AppliedMigration> Migrator::applied()
{
    Transaction tx(m_db, TransactionMode::Read);
    if (!migrationsTableExists(tx.connection()))
        return {};
    return readApplied(tx.connection());
}

QList<int> Migrator::migrate()
{
    // A cheap look first: a database that is up to date needs no write lock at all.
    const QList<AppliedMigration> before = applied();
    if (!before.isEmpty() && before.last().version > latestVersion())
        throw SchemaTooNew(before.last().version, latestVersion());

    QList<int> done;
    for (const Migration &migration : std::as_const(m_migrations)) {
        const auto isThis = [&](const AppliedMigration &a) {
            return a.version == migration.version;
        };
        if (std::any_of(before.begin(), before.end(), isThis))
            continue;
        Transaction tx(m_db);
        // Another instance may be migrating right now: wait for it, then look again.
        tx.advisoryLock(MigrationLockKey);
        tx.connection().execDirect(CreateMigrationsTable);
        const QList<AppliedMigration> now = readApplied(tx.connection());
        if (!now.isEmpty() && now.last().version > latestVersion())
            throw SchemaTooNew(now.last().version, latestVersion());
        if (std::any_of(now.begin(), now.end(), isThis))
            continue; // applied meanwhile; rolled back, nothing written
        for (const QString &statement : statements(migration.sql, m_db.dialect()))
            tx.connection().execDirect(statement);
        Statement(tx,
                  QStringLiteral("INSERT INTO schema_migrations (version, name, applied_at) "
                                 "VALUES (?, ?, ?)"))
            .bind(migration.version)
            .bind(migration.name)
            .bind(nowMs())
            .exec();
        tx.commit();
        done.append(migration.version);
    }
    return done;
}

} // namespace pomelo
