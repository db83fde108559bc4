// Tests shared/storage/database.* and sql.cpp: URLs, connections per thread, transactions,
// typed errors, a database that goes away and comes back.
#include "storage/sql_p.h"
#include "storagetest.h"

#include <QSqlDatabase>
#include <QTest>
#include <QThread>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace pomelo;
using namespace pomelo::test;
using storage_detail::Statement;

namespace {

void createScratchTable(Database &db)
{
    db.transact([&](Transaction &tx) {
        tx.connection().execDirect(QStringLiteral(
            "CREATE TABLE scratch (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"));
    });
}

void insertScratch(Transaction &tx, int id, const QString &name)
{
    Statement(tx, QStringLiteral("INSERT INTO scratch (id, name) VALUES (?, ?)"))
        .bind(id)
        .bind(name)
        .exec();
}

qint64 scratchCount(Database &db)
{
    Statement st(db.threadConnection(), QStringLiteral("SELECT COUNT(*) FROM scratch"));
    st.exec();
    return st.next() ? st.int64(0) : -1;
}

QStringList pomeloConnections()
{
    return QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pomelo-")));
}

} // namespace

class TestDatabase : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }

    void parseUrl_data();
    void parseUrl();
    void rejectUrl_data();
    void rejectUrl();

    void connectionPerThread_data() { backendRows(); }
    void connectionPerThread();
    void sqliteSettings();
    void commitAndRollback_data() { backendRows(); }
    void commitAndRollback();
    void nestedTransactionRefused_data() { backendRows(); }
    void nestedTransactionRefused();
    void failedStatementPoisonsTransaction_data() { backendRows(); }
    void failedStatementPoisonsTransaction();
    void onCommitCallbacks_data() { backendRows(); }
    void onCommitCallbacks();
    void sqlErrorIsInternal_data() { backendRows(); }
    void sqlErrorIsInternal();
    void statementCache_data() { backendRows(); }
    void statementCache();
    void writersSerialize_data() { backendRows(); }
    void writersSerialize();
    void sqliteWritersQueueInProcess();
    void deadlockIsRetried();
    void unreachable_data();
    void unreachable();
    void postgresStopsAndComesBack();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestDatabase::parseUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("dialect");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("display");

    const int sqlite = int(Dialect::Sqlite);
    const int pg = int(Dialect::Postgres);
    QTest::newRow("sqlite relative") << "sqlite:var/pomelo.db" << sqlite << "var/pomelo.db"
                                     << "" << 5432 << ""
                                     << ""
                                     << ""
                                     << "sqlite:var/pomelo.db";
    QTest::newRow("sqlite absolute") << "sqlite:/data/p.db" << sqlite << "/data/p.db"
                                     << "" << 5432 << ""
                                     << ""
                                     << ""
                                     << "sqlite:/data/p.db";
    QTest::newRow("sqlite triple slash") << "sqlite:///data/p.db" << sqlite << "/data/p.db"
                                         << "" << 5432 << ""
                                         << ""
                                         << ""
                                         << "sqlite:/data/p.db";
    QTest::newRow("postgres") << "postgres://pay:s3cret@db.campus:6543/pomelo" << pg << ""
                              << "db.campus" << 6543 << "pay"
                              << "s3cret"
                              << "pomelo"
                              << "postgres://pay:***@db.campus:6543/pomelo";
    QTest::newRow("postgresql, default port") << "postgresql://pay:pw@10.0.0.5/pomelo" << pg << ""
                                              << "10.0.0.5" << 5432 << "pay"
                                              << "pw"
                                              << "pomelo"
                                              << "postgres://pay:***@10.0.0.5:5432/pomelo";
    QTest::newRow("encoded password") << "postgres://pay:p%40ss%3Aw%2Fd@h:5432/db" << pg << ""
                                      << "h" << 5432 << "pay"
                                      << "p@ss:w/d"
                                      << "db"
                                      << "postgres://pay:***@h:5432/db";
    QTest::newRow("options") << "postgres://pay:pw@h/db?sslmode=require&connect_timeout=3" << pg
                             << ""
                             << "h" << 5432 << "pay"
                             << "pw"
                             << "db"
                             << "postgres://pay:***@h:5432/db?sslmode=require&connect_timeout=3";
    QTest::newRow("unix socket") << "postgres://pay@localhost/db?host=/var/run/postgresql" << pg
                                 << ""
                                 << "/var/run/postgresql" << 5432 << "pay"
                                 << ""
                                 << "db"
                                 << "postgres://pay@:5432/db?host=/var/run/postgresql";
}

void TestDatabase::parseUrl()
{
    QFETCH(QString, url);
    const DatabaseUrl parsed = DatabaseUrl::parse(url);
    QFETCH(int, dialect);
    QCOMPARE(int(parsed.dialect), dialect);
    QTEST(parsed.path, "path");
    QTEST(parsed.host, "host");
    QTEST(parsed.port, "port");
    QTEST(parsed.user, "user");
    QTEST(parsed.password, "password");
    QTEST(parsed.database, "database");
    QTEST(parsed.toDisplayString(), "display");
    QFETCH(QString, password);
    if (!password.isEmpty())
        QVERIFY(!parsed.toDisplayString().contains(password));
}

void TestDatabase::rejectUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("empty") << "";
    QTest::newRow("mysql") << "mysql://u:topsecret@h/db";
    QTest::newRow("sqlite without path") << "sqlite:";
    QTest::newRow("sqlite memory") << "sqlite::memory:";
    QTest::newRow("no database") << "postgres://u:topsecret@h:5432/";
    QTest::newRow("no host") << "postgres://u:topsecret@/db";
    QTest::newRow("bad port") << "postgres://u:topsecret@h:99999/db";
    QTest::newRow("unknown option") << "postgres://u:topsecret@h/db?options=-c%20x%3D1";
    QTest::newRow("quote in option") << "postgres://u:topsecret@h/db?sslmode=a'b";
}

void TestDatabase::rejectUrl()
{
    QFETCH(QString, url);
    try {
        Database db(url);
        QFAIL("accepted");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::Internal);
        QVERIFY2(!e.detail().contains(QLatin1String("topsecret")), qPrintable(e.detail()));
        QVERIFY(e.detail().startsWith(QLatin1String("database.url")));
    }
}

void TestDatabase::connectionPerThread()
{
    QFETCH(QString, backend);
    const QStringList before = pomeloConnections();
    {
        auto db = migratedDatabase(m_backends, backend);
        QVERIFY(db);
        db->checkAvailable();
        const QStringList mainOnly = pomeloConnections();
        QCOMPARE(mainOnly.size(), before.size() + 1);

        // Each thread opens its own connection on first use; all are alive at the same time.
        std::mutex mutex;
        QStringList seen;
        std::latch used(4);
        std::latch release(1);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                db->checkAvailable();
                {
                    std::lock_guard lock(mutex);
                    seen = pomeloConnections();
                }
                used.count_down();
                release.wait();
            });
        }
        used.wait();
        QCOMPARE(pomeloConnections().size(), before.size() + 5);
        release.count_down();
        for (auto &t : threads)
            t.join();
        // A thread's connection is closed and removed when the thread ends.
        QCOMPARE(pomeloConnections(), mainOnly);

        // QThread (the HTTP worker pool's threads) behaves the same.
        QThread *thread = QThread::create([&] { db->checkAvailable(); });
        thread->start();
        QVERIFY(thread->wait(10000));
        delete thread;
        QCOMPARE(pomeloConnections(), mainOnly);

        db->releaseThreadConnection();
        QCOMPARE(pomeloConnections(), before);
        db->checkAvailable(); // opens again
        QCOMPARE(pomeloConnections().size(), before.size() + 1);
    }
    // Destroying the Database closes the destroying thread's connection.
    QCOMPARE(pomeloConnections(), before);
}

void TestDatabase::sqliteSettings()
{
    auto db = migratedDatabase(m_backends, QStringLiteral("sqlite"));
    const auto pragma = [&](const char *name) {
        Statement st(db->threadConnection(), QStringLiteral("PRAGMA ") + QLatin1String(name));
        st.exec();
        return st.next() ? st.text(0) : QString();
    };
    QCOMPARE(pragma("journal_mode"), QStringLiteral("wal"));
    QCOMPARE(pragma("foreign_keys"), QStringLiteral("1"));
    QCOMPARE(pragma("busy_timeout"), QStringLiteral("5000"));
    QCOMPARE(pragma("synchronous"), QStringLiteral("1")); // NORMAL
    QCOMPARE(db->dialect(), Dialect::Sqlite);

    // Foreign keys are enforced: a booking of an unknown user and venue is refused.
    try {
        Transaction tx(*db);
        BookingRepository(*db).insert(tx,
                                      sampleBooking(1, 999, 999, QStringLiteral("2030-01-01"),
                                                    QStringLiteral("10:00"),
                                                    QStringLiteral("11:00")),
                                      {QStringLiteral("10:00")});
        QFAIL("foreign key not enforced");
    } catch (const Error &e) {
        QVERIFY2(e.code() == ErrorCode::Internal, qPrintable(e.detail()));
    }
}

void TestDatabase::commitAndRollback()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    createScratchTable(*db);
    {
        Transaction tx(*db);
        insertScratch(tx, 1, QStringLiteral("kept"));
        tx.commit();
        QVERIFY(!tx.isActive());
    }
    {
        Transaction tx(*db);
        insertScratch(tx, 2, QStringLiteral("dropped by the destructor"));
    }
    {
        Transaction tx(*db);
        insertScratch(tx, 3, QStringLiteral("dropped by rollback()"));
        tx.rollback();
        QVERIFY(!tx.isActive());
        QVERIFY_THROWS_EXCEPTION(Error, tx.commit());
    }
    try {
        db->transact([&](Transaction &tx) {
            insertScratch(tx, 4, QStringLiteral("dropped by the exception"));
            throw Error(ErrorCode::InvalidBookingInput);
        });
        QFAIL("no exception");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::InvalidBookingInput);
    }
    QCOMPARE(scratchCount(*db), 1);
    // Another connection (thread) sees the same: the rollback was real, not just local.
    qint64 seenElsewhere = -1;
    std::thread([&] { seenElsewhere = scratchCount(*db); }).join();
    QCOMPARE(seenElsewhere, 1);
}

void TestDatabase::nestedTransactionRefused()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    Transaction outer(*db);
    try {
        Transaction inner(*db);
        QFAIL("nested transaction accepted");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::Internal);
    }
    QVERIFY(outer.isActive());
    outer.commit();
    Transaction again(*db); // the connection is usable afterwards
    again.commit();
}

void TestDatabase::failedStatementPoisonsTransaction()
{
    // PostgreSQL aborts a transaction at its first error; SQLite would carry on. Both refuse to
    // run more statements or to commit, so the behaviour does not depend on the database.
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    createScratchTable(*db);
    {
        Transaction tx(*db);
        insertScratch(tx, 1, QStringLiteral("a"));
        QVERIFY_THROWS_EXCEPTION(UniqueViolation, insertScratch(tx, 2, QStringLiteral("a")));
        QVERIFY_THROWS_EXCEPTION(Error, insertScratch(tx, 3, QStringLiteral("c")));
        try {
            tx.commit();
            QFAIL("committed after a failed statement");
        } catch (const Error &e) {
            QCOMPARE(e.code(), ErrorCode::Internal);
        }
    }
    QCOMPARE(scratchCount(*db), 0);
    db->transact([&](Transaction &tx) { insertScratch(tx, 1, QStringLiteral("a")); });
    QCOMPARE(scratchCount(*db), 1);
}

void TestDatabase::onCommitCallbacks()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    int ran = 0;
    {
        Transaction tx(*db);
        tx.onCommit([&] { ++ran; });
    }
    QCOMPARE(ran, 0);
    {
        Transaction tx(*db);
        tx.onCommit([&] { ++ran; });
        QCOMPARE(ran, 0);
        tx.commit();
    }
    QCOMPARE(ran, 1);
}

void TestDatabase::sqlErrorIsInternal()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    try {
        Statement(db->threadConnection(), QStringLiteral("SELECT no_such_column FROM venues"))
            .exec();
        QFAIL("bad SQL ran");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::Internal);
        QVERIFY2(e.detail().contains(QLatin1String("no_such_column")), qPrintable(e.detail()));
    }
    db->checkAvailable(); // the connection survived
}

void TestDatabase::statementCache()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    createScratchTable(*db);
    db->transact([&](Transaction &tx) {
        for (int i = 1; i <= 3; ++i)
            insertScratch(tx, i, QString::number(i));
    });
    // The same statement twice at once (the second is not taken from the cache, it is in use).
    const QString sql = QStringLiteral("SELECT name FROM scratch WHERE id >= ? ORDER BY id");
    Statement outer(db->threadConnection(), sql);
    outer.bind(1).exec();
    QStringList pairs;
    while (outer.next()) {
        Statement inner(db->threadConnection(), sql);
        inner.bind(3).exec();
        QVERIFY(inner.next());
        pairs << outer.text(0) + inner.text(0);
    }
    QCOMPARE(pairs,
             (QStringList {QStringLiteral("13"), QStringLiteral("23"), QStringLiteral("33")}));
    // Many distinct statements: the per-connection cache stays bounded and keeps working.
    for (int i = 0; i < 600; ++i) {
        Statement st(db->threadConnection(),
                     QStringLiteral("SELECT COUNT(*) + %1 FROM scratch WHERE id > ?").arg(i));
        st.bind(0).exec();
        QVERIFY(st.next());
        QCOMPARE(st.int64(0), i + 3);
    }
    QCOMPARE(scratchCount(*db), 3);
}

void TestDatabase::writersSerialize()
{
    // Read-modify-write in write transactions from 8 threads: no update is lost (SQLite: BEGIN
    // IMMEDIATE; PostgreSQL: the row lock of SELECT … FOR UPDATE).
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    createScratchTable(*db);
    db->transact([&](Transaction &tx) { insertScratch(tx, 1, QStringLiteral("0")); });
    const auto errors = runConcurrently(8, [&](int) {
        for (int i = 0; i < 10; ++i) {
            db->transact([&](Transaction &tx) {
                Statement read(tx,
                               QStringLiteral("SELECT name FROM scratch WHERE id = 1")
                                   + storage_detail::lockClause(tx.dialect(), RowLock::ForUpdate));
                read.exec();
                if (!read.next())
                    throw Error(ErrorCode::Internal, QStringLiteral("row missing"));
                const int value = read.text(0).toInt();
                Statement(tx, QStringLiteral("UPDATE scratch SET name = ? WHERE id = 1"))
                    .bind(QString::number(value + 1))
                    .exec();
            });
        }
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    Statement st(db->threadConnection(), QStringLiteral("SELECT name FROM scratch WHERE id = 1"));
    st.exec();
    QVERIFY(st.next());
    QCOMPARE(st.text(0), QStringLiteral("80"));
}

void TestDatabase::sqliteWritersQueueInProcess()
{
    // Writers of one process wait for each other in-process (not in SQLite's sleeping busy
    // handler): a writer that cannot get the write lock within busyTimeoutMs is
    // DependencyUnavailable and touched nothing, and the next one gets it as soon as the holder
    // ends, by commit or by rollback.
    const QString url = m_backends.freshUrl(QStringLiteral("sqlite"));
    Database::Options options;
    options.busyTimeoutMs = 300;
    Database db(url, options);
    createScratchTable(db);

    std::mutex m;
    std::condition_variable cv;
    bool holding = false;
    bool release = false;
    bool commitIt = true;
    std::thread holder;
    const auto startHolder = [&](int id) {
        holding = false;
        release = false;
        holder = std::thread([&, id] {
            Transaction tx(db);
            insertScratch(tx, id, QString::number(id));
            std::unique_lock lock(m);
            holding = true;
            cv.notify_all();
            cv.wait(lock, [&] { return release; });
            if (commitIt)
                tx.commit();
        });
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return holding; });
    };
    const auto stopHolder = [&] {
        {
            std::lock_guard lock(m);
            release = true;
        }
        cv.notify_all();
        holder.join();
    };

    startHolder(1);
    try {
        Transaction tx(db);
        QFAIL("a second writer began while the first held the write lock");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
        QVERIFY2(e.detail().contains(QLatin1String("busy")), qPrintable(e.detail()));
    }
    // A reader is not queued behind the writer (WAL).
    {
        Transaction read(db, TransactionMode::Read);
        QCOMPARE(scratchCount(db), 0);
    }
    stopHolder();
    db.transact([&](Transaction &tx) { insertScratch(tx, 2, QStringLiteral("2")); });
    QCOMPARE(scratchCount(db), 2);

    commitIt = false; // a holder that rolls back releases the lock as well
    startHolder(3);
    stopHolder();
    db.transact([&](Transaction &tx) { insertScratch(tx, 4, QStringLiteral("4")); });
    QCOMPARE(scratchCount(db), 3);

    // 16 threads x 20 short writers queue on the lock (the default 5-second bound, so that a
    // loaded machine does not turn a slow turn into a failure): none fails, none is lost.
    Database queued(url);
    const auto errors = runConcurrently(16, [&](int t) {
        for (int i = 0; i < 20; ++i)
            queued.transact([&](Transaction &tx) {
                insertScratch(tx, 100 + t * 100 + i, QStringLiteral("w%1-%2").arg(t).arg(i));
            });
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(scratchCount(queued), 3 + 16 * 20);
}

void TestDatabase::deadlockIsRetried()
{
    // Two transactions that lock two rows in opposite orders: PostgreSQL aborts one with a
    // deadlock (40P01); transact() runs it again and both end committed. (SQLite cannot deadlock:
    // BEGIN IMMEDIATE serializes writers.)
    auto db = migratedDatabase(m_backends, QStringLiteral("postgres"));
    createScratchTable(*db);
    db->transact([&](Transaction &tx) {
        insertScratch(tx, 1, QStringLiteral("a"));
        insertScratch(tx, 2, QStringLiteral("b"));
    });
    std::atomic<int> attempts {0};
    std::latch bothHoldOne(2);
    const auto errors = runConcurrently(2, [&](int i) {
        bool first = true;
        db->transact([&](Transaction &tx) {
            ++attempts;
            const int a = i == 0 ? 1 : 2;
            const int b = i == 0 ? 2 : 1;
            Statement(tx, QStringLiteral("UPDATE scratch SET name = name || 'x' WHERE id = ?"))
                .bind(a)
                .exec();
            if (first) {
                first = false;
                bothHoldOne.arrive_and_wait();
            }
            Statement(tx, QStringLiteral("UPDATE scratch SET name = name || 'y' WHERE id = ?"))
                .bind(b)
                .exec();
        });
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QVERIFY2(attempts.load() >= 3, "no transaction was retried");
    // Each transaction's two updates are there exactly once: the aborted attempt left nothing.
    Statement st(db->threadConnection(), QStringLiteral("SELECT name FROM scratch ORDER BY id"));
    st.exec();
    QVERIFY(st.next());
    QCOMPARE(st.text(0).size(), 3);
    QVERIFY(st.next());
    QCOMPARE(st.text(0).size(), 3);
}

void TestDatabase::unreachable_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("secret");
    const quint16 closedPort = freeLoopbackPort();
    QTest::newRow("postgres, nobody listening")
        << QStringLiteral("postgres://pomelo:hunter2pw@127.0.0.1:%1/db").arg(closedPort)
        << QStringLiteral("hunter2pw");
    QTest::newRow("postgres, wrong password")
        << QStringLiteral("postgres://pomelo:wrongpass123@127.0.0.1:%1/postgres")
               .arg(m_backends.postgres().port())
        << QStringLiteral("wrongpass123");
    QTest::newRow("postgres, no such database")
        << m_backends.postgres().url(QStringLiteral("nosuchdb"))
        << m_backends.postgres().password();
    QTest::newRow("sqlite, unwritable place")
        << QStringLiteral("sqlite:/proc/pomelo-test/x.db") << QString();
}

void TestDatabase::unreachable()
{
    QFETCH(QString, url);
    QFETCH(QString, secret);
    Database db(url);
    QVERIFY(!db.isAvailable());
    try {
        Transaction tx(db);
        QFAIL("a transaction began");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
        if (!secret.isEmpty())
            QVERIFY2(!e.detail().contains(secret), qPrintable(e.detail()));
    }
    QVERIFY_THROWS_EXCEPTION(Error, VenueRepository(db).list());
}

void TestDatabase::postgresStopsAndComesBack()
{
    PgServer &pg = m_backends.postgres();
    auto db = migratedDatabase(m_backends, QStringLiteral("postgres"));
    VenueRepository venues(*db);
    addVenue(*db);
    QCOMPARE(venues.list().size(), 1);

    std::thread worker; // a second thread with its own (idle) connection
    std::latch workerReady(1);
    std::latch serverBack(1);
    qsizetype workerSaw = -1;
    worker = std::thread([&] {
        venues.list();
        workerReady.count_down();
        serverBack.wait();
        workerSaw = venues.list().size();
    });
    workerReady.wait();

    QVERIFY2(pg.stop(), qPrintable(pg.errorString()));
    const auto expectUnavailable = [&](const std::function<void()> &fn) {
        try {
            fn();
            QFAIL("worked with the database stopped");
        } catch (const Error &e) {
            QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
            QVERIFY2(!e.detail().contains(pg.password()), qPrintable(e.detail()));
        }
    };
    expectUnavailable([&] { venues.list(); });
    expectUnavailable([&] { Transaction tx(*db); });
    expectUnavailable([&] { addVenue(*db); });
    QVERIFY(!db->isAvailable());

    QVERIFY2(pg.start(), qPrintable(pg.errorString()));
    // No restart of anything of ours: the next use reconnects.
    QCOMPARE(venues.list().size(), 1);
    addVenue(*db, QStringLiteral("second"));
    QCOMPARE(venues.list().size(), 2);
    serverBack.count_down();
    worker.join();
    QCOMPARE(workerSaw, 2); // the idle connection of the other thread died and was replaced

    // A connection killed under an open transaction: that transaction fails, the next works.
    {
        Transaction tx(*db);
        VenueRepository(*db).list();
        QVERIFY(pg.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE application_name = 'pomelo'")));
        QVERIFY_THROWS_EXCEPTION(Error, VenueRepository(*db).list());
    }
    QCOMPARE(venues.list().size(), 2);
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "test_database.moc"
