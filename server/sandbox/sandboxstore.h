#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <memory>

namespace pomelo {

/// The state of a simulated channel (orders, refunds, accounts, notifications), kept in an SQLite
/// file of its own: one row per record, (kind, key) → a JSON object, written when it changes.
///
/// A sandbox changes its records in memory under its own lock and stage()s each changed one there
/// (so staged values follow the order of the changes), then calls flush() once the lock is
/// released and before it answers. One writer thread owns the QSQLITE connection (a connection
/// belongs to the thread that opened it) and commits everything staged so far in one transaction:
/// concurrent flushes share a commit instead of queueing for one each.
///
/// WAL, synchronous=NORMAL: a committed change survives a crash of the process, as the main
/// database's do. A file SQLite cannot read is moved aside and the store starts empty (a sandbox
/// must come up); a file that cannot be opened at all (permissions) leaves the store in memory.
class SandboxStore
{
public:
    struct Record
    {
        QString kind;
        QString key;
        QJsonObject value;
    };

    /// Opens (creates) @p path and reads it. Empty: in memory only, nothing is read or written.
    /// An unreadable file goes to `<asideStem>.corrupt-<unix seconds>` (asideStem: @p path when
    /// empty).
    explicit SandboxStore(const QString &path, const QString &asideStem = {});
    /// Writes what is still staged, then closes.
    ~SandboxStore();
    SandboxStore(const SandboxStore &) = delete;
    SandboxStore &operator=(const SandboxStore &) = delete;

    /// The file, or empty when in memory only.
    QString path() const;
    /// false: in memory only, by choice or because the file could not be opened.
    bool isPersistent() const;
    /// What the file held when it was opened, in the order the records were first written.
    QList<Record> loaded() const;

    /// Sets (kind, key) to @p value at the next flush(); a later value of the same key before
    /// then replaces it (one row written, in the place of the first). Cheap; any thread.
    void stage(const QString &kind, const QString &key, const QJsonObject &value);
    /// Returns when everything staged before the call is committed: true, or the commit failed
    /// (logged; the rows stay staged and go with the next commit): false.
    bool flush();
    /// stage() then flush().
    bool put(const QString &kind, const QString &key, const QJsonObject &value);

    /// Rows written since the store was opened (one per staged key and commit): tests show that a
    /// change writes its own row, not the whole state.
    quint64 rowsWritten() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

/// The whole-state JSON file (`{"version": N, …}`) the sandboxes kept before SandboxStore: if
/// @p jsonPath exists, @p convert turns its object into records, they are written into @p store
/// and the file is renamed `<jsonPath>.imported` (so it is imported once). A file that is not such
/// an object is moved aside to `<jsonPath>.corrupt-<unix seconds>`, as the sandboxes always did.
/// Returns the imported records (empty when there was nothing to import).
QList<SandboxStore::Record>
importLegacyState(SandboxStore &store, const QString &jsonPath, int version,
                  const std::function<QList<SandboxStore::Record>(const QJsonObject &)> &convert);

} // namespace pomelo
