// Tests shared/storage/staffuserrepository.*: console users — on SQLite and PostgreSQL.
#include "storage/staffuserrepository.h"
#include "storagetest.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

class TestStaffUserRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void users_data()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    void users();
    void roleNames();

private:
    StorageBackends m_backends;
};

void TestStaffUserRepository::users()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    StaffUserRepository repo(*db);
    QCOMPARE(repo.count(), 0);
    QCOMPARE(repo.countAdmins(), 0);
    StaffUser admin;
    admin.username = QStringLiteral("admin");
    admin.passwordHash = QStringLiteral("pbkdf2-sha256$120000$c2FsdA$aGFzaA");
    admin.role = StaffRole::Admin;
    admin.createdAt = 1700000000000;
    const auto adminId = db->transact([&](Transaction &tx) { return repo.insert(tx, admin); });
    QVERIFY(adminId);
    QVERIFY(!db->transact([&](Transaction &tx) { return repo.insert(tx, admin); })); // taken
    StaffUser staff;
    staff.username = QStringLiteral("venue-desk");
    staff.passwordHash = QStringLiteral("h2");
    const auto staffId = db->transact([&](Transaction &tx) { return repo.insert(tx, staff); });
    QVERIFY(staffId);
    QCOMPARE(repo.count(), 2);
    QCOMPARE(repo.countAdmins(), 1);

    const auto found = repo.findByUsername(QStringLiteral("admin"));
    QVERIFY(found);
    QCOMPARE(found->id, *adminId);
    QCOMPARE(found->role, StaffRole::Admin);
    QCOMPARE(found->passwordHash, admin.passwordHash);
    QCOMPARE(found->disabled, false);
    QCOMPARE(found->createdAt, 1700000000000);
    QCOMPARE(found->lastLoginAt, std::nullopt);
    QVERIFY(!repo.findByUsername(QStringLiteral("Admin"))); // exact

    QVERIFY(repo.recordLogin(*adminId, 1800000000000));
    QCOMPARE(repo.find(*adminId)->lastLoginAt, std::optional<qint64>(1800000000000));
    db->transact([&](Transaction &tx) {
        QVERIFY(repo.setPasswordHash(tx, *staffId, QStringLiteral("h3")));
        QVERIFY(repo.setRole(tx, *staffId, StaffRole::Admin));
        QVERIFY(repo.setDisabled(tx, *adminId, true));
        QVERIFY(!repo.setDisabled(tx, 999, true));
    });
    const auto desk = repo.find(*staffId);
    QCOMPARE(desk->passwordHash, QStringLiteral("h3"));
    QCOMPARE(desk->role, StaffRole::Admin);
    QCOMPARE(repo.find(*adminId)->disabled, true);
    QCOMPARE(repo.countAdmins(), 1); // the disabled one does not count
    const QList<StaffUser> all = repo.list();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.first().username, QStringLiteral("admin"));

    // An upgrade at login replaces the hash it verified, never one written meanwhile.
    const qint64 updatedBefore = repo.find(*staffId)->updatedAt;
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.replacePasswordHash(tx, *staffId, QStringLiteral("h2"), QStringLiteral("h4"));
    }));
    QCOMPARE(repo.find(*staffId)->passwordHash, QStringLiteral("h3"));
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.replacePasswordHash(tx, *staffId, QStringLiteral("h3"), QStringLiteral("h4"));
    }));
    QCOMPARE(repo.find(*staffId)->passwordHash, QStringLiteral("h4"));
    QCOMPARE(repo.find(*staffId)->updatedAt, updatedBefore); // the user changed nothing
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.replacePasswordHash(tx, 999, QStringLiteral("h4"), QStringLiteral("h5"));
    }));
}

void TestStaffUserRepository::roleNames()
{
    QCOMPARE(staffRoleName(StaffRole::Admin), QStringLiteral("admin"));
    QCOMPARE(staffRoleName(StaffRole::Staff), QStringLiteral("staff"));
    QCOMPARE(staffRoleFromName(u"staff"), std::optional(StaffRole::Staff));
    QCOMPARE(staffRoleFromName(u"root"), std::nullopt);
}

QTEST_GUILESS_MAIN(TestStaffUserRepository)
#include "test_staffuserrepository.moc"
