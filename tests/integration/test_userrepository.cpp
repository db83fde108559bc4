// Tests shared/storage/userrepository.* on SQLite and PostgreSQL.
#include "storagetest.h"

#include <QSet>
#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

class TestUserRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void findOrCreate_data() { backendRows(); }
    void findOrCreate();
    void concurrentFirstLogins_data() { backendRows(); }
    void concurrentFirstLogins();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestUserRepository::findOrCreate()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    UserRepository repo(*db);
    QVERIFY(!repo.findByOpenId(QStringLiteral("o-alice")));
    const User alice = repo.findOrCreate(QStringLiteral("o-alice"), 1700000000000);
    QVERIFY(alice.id > 0);
    QCOMPARE(alice.openId, QStringLiteral("o-alice"));
    QCOMPARE(alice.studentId, QString());
    QCOMPARE(alice.createdAt, 1700000000000);
    QCOMPARE(repo.findOrCreate(QStringLiteral("o-alice")).id, alice.id);
    QVERIFY(repo.findOrCreate(QStringLiteral("o-bob")).id != alice.id);

    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.updateProfile(tx, alice.id, QStringLiteral("B21040101"), QStringLiteral("李华"),
                                  QStringLiteral("13800000000"), 1700000001000);
    }));
    const auto updated = repo.find(alice.id);
    QCOMPARE(updated->studentId, QStringLiteral("B21040101"));
    QCOMPARE(updated->name, QStringLiteral("李华"));
    QCOMPARE(updated->phone, QStringLiteral("13800000000"));
    QCOMPARE(updated->updatedAt, 1700000001000);
    QCOMPARE(updated->createdAt, 1700000000000);
    QVERIFY(
        !db->transact([&](Transaction &tx) { return repo.updateProfile(tx, 999, {}, {}, {}); }));
}

void TestUserRepository::concurrentFirstLogins()
{
    // The same new user logs in from two devices at once: one row.
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    UserRepository repo(*db);
    QList<qint64> ids(6);
    const auto errors = runConcurrently(
        6, [&](int i) { ids[i] = repo.findOrCreate(QStringLiteral("o-carol")).id; });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(QSet<qint64>(ids.begin(), ids.end()).size(), 1);
}

QTEST_GUILESS_MAIN(TestUserRepository)
#include "test_userrepository.moc"
