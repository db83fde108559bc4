// Tests shared/storage/venuerepository.* on SQLite and PostgreSQL.
#include "storagetest.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

class TestVenueRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void venues_data()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    void venues();

private:
    StorageBackends m_backends;
};

void TestVenueRepository::venues()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    VenueRepository repo(*db);
    QCOMPARE(repo.count(), 0);
    Venue pool;
    pool.name = QStringLiteral("游泳馆 1 号泳道");
    pool.sport = QStringLiteral("swimming");
    pool.openFrom = QStringLiteral("06:30");
    pool.openTo = QStringLiteral("21:30");
    pool.slotMinutes = 90;
    pool.pricePerSlot = 1500;
    pool.createdAt = 1700000000000;
    const qint64 poolId = db->transact([&](Transaction &tx) { return repo.insert(tx, pool); });
    const qint64 courtId = addVenue(*db);
    QVERIFY(courtId > poolId);

    auto found = repo.find(poolId);
    QVERIFY(found);
    QCOMPARE(found->name, pool.name);
    QCOMPARE(found->sport, QStringLiteral("swimming"));
    QCOMPARE(found->openFrom, QStringLiteral("06:30"));
    QCOMPARE(found->openTo, QStringLiteral("21:30"));
    QCOMPARE(found->slotMinutes, 90);
    QCOMPARE(found->pricePerSlot, 1500);
    QCOMPARE(found->active, true);
    QCOMPARE(found->createdAt, 1700000000000);
    QVERIFY(!repo.find(courtId + 100));

    found->active = false;
    found->pricePerSlot = 1800;
    QVERIFY(db->transact([&](Transaction &tx) { return repo.update(tx, *found); }));
    QCOMPARE(repo.find(poolId)->pricePerSlot, 1800);
    QCOMPARE(repo.list().size(), 1); // active only
    QCOMPARE(repo.list().first().id, courtId);
    QCOMPARE(repo.list(false).size(), 2);
    QCOMPARE(repo.count(), 2);

    // The schema refuses nonsense even if a caller does not check.
    Venue bad = pool;
    bad.openFrom = QStringLiteral("22:00");
    bad.openTo = QStringLiteral("08:00");
    QVERIFY_THROWS_EXCEPTION(Error,
                             db->transact([&](Transaction &tx) { return repo.insert(tx, bad); }));
    bad = pool;
    bad.slotMinutes = 0;
    QVERIFY_THROWS_EXCEPTION(Error,
                             db->transact([&](Transaction &tx) { return repo.insert(tx, bad); }));
    QCOMPARE(repo.count(), 2);
}

QTEST_GUILESS_MAIN(TestVenueRepository)
#include "test_venuerepository.moc"
