// Tests server/sandbox/sandboxstore.* and sandboxnotifier.*: one row per change in the sandboxes'
// own SQLite file (not the whole state), reopening, concurrent writers, an unreadable file set
// aside, the import of the former JSON state, and the notification scheduler (retries, giving up,
// resuming) with an in-process fake sender.
#include "sandbox/sandboxnotifier.h"
#include "sandbox/sandboxstore.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace pomelo;
using namespace pomelo::test;

namespace {

using Record = SandboxStore::Record;

QJsonObject value(int n)
{
    return {{QStringLiteral("n"), n}};
}

/// Stands in for the receivers of notifications: answers @p failures times 500, then 200.
struct FakeReceiver
{
    std::mutex mutex;
    int failuresLeft = 0;
    QMap<QString, int> hits; // by URL

    HttpClientResponse answer(const HttpClientRequest &request)
    {
        std::lock_guard lock(mutex);
        ++hits[request.url.toString()];
        HttpClientResponse r;
        r.status = failuresLeft > 0 ? 500 : 200;
        if (failuresLeft > 0)
            --failuresLeft;
        return r;
    }
    int hitsOf(const QString &url)
    {
        std::lock_guard lock(mutex);
        return hits.value(url);
    }
};

} // namespace

class TestSandboxStore : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup() { m_dir.reset(); }

    void oneRowPerChange();
    void reopenedStoreLoadsTheSameState();
    void concurrentWritersLoseNothing();
    void unreadableFileIsSetAside();
    void inMemoryWithoutPath();
    void legacyStateImportedOnce();

    void notifierRetriesUntilAcknowledged();
    void notifierGivesUpAfterSchedule();
    void notifierResumesPendingNotifications();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("sandbox/test.db")); }
    /// Rows of the file, read with a connection of the test's own.
    int rowCount(const QString &kind = {}) const;
    SandboxNotifierOptions notifierOptions(FakeReceiver &receiver,
                                           const QList<qint64> &scheduleMs) const;

    std::optional<QTemporaryDir> m_dir;
};

void TestSandboxStore::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
}

int TestSandboxStore::rowCount(const QString &kind) const
{
    int count = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                    QStringLiteral("test-sandboxstore-reader"));
        db.setDatabaseName(dbPath());
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(kind.isEmpty()
                          ? QStringLiteral("SELECT count(*) FROM records")
                          : QStringLiteral("SELECT count(*) FROM records WHERE kind = ?"));
            if (!kind.isEmpty())
                q.addBindValue(kind);
            if (q.exec() && q.next())
                count = q.value(0).toInt();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test-sandboxstore-reader"));
    return count;
}

SandboxNotifierOptions TestSandboxStore::notifierOptions(FakeReceiver &receiver,
                                                         const QList<qint64> &scheduleMs) const
{
    SandboxNotifierOptions o;
    o.name = QStringLiteral("test sandbox");
    o.scheduleMs = scheduleMs;
    o.threads = 2;
    o.request = [](const SandboxNotice &notice, int) {
        HttpClientRequest r;
        r.method = QByteArrayLiteral("POST");
        r.url = QUrl(notice.url);
        r.body = QJsonDocument(notice.content).toJson(QJsonDocument::Compact);
        return r;
    };
    o.refusal = [](const HttpClientResponse &r) {
        return r.status == 200 ? QString() : QStringLiteral("HTTP %1").arg(r.status);
    };
    o.send = [&receiver](const HttpClientRequest &r) {
        return receiver.answer(r);
    };
    return o;
}

void TestSandboxStore::oneRowPerChange()
{
    SandboxStore store(dbPath());
    QVERIFY(store.isPersistent());
    QCOMPARE(store.path(), dbPath());
    for (int i = 0; i < 50; ++i)
        QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T%1").arg(i), value(i)));
    QCOMPARE(store.rowsWritten(), quint64(50));
    QCOMPARE(rowCount(QStringLiteral("order")), 50);

    // The 51st change writes one row, not 51: the cost of a change does not grow with the state.
    QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T7"), value(700)));
    QCOMPARE(store.rowsWritten(), quint64(51));
    QCOMPARE(rowCount(), 50);
    QVERIFY(store.put(QStringLiteral("refund"), QStringLiteral("T7"), value(1)));
    QCOMPARE(store.rowsWritten(), quint64(52));
    QCOMPARE(rowCount(QStringLiteral("refund")), 1);

    // Values of one key staged before a flush are one row.
    for (int i = 0; i < 5; ++i)
        store.stage(QStringLiteral("account"), QStringLiteral("B1"), value(i));
    QVERIFY(store.flush());
    QCOMPARE(store.rowsWritten(), quint64(53));
    // Nothing staged: nothing written.
    QVERIFY(store.flush());
    QCOMPARE(store.rowsWritten(), quint64(53));
    QCOMPARE(rowCount(), 52);
}

void TestSandboxStore::reopenedStoreLoadsTheSameState()
{
    {
        SandboxStore store(dbPath());
        QVERIFY(store.put(QStringLiteral("notice"), QStringLiteral("N1"), value(1)));
        QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T1"), value(2)));
        QVERIFY(store.put(QStringLiteral("notice"), QStringLiteral("N2"), value(3)));
        // An update keeps the record's place: notifications list oldest first.
        QVERIFY(store.put(QStringLiteral("notice"), QStringLiteral("N1"), value(4)));
        store.stage(QStringLiteral("notice"), QStringLiteral("N3"), value(5)); // the destructor

        // A second store on the same file, while the first is open, reads what is committed.
        SandboxStore second(dbPath());
        QCOMPARE(second.loaded().size(), 3);
    }
    SandboxStore reopened(dbPath());
    const QList<Record> records = reopened.loaded();
    QCOMPARE(records.size(), 4);
    const QStringList expected = {QStringLiteral("notice/N1=4"), QStringLiteral("order/T1=2"),
                                  QStringLiteral("notice/N2=3"), QStringLiteral("notice/N3=5")};
    QStringList actual;
    for (const Record &r : records)
        actual << r.kind + u'/' + r.key + u'=' + QString::number(r.value.value(u"n").toInt());
    QCOMPARE(actual, expected);
    QCOMPARE(reopened.rowsWritten(), quint64(0)); // opening writes nothing
}

void TestSandboxStore::concurrentWritersLoseNothing()
{
    constexpr int threads = 8;
    constexpr int perThread = 150;
    {
        SandboxStore store(dbPath());
        std::atomic<int> failures {0};
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&store, &failures, t] {
                for (int i = 0; i < perThread; ++i) {
                    const QString key = QStringLiteral("%1-%2").arg(t).arg(i);
                    if (!store.put(QStringLiteral("order"), key, value(i)))
                        ++failures;
                    // A record every thread changes: the last value of each thread is kept.
                    if (!store.put(QStringLiteral("shared"), QString::number(t), value(i)))
                        ++failures;
                }
            });
        }
        for (std::thread &w : writers)
            w.join();
        QCOMPARE(failures.load(), 0);
        // Concurrent flushes share commits, never lose a row: at most one row per put.
        QVERIFY(store.rowsWritten() <= quint64(2 * threads * perThread));
    }
    QCOMPARE(rowCount(QStringLiteral("order")), threads * perThread);
    SandboxStore reopened(dbPath());
    int shared = 0;
    for (const Record &r : reopened.loaded()) {
        if (r.kind == QLatin1String("shared")) {
            ++shared;
            QCOMPARE(r.value.value(u"n").toInt(), perThread - 1);
        }
    }
    QCOMPARE(shared, threads);
}

void TestSandboxStore::unreadableFileIsSetAside()
{
    {
        SandboxStore store(dbPath());
        QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T1"), value(1)));
    }
    {
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{ torn");
    }
    const QString stem = m_dir->filePath(QStringLiteral("sandbox/legacy.json"));
    {
        SandboxStore store(dbPath(), stem);
        QVERIFY(store.isPersistent());
        QVERIFY(store.loaded().isEmpty());
        QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T2"), value(2)));
    }
    const QDir dir(m_dir->filePath(QStringLiteral("sandbox")));
    QCOMPARE(dir.entryList({QStringLiteral("legacy.json.corrupt-*")}).size(), 1);
    QCOMPARE(SandboxStore(dbPath()).loaded().size(), 1);

    // Without a stem the file's own name is used.
    {
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("not a database, longer than a header would be................................."
                "...............................................................................");
    }
    SandboxStore fresh(dbPath());
    QVERIFY(fresh.loaded().isEmpty());
    QCOMPARE(dir.entryList({QStringLiteral("test.db.corrupt-*")}).size(), 1);
}

void TestSandboxStore::inMemoryWithoutPath()
{
    SandboxStore store({});
    QVERIFY(!store.isPersistent());
    QVERIFY(store.path().isEmpty());
    QVERIFY(store.put(QStringLiteral("order"), QStringLiteral("T1"), value(1)));
    QCOMPARE(store.rowsWritten(), quint64(0));
    QVERIFY(store.loaded().isEmpty());
}

void TestSandboxStore::legacyStateImportedOnce()
{
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("sandbox"))));
    const QString json = m_dir->filePath(QStringLiteral("sandbox/state.json"));
    {
        QFile f(json);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"version": 1, "orders": [{"id": "T1"}, {"id": "T2"}]})");
    }
    const auto convert = [](const QJsonObject &root) {
        QList<Record> out;
        const QJsonArray orders = root.value(u"orders").toArray();
        for (const QJsonValue &v : orders)
            out.append(
                {QStringLiteral("order"), v.toObject().value(u"id").toString(), v.toObject()});
        return out;
    };
    {
        SandboxStore store(dbPath());
        QCOMPARE(importLegacyState(store, json, 1, convert).size(), 2);
        QVERIFY(!QFile::exists(json));
        QVERIFY(QFile::exists(json + QStringLiteral(".imported")));
        QCOMPARE(importLegacyState(store, json, 1, convert).size(), 0); // once
    }
    QCOMPARE(rowCount(QStringLiteral("order")), 2);

    // Another version, or no JSON object: set aside as the sandboxes always did, nothing imported.
    {
        QFile f(json);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"version": 2})");
    }
    SandboxStore store(dbPath());
    QCOMPARE(importLegacyState(store, json, 1, convert).size(), 0);
    QCOMPARE(QDir(m_dir->filePath(QStringLiteral("sandbox")))
                 .entryList({QStringLiteral("state.json.corrupt-*")})
                 .size(),
             1);
}

void TestSandboxStore::notifierRetriesUntilAcknowledged()
{
    FakeReceiver receiver;
    receiver.failuresLeft = 2;
    const QString url = QStringLiteral("http://merchant.test/notify");
    const QString other = QStringLiteral("http://merchant.test/other");
    {
        SandboxStore store(dbPath());
        SandboxNotifier notifier(notifierOptions(receiver, {0, 20, 20, 20, 20}), store);
        notifier.start();
        notifier.enqueue(QStringLiteral("N1"), url, {{QStringLiteral("order"), 1}});
        QVERIFY(store.flush());
        notifier.wake();
        QTRY_COMPARE(notifier.notices().first().state, sandbox::NoticeState::Delivered);
        const SandboxNotice n = notifier.notices().first();
        QCOMPARE(n.attempts, 3);
        QVERIFY(n.lastError.isEmpty());
        QCOMPARE(notifier.pendingCount(), 0);

        // Delivered means no more attempts: a later notification gets through while the first
        // stays at three.
        notifier.enqueue(QStringLiteral("N2"), other, {});
        QVERIFY(store.flush());
        notifier.wake();
        QTRY_COMPARE(receiver.hitsOf(other), 1);
        QTRY_COMPARE(notifier.pendingCount(), 0);
        QCOMPARE(receiver.hitsOf(url), 3);
        QCOMPARE(notifier.notices().size(), 2);
        QCOMPARE(notifier.notices().first().id, QStringLiteral("N1"));
    }
    // Every attempt's outcome is in the store.
    SandboxStore reopened(dbPath());
    const QList<Record> records = reopened.loaded();
    QCOMPARE(records.size(), 2);
    const auto stored = SandboxNotice::fromJson(records.first().value);
    QVERIFY(stored.has_value());
    QCOMPARE(stored->state, sandbox::NoticeState::Delivered);
    QCOMPARE(stored->attempts, 3);
    QCOMPARE(stored->content.value(u"order").toInt(), 1);
}

void TestSandboxStore::notifierGivesUpAfterSchedule()
{
    FakeReceiver receiver;
    receiver.failuresLeft = 100;
    const QString url = QStringLiteral("http://merchant.test/notify");
    SandboxStore store(dbPath());
    SandboxNotifier notifier(notifierOptions(receiver, {0, 5, 5}), store);
    notifier.start();
    notifier.enqueue(QStringLiteral("N1"), url, {});
    QVERIFY(store.flush());
    notifier.wake();
    QTRY_COMPARE(notifier.notices().first().state, sandbox::NoticeState::Failed);
    QCOMPARE(notifier.notices().first().attempts, 3);
    QCOMPARE(notifier.notices().first().lastError, QStringLiteral("HTTP 500"));
    QCOMPARE(notifier.pendingCount(), 0);
    QCOMPARE(receiver.hitsOf(url), 3);
}

void TestSandboxStore::notifierResumesPendingNotifications()
{
    FakeReceiver receiver;
    const QString url = QStringLiteral("http://merchant.test/notify");
    {
        // A first life whose second attempt is ten minutes away when it stops.
        SandboxStore store(dbPath());
        SandboxNotifier notifier(notifierOptions(receiver, {0, 600000}), store);
        receiver.failuresLeft = 1;
        notifier.start();
        notifier.enqueue(QStringLiteral("N1"), url, {});
        QVERIFY(store.flush());
        notifier.wake();
        QTRY_COMPARE(notifier.notices().first().attempts, 1);
        QCOMPARE(notifier.pendingCount(), 1);
    }
    SandboxStore store(dbPath());
    // The schedule is shorter now: it applies to the notification already waiting.
    SandboxNotifier notifier(notifierOptions(receiver, {0, 20}), store);
    QCOMPARE(notifier.restore(store.loaded()), 1);
    notifier.start();
    QTRY_COMPARE(notifier.notices().first().state, sandbox::NoticeState::Delivered);
    QCOMPARE(notifier.notices().first().attempts, 2);
    QCOMPARE(receiver.hitsOf(url), 2);
}

QTEST_GUILESS_MAIN(TestSandboxStore)
#include "test_sandboxstore.moc"
