#include "sandbox/sandboxstore.h"

#include "sandbox/sandboxcommon.h"
#include "telemetry/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace pomelo {

namespace {

constexpr int SchemaVersion = 1;
constexpr int BusyTimeoutMs = 5000;

std::atomic<quint64> g_nextConnection {1};

using RecordKey = std::pair<QString, QString>;

/// Why the file could not be used; `unreadable`: it is not a (known) database, so it is set aside
/// and the store starts afresh; otherwise (permissions, a full disk, a lock) it is left alone.
struct OpenFailure
{
    QString text;
    bool unreadable = false;
};

std::optional<OpenFailure> failureOf(const QSqlError &error)
{
    if (!error.isValid())
        return std::nullopt;
    // SQLITE_NOTADB and SQLITE_CORRUPT: the bytes are not a database we can read.
    const QString code = error.nativeErrorCode();
    return OpenFailure {error.text(), code == QLatin1String("26") || code == QLatin1String("11")};
}

std::optional<OpenFailure> exec(QSqlDatabase &db, const QString &sql, QSqlQuery *result = nullptr)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return failureOf(query.lastError());
    if (result)
        *result = std::move(query);
    return std::nullopt;
}

/// Renames @p file to `<stem>.corrupt-<unix seconds>` (with a counter if that is taken).
QString setAside(const QString &file, const QString &stem)
{
    const QString base =
        stem + QStringLiteral(".corrupt-") + QString::number(QDateTime::currentSecsSinceEpoch());
    QString aside = base;
    for (int n = 1; QFile::exists(aside); ++n)
        aside = base + u'-' + QString::number(n);
    if (!QFile::rename(file, aside))
        return {};
    return aside;
}

} // namespace

struct SandboxStore::Private
{
    QString path;
    QString asideStem;
    QString connection;

    mutable std::mutex mutex; // everything below
    std::condition_variable work; // to the writer: something is staged, or stop
    std::condition_variable done; // from the writer: opened, or a commit ended
    bool ready = false;
    bool persistent = false;
    bool stopping = false;
    QList<Record> loaded;
    QList<Record> staged; // in order of first staging
    QHash<RecordKey, qsizetype> stagedIndex;
    quint64 stagedSeq = 0; // bumped by every stage()
    quint64 durableSeq = 0; // stagedSeq up to which everything is committed
    quint64 requested = 0; // commits asked for by flush()
    quint64 answered = 0; // of those, the ones a commit that ended (either way) covered
    quint64 rowsWritten = 0;

    std::thread writer;

    void run();
    std::optional<OpenFailure> open(QSqlDatabase &db);
    std::optional<OpenFailure> prepareSchema(QSqlDatabase &db);
    std::optional<OpenFailure> load(QSqlDatabase &db);
    bool openOrStartAfresh(QSqlDatabase &db);
    void writeLoop(QSqlDatabase &db);
    bool commit(QSqlDatabase &db, QSqlQuery &upsert, const QList<Record> &batch);
    void requeueLocked(const QList<Record> &batch);
};

void SandboxStore::Private::run()
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        const bool opened = openOrStartAfresh(db);
        {
            std::lock_guard lock(mutex);
            ready = true;
            persistent = opened;
        }
        done.notify_all();
        if (opened)
            writeLoop(db);
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
}

bool SandboxStore::Private::openOrStartAfresh(QSqlDatabase &db)
{
    std::optional<OpenFailure> failure = open(db);
    if (failure && failure->unreadable) {
        db.close();
        // Keep the evidence, start afresh: a sandbox must come up. The WAL belongs to that file.
        const QString aside = setAside(path, asideStem);
        if (!aside.isEmpty() && QFile::exists(path + QStringLiteral("-wal")))
            QFile::rename(path + QStringLiteral("-wal"), aside + QStringLiteral("-wal"));
        QFile::remove(path + QStringLiteral("-shm"));
        qCWarning(lcSandbox).noquote()
            << "sandbox store: unreadable" << path << "(" << failure->text << ") moved to" << aside
            << "- starting empty";
        failure = aside.isEmpty() ? failure : open(db);
    }
    if (failure) {
        qCCritical(lcSandbox).noquote() << "sandbox store: cannot use" << path << ":"
                                        << failure->text << "- the state is kept in memory only";
        db.close();
        return false;
    }
    return true;
}

std::optional<OpenFailure> SandboxStore::Private::open(QSqlDatabase &db)
{
    loaded.clear();
    if (!db.open())
        return failureOf(db.lastError()).value_or(OpenFailure {QStringLiteral("cannot open")});
    // busy_timeout first: switching to WAL needs a lock another store on the file may hold.
    for (const QString &pragma : {QStringLiteral("PRAGMA busy_timeout = %1").arg(BusyTimeoutMs),
                                  QStringLiteral("PRAGMA journal_mode = WAL"),
                                  QStringLiteral("PRAGMA synchronous = NORMAL")}) {
        if (auto failure = exec(db, pragma))
            return failure;
    }
    if (auto failure = prepareSchema(db))
        return failure;
    return load(db);
}

std::optional<OpenFailure> SandboxStore::Private::prepareSchema(QSqlDatabase &db)
{
    QSqlQuery version;
    if (auto failure = exec(db, QStringLiteral("PRAGMA user_version"), &version))
        return failure;
    const int found = version.next() ? version.value(0).toInt() : 0;
    version.finish();
    if (found == SchemaVersion)
        return std::nullopt;
    if (found != 0)
        return OpenFailure {QStringLiteral("unknown schema version %1").arg(found), true};
    // A rowid table: an upsert keeps a row's rowid, so rowid order is the order of first writes.
    if (auto failure = exec(db,
                            QStringLiteral("CREATE TABLE IF NOT EXISTS records ("
                                           " kind TEXT NOT NULL,"
                                           " key TEXT NOT NULL,"
                                           " value TEXT NOT NULL,"
                                           " PRIMARY KEY (kind, key))")))
        return failure;
    return exec(db, QStringLiteral("PRAGMA user_version = %1").arg(SchemaVersion));
}

std::optional<OpenFailure> SandboxStore::Private::load(QSqlDatabase &db)
{
    QSqlQuery rows;
    if (auto failure =
            exec(db, QStringLiteral("SELECT kind, key, value FROM records ORDER BY rowid"), &rows))
        return failure;
    while (rows.next()) {
        const auto value = sandbox::jsonObjectBody(rows.value(2).toString().toUtf8());
        if (!value) {
            qCWarning(lcSandbox).noquote() << "sandbox store: skipped the unreadable record"
                                           << rows.value(0).toString() << rows.value(1).toString();
            continue;
        }
        loaded.append({rows.value(0).toString(), rows.value(1).toString(), *value});
    }
    return failureOf(rows.lastError());
}

void SandboxStore::Private::writeLoop(QSqlDatabase &db)
{
    QSqlQuery upsert(db);
    upsert.prepare(QStringLiteral("INSERT INTO records (kind, key, value) VALUES (?, ?, ?)"
                                  " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value"));
    std::unique_lock lock(mutex);
    for (;;) {
        work.wait(lock, [this] { return stopping || requested > answered; });
        // Everything staged now goes in one commit, whoever asked: concurrent flushes share it.
        const quint64 covers = requested;
        if (staged.isEmpty()) {
            answered = covers;
            done.notify_all();
            if (stopping)
                break;
            continue;
        }
        const QList<Record> batch = std::exchange(staged, {});
        stagedIndex.clear();
        const quint64 seq = stagedSeq;
        lock.unlock();
        const bool ok = commit(db, upsert, batch);
        lock.lock();
        if (ok) {
            rowsWritten += batch.size();
            durableSeq = seq;
        } else {
            requeueLocked(batch);
        }
        answered = covers;
        done.notify_all();
        if (stopping && !ok)
            break; // lost with the process anyway: do not spin on a broken disk
    }
}

bool SandboxStore::Private::commit(QSqlDatabase &db, QSqlQuery &upsert, const QList<Record> &batch)
{
    // IMMEDIATE: take the write lock now (another store on the file waits on busy_timeout)
    // instead of failing to upgrade a read lock halfway.
    auto failure = exec(db, QStringLiteral("BEGIN IMMEDIATE"));
    for (qsizetype i = 0; !failure && i < batch.size(); ++i) {
        const Record &r = batch.at(i);
        upsert.bindValue(0, r.kind);
        upsert.bindValue(1, r.key);
        upsert.bindValue(2,
                         QString::fromUtf8(QJsonDocument(r.value).toJson(QJsonDocument::Compact)));
        if (!upsert.exec())
            failure = failureOf(upsert.lastError());
    }
    upsert.finish();
    if (!failure)
        failure = exec(db, QStringLiteral("COMMIT"));
    if (!failure)
        return true;
    exec(db, QStringLiteral("ROLLBACK"));
    qCCritical(lcSandbox).noquote() << "sandbox store: cannot write" << batch.size()
                                    << "record(s) to" << path << ":" << failure->text;
    return false;
}

void SandboxStore::Private::requeueLocked(const QList<Record> &batch)
{
    // Before what was staged meanwhile, unless that holds a newer value of the same key.
    QList<Record> merged;
    for (const Record &r : batch) {
        if (!stagedIndex.contains({r.kind, r.key}))
            merged.append(r);
    }
    merged.append(staged);
    staged = std::move(merged);
    stagedIndex.clear();
    for (qsizetype i = 0; i < staged.size(); ++i)
        stagedIndex.insert({staged.at(i).kind, staged.at(i).key}, i);
}

SandboxStore::SandboxStore(const QString &path, const QString &asideStem)
    : d(std::make_unique<Private>())
{
    if (path.isEmpty())
        return;
    d->path = path;
    d->asideStem = asideStem.isEmpty() ? path : asideStem;
    d->connection = QStringLiteral("pomelo-sandbox-store-%1").arg(g_nextConnection.fetch_add(1));
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        qCCritical(lcSandbox) << "sandbox store: the Qt SQL driver QSQLITE is not installed "
                                 "(Debian: libqt6sql6-sqlite) - the state is kept in memory only";
        return;
    }
    d->writer = std::thread([p = d.get()] { p->run(); });
    std::unique_lock lock(d->mutex);
    d->done.wait(lock, [this] { return d->ready; });
}

SandboxStore::~SandboxStore()
{
    if (!d->writer.joinable())
        return;
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
    }
    d->work.notify_all();
    d->writer.join();
}

QString SandboxStore::path() const
{
    return d->path;
}

bool SandboxStore::isPersistent() const
{
    std::lock_guard lock(d->mutex);
    return d->persistent;
}

QList<SandboxStore::Record> SandboxStore::loaded() const
{
    std::lock_guard lock(d->mutex);
    return d->loaded;
}

void SandboxStore::stage(const QString &kind, const QString &key, const QJsonObject &value)
{
    std::lock_guard lock(d->mutex);
    if (!d->persistent)
        return;
    const auto it = d->stagedIndex.constFind({kind, key});
    if (it != d->stagedIndex.cend()) {
        d->staged[it.value()].value = value;
    } else {
        d->stagedIndex.insert({kind, key}, d->staged.size());
        d->staged.append({kind, key, value});
    }
    ++d->stagedSeq;
}

bool SandboxStore::flush()
{
    std::unique_lock lock(d->mutex);
    if (!d->persistent)
        return true;
    const quint64 target = d->stagedSeq;
    if (d->durableSeq >= target)
        return true;
    const quint64 ticket = ++d->requested;
    d->work.notify_one();
    d->done.wait(lock, [&] { return d->answered >= ticket; });
    return d->durableSeq >= target;
}

bool SandboxStore::put(const QString &kind, const QString &key, const QJsonObject &value)
{
    stage(kind, key, value);
    return flush();
}

quint64 SandboxStore::rowsWritten() const
{
    std::lock_guard lock(d->mutex);
    return d->rowsWritten;
}

QList<SandboxStore::Record>
importLegacyState(SandboxStore &store, const QString &jsonPath, int version,
                  const std::function<QList<SandboxStore::Record>(const QJsonObject &)> &convert)
{
    if (jsonPath.isEmpty() || !QFile::exists(jsonPath))
        return {};
    QFile in(jsonPath);
    std::optional<QJsonObject> root;
    if (in.open(QIODevice::ReadOnly))
        root = sandbox::jsonObjectBody(in.readAll());
    in.close();
    if (!root || root->value(QLatin1String("version")).toInt() != version) {
        const QString aside = setAside(jsonPath, jsonPath);
        qCWarning(lcSandbox).noquote()
            << "sandbox store: unreadable state file moved to" << aside << "- not imported";
        return {};
    }
    const QList<SandboxStore::Record> records = convert(*root);
    for (const SandboxStore::Record &r : records)
        store.stage(r.kind, r.key, r.value);
    // Renamed only once the records are in the database: a failed import is tried again.
    if (store.isPersistent() && store.flush()) {
        const QString done = jsonPath + QStringLiteral(".imported");
        QFile::remove(done);
        QFile::rename(jsonPath, done);
        qCInfo(lcSandbox).noquote() << "sandbox store: imported" << records.size() << "records from"
                                    << jsonPath << "into" << store.path();
    }
    return records;
}

} // namespace pomelo
