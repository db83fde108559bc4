// End-to-end checks of a first start and of the parts of a deployment that an operator sets up:
// `pomelo-server init` (idempotent, secrets shown only when asked), the secret key check of
// instances sharing a database, student login against WeChat's API host with its error codes, and
// sign during an outage of the pay platform's Redis.
#include "bookingclient.h"
#include "redisserver.h"
#include "storage/apprepository.h"
#include "storage/database.h"
#include "storage/orderrepository.h"
#include "storage/secretbox.h"
#include "storage/staffuserrepository.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

using namespace pomelo;
using namespace pomelo::test;

namespace {

std::pair<int, QByteArray> runToExit(const QStringList &args, const QStringList &env = {})
{
    ChildProcess child(ServerProcess::binary(), args, env);
    if (!child.start())
        return {-100, {}};
    if (!child.process().waitForFinished(60000))
        return {-101, child.output()};
    return {child.process().exitCode(), child.output()};
}

QByteArray loginBody(const QString &code)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("code"), code}})
        .toJson(QJsonDocument::Compact);
}

/// Waits for a child that is expected to exit by itself; its exit code, or -1.
int exitCodeOf(ServerProcess &server)
{
    if (!waitUntil([&] { return server.process().state() == QProcess::NotRunning; }, 30000))
        return -1;
    return server.process().exitCode();
}

} // namespace

class TestSetup : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(!ServerProcess::binary().isEmpty()); }
    void initIsIdempotent_data() { addBackendRows(); }
    void initIsIdempotent();
    void initShowsTheSecretOnlyWhenAsked();
    void productionInitNeedsThePublicBaseUrl();
    void anotherSecretKeyRefusesToStart();
    void loginMapsWechatErrors_data();
    void loginMapsWechatErrors();
    void loginUsesTheApiHostNotThePayHost();
    void signDuringPayRedisOutageIs5030();
    void bookingSignsAsTheConfiguredApp();
    void cleanupTestCase() { m_devServer.reset(); }

private:
    std::unique_ptr<ServerProcess> m_devServer; ///< the development server with its sandbox
};

void TestSetup::initIsIdempotent()
{
    QFETCH(QString, backend);
    QTemporaryDir dataDir;
    const QStringList db = BookingHarness::databaseArgs(backend);
    const QString dbUrl = BookingHarness::databaseUrl(db, dataDir.path());
    const QStringList args =
        QStringList {QStringLiteral("init"), QStringLiteral("--data-dir"), dataDir.path()} + db;
    const QStringList env {QStringLiteral("POMELO_SERVER_MODE=development"),
                           QStringLiteral("POMELO_BOOKING_APP_ID=campus-venues")};

    const auto [code, output] = runToExit(args, env);
    QVERIFY2(code == 0, output.constData());
    QVERIFY2(output.contains("booking app 'campus-venues' created"), output.constData());
    QVERIFY2(output.contains("top-up app 'utility-topup' created"), output.constData());
    QVERIFY2(output.contains("console admin created: username 'admin', password '"),
             output.constData());
    QVERIFY2(output.contains("Next:"), output.constData());
    QVERIFY2(!output.contains("already initialised"), output.constData());

    {
        Database database(dbUrl);
        const SecretBox box =
            SecretBox::loadOrCreate(dataDir.filePath(QStringLiteral("secret.key")));
        AppRepository apps(database, box);
        const std::optional<App> app = apps.find(QStringLiteral("campus-venues"));
        QVERIFY(app);
        QVERIFY(app->internal);
        QVERIFY(app->active);
        QCOMPARE(app->secret.size(), 43);
        QVERIFY2(!output.contains(app->secret), "the secret is printed only when asked");
        // The in-house apps of the modules that run (booking, top-up), no demo apps: init is not
        // demo data.
        QCOMPARE(apps.count(), qint64(2));
        const std::optional<App> topup = apps.find(QStringLiteral("utility-topup"));
        QVERIFY(topup && topup->internal && topup->active);
        QCOMPARE(StaffUserRepository(database).countAdmins(), qint64(1));
    }

    // The second run changes nothing and says so.
    const auto [code2, output2] = runToExit(args, env);
    QVERIFY2(code2 == 0, output2.constData());
    QVERIFY2(output2.contains("already initialised: "), output2.constData());
    QVERIFY2(output2.contains("Nothing changed."), output2.constData());
    QVERIFY2(!output2.contains("created"), output2.constData());
    Database database(dbUrl);
    const SecretBox box = SecretBox::loadOrCreate(dataDir.filePath(QStringLiteral("secret.key")));
    QCOMPARE(AppRepository(database, box).count(), qint64(2));
    QCOMPARE(StaffUserRepository(database).list().size(), 1);
}

void TestSetup::initShowsTheSecretOnlyWhenAsked()
{
    QTemporaryDir dataDir;
    const QStringList env {QStringLiteral("POMELO_SERVER_MODE=development"),
                           QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=first-admin-pass-1")};
    const auto [code, output] = runToExit({QStringLiteral("init"), QStringLiteral("--data-dir"),
                                           dataDir.path(), QStringLiteral("--show-secret")},
                                          env);
    QVERIFY2(code == 0, output.constData());
    Database database(QStringLiteral("sqlite:") + dataDir.filePath(QStringLiteral("pomelo.db")));
    const SecretBox box = SecretBox::loadOrCreate(dataDir.filePath(QStringLiteral("secret.key")));
    const std::optional<App> app =
        AppRepository(database, box).find(QStringLiteral("venue-booking"));
    QVERIFY(app);
    QVERIFY2(output.contains(QByteArray("booking app secret: " + app->secret)), output.constData());
    // The configured admin password is used and never echoed.
    QVERIFY2(output.contains("password from admin.initial_password"), output.constData());
    QVERIFY(!output.contains("first-admin-pass-1"));
}

void TestSetup::productionInitNeedsThePublicBaseUrl()
{
    QTemporaryDir dataDir;
    const QStringList db = BookingHarness::databaseArgs(QStringLiteral("postgres"));
    const auto [code, output] =
        runToExit(QStringList {QStringLiteral("init"), QStringLiteral("--data-dir"), dataDir.path(),
                               QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:1/0")}
                      + db,
                  {QStringLiteral("POMELO_SERVER_MODE=production")});
    QCOMPARE(code, 2);
    QVERIFY2(output.contains("server.public_base_url"), output.constData());
}

void TestSetup::anotherSecretKeyRefusesToStart()
{
    // Two instances, one PostgreSQL database and one Redis, each with its own data dir.
    RedisServer redis;
    QVERIFY(redis.start());
    const QStringList args = QStringList {QStringLiteral("--redis"), redis.url()}
        + BookingHarness::databaseArgs(QStringLiteral("postgres"));

    ServerProcess first(args); // demo data: its apps are sealed with the first key
    QVERIFY2(first.start(30000), first.output().constData());
    QVERIFY2(first.output().contains("secret key check stored"), first.output().constData());

    ServerProcess second(args);
    const QString secondKey = second.dataDir() + QStringLiteral("/secret.key");
    QVERIFY(!second.start(30000));
    QCOMPARE(exitCodeOf(second), 2);
    const QByteArray out = second.output();
    QVERIFY2(out.contains(
                 QByteArray("the secret key " + secondKey.toUtf8() + " does not open the secrets")),
             out.constData());
    QVERIFY2(!out.contains("listening on"), out.constData());

    // With a copy of the first instance's key, the same start succeeds.
    ServerProcess third(args);
    QVERIFY(QFile::copy(first.dataDir() + QStringLiteral("/secret.key"),
                        third.dataDir() + QStringLiteral("/secret.key")));
    QVERIFY2(third.start(30000), third.output().constData());
    QVERIFY2(!third.output().contains("secret key check stored"), third.output().constData());
    QCOMPARE(third.get(QStringLiteral("/readyz")).status, 200);
    MiniProgramUser student(third, QStringLiteral("keycopy"));
    QVERIFY(student.loggedIn());
}

void TestSetup::loginMapsWechatErrors_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("errorCode");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("40029 invalid code")
        << QStringLiteral("err-40029") << 401 << 1010 << QByteArray();
    QTest::newRow("40163 code used") << QStringLiteral("err-40163") << 401 << 1010 << QByteArray();
    QTest::newRow("45011 rate limit")
        << QStringLiteral("err-45011") << 429 << 1011 << QByteArray("60");
    QTest::newRow("-1 busy") << QStringLiteral("err-busy") << 503 << 1012 << QByteArray("1");
    QTest::newRow("unknown code") << QStringLiteral("x-nobody") << 401 << 1010 << QByteArray();
}

void TestSetup::loginMapsWechatErrors()
{
    QFETCH(QString, code);
    QFETCH(int, status);
    QFETCH(int, errorCode);
    QFETCH(QByteArray, retryAfter);
    if (!m_devServer) {
        m_devServer = std::make_unique<ServerProcess>();
        QVERIFY2(m_devServer->start(30000), m_devServer->output().constData());
    }
    const HttpResult r = m_devServer->post(QStringLiteral("/api/v1/auth/login"), loginBody(code),
                                           {{"Accept-Language", "en"}});
    QCOMPARE(r.status, status);
    QCOMPARE(pomelo::test::errorCode(r), errorCode);
    QVERIFY(!r.json()[QStringLiteral("message")].toString().isEmpty());
    QCOMPARE(r.header("Retry-After"), retryAfter);
    QVERIFY(r.json()[QStringLiteral("token")].isUndefined());
}

void TestSetup::loginUsesTheApiHostNotThePayHost()
{
    // The sandbox runs in its own process; the pay host points nowhere. Login still works: it
    // goes to wechat.api_base_url.
    ServerProcess sandbox({QStringLiteral("--modules"), QStringLiteral("sandbox")});
    QVERIFY2(sandbox.start(30000), sandbox.output().constData());
    ServerProcess server(
        {QStringLiteral("--modules"), QStringLiteral("booking")},
        {QStringLiteral("POMELO_WECHAT_API_BASE_URL=")
             + sandbox.url(QStringLiteral("/sandbox/wechat")).toString(),
         QStringLiteral("POMELO_CHANNELS_WECHAT_BASE_URL=http://127.0.0.1:1/pay-host")});
    QVERIFY2(server.start(30000), server.output().constData());
    MiniProgramUser student(server, QStringLiteral("apihost"));
    QVERIFY(student.loggedIn());
    const HttpResult refused =
        server.post(QStringLiteral("/api/v1/auth/login"), loginBody(QStringLiteral("err-45011")));
    QCOMPARE(refused.status, 429);
    QCOMPARE(pomelo::test::errorCode(refused), 1011);
}

void TestSetup::signDuringPayRedisOutageIs5030()
{
    // The booking module and the pay platform on two instances of one database, each with its
    // own Redis, so that the pay platform's Redis can fail alone.
    RedisServer bookingRedis;
    RedisServer payRedis;
    QVERIFY(bookingRedis.start());
    QVERIFY(payRedis.start());
    const QStringList db = BookingHarness::databaseArgs(QStringLiteral("postgres"));
    const quint16 payPort = freeLoopbackPort();
    const QString payBase = QStringLiteral("http://127.0.0.1:%1").arg(payPort);
    ServerProcess pay(QStringList {QStringLiteral("--modules"), QStringLiteral("pay,sandbox"),
                                   QStringLiteral("--listen"),
                                   QStringLiteral("127.0.0.1:%1").arg(payPort),
                                   QStringLiteral("--redis"), payRedis.url()}
                          + db,
                      {QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=") + payBase});
    QVERIFY2(pay.start(30000), pay.output().constData());
    ServerProcess booking(QStringList {QStringLiteral("--modules"), QStringLiteral("booking"),
                                       QStringLiteral("--redis"), bookingRedis.url()}
                              + db,
                          {QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=") + payBase,
                           QStringLiteral("POMELO_WECHAT_API_BASE_URL=") + payBase
                               + QStringLiteral("/sandbox/wechat")});
    QFile::remove(booking.dataDir() + QStringLiteral("/secret.key"));
    QVERIFY(QFile::copy(pay.dataDir() + QStringLiteral("/secret.key"),
                        booking.dataDir() + QStringLiteral("/secret.key")));
    QVERIFY2(booking.start(30000), booking.output().constData());

    MiniProgramUser student(booking, QStringLiteral("outage"));
    QVERIFY(student.loggedIn());
    const qint64 venueId = student.get(QStringLiteral("/api/v1/venues"))
                               .json()
                               .array()
                               .first()[QStringLiteral("id")]
                               .toInteger();
    const HttpResult booked =
        student.book(venueId, tomorrow(), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(booked.status, 201);
    const QString id = booked.json()[QStringLiteral("id")].toString();
    const QString signPath = QStringLiteral("/api/v1/bookings/%1/sign").arg(id);
    const HttpResult signedOk = student.post(signPath, {});
    QVERIFY2(signedOk.status == 200, signedOk.body.constData());

    payRedis.kill();
    const HttpResult during = student.post(signPath, {});
    QCOMPARE(during.status, 503);
    QCOMPARE(pomelo::test::errorCode(during), 5030);
    QVERIFY(!during.header("Retry-After").isEmpty());

    // Redis back: the same sign answers the same order again.
    QVERIFY(payRedis.restart());
    QVERIFY(waitUntil([&] { return student.post(signPath, {}).status == 200; }, 20000, 200));
    QCOMPARE(student.post(signPath, {}).json()[QStringLiteral("payOrderId")],
             signedOk.json()[QStringLiteral("payOrderId")]);
}

void TestSetup::bookingSignsAsTheConfiguredApp()
{
    // Demo data creates the booking app under booking.app_id, and the booking module signs (and
    // verifies its pay-notify) as that app: the whole e-card flow to PAID.
    ServerProcess server({}, {QStringLiteral("POMELO_BOOKING_APP_ID=campus-venues")});
    QVERIFY2(server.start(30000), server.output().constData());
    MiniProgramUser student(server, QStringLiteral("appid"));
    QVERIFY(student.loggedIn());
    QCOMPARE(student
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"S20261010","name":"Li","phone":"13800138000"})")
                 .status,
             200);
    const HttpResult booked =
        student.book(1, tomorrow(), QStringLiteral("09:00"), QStringLiteral("10:00"));
    QCOMPARE(booked.status, 201);
    const QString id = booked.json()[QStringLiteral("id")].toString();
    const HttpResult signedBooking =
        student.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(id), {});
    QVERIFY2(signedBooking.status == 200, signedBooking.body.constData());
    QJsonObject cashier = signedBooking.json()[QStringLiteral("cashier")].toObject();
    QCOMPARE(cashier[QStringLiteral("appId")].toString(), QStringLiteral("campus-venues"));
    const qint64 orderId =
        signedBooking.json()[QStringLiteral("payOrderId")].toString().toLongLong();
    Database db(QStringLiteral("sqlite:") + server.dataDir() + QStringLiteral("/pomelo.db"));
    QCOMPARE(OrderRepository(db).find(orderId)->appId, QStringLiteral("campus-venues"));

    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    const HttpResult paying = server.post(QStringLiteral("/pay/v1/cashier"),
                                          QJsonDocument(cashier).toJson(QJsonDocument::Compact));
    QVERIFY2(paying.status == 200, paying.body.constData());
    const QString prepayId =
        paying.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    QCOMPARE(
        server
            .post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                  QJsonDocument(QJsonObject {{QStringLiteral("prepayId"), prepayId},
                                             {QStringLiteral("result"), QStringLiteral("SUCCESS")}})
                      .toJson(QJsonDocument::Compact))
            .status,
        200);
    QTRY_COMPARE_WITH_TIMEOUT(student.get(QStringLiteral("/api/v1/bookings/") + id)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("PAID"), 20000);
}

QTEST_GUILESS_MAIN(TestSetup)
#include "test_setup.moc"
