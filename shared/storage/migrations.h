#pragma once

#include "database.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace pomelo {

/// One versioned schema change: resources/migrations/NNNN_name.sql.
struct Migration
{
    int version = 0;
    QString name;
    QString sql;
};

/// A row of schema_migrations.
struct AppliedMigration
{
    int version = 0;
    QString name;
    qint64 appliedAt = 0;
};

/// The database was migrated by a newer pomelo-server: this binary does not know its schema and
/// must not touch it. The server prints detail() and stops.
class SchemaTooNew : public Error
{
public:
    SchemaTooNew(int databaseVersion, int binaryVersion);
    int databaseVersion() const { return m_databaseVersion; }
    int binaryVersion() const { return m_binaryVersion; }

private:
    int m_databaseVersion;
    int m_binaryVersion;
};

/// Applies the migrations in version order, each in its own transaction together with its row
/// in schema_migrations(version, name, applied_at). Running it again changes nothing. Several
/// instances may start at once: every migration transaction first takes a lock (PostgreSQL
/// advisory lock; SQLite BEGIN IMMEDIATE) and then re-reads what is applied.
class Migrator
{
public:
    /// With the migrations compiled into the binary (resources/migrations.qrc).
    explicit Migrator(Database &db);
    Migrator(Database &db, QList<Migration> migrations);

    /// The built-in migrations, sorted by version.
    static QList<Migration> builtin();
    /// The statements of @p sql for @p dialect: `-- dialect: postgres|sqlite|all` blocks chosen,
    /// `{{autoid}}` and `{{blob}}` substituted, comment lines dropped, split at lines ending with
    /// ';'. Throws Error(Internal) for an unknown token or dialect name.
    static QStringList statements(const QString &sql, Dialect dialect);

    /// Applies what is missing; returns the versions applied by this call. Throws SchemaTooNew
    /// when the database holds a version above latestVersion(), Error(DependencyUnavailable)
    /// when the database cannot be reached, Error(Internal) when a migration fails (its
    /// transaction is rolled back, earlier ones stay).
    QList<int> migrate();
    /// What schema_migrations holds (empty for a new database).
    QList<AppliedMigration> applied();
    int latestVersion() const;

private:
    Database &m_db;
    QList<Migration> m_migrations;
};

} // namespace pomelo
