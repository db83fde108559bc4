// Utility top-ups end to end (issue #16): a real pomelo-server on SQLite and on PostgreSQL, its
// e-card and WeChat Pay sandboxes, and its simulated campus utility system (/sandbox/utility).
// Every case checks the credit at the utility system itself: the room's recharges, one per
// top-up, whatever was retried, repeated or killed on the way.
#include "payclient.h"
#include "storage/topuprepository.h"

#include <QtConcurrent>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("topup-admin-pw-1");

/// A student on the mini-program with a profile (the e-card pays by student number).
struct Student
{
    Student(ServerProcess &server, const QString &name, const QString &studentId)
        : user(server, name)
    {
        user.put(QStringLiteral("/api/v1/me"),
                 compact({{QStringLiteral("studentId"), studentId},
                          {QStringLiteral("name"), name},
                          {QStringLiteral("phone"), QStringLiteral("13800138000")}}));
    }
    HttpResult bind(const QString &roomId) const
    {
        return user.put(QStringLiteral("/api/v1/me/room"),
                        compact({{QStringLiteral("roomId"), roomId}}));
    }
    HttpResult create(qint64 amount, const QString &utility = QStringLiteral("ELECTRICITY")) const
    {
        return user.post(
            QStringLiteral("/api/v1/topups"),
            compact({{QStringLiteral("utility"), utility}, {QStringLiteral("amount"), amount}}));
    }
    QString status(const QString &id) const
    {
        return user.get(QStringLiteral("/api/v1/topups/") + id)
            .json()[QStringLiteral("status")]
            .toString();
    }
    /// Titles of the inbox's messages, newest first.
    QStringList inboxTitles() const
    {
        QStringList titles;
        const QJsonArray messages = user.get(QStringLiteral("/api/v1/me/messages")).json().array();
        for (const QJsonValue &m : messages)
            titles.append(m[QStringLiteral("title")].toString());
        return titles;
    }

    MiniProgramUser user;
};

/// Signs the top-up and pays it with @p channel through the sandbox; false when a step failed.
bool pay(ServerProcess &server, const Student &s, const QString &topupId,
         const QString &channel = QStringLiteral("ECARD"))
{
    const HttpResult sign = s.user.post(QStringLiteral("/api/v1/topups/%1/sign").arg(topupId), {});
    if (sign.status != 200) {
        qWarning("sign: %d %s", sign.status, sign.body.constData());
        return false;
    }
    QJsonObject cashier = sign.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), channel);
    const HttpResult r = server.post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    if (r.status != 200) {
        qWarning("cashier: %d %s", r.status, r.body.constData());
        return false;
    }
    const QJsonObject params = r.json()[QStringLiteral("payParams")].toObject();
    if (channel == QLatin1String("ECARD"))
        return simulatePay(server, params[QStringLiteral("prepayId")].toString()).status == 200;
    const QString package = params[QStringLiteral("package")].toString();
    return server
               .post(QStringLiteral("/sandbox/wechat/simulate/pay"),
                     compact({{QStringLiteral("prepayId"), package.mid(package.indexOf(u'=') + 1)},
                              {QStringLiteral("result"), QStringLiteral("SUCCESS")}}))
               .status
        == 200;
}

/// The utility system's record of a room (balances, power, its recharges).
QJsonObject utilityRoom(ServerProcess &server, const QString &roomId)
{
    return server.get(QStringLiteral("/sandbox/utility/simulate/rooms/") + roomId).json().object();
}

/// How many recharges the utility system recorded with @p serial.
int creditsOf(ServerProcess &server, const QString &roomId, const QString &serial)
{
    int n = 0;
    const QJsonArray recharges = utilityRoom(server, roomId)[QStringLiteral("recharges")].toArray();
    for (const QJsonValue &r : recharges)
        n += r[QStringLiteral("serial")].toString() == serial ? 1 : 0;
    return n;
}

HttpResult fault(ServerProcess &server, const QString &mode, int count = 0)
{
    return server.post(QStringLiteral("/sandbox/utility/simulate/fault"),
                       compact({{QStringLiteral("mode"), mode}, {QStringLiteral("count"), count}}));
}

qint64 ecardBalance(ServerProcess &server, const QString &studentNo)
{
    return server.get(QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=") + studentNo)
        .json()[QStringLiteral("balance")]
        .toInteger(-1);
}

/// A server whose simulated rooms use nothing by themselves: balances change only by what a
/// case does, so it can compare them exactly.
std::unique_ptr<ServerProcess> startServer(const QString &backend, QStringList args = {},
                                           QStringList env = {})
{
    env << QStringLiteral("POMELO_SANDBOX_UTILITY_USAGE_INTERVAL_MS=0");
    return BookingHarness::startServer(backend, std::move(args), std::move(env));
}

std::optional<Topup> stored(ServerProcess &server, const QString &id)
{
    Database db(serverDatabaseUrl(server));
    return TopupRepository(db).find(id.toLongLong());
}

} // namespace

class TestTopup : public QObject
{
    Q_OBJECT

private slots:
    void roomsAndBinding_data() { addBackendRows(); }
    void roomsAndBinding();
    void paidAndDeliveredOnce_data();
    void paidAndDeliveredOnce();
    void failingThreeTimesThenDelivered_data() { addBackendRows(); }
    void failingThreeTimesThenDelivered();
    void refusedForGoodIsRefunded_data() { addBackendRows(); }
    void refusedForGoodIsRefunded();
    void failingPastTheDeadlineIsRefunded();
    void killedBetweenPaidAndDelivery_data() { addBackendRows(); }
    void killedBetweenPaidAndDelivery();
    void sameNotificationTwiceCreditsOnce_data() { addBackendRows(); }
    void sameNotificationTwiceCreditsOnce();
    void twoStudentsOfOneRoomAtOnce_data() { addBackendRows(); }
    void twoStudentsOfOneRoomAtOnce();
    void badInputsChangeNothing_data() { addBackendRows(); }
    void badInputsChangeNothing();
    void lowBalanceReminderOncePerCrossing_data() { addBackendRows(); }
    void lowBalanceReminderOncePerCrossing();
    void staffRedeliverAndRefund_data() { addBackendRows(); }
    void staffRedeliverAndRefund();
};

void TestTopup::roomsAndBinding()
{
    QFETCH(QString, backend);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0001"));

    const QJsonArray buildings = alice.user.get(QStringLiteral("/api/v1/buildings")).json().array();
    QVERIFY(buildings.contains(QStringLiteral("竹园1栋")));
    const QJsonArray rooms =
        alice.user.get(QStringLiteral("/api/v1/rooms?building=%E7%AB%B9%E5%9B%AD1%E6%A0%8B"))
            .json()
            .array();
    QVERIFY(rooms.size() >= 6);
    for (const QJsonValue &r : rooms)
        QCOMPARE(r[QStringLiteral("building")].toString(), QStringLiteral("竹园1栋"));

    QCOMPARE(errorCode(alice.user.get(QStringLiteral("/api/v1/me/room"))), 1102);
    QCOMPARE(errorCode(alice.create(2000)), 1102);
    QCOMPARE(errorCode(alice.bind(QStringLiteral("NO-SUCH-1"))), 1101);
    HttpResult r = alice.bind(QStringLiteral("ZY1-101"));
    QCOMPARE(r.status, 200);
    r = alice.user.get(QStringLiteral("/api/v1/me/room"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("room")].toString(), QStringLiteral("101"));
    QCOMPARE(r.json()[QStringLiteral("electricity")][QStringLiteral("balance")].toInteger(), 5000);
    QCOMPARE(r.json()[QStringLiteral("water")][QStringLiteral("balance")].toInteger(), 3000);
    QCOMPARE(r.json()[QStringLiteral("electricity")][QStringLiteral("powerOn")].toBool(), true);

    // One room at a time: binding another replaces it.
    QCOMPARE(alice.bind(QStringLiteral("ZY1-102")).status, 200);
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/me/room")).json()[QStringLiteral("roomId")],
             QStringLiteral("ZY1-102"));
    QCOMPARE(alice.user.del(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(errorCode(alice.user.get(QStringLiteral("/api/v1/me/room"))), 1102);
    QCOMPARE(errorCode(alice.user.del(QStringLiteral("/api/v1/me/room"))), 1102);
}

void TestTopup::paidAndDeliveredOnce_data()
{
    addBackendColumn();
    QTest::addColumn<QString>("channel");
    const QStringList only =
        qEnvironmentVariable("POMELO_E2E_BACKENDS").split(u',', Qt::SkipEmptyParts);
    for (const char *backend : {"sqlite", "postgres"}) {
        if (!only.isEmpty() && !only.contains(QLatin1String(backend)))
            continue;
        for (const char *channel : {"ECARD", "WECHAT_JSAPI"})
            QTest::addRow("%s: %s", backend, channel)
                << QString::fromLatin1(backend) << QString::fromLatin1(channel);
    }
}

void TestTopup::paidAndDeliveredOnce()
{
    QFETCH(QString, backend);
    QFETCH(QString, channel);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0001"));
    QCOMPARE(alice.bind(QStringLiteral("ZY1-103")).status, 200);

    const HttpResult created = alice.create(2000);
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json()[QStringLiteral("status")].toString(),
             QStringLiteral("PENDING_PAYMENT"));
    QCOMPARE(created.json()[QStringLiteral("roomId")].toString(), QStringLiteral("ZY1-103"));
    const QString id = created.json()[QStringLiteral("id")].toString();
    QVERIFY(pay(*server, alice, id, channel));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("DELIVERED"), 20000);

    const QJsonObject topup =
        alice.user.get(QStringLiteral("/api/v1/topups/") + id).json().object();
    QCOMPARE(topup[QStringLiteral("balanceAfter")].toInteger(), 7000);
    QCOMPARE(topup[QStringLiteral("channel")].toString(), channel);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-103"), id), 1);
    QCOMPARE(
        utilityRoom(*server, QStringLiteral("ZY1-103"))[QStringLiteral("electricity")].toInteger(),
        7000);
    QTRY_VERIFY(alice.inboxTitles().contains(QStringLiteral("充值成功")));

    // Its history: created, paid, delivered — each transition with who did it.
    const std::optional<Topup> row = stored(*server, id);
    QVERIFY(row);
    QCOMPARE(row->attempts, 0);
    Database db(serverDatabaseUrl(*server));
    QStringList steps;
    for (const TopupEvent &e : TopupRepository(db).events(row->id))
        steps.append(e.toStatus + u'/' + e.actor);
    QCOMPARE(steps,
             (QStringList {QStringLiteral("PENDING_PAYMENT/student"),
                           QStringLiteral("PAID/pay-notify"), QStringLiteral("DELIVERED/system")}));
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/topups"))
                 .json()[QStringLiteral("items")]
                 .toArray()
                 .size(),
             1);
}

void TestTopup::failingThreeTimesThenDelivered()
{
    QFETCH(QString, backend);
    auto server =
        startServer(backend, {}, {QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=1")});
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0001"));
    QCOMPARE(alice.bind(QStringLiteral("ZY1-104")).status, 200);
    const QString id = alice.create(5000).json()[QStringLiteral("id")].toString();
    // Three kinds of failure: busy (a signed refusal to retry), a server error, busy again.
    QCOMPARE(fault(*server, QStringLiteral("BUSY"), 3).status, 200);
    QVERIFY(pay(*server, alice, id));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("DELIVERED"), 30000);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-104"), id), 1);
    const std::optional<Topup> row = stored(*server, id);
    QVERIFY(row);
    QCOMPARE(row->attempts, 3);
    QVERIFY2(row->lastError.contains(QLatin1String("9999")), qPrintable(row->lastError));
    QCOMPARE(*row->balanceAfter, 10000);
}

void TestTopup::refusedForGoodIsRefunded()
{
    QFETCH(QString, backend);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0002"));
    QCOMPARE(alice.bind(QStringLiteral("ZY1-201")).status, 200);
    const QString id = alice.create(3000).json()[QStringLiteral("id")].toString();
    QCOMPARE(fault(*server, QStringLiteral("REFUSE_FROZEN"), 1).status, 200);
    QVERIFY(pay(*server, alice, id));
    // Paid: the card lost 30 yuan; refused for good: refunded at once, the money back.
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("REFUNDED"), 30000);
    QTRY_COMPARE(ecardBalance(*server, QStringLiteral("T0002")), 50000);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-201"), id), 0);
    const QJsonObject topup =
        alice.user.get(QStringLiteral("/api/v1/topups/") + id).json().object();
    QVERIFY(!topup[QStringLiteral("failureReason")].toString().isEmpty());
    QTRY_VERIFY(alice.inboxTitles().contains(QStringLiteral("充值失败，已退款")));
}

void TestTopup::failingPastTheDeadlineIsRefunded()
{
    // The deadline's smallest value is a minute: both databases wait through it side by side
    // (one server each), so the case costs one minute, not two.
    QStringList backends;
    const QStringList only =
        qEnvironmentVariable("POMELO_E2E_BACKENDS").split(u',', Qt::SkipEmptyParts);
    for (const char *backend : {"sqlite", "postgres"}) {
        if (only.isEmpty() || only.contains(QLatin1String(backend)))
            backends.append(QString::fromLatin1(backend));
    }
    struct Run
    {
        std::unique_ptr<ServerProcess> server;
        std::unique_ptr<Student> student;
        QString studentNo;
        QString id;
    };
    std::vector<Run> runs;
    for (const QString &backend : std::as_const(backends)) {
        Run run;
        run.server = startServer(backend, {},
                                 {QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=5"),
                                  QStringLiteral("POMELO_TOPUP_DELIVERY_DEADLINE_MINUTES=1")});
        QVERIFY2(run.server, qPrintable(backend));
        run.studentNo = QStringLiteral("T0003");
        run.student =
            std::make_unique<Student>(*run.server, QStringLiteral("alice"), run.studentNo);
        QCOMPARE(run.student->bind(QStringLiteral("ZY1-202")).status, 200);
        run.id = run.student->create(1000).json()[QStringLiteral("id")].toString();
        QCOMPARE(fault(*run.server, QStringLiteral("BUSY")).status, 200); // until told otherwise
        QVERIFY(pay(*run.server, *run.student, run.id));
        QTRY_COMPARE_WITH_TIMEOUT(run.student->status(run.id), QStringLiteral("PAID"), 10000);
        QCOMPARE(ecardBalance(*run.server, run.studentNo), 49000);
        runs.push_back(std::move(run));
    }
    for (const Run &run : runs) {
        QTRY_COMPARE_WITH_TIMEOUT(run.student->status(run.id), QStringLiteral("REFUNDED"), 120000);
        QCOMPARE(ecardBalance(*run.server, run.studentNo), 50000);
        QCOMPARE(creditsOf(*run.server, QStringLiteral("ZY1-202"), run.id), 0);
        const std::optional<Topup> row = stored(*run.server, run.id);
        QVERIFY(row);
        QVERIFY2(row->attempts >= 5, qPrintable(QString::number(row->attempts)));
        QTRY_VERIFY(run.student->inboxTitles().contains(QStringLiteral("充值失败，已退款")));
    }
}

void TestTopup::killedBetweenPaidAndDelivery()
{
    QFETCH(QString, backend);
    const QStringList dbArgs = BookingHarness::databaseArgs(backend);
    const QStringList env {QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
                           QStringLiteral("POMELO_SANDBOX_UTILITY_USAGE_INTERVAL_MS=0"),
                           QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=1")};
    ServerProcess first(dbArgs, env);
    QVERIFY2(first.start(30000), first.output().constData());
    const QString dataDir = first.dataDir();
    Student alice(first, QStringLiteral("alice"), QStringLiteral("T0004"));
    QCOMPARE(alice.bind(QStringLiteral("ZY2-101")).status, 200);
    const QString id = alice.create(2000).json()[QStringLiteral("id")].toString();
    // The utility system is busy: the top-up is PAID and not delivered when the server dies.
    QCOMPARE(fault(first, QStringLiteral("BUSY")).status, 200);
    QVERIFY(pay(first, alice, id));
    QTRY_VERIFY_WITH_TIMEOUT(stored(first, id) && stored(first, id)->attempts >= 1, 20000);
    QCOMPARE(alice.status(id), QStringLiteral("PAID"));
    first.process().kill();
    QVERIFY(first.process().waitForFinished(10000));

    ServerProcess second(dbArgs
                             + QStringList {QStringLiteral("--data-dir"), dataDir,
                                            QStringLiteral("--listen"),
                                            QStringLiteral("127.0.0.1:%1").arg(first.port())},
                         env);
    QVERIFY2(second.start(30000), second.output().constData());
    // The restarted utility sandbox answers again (its faults are not kept); the top-up's step
    // was in the queue (or is found by the sweep) and delivers it once.
    QCOMPARE(fault(second, QStringLiteral("NONE")).status, 200);
    // The first server's database (the second one's own data dir is unused).
    Database db(BookingHarness::databaseUrl(dbArgs, dataDir));
    TopupRepository topups(db);
    QTRY_COMPARE_WITH_TIMEOUT(topups.find(id.toLongLong())->status, TopupStatus::Delivered, 120000);
    QCOMPARE(creditsOf(second, QStringLiteral("ZY2-101"), id), 1);
    QCOMPARE(
        utilityRoom(second, QStringLiteral("ZY2-101"))[QStringLiteral("electricity")].toInteger(),
        7000);
}

void TestTopup::sameNotificationTwiceCreditsOnce()
{
    QFETCH(QString, backend);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0005"));
    QCOMPARE(alice.bind(QStringLiteral("ZY2-102")).status, 200);
    const QString id = alice.create(2000).json()[QStringLiteral("id")].toString();
    QVERIFY(pay(*server, alice, id));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("DELIVERED"), 20000);
    const std::optional<Topup> row = stored(*server, id);
    QVERIFY(row && row->payOrderId);

    // The pay platform delivers a notification again (its answer was lost): each delivery is
    // signed afresh. A replay of one delivery (same nonce) is refused.
    const AppCredentials app = demoApp(server->dataDir(), QStringLiteral("utility-topup"));
    const QJsonObject fields {
        {QStringLiteral("orderId"), QString::number(*row->payOrderId)},
        {QStringLiteral("outTradeNo"), id},
        {QStringLiteral("status"), QStringLiteral("PAID")},
        {QStringLiteral("amount"), 2000},
        {QStringLiteral("channel"), QStringLiteral("ECARD")},
    };
    const QString path = QStringLiteral("/api/v1/topup-notify");
    const QJsonObject once = signedBody(signing::Target::notify(), fields, app);
    QCOMPARE(server->post(path, compact(once)).status, 200);
    QCOMPARE(errorCode(server->post(path, compact(once))), 2004);
    QCOMPARE(server->post(path, compact(signedBody(signing::Target::notify(), fields, app))).status,
             200);
    // Signed with another app's secret, or for another amount: refused.
    AppCredentials other = app;
    other.secret = "not-the-secret-of-this-app";
    QCOMPARE(errorCode(
                 server->post(path, compact(signedBody(signing::Target::notify(), fields, other)))),
             2003);
    QJsonObject cheaper = fields;
    cheaper.insert(QStringLiteral("amount"), 1);
    QCOMPARE(
        errorCode(server->post(path, compact(signedBody(signing::Target::notify(), cheaper, app)))),
        2001);

    QCOMPARE(alice.status(id), QStringLiteral("DELIVERED"));
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY2-102"), id), 1);
    QCOMPARE(
        utilityRoom(*server, QStringLiteral("ZY2-102"))[QStringLiteral("electricity")].toInteger(),
        7000);
}

void TestTopup::twoStudentsOfOneRoomAtOnce()
{
    QFETCH(QString, backend);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0006"));
    Student bob(*server, QStringLiteral("bob"), QStringLiteral("T0007"));
    QCOMPARE(alice.bind(QStringLiteral("ZY2-103")).status, 200);
    QCOMPARE(bob.bind(QStringLiteral("ZY2-103")).status, 200);
    const QString a = alice.create(2000).json()[QStringLiteral("id")].toString();
    const QString b = bob.create(3000).json()[QStringLiteral("id")].toString();
    QFuture<bool> paidA = QtConcurrent::run([&] { return pay(*server, alice, a); });
    QFuture<bool> paidB = QtConcurrent::run([&] { return pay(*server, bob, b); });
    QVERIFY(paidA.result());
    QVERIFY(paidB.result());
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(a), QStringLiteral("DELIVERED"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(bob.status(b), QStringLiteral("DELIVERED"), 20000);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY2-103"), a), 1);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY2-103"), b), 1);
    QCOMPARE(
        utilityRoom(*server, QStringLiteral("ZY2-103"))[QStringLiteral("electricity")].toInteger(),
        10000);
}

void TestTopup::badInputsChangeNothing()
{
    // One server per database for every case (a server per case cost a minute).
    QFETCH(QString, backend);
    const struct
    {
        const char *name;
        QByteArray body;
        int code;
    } cases[] = {
        {"malformed JSON", R"({"utility":"ELECTRICITY","amount":)", 4000},
        {"not an object", R"([1,2])", 4000},
        {"unknown utility", R"({"utility":"GAS","amount":2000})", 4001},
        {"utility not a string", R"({"utility":1,"amount":2000})", 4001},
        {"float amount", R"({"utility":"WATER","amount":12.5})", 2001},
        {"integral float", R"({"utility":"WATER","amount":2000.0})", 2001},
        {"exponent", R"({"utility":"WATER","amount":2e3})", 2001},
        {"string amount", R"({"utility":"WATER","amount":"2000"})", 2001},
        {"negative", R"({"utility":"WATER","amount":-2000})", 2001},
        {"zero", R"({"utility":"WATER","amount":0})", 2001},
        {"under the minimum", R"({"utility":"WATER","amount":99})", 1103},
        {"over the maximum", R"({"utility":"WATER","amount":50001})", 1103},
        {"huge body",
         QByteArray(R"({"utility":"WATER","amount":2000,"x":")") + QByteArray(2 * 1024 * 1024, 'a')
             + "\"}",
         4130},
    };
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0008"));
    Student mallory(*server, QStringLiteral("mallory"), QStringLiteral("T0009"));
    QCOMPARE(alice.bind(QStringLiteral("ZY1-105")).status, 200);
    for (const auto &c : cases) {
        const HttpResult r = alice.user.post(QStringLiteral("/api/v1/topups"), c.body);
        QVERIFY2(errorCode(r) == c.code,
                 qPrintable(QStringLiteral("%1: %2 %3")
                                .arg(QLatin1String(c.name))
                                .arg(r.status)
                                .arg(QString::fromUtf8(r.body.left(200)))));
        QCOMPARE(alice.user.get(QStringLiteral("/api/v1/topups"))
                     .json()[QStringLiteral("items")]
                     .toArray()
                     .size(),
                 0);
    }
    QCOMPARE(errorCode(alice.bind(QStringLiteral(""))), 4001);
    QCOMPARE(errorCode(alice.user.put(QStringLiteral("/api/v1/me/room"), "{\"roomId\":7}")), 4001);

    // Someone else's ids, unknown and malformed ids, a state that does not allow signing.
    const QString id = alice.create(2000).json()[QStringLiteral("id")].toString();
    QCOMPARE(errorCode(mallory.user.get(QStringLiteral("/api/v1/topups/") + id)), 1105);
    QCOMPARE(errorCode(mallory.user.post(QStringLiteral("/api/v1/topups/%1/sign").arg(id), {})),
             1105);
    QCOMPARE(errorCode(alice.user.get(QStringLiteral("/api/v1/topups/1234567"))), 1104);
    QCOMPARE(errorCode(alice.user.get(QStringLiteral("/api/v1/topups/abc"))), 1104);
    QCOMPARE(server->get(QStringLiteral("/api/v1/topups/") + id).status, 401);
    QVERIFY(pay(*server, alice, id));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("DELIVERED"), 20000);
    QCOMPARE(errorCode(alice.user.post(QStringLiteral("/api/v1/topups/%1/sign").arg(id), {})),
             1106);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-105"), id), 1);
}

void TestTopup::lowBalanceReminderOncePerCrossing()
{
    QFETCH(QString, backend);
    auto server = startServer(backend);
    QVERIFY(server);
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0010"));
    Student bob(*server, QStringLiteral("bob"), QStringLiteral("T0011"));
    QCOMPARE(alice.bind(QStringLiteral("MY3-101")).status, 200);
    QCOMPARE(bob.bind(QStringLiteral("MY3-101")).status, 200);
    const auto use = [&](qint64 fen) {
        return server
            ->post(QStringLiteral("/sandbox/utility/simulate/usage"),
                   compact({{QStringLiteral("roomId"), QStringLiteral("MY3-101")},
                            {QStringLiteral("utility"), QStringLiteral("ELECTRICITY")},
                            {QStringLiteral("amount"), fen}}))
            .status;
    };
    const auto reminders = [](const Student &s) {
        return s.inboxTitles().count(QStringLiteral("电费余额不足"));
    };
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(reminders(alice), 0);

    QCOMPARE(use(4500), 200); // 5000 -> 500, under the 10-yuan threshold
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(bob.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(reminders(alice), 1);
    QCOMPARE(reminders(bob), 1);
    // The room's use shows to its students, per day and utility.
    const QJsonArray usage =
        alice.user.get(QStringLiteral("/api/v1/me/room/usage?days=7")).json().array();
    qint64 electricity = 0;
    for (const QJsonValue &u : usage)
        electricity += u[QStringLiteral("utility")] == QLatin1String("ELECTRICITY")
            ? u[QStringLiteral("amount")].toInteger()
            : 0;
    QCOMPARE(electricity, 4500);
    QCOMPARE(errorCode(alice.user.get(QStringLiteral("/api/v1/me/room/usage?days=32"))), 4001);

    // Topped up over the threshold, then under it again: a second crossing, a second reminder.
    const QString id = alice.create(2000).json()[QStringLiteral("id")].toString();
    QVERIFY(pay(*server, alice, id));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(id), QStringLiteral("DELIVERED"), 20000);
    QCOMPARE(bob.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(reminders(bob), 1);
    QCOMPARE(use(2000), 200); // 2500 -> 500
    QCOMPARE(bob.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(alice.user.get(QStringLiteral("/api/v1/me/room")).status, 200);
    QCOMPARE(reminders(alice), 2);
    QCOMPARE(reminders(bob), 2);
}

void TestTopup::staffRedeliverAndRefund()
{
    QFETCH(QString, backend);
    auto server = startServer(backend, {},
                              {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
                               QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=60")});
    QVERIFY(server);
    const QByteArray token =
        server
            ->post(QStringLiteral("/admin/v1/login"),
                   compact({{QStringLiteral("username"), QStringLiteral("admin")},
                            {QStringLiteral("password"), AdminPassword}}))
            .json()[QStringLiteral("token")]
            .toString()
            .toLatin1();
    QVERIFY(!token.isEmpty());
    const QList<QPair<QByteArray, QByteArray>> admin {{"Authorization", "Bearer " + token}};
    Student alice(*server, QStringLiteral("alice"), QStringLiteral("T0012"));
    QCOMPARE(alice.bind(QStringLiteral("ZY1-203")).status, 200);

    // Busy once: the first attempt fails and the next is a minute away; staff re-deliver now.
    const QString a = alice.create(2000).json()[QStringLiteral("id")].toString();
    QCOMPARE(fault(*server, QStringLiteral("BUSY"), 1).status, 200);
    QVERIFY(pay(*server, alice, a));
    QTRY_VERIFY_WITH_TIMEOUT(stored(*server, a)->attempts == 1, 20000);
    const QString redeliver = QStringLiteral("/admin/v1/topups/%1/redeliver").arg(a);
    QCOMPARE(errorCode(server->post(redeliver, "{}", admin)), 4001); // a reason is required
    HttpResult r = server->post(
        redeliver, compact({{QStringLiteral("reason"), QStringLiteral("学生来电")}}), admin);
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(a), QStringLiteral("DELIVERED"), 20000);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-203"), a), 1);
    QCOMPARE(errorCode(server->post(
                 redeliver, compact({{QStringLiteral("reason"), QStringLiteral("again")}}), admin)),
             1106);

    // The detail names who did what.
    r = server->get(QStringLiteral("/admin/v1/topups/") + a, admin);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("student")][QStringLiteral("studentId")].toString(),
             QStringLiteral("T0012"));
    bool staffEvent = false;
    for (const QJsonValue &e : r.json()[QStringLiteral("events")].toArray())
        staffEvent = staffEvent
            || (e[QStringLiteral("actor")].toString() == QLatin1String("staff:admin")
                && e[QStringLiteral("detail")].toString().contains(QStringLiteral("学生来电")));
    QVERIFY(staffEvent);

    // A second top-up stuck behind a busy utility system: the admin refunds it.
    const QString b = alice.create(1000).json()[QStringLiteral("id")].toString();
    QCOMPARE(fault(*server, QStringLiteral("BUSY")).status, 200);
    QVERIFY(pay(*server, alice, b));
    QTRY_VERIFY_WITH_TIMEOUT(stored(*server, b)->attempts >= 1, 20000);
    r = server->post(QStringLiteral("/admin/v1/topups/%1/refund").arg(b),
                     compact({{QStringLiteral("reason"), QStringLiteral("宿舍停用")}}), admin);
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(b), QStringLiteral("REFUNDED"), 20000);
    QCOMPARE(creditsOf(*server, QStringLiteral("ZY1-203"), b), 0);
    QTRY_COMPARE(ecardBalance(*server, QStringLiteral("T0012")), 50000 - 2000);

    // The list by status, the room lookup.
    r = server->get(QStringLiteral("/admin/v1/topups?status=REFUNDED"), admin);
    QCOMPARE(r.json()[QStringLiteral("items")].toArray().size(), 1);
    r = server->get(QStringLiteral("/admin/v1/rooms/ZY1-203"), admin);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("students")].toArray().size(), 1);
    QCOMPARE(r.json()[QStringLiteral("topups")].toArray().size(), 2);
    QCOMPARE(r.json()[QStringLiteral("electricity")].toInteger(), 7000);
}

QTEST_GUILESS_MAIN(TestTopup)
#include "test_topup.moc"
