// The production path end to end, started the way a campus runs it: a real PostgreSQL and an
// external redis-server on free ports, `pomelo-server init` on the empty database, then
// pomelo-server in production mode (booking, pay, workers, admin; no sandbox module) whose channel
// endpoints and WeChat API host point at a SEPARATE `pomelo-server --modules sandbox` process.
// Flow: the admin `init` created logs in and creates the venue through the admin API, then
// student login, booking, e-card payment and refund, WeChat payment and refund.
//
// The booking app is an internal app notified at `<server.public_base_url>/api/v1/pay-notify`,
// and production never notifies loopback (an internal app may notify a private address). So the
// binary runs itself in a network namespace of its own (`unshare --net`, root) where the loopback
// interface also carries the private address 10.213.13.1: the server listens there and
// public_base_url names it; nothing leaves the namespace. Where no namespace can be made (a CI
// container without the privilege), the server listens on a private (RFC 1918) IPv4 address of the
// host instead and public_base_url names that one; only without either does the test skip.
#include "channels/wechatclient.h"
#include "domain/crypto.h"
#include "payclient.h"
#include "redisserver.h"

#include <QCoreApplication>
#include <QFile>
#include <QNetworkInterface>
#include <QTcpServer>

#include <cstdlib>
#include <unistd.h>
#include <vector>

using namespace pomelo;
using namespace pomelo::test;

namespace {

constexpr char NamespaceVariable[] = "POMELO_TEST_PRODUCTION_NETNS";
constexpr char PrivateAddress[] = "10.213.13.1";

const QString PartnerId = QStringLiteral("campus-production-test");
const QString MiniProgramAppId = QStringLiteral("wx7e57c0ffee000013");
const QString MiniProgramSecret = QStringLiteral("the-mini-program-secret-of-the-test");
const QString MchId = QStringLiteral("1900000213");
const QString AdminPassword = QStringLiteral("first-admin-password-13");
const QString StudentNo = QStringLiteral("S20261313");

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::pair<int, QByteArray> runToExit(const QStringList &args, const QStringList &env)
{
    ChildProcess child(ServerProcess::binary(), args, env);
    if (!child.start())
        return {-100, {}};
    if (!child.process().waitForFinished(60000))
        return {-101, child.output()};
    return {child.process().exitCode(), child.output()};
}

bool canListenOn(const QHostAddress &address)
{
    QTcpServer probe;
    return probe.listen(address, 0);
}

/// 10/8, 172.16/12, 192.168/16: what the production OutboundPolicy classes as private, which an
/// internal app may be notified at.
bool isRfc1918(const QHostAddress &address)
{
    bool v4 = false;
    const quint32 a = address.toIPv4Address(&v4);
    return v4
        && ((a >> 24) == 10 || (a >> 20) == ((172u << 4) | 1u)
            || (a >> 16) == ((192u << 8) | 168u));
}

/// The non-loopback address the server is notified at: the namespace's own, else a private IPv4
/// address of the host; null when neither is usable.
QHostAddress notifiableAddress()
{
    if (qgetenv(NamespaceVariable) == "1") {
        const QHostAddress own(QString::fromLatin1(PrivateAddress));
        if (canListenOn(own)) {
            qInfo("network namespace (unshare --net): the server is notified at %s",
                  PrivateAddress);
            return own;
        }
        qInfo("network namespace without %s: looking for a private address", PrivateAddress);
    }
    const QList<QHostAddress> all = QNetworkInterface::allAddresses();
    for (const QHostAddress &address : all) {
        if (!address.isLoopback() && isRfc1918(address) && canListenOn(address)) {
            qInfo("no network namespace: the server is notified at the host's private address %s",
                  qPrintable(address.toString()));
            return address;
        }
    }
    return {};
}

QString statusOf(const MiniProgramUser &student, const QString &bookingId)
{
    return student.get(QStringLiteral("/api/v1/bookings/") + bookingId)
        .json()[QStringLiteral("status")]
        .toString();
}

} // namespace

class TestProduction : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void initPreparesTheEmptyDatabase();
    void productionServerStarts();
    void bookingPaidByEcardAndRefunded();
    void bookingPaidByWechatAndRefunded();

private:
    /// What the production server and `init` are configured with (environment).
    QStringList productionEnv() const;
    QStringList productionArgs() const;
    HttpResult cashier(const MiniProgramUser &student, const QString &bookingId,
                       const QString &channel, QString *orderId);
    QString book(const MiniProgramUser &student, const QString &start, const QString &end);

    PgServer m_pg;
    RedisServer m_redis;
    QString m_databaseUrl;
    QByteArray m_partnerKey = crypto::randomBytes(24).toHex();
    std::unique_ptr<ServerProcess> m_sandbox;
    std::unique_ptr<ServerProcess> m_server;
    QTemporaryDir m_merchantDir; ///< the WeChat Pay merchant's files, as an operator installs them
    QString m_merchantSerial;
    QString m_apiV3Key;
    QString m_platformKeyId;
    QHostAddress m_address; ///< non-loopback, where the server is notified (public_base_url)
    quint16 m_port = 0;
    qint64 m_venueId = 0;
};

void TestProduction::initTestCase()
{
    QVERIFY(!ServerProcess::binary().isEmpty());
    m_address = notifiableAddress();
    if (m_address.isNull())
        QSKIP("needs a network namespace (unshare --net as root) or a private (RFC 1918) IPv4 "
              "address of the host: production never notifies the booking app on loopback");
    QVERIFY2(m_pg.start(), qPrintable(m_pg.errorString()));
    m_databaseUrl = m_pg.createDatabase(QStringLiteral("production"));
    QVERIFY(!m_databaseUrl.isEmpty());
    QVERIFY(m_redis.start());

    // The sandbox process plays WeChat (login and pay) and the card center, with the production
    // server's partner and mini-program values. Its WeChat keys are generated first so that the
    // merchant's copies can be installed for the production server, under other names (production
    // refuses files of a sandbox directory).
    m_sandbox = std::make_unique<ServerProcess>(
        QStringList {QStringLiteral("--modules"), QStringLiteral("sandbox")},
        QStringList {QStringLiteral("POMELO_SERVER_MODE=development"),
                     QStringLiteral("POMELO_SANDBOX_ECARD_PARTNER_ID=") + PartnerId,
                     QStringLiteral("POMELO_SANDBOX_ECARD_PARTNER_KEY=")
                         + QString::fromLatin1(m_partnerKey),
                     QStringLiteral("POMELO_WECHAT_APP_ID=") + MiniProgramAppId,
                     QStringLiteral("POMELO_WECHAT_APP_SECRET=") + MiniProgramSecret,
                     QStringLiteral("POMELO_WECHAT_MCH_ID=") + MchId});
    const WechatSandboxKeyFiles keys =
        ensureWechatSandboxKeys(WechatSandboxKeyFiles::directoryFor(m_sandbox->dataDir()));
    QVERIFY(keys.complete());
    QVERIFY(QFile::copy(keys.merchantPrivateKey,
                        m_merchantDir.filePath(QStringLiteral("apiclient_key.pem"))));
    QVERIFY(
        QFile::copy(keys.platformPublicKey, m_merchantDir.filePath(QStringLiteral("pub_key.pem"))));
    const std::optional<QString> serial =
        crypto::certificateSerialHex(readAll(keys.merchantCertificate));
    QVERIFY(serial);
    m_merchantSerial = *serial;
    m_apiV3Key = QString::fromLatin1(readAll(keys.apiV3Key).trimmed());
    m_platformKeyId = QString::fromLatin1(readAll(keys.platformKeyId).trimmed());
    QVERIFY2(m_sandbox->start(30000), m_sandbox->output().constData());

    m_port = freeLoopbackPort();
    m_server = std::make_unique<ServerProcess>(productionArgs(), productionEnv());
}

void TestProduction::cleanupTestCase()
{
    m_server.reset();
    m_sandbox.reset();
}

QStringList TestProduction::productionArgs() const
{
    return {QStringLiteral("--listen"),   QStringLiteral("0.0.0.0:%1").arg(m_port),
            QStringLiteral("--redis"),    m_redis.url(),
            QStringLiteral("--database"), m_databaseUrl,
            QStringLiteral("--modules"),  QStringLiteral("booking,pay,workers,admin")};
}

QStringList TestProduction::productionEnv() const
{
    const QString sandbox = QStringLiteral("http://127.0.0.1:%1/sandbox").arg(m_sandbox->port());
    return {
        QStringLiteral("POMELO_SERVER_MODE=production"),
        QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=http://%1:%2")
            .arg(m_address.toString())
            .arg(m_port),
        QStringLiteral("POMELO_PAY_CHANNELS=ECARD,WECHAT_JSAPI"),
        QStringLiteral("POMELO_CHANNELS_ECARD_BASE_URL=") + sandbox + QStringLiteral("/ecard"),
        QStringLiteral("POMELO_CHANNELS_WECHAT_BASE_URL=") + sandbox + QStringLiteral("/wechat"),
        QStringLiteral("POMELO_WECHAT_API_BASE_URL=") + sandbox + QStringLiteral("/wechat"),
        QStringLiteral("POMELO_ECARD_PARTNER_ID=") + PartnerId,
        QStringLiteral("POMELO_ECARD_PARTNER_KEY=") + QString::fromLatin1(m_partnerKey),
        QStringLiteral("POMELO_WECHAT_APP_ID=") + MiniProgramAppId,
        QStringLiteral("POMELO_WECHAT_APP_SECRET=") + MiniProgramSecret,
        QStringLiteral("POMELO_WECHAT_MCH_ID=") + MchId,
        QStringLiteral("POMELO_WECHAT_MERCHANT_KEY_FILE=")
            + m_merchantDir.filePath(QStringLiteral("apiclient_key.pem")),
        QStringLiteral("POMELO_WECHAT_MERCHANT_SERIAL=") + m_merchantSerial,
        QStringLiteral("POMELO_WECHAT_APIV3_KEY=") + m_apiV3Key,
        QStringLiteral("POMELO_WECHAT_PLATFORM_PUBLIC_KEY_FILE=")
            + m_merchantDir.filePath(QStringLiteral("pub_key.pem")),
        QStringLiteral("POMELO_WECHAT_PLATFORM_KEY_ID=") + m_platformKeyId,
        QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
        QStringLiteral("POMELO_PAY_REFUND_RETRY_SECONDS=1"),
    };
}

void TestProduction::initPreparesTheEmptyDatabase()
{
    QVERIFY(m_server);
    // `init` with the server's own configuration and data dir (its secret.key).
    const QStringList args =
        QStringList {QStringLiteral("init"), QStringLiteral("--data-dir"), m_server->dataDir()}
        + productionArgs();
    const auto [code, output] = runToExit(args, productionEnv());
    QVERIFY2(code == 0, output.constData());
    QVERIFY2(output.contains("booking app 'venue-booking' created"), output.constData());
    QVERIFY2(output.contains("console admin created"), output.constData());
    QVERIFY2(!output.contains(AdminPassword.toUtf8()), output.constData());
    QVERIFY2(!output.contains(m_partnerKey), output.constData());

    const auto [code2, output2] = runToExit(args, productionEnv());
    QVERIFY2(code2 == 0, output2.constData());
    QVERIFY2(output2.contains("already initialised: "), output2.constData());
}

void TestProduction::productionServerStarts()
{
    QVERIFY(m_server);
    QVERIFY2(m_server->start(30000), m_server->output().constData());
    const QByteArray out = m_server->output();
    QVERIFY2(out.contains("mode: production"), out.constData());
    QVERIFY2(!out.contains("refusing"), out.constData());
    QCOMPARE(m_server->get(QStringLiteral("/readyz")).status, 200);
    // No sandbox here: it lives in its own process.
    QCOMPARE(m_server->get(QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=x")).status,
             404);
    // The admin that init created logs in with admin.initial_password.
    const HttpResult login =
        m_server->post(QStringLiteral("/admin/v1/login"),
                       compact({{QStringLiteral("username"), QStringLiteral("admin")},
                                {QStringLiteral("password"), AdminPassword}}));
    QVERIFY2(login.status == 200, login.body.constData());
    QCOMPARE(login.json()[QStringLiteral("role")].toString(), QStringLiteral("admin"));
    const QByteArray token = login.json()[QStringLiteral("token")].toString().toLatin1();
    QVERIFY(!token.isEmpty());

    // The venue is created by that admin through the admin API, as an operator does.
    const HttpResult venue =
        m_server->post(QStringLiteral("/admin/v1/venues"),
                       compact({{QStringLiteral("name"), QStringLiteral("羽毛球场 A")},
                                {QStringLiteral("sport"), QStringLiteral("badminton")},
                                {QStringLiteral("openFrom"), QStringLiteral("08:00")},
                                {QStringLiteral("openTo"), QStringLiteral("22:00")},
                                {QStringLiteral("slotMinutes"), 60},
                                {QStringLiteral("pricePerSlot"), 2500}}),
                       {{"Authorization", "Bearer " + token}});
    QVERIFY2(venue.status == 201, venue.body.constData());
    m_venueId = venue.json()[QStringLiteral("id")].toInteger();
    QVERIFY(m_venueId > 0);
    // Without the admin's token the API refuses.
    QCOMPARE(m_server
                 ->post(QStringLiteral("/admin/v1/venues"),
                        compact({{QStringLiteral("name"), QStringLiteral("x")}}))
                 .status,
             401);
}

QString TestProduction::book(const MiniProgramUser &student, const QString &start,
                             const QString &end)
{
    const HttpResult r = student.book(m_venueId, tomorrow(), start, end);
    if (r.status != 201) {
        qWarning("book: %d %s", r.status, r.body.constData());
        return {};
    }
    return r.json()[QStringLiteral("id")].toString();
}

HttpResult TestProduction::cashier(const MiniProgramUser &student, const QString &bookingId,
                                   const QString &channel, QString *orderId)
{
    const HttpResult signedBooking =
        student.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    if (signedBooking.status != 200) {
        qWarning("sign: %d %s", signedBooking.status, signedBooking.body.constData());
        return signedBooking;
    }
    *orderId = signedBooking.json()[QStringLiteral("payOrderId")].toString();
    QJsonObject body = signedBooking.json()[QStringLiteral("cashier")].toObject();
    body.insert(QStringLiteral("channel"), channel);
    return m_server->post(QStringLiteral("/pay/v1/cashier"), compact(body));
}

void TestProduction::bookingPaidByEcardAndRefunded()
{
    QVERIFY(m_server && m_server->port() && m_venueId > 0);
    MiniProgramUser student(*m_server, QStringLiteral("prod-ecard"));
    QVERIFY(student.loggedIn());
    QCOMPARE(student
                 .put(QStringLiteral("/api/v1/me"),
                      compact({{QStringLiteral("studentId"), StudentNo},
                               {QStringLiteral("name"), QStringLiteral("王芳")},
                               {QStringLiteral("phone"), QStringLiteral("13800138013")}}))
                 .status,
             200);
    const auto balance = [&] {
        return m_sandbox
            ->get(QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=") + StudentNo)
            .json()[QStringLiteral("balance")]
            .toInteger(-1);
    };
    const qint64 before = 10000;
    QCOMPARE(m_sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/balance"),
                        compact({{QStringLiteral("studentNo"), StudentNo},
                                 {QStringLiteral("balance"), before}}))
                 .status,
             200);
    QCOMPARE(balance(), before);

    const QString bookingId = book(student, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QVERIFY(!bookingId.isEmpty());
    QString orderId;
    const HttpResult paying = cashier(student, bookingId, QStringLiteral("ECARD"), &orderId);
    QVERIFY2(paying.status == 200, paying.body.constData());
    const QString prepayId =
        paying.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    QVERIFY(!prepayId.isEmpty());

    // The student pays at the card center (the sandbox process), which calls the production
    // server back at its public URL; the pay platform then notifies the booking app.
    QCOMPARE(simulatePay(*m_sandbox, prepayId).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(student, bookingId), QStringLiteral("PAID"), 20000);
    QCOMPARE(balance(), before - 2500);
    QCOMPARE(student.slotStates(m_venueId, tomorrow()).value(QStringLiteral("10:00")),
             QStringLiteral("BOOKED"));

    // Cancelled while paid: refunded through the card center, the slot freed.
    const HttpResult cancelled =
        student.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(bookingId), {});
    QVERIFY2(cancelled.status == 200, cancelled.body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(student, bookingId), QStringLiteral("REFUNDED"), 20000);
    QCOMPARE(balance(), before);
    QCOMPARE(student.slotStates(m_venueId, tomorrow()).value(QStringLiteral("10:00")),
             QStringLiteral("FREE"));
}

void TestProduction::bookingPaidByWechatAndRefunded()
{
    QVERIFY(m_server && m_server->port() && m_venueId > 0);
    MiniProgramUser student(*m_server, QStringLiteral("prod-wechat"));
    QVERIFY(student.loggedIn());
    const QString bookingId = book(student, QStringLiteral("14:00"), QStringLiteral("15:00"));
    QVERIFY(!bookingId.isEmpty());
    QString orderId;
    const HttpResult paying = cashier(student, bookingId, QStringLiteral("WECHAT_JSAPI"), &orderId);
    QVERIFY2(paying.status == 200, paying.body.constData());
    const QJsonObject params = paying.json()[QStringLiteral("payParams")].toObject();
    QCOMPARE(params[QStringLiteral("appId")].toString(), MiniProgramAppId);
    const QString prepayId = params[QStringLiteral("package")].toString().section(u'=', 1);
    QVERIFY(!prepayId.isEmpty());

    const HttpResult paid =
        m_sandbox->post(QStringLiteral("/sandbox/wechat/simulate/pay"),
                        compact({{QStringLiteral("prepayId"), prepayId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")}}));
    QVERIFY2(paid.status == 200, paid.body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(student, bookingId), QStringLiteral("PAID"), 20000);

    const HttpResult cancelled =
        student.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(bookingId), {});
    QVERIFY2(cancelled.status == 200, cancelled.body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(student, bookingId), QStringLiteral("REFUNDED"), 20000);
    QCOMPARE(student.slotStates(m_venueId, tomorrow()).value(QStringLiteral("14:00")),
             QStringLiteral("FREE"));
}

/// Runs the tests in a network namespace of their own when one can be made (root): there the
/// loopback interface also carries PrivateAddress. Without one, initTestCase looks for a private
/// address of the host.
int main(int argc, char *argv[])
{
    if (qgetenv(NamespaceVariable).isEmpty()) {
        const std::string setup =
            std::string("ip link set lo up && ip addr add ") + PrivateAddress + "/32 dev lo";
        const std::string probe = "unshare --net sh -c '" + setup + "' >/dev/null 2>&1";
        if (std::system(probe.c_str()) == 0) {
            ::setenv(NamespaceVariable, "1", 1);
            const std::string script = setup + " && exec \"$@\"";
            std::vector<char *> args {
                const_cast<char *>("unshare"), const_cast<char *>("--net"),
                const_cast<char *>("--"),      const_cast<char *>("sh"),
                const_cast<char *>("-c"),      const_cast<char *>(script.c_str()),
                const_cast<char *>("sh")};
            for (int i = 0; i < argc; ++i)
                args.push_back(argv[i]);
            args.push_back(nullptr);
            ::execvp("unshare", args.data());
        }
        ::setenv(NamespaceVariable, "0", 1); // no namespace: a private address of the host
    }
    QCoreApplication app(argc, argv);
    TestProduction test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "test_production.moc"
