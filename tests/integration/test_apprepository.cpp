// Tests shared/storage/apprepository.*: apps with sealed secrets — on SQLite and PostgreSQL.
#include "storage/sql_p.h"
#include "storagetest.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

class TestAppRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void insertAndFind_data() { backendRows(); }
    void insertAndFind();
    void secretIsNotStoredInClear_data() { backendRows(); }
    void secretIsNotStoredInClear();
    void otherKeyFileIsAnError_data() { backendRows(); }
    void otherKeyFileIsAnError();
    void changes_data() { backendRows(); }
    void changes();
    void generated();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

namespace {

App sampleApp(const QString &id)
{
    App app;
    app.appId = id;
    app.name = QStringLiteral("水电充值");
    app.secret = QByteArrayLiteral("k9V-secret-") + id.toUtf8();
    app.notifyHosts = {QStringLiteral("127.0.0.1"), QStringLiteral("pay.campus.example")};
    app.createdAt = 1700000000000;
    return app;
}

} // namespace

void TestAppRepository::insertAndFind()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    AppRepository repo(*db, testSecretBox());
    QCOMPARE(repo.count(), 0);
    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.insert(tx, sampleApp(QStringLiteral("app_b"))); }));
    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.insert(tx, sampleApp(QStringLiteral("app_a"))); }));
    QVERIFY(!db->transact(
        [&](Transaction &tx) { return repo.insert(tx, sampleApp(QStringLiteral("app_a"))); }));
    QCOMPARE(repo.count(), 2);

    const auto found = repo.find(QStringLiteral("app_a"));
    QVERIFY(found);
    QCOMPARE(found->name, QStringLiteral("水电充值"));
    QCOMPARE(found->secret, QByteArrayLiteral("k9V-secret-app_a"));
    QCOMPARE(found->notifyHosts,
             (QStringList {QStringLiteral("127.0.0.1"), QStringLiteral("pay.campus.example")}));
    QCOMPARE(found->active, true);
    QCOMPARE(found->createdAt, 1700000000000);
    QCOMPARE(found->updatedAt, 1700000000000);
    QVERIFY(!repo.find(QStringLiteral("nope")));

    const QList<App> all = repo.list();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.at(0).appId, QStringLiteral("app_a"));
    QVERIFY(all.at(0).secret.isEmpty()); // lists never carry secrets
}

void TestAppRepository::secretIsNotStoredInClear()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    AppRepository repo(*db, testSecretBox());
    db->transact([&](Transaction &tx) { repo.insert(tx, sampleApp(QStringLiteral("app_x"))); });
    storage_detail::Statement st(db->threadConnection(),
                                 QStringLiteral("SELECT secret_sealed FROM apps"));
    st.exec();
    QVERIFY(st.next());
    const QString stored = st.text(0);
    QVERIFY(stored.startsWith(QLatin1String("v1:")));
    QVERIFY(!stored.contains(QLatin1String("k9V-secret")));
    // Sealed for its own row: copied to another app id, it does not open.
    db->transact([&](Transaction &tx) {
        storage_detail::Statement(tx,
                                  QStringLiteral("INSERT INTO apps (app_id, name, secret_sealed, "
                                                 "notify_hosts, created_at, updated_at) VALUES "
                                                 "('app_copy', 'c', ?, '[]', 0, 0)"))
            .bind(stored)
            .exec();
    });
    QVERIFY_THROWS_EXCEPTION(Error, repo.find(QStringLiteral("app_copy")));
}

void TestAppRepository::otherKeyFileIsAnError()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    db->transact([&](Transaction &tx) {
        AppRepository(*db, testSecretBox()).insert(tx, sampleApp(QStringLiteral("app_k")));
    });
    const SecretBox other(QByteArray(32, 'z'));
    try {
        AppRepository(*db, other).find(QStringLiteral("app_k"));
        QFAIL("opened with another key");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::Internal);
        QVERIFY(!e.detail().contains(QLatin1String("k9V")));
    }
}

void TestAppRepository::changes()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    AppRepository repo(*db, testSecretBox());
    db->transact([&](Transaction &tx) { repo.insert(tx, sampleApp(QStringLiteral("app_c"))); });
    db->transact([&](Transaction &tx) {
        QVERIFY(repo.rotateSecret(tx, QStringLiteral("app_c"), "rotated", 1800000000000));
        QVERIFY(repo.setActive(tx, QStringLiteral("app_c"), false));
        QVERIFY(repo.setNotifyHosts(tx, QStringLiteral("app_c"), {QStringLiteral("new.example")}));
        QVERIFY(!repo.setActive(tx, QStringLiteral("nope"), false));
        QVERIFY_THROWS_EXCEPTION(Error, repo.rotateSecret(tx, QStringLiteral("app_c"), {}));
    });
    const auto app = repo.find(QStringLiteral("app_c"));
    QCOMPARE(app->secret, QByteArray("rotated"));
    QCOMPARE(app->active, false);
    QCOMPARE(app->notifyHosts, QStringList {QStringLiteral("new.example")});
    QVERIFY(app->updatedAt > app->createdAt);
}

void TestAppRepository::generated()
{
    const QString id = AppRepository::generateAppId();
    QVERIFY(id.startsWith(QLatin1String("app_")));
    QCOMPARE(id.size(), 20);
    QVERIFY(AppRepository::generateAppId() != id);
    const QByteArray secret = AppRepository::generateSecret();
    QCOMPARE(secret.size(), 43);
    QVERIFY(AppRepository::generateSecret() != secret);
}

QTEST_GUILESS_MAIN(TestAppRepository)
#include "test_apprepository.moc"
