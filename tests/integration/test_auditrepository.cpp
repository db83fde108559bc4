// Tests shared/storage/auditrepository.*: the audit log, with the intervention in one
// transaction, filters and keyset pages — on SQLite and PostgreSQL.
#include "storage/auditrepository.h"
#include "storagetest.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

class TestAuditRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void appendAndList_data() { backendRows(); }
    void appendAndList();
    void withTheIntervention_data() { backendRows(); }
    void withTheIntervention();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestAuditRepository::appendAndList()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    AuditRepository repo(*db);
    for (int i = 0; i < 11; ++i) {
        AuditEntry e;
        e.at = 1700000000000 + (i / 2) * 100; // pairs share a millisecond
        e.actor = i % 3 ? QStringLiteral("admin") : QStringLiteral("desk");
        e.action = i % 2 ? QStringLiteral("order.close") : QStringLiteral("login");
        e.target = QStringLiteral("order:%1").arg(i);
        e.reason = QStringLiteral("用户要求");
        e.remoteAddress = QStringLiteral("10.1.2.3");
        e.details = QByteArrayLiteral("{\"i\":") + QByteArray::number(i) + '}';
        QVERIFY(repo.append(e) > 0);
    }
    QList<QString> targets;
    std::optional<PageCursor> cursor;
    do {
        const Page<AuditEntry> page = repo.list({}, cursor, 4);
        for (const AuditEntry &e : page.items)
            targets << e.target;
        cursor = page.next;
    } while (cursor);
    QCOMPARE(targets.size(), 11);
    QCOMPARE(targets.first(), QStringLiteral("order:10"));
    QCOMPARE(targets.last(), QStringLiteral("order:0"));

    AuditFilter f;
    f.actor = QStringLiteral("desk");
    QCOMPARE(repo.list(f, {}, 100).items.size(), 4); // 0, 3, 6, 9
    f.action = QStringLiteral("order.close");
    QCOMPARE(repo.list(f, {}, 100).items.size(), 2); // 3, 9
    AuditFilter byTarget;
    byTarget.target = QStringLiteral("order:5");
    const auto one = repo.list(byTarget, {}, 100).items;
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.first().reason, QStringLiteral("用户要求"));
    QCOMPARE(one.first().remoteAddress, QStringLiteral("10.1.2.3"));
    QCOMPARE(one.first().details, QByteArray("{\"i\":5}"));
    AuditFilter range;
    range.from = 1700000000100;
    range.before = 1700000000300;
    QCOMPARE(repo.list(range, {}, 100).items.size(), 4);
}

void TestAuditRepository::withTheIntervention()
{
    // An admin action and its audit entry commit together or not at all.
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    AuditRepository repo(*db);
    AuditEntry e;
    e.actor = QStringLiteral("admin");
    e.action = QStringLiteral("order.refund");
    {
        Transaction tx(*db);
        repo.append(tx, e);
    }
    QVERIFY(repo.list({}, {}, 10).items.isEmpty());
    db->transact([&](Transaction &tx) { repo.append(tx, e); });
    QCOMPARE(repo.list({}, {}, 10).items.size(), 1);
    QVERIFY(repo.list({}, {}, 10).items.first().at > 0);
}

QTEST_GUILESS_MAIN(TestAuditRepository)
#include "test_auditrepository.moc"
