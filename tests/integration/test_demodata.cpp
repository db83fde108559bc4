// Tests shared/storage/demodata.*: the demo loader of embedded mode is idempotent, adds nothing
// to tables that hold data, and writes the apps' secrets to a 0600 file — on both databases.
#include "storage/demodata.h"
#include "storage/sql_p.h"
#include "storagetest.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace pomelo;
using namespace pomelo::test;

class TestDemoData : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void loadOnceAndAgain_data() { backendRows(); }
    void loadOnceAndAgain();
    void nothingWhenTablesHoldData_data() { backendRows(); }
    void nothingWhenTablesHoldData();
    void concurrentLoads_data() { backendRows(); }
    void concurrentLoads();
    void demoVenues();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestDemoData::loadOnceAndAgain()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    QTemporaryDir dataDir;
    const QStringList hosts = {QStringLiteral("127.0.0.1"), QStringLiteral("localhost")};
    const DemoDataResult first = DemoData::load(*db, testSecretBox(), dataDir.path(), hosts);
    QCOMPARE(first.venuesAdded, DemoData::venues().size());
    QCOMPARE(first.appsAdded.size(), 2);
    QCOMPARE(first.appsFile, dataDir.filePath(QStringLiteral("apps.json")));

    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(first.appsFile).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);

    // The file holds the same secrets the database holds (sealed).
    QFile file(first.appsFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray apps =
        QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("apps")).toArray();
    QCOMPARE(apps.size(), 2);
    AppRepository repo(*db, testSecretBox());
    for (const auto &value : apps) {
        const QJsonObject o = value.toObject();
        const auto app = repo.find(o.value(QStringLiteral("appId")).toString());
        QVERIFY(app);
        QCOMPARE(QString::fromLatin1(app->secret), o.value(QStringLiteral("secret")).toString());
        QCOMPARE(app->notifyHosts, hosts);
        QVERIFY(app->secret.size() >= 32);
    }
    QVERIFY(repo.find(DemoData::venueBookingAppId()));
    QVERIFY(repo.find(DemoData::utilityTopUpAppId()));

    // Again (a restart): nothing added, the file left alone.
    const QByteArray before = [&] {
        QFile f(first.appsFile);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    const DemoDataResult second = DemoData::load(*db, testSecretBox(), dataDir.path(), hosts);
    QCOMPARE(second.venuesAdded, 0);
    QVERIFY(second.appsAdded.isEmpty());
    QVERIFY(second.appsFile.isEmpty());
    QCOMPARE(VenueRepository(*db).count(), DemoData::venues().size());
    QCOMPARE(repo.count(), 2);
    QFile again(first.appsFile);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), before);
}

void TestDemoData::nothingWhenTablesHoldData()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    QTemporaryDir dataDir;
    addVenue(*db, QStringLiteral("the campus's own court"));
    addApp(*db, QStringLiteral("app_own"));
    const DemoDataResult result = DemoData::load(*db, testSecretBox(), dataDir.path(), {});
    QCOMPARE(result.venuesAdded, 0);
    QVERIFY(result.appsAdded.isEmpty());
    QVERIFY(!QFile::exists(dataDir.filePath(QStringLiteral("apps.json"))));
    QCOMPARE(VenueRepository(*db).count(), 1);
}

void TestDemoData::concurrentLoads()
{
    QFETCH(QString, backend);
    const QString url = m_backends.freshUrl(backend);
    {
        Database db(url);
        Migrator(db).migrate();
    }
    QTemporaryDir dataDir;
    QList<int> added(3);
    const auto errors = runConcurrently(3, [&](int i) {
        Database db(url);
        added[i] = DemoData::load(db, testSecretBox(), dataDir.path(), {}).venuesAdded;
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(added[0] + added[1] + added[2], DemoData::venues().size());
    Database db(url);
    QCOMPARE(VenueRepository(db).count(), DemoData::venues().size());
    QCOMPARE(AppRepository(db, testSecretBox()).count(), 2);
}

void TestDemoData::demoVenues()
{
    const QList<Venue> venues = DemoData::venues();
    QStringList sports;
    for (const Venue &v : venues) {
        if (!sports.contains(v.sport))
            sports << v.sport;
        QVERIFY(v.openFrom < v.openTo);
        QVERIFY(v.slotMinutes > 0);
        QVERIFY(v.pricePerSlot > 0);
    }
    QCOMPARE(sports,
             (QStringList {QStringLiteral("badminton"), QStringLiteral("basketball"),
                           QStringLiteral("table_tennis"), QStringLiteral("swimming")}));
    QCOMPARE(std::count_if(venues.begin(), venues.end(),
                           [](const Venue &v) { return v.sport == QLatin1String("badminton"); }),
             4);
}

QTEST_GUILESS_MAIN(TestDemoData)
#include "test_demodata.moc"
