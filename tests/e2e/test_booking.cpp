// The booking API of API.md through a real pomelo-server, on SQLite and on PostgreSQL.
#include "bookingclient.h"
#include "redisserver.h"

#include <QEventLoop>
#include <QTcpSocket>
#include <QTimer>

using namespace pomelo::test;

namespace {

/// Sends every request on its own connection at once and returns the status line codes in order
/// (0 for no answer). Event-driven, so all requests are really in flight together.
QList<int> concurrentStatuses(quint16 port, const QList<QByteArray> &requests,
                              QList<QByteArray> *bodies = nullptr, int timeoutMs = 60000)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    QList<QByteArray> received(requests.size());
    int done = 0;
    QEventLoop loop;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        QTcpSocket *s = socket.get();
        QObject::connect(s, &QTcpSocket::connected, s,
                         [s, &requests, i] { s->write(requests.at(i)); });
        QObject::connect(s, &QTcpSocket::readyRead, s,
                         [s, &received, i] { received[i] += s->readAll(); });
        QObject::connect(s, &QTcpSocket::disconnected, s, [&] {
            if (++done == requests.size())
                loop.quit();
        });
        s->connectToHost(QHostAddress::LocalHost, port);
        sockets.push_back(std::move(socket));
    }
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    QList<int> statuses;
    for (const QByteArray &r : received) {
        statuses.append(r.startsWith("HTTP/1.1 ") ? r.mid(9, 3).toInt() : 0);
        if (bodies)
            bodies->append(r.mid(r.indexOf("\r\n\r\n") + 4));
    }
    return statuses;
}

QByteArray rawBooking(const QByteArray &token, qint64 venueId, const QString &date,
                      const QString &start, const QString &end)
{
    const QByteArray body = QJsonDocument(QJsonObject {{QStringLiteral("venueId"), venueId},
                                                       {QStringLiteral("date"), date},
                                                       {QStringLiteral("startTime"), start},
                                                       {QStringLiteral("endTime"), end}})
                                .toJson(QJsonDocument::Compact);
    return "POST /api/v1/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
           "close\r\nAuthorization: Bearer "
        + token + "\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

} // namespace

class TestBooking : public QObject
{
    Q_OBJECT

private slots:
    void happyPath_data() { backends(); }
    void happyPath();
    void loginAndProfileErrors_data() { backends(); }
    void loginAndProfileErrors();
    void bookingErrorCodes_data() { backends(); }
    void bookingErrorCodes();
    void malformedInputsChangeNothing_data();
    void malformedInputsChangeNothing();
    void twoHundredClientsOneSlot_data() { backends(); }
    void twoHundredClientsOneSlot();
    void overlappingRangesOneWins_data() { backends(); }
    void overlappingRangesOneWins();
    void expiryFreesTheSlot_data() { backends(); }
    void expiryFreesTheSlot();
    void busyLockIs1001_data() { backends(); }
    void busyLockIs1001();
    void redisDownIs5030AndRecovers_data() { backends(); }
    void redisDownIs5030AndRecovers();

private:
    static void backends() { addBackendRows(); }
};

void TestBooking::happyPath()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    QVERIFY(alice.loggedIn());

    HttpResult r = alice.put(QStringLiteral("/api/v1/me"),
                             R"({"studentId":"B22040101","name":"李华","phone":"13800138000"})");
    QCOMPARE(r.status, 200);
    r = alice.get(QStringLiteral("/api/v1/me"));
    QCOMPARE(r.json()[QStringLiteral("studentId")].toString(), QStringLiteral("B22040101"));
    QCOMPARE(r.json()[QStringLiteral("openId")].toString(), QStringLiteral("o-alice"));

    r = alice.get(QStringLiteral("/api/v1/venues"));
    QCOMPARE(r.status, 200);
    const QJsonArray venues = r.json().array();
    QVERIFY(venues.size() >= 4);
    const QJsonObject court = venues.first().toObject();
    const qint64 venueId = court[QStringLiteral("id")].toInteger();
    const qint64 price = court[QStringLiteral("pricePerSlot")].toInteger();
    QVERIFY(price > 0);

    const QString date = tomorrow();
    QHash<QString, QString> states = alice.slotStates(venueId, date);
    QVERIFY(states.size() >= 8);
    QCOMPARE(states.value(QStringLiteral("09:00")), QStringLiteral("FREE"));

    r = alice.book(venueId, date, QStringLiteral("09:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QJsonObject booking = r.json().object();
    QCOMPARE(booking[QStringLiteral("status")].toString(), QStringLiteral("PENDING_PAYMENT"));
    QCOMPARE(booking[QStringLiteral("amount")].toInteger(), 2 * price);
    QVERIFY(booking[QStringLiteral("id")].isString()); // Snowflake ids travel as strings
    QVERIFY(booking[QStringLiteral("expiresAt")].toString().endsWith(QStringLiteral("+08:00")));
    const QString id = booking[QStringLiteral("id")].toString();

    states = alice.slotStates(venueId, date);
    QCOMPARE(states.value(QStringLiteral("09:00")), QStringLiteral("HELD"));
    QCOMPARE(states.value(QStringLiteral("10:00")), QStringLiteral("HELD"));
    QCOMPARE(states.value(QStringLiteral("11:00")), QStringLiteral("FREE"));

    QCOMPARE(
        alice.get(QStringLiteral("/api/v1/bookings/") + id).json()[QStringLiteral("id")].toString(),
        id);
    QCOMPARE(alice.bookingCount(), 1);

    r = alice.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(id), {});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("CANCELLED"));
    QCOMPARE(alice.slotStates(venueId, date).value(QStringLiteral("09:00")),
             QStringLiteral("FREE"));
    // Freed slots can be booked again.
    QCOMPARE(alice.book(venueId, date, QStringLiteral("09:00"), QStringLiteral("10:00")).status,
             201);
}

void TestBooking::loginAndProfileErrors()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    // A code WeChat rejects (40029): 1010, log in again (test_setup covers every errcode).
    HttpResult r =
        server->post(QStringLiteral("/api/v1/auth/login"), R"({"code":"not-a-user-code"})");
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 1010);
    QVERIFY(!r.body.contains("session_key"));
    r = server->post(QStringLiteral("/api/v1/auth/login"), R"({"code":42})");
    QCOMPARE(errorCode(r), 4000);
    r = server->post(QStringLiteral("/api/v1/auth/login"), R"({"code":)");
    QCOMPARE(errorCode(r), 4000);
    // No token, a forged one, a malformed header.
    for (const QByteArray &header :
         {QByteArray(), QByteArray("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
          QByteArray("Basic dXNlcjpwYXNz"), QByteArray("Bearer ")}) {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!header.isEmpty())
            headers.append({"Authorization", header});
        r = server->get(QStringLiteral("/api/v1/bookings"), headers);
        QCOMPARE(r.status, 401);
        QCOMPARE(errorCode(r), 4010);
    }
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    for (const char *body :
         {R"({"studentId":"B1","name":"Bob","phone":"13800138000"})",
          R"({"studentId":"B22040101","name":"Bob","phone":"12345"})",
          R"({"studentId":"B22040101","name":"","phone":"13800138000"})",
          R"({"studentId":"B22040101","name":" Bob","phone":"13800138000"})",
          R"({"studentId":"B22040101","name":"Bo\u0000b","phone":"13800138000"})",
          R"({"studentId":22040101,"name":"Bob","phone":"13800138000"})"}) {
        r = bob.put(QStringLiteral("/api/v1/me"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), 1007);
    }
    QCOMPARE(bob.get(QStringLiteral("/api/v1/me")).json()[QStringLiteral("studentId")].toString(),
             QString());
}

void TestBooking::bookingErrorCodes()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    const QString date = tomorrow();

    HttpResult r = alice.book(1, date, QStringLiteral("14:00"), QStringLiteral("15:00"));
    QCOMPARE(r.status, 201);
    const QString id = r.json()[QStringLiteral("id")].toString();

    r = bob.book(1, date, QStringLiteral("14:00"), QStringLiteral("15:00"));
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1002);
    r = bob.book(1, date, QStringLiteral("13:00"), QStringLiteral("15:00")); // shares one slot
    QCOMPARE(errorCode(r), 1002);

    r = bob.book(999, date, QStringLiteral("14:00"), QStringLiteral("15:00"));
    QCOMPARE(r.status, 400);
    QCOMPARE(errorCode(r), 1003);

    r = bob.get(QStringLiteral("/api/v1/bookings/1234567890123"));
    QCOMPARE(r.status, 404);
    QCOMPARE(errorCode(r), 1004);
    r = bob.get(QStringLiteral("/api/v1/bookings/not-an-id"));
    QCOMPARE(errorCode(r), 1004);

    r = bob.get(QStringLiteral("/api/v1/bookings/") + id);
    QCOMPARE(r.status, 403);
    QCOMPARE(errorCode(r), 1005);
    r = bob.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(id), {});
    QCOMPARE(errorCode(r), 1005);

    QCOMPARE(alice.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(id), {}).status, 200);
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(id), {});
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1006);

    r = alice.get(QStringLiteral("/api/v1/venues/abc/slots?date=") + date);
    QCOMPARE(errorCode(r), 1003);
    r = alice.get(QStringLiteral("/api/v1/venues/1/slots?date=tomorrow"));
    QCOMPARE(errorCode(r), 1003);
    r = alice.get(QStringLiteral("/api/v1/bookings?limit=1000"));
    QCOMPARE(errorCode(r), 1003);
    r = alice.get(QStringLiteral("/api/v1/bookings?cursor=%27%20OR%201%3D1"));
    QCOMPARE(errorCode(r), 1003);
}

void TestBooking::malformedInputsChangeNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("code");
    const QByteArray d = tomorrow().toLatin1();
    const QByteArray far = shanghaiToday().addDays(8).toString(Qt::ISODate).toLatin1();
    const QByteArray past = shanghaiToday().addDays(-1).toString(Qt::ISODate).toLatin1();
    const auto ok = [](const QByteArray &venue, const QByteArray &date, const QByteArray &start,
                       const QByteArray &end) -> QByteArray {
        return "{\"venueId\":" + venue + ",\"date\":" + date + ",\"startTime\":" + start
            + ",\"endTime\":" + end + "}";
    };
    const QByteArray D = '"' + d + '"';
    const QList<std::tuple<const char *, QByteArray, int>> rows = {
        {"empty body", QByteArray(), 4000},
        {"not json", "venueId=1", 4000},
        {"truncated", "{\"venueId\":1,", 4000},
        {"array", "[1,2,3]", 4000},
        {"string", "\"hello\"", 4000},
        {"null", "null", 4000},
        {"duplicate key",
         "{\"venueId\":1,\"venueId\":2,\"date\":" + D
             + ",\"startTime\":\"09:00\",\"endTime\":\"10:00\"}",
         4000},
        {"invalid utf-8",
         "{\"venueId\":1,\"date\":\"\xff\xfe\",\"startTime\":\"09:00\",\"endTime\":\"10:00\"}",
         4000},
        {"empty object", "{}", 1003},
        {"missing venue", "{\"date\":" + D + ",\"startTime\":\"09:00\",\"endTime\":\"10:00\"}",
         1003},
        {"missing date", "{\"venueId\":1,\"startTime\":\"09:00\",\"endTime\":\"10:00\"}", 1003},
        {"missing end", "{\"venueId\":1,\"date\":" + D + ",\"startTime\":\"09:00\"}", 1003},
        {"venue as string", ok("\"1\"", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue float", ok("1.5", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue negative", ok("-1", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue zero", ok("0", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue huge", ok("99999999999999999999", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue bool", ok("true", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue null", ok("null", D, "\"09:00\"", "\"10:00\""), 1003},
        {"venue object", ok("{}", D, "\"09:00\"", "\"10:00\""), 1003},
        {"date number", ok("1", "20261128", "\"09:00\"", "\"10:00\""), 1003},
        {"date slashes",
         ok("1", "\"" + QByteArray(d).replace('-', '/') + "\"", "\"09:00\"", "\"10:00\""), 1003},
        {"date impossible", ok("1", "\"2026-02-30\"", "\"09:00\"", "\"10:00\""), 1003},
        {"date past", ok("1", '"' + past + '"', "\"12:00\"", "\"13:00\""), 1003},
        {"date too far", ok("1", '"' + far + '"', "\"09:00\"", "\"10:00\""), 1003},
        {"sql in date",
         ok("1", "\"2026-11-28'; DROP TABLE bookings; --\"", "\"09:00\"", "\"10:00\""), 1003},
        {"time no colon", ok("1", D, "\"0900\"", "\"1000\""), 1003},
        {"time 24h+", ok("1", D, "\"25:00\"", "\"26:00\""), 1003},
        {"time with seconds", ok("1", D, "\"09:00:00\"", "\"10:00:00\""), 1003},
        {"end before start", ok("1", D, "\"11:00\"", "\"10:00\""), 1003},
        {"empty range", ok("1", D, "\"10:00\"", "\"10:00\""), 1003},
        {"off grid", ok("1", D, "\"09:30\"", "\"10:30\""), 1003},
        {"before opening", ok("1", D, "\"06:00\"", "\"07:00\""), 1003},
        {"after closing", ok("1", D, "\"21:00\"", "\"23:00\""), 1003},
        {"unicode digits", ok("1", D, "\"０９:００\"", "\"１０:００\""), 1003},
        {"huge string", ok("1", D, "\"" + QByteArray(60000, '9') + "\"", "\"10:00\""), 1003},
        {"control chars", ok("1", D, "\"09:00\\u0000\"", "\"10:00\""), 1003},
        {"emoji", ok("1", D, "\"⏰\"", "\"10:00\""), 1003},
    };
    for (const auto &[name, body, code] : rows) {
        QTest::addRow("sqlite: %s", name) << QStringLiteral("sqlite") << body << code;
        QTest::addRow("postgres: %s", name) << QStringLiteral("postgres") << body << code;
    }
}

void TestBooking::malformedInputsChangeNothing()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, body);
    QFETCH(int, code);
    // One server per backend for the whole table: the rows only read what they failed to write.
    static QHash<QString, std::shared_ptr<ServerProcess>> servers;
    std::shared_ptr<ServerProcess> &server = servers[backend];
    if (!server)
        server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser carol(*server, QStringLiteral("carol"));
    const HttpResult r = carol.post(QStringLiteral("/api/v1/bookings"), body);
    QCOMPARE(errorCode(r), code);
    QVERIFY(r.status == 400);
    QVERIFY(!r.body.contains("SELECT") && !r.body.contains("sql"));
    QCOMPARE(carol.bookingCount(), 0);
    const QHash<QString, QString> states = carol.slotStates(1, tomorrow());
    QVERIFY(!states.isEmpty());
    for (const QString &s : states)
        QCOMPARE(s, QStringLiteral("FREE"));
    if (QTest::currentDataTag() == QByteArrayLiteral("postgres: emoji"))
        servers.clear(); // the last row: stop the servers while the application exists
}

void TestBooking::twoHundredClientsOneSlot()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const QString date = tomorrow();
    QList<QByteArray> requests;
    for (int i = 0; i < 200; ++i) {
        MiniProgramUser u(*server, QStringLiteral("racer%1").arg(i));
        QVERIFY(u.loggedIn());
        requests.append(
            rawBooking(u.token(), 2, date, QStringLiteral("18:00"), QStringLiteral("19:00")));
    }
    QList<QByteArray> bodies;
    const QList<int> statuses = concurrentStatuses(server->port(), requests, &bodies);
    int created = 0, conflicts = 0, busy = 0;
    for (qsizetype i = 0; i < statuses.size(); ++i) {
        switch (statuses.at(i)) {
        case 201:
            ++created;
            break;
        case 409:
            QVERIFY(bodies.at(i).contains("\"code\":1002"));
            ++conflicts;
            break;
        case 429:
            QVERIFY(bodies.at(i).contains("\"code\":1001"));
            ++busy;
            break;
        default:
            QFAIL(qPrintable(QStringLiteral("status %1: %2")
                                 .arg(statuses.at(i))
                                 .arg(QString::fromUtf8(bodies.at(i)))));
        }
    }
    qInfo("200 clients: %d created, %d taken (1002), %d busy (1001)", created, conflicts, busy);
    QCOMPARE(created, 1);
    QCOMPARE(created + conflicts + busy, 200);
    MiniProgramUser check(*server, QStringLiteral("checker"));
    QCOMPARE(check.slotStates(2, date).value(QStringLiteral("18:00")), QStringLiteral("HELD"));
}

void TestBooking::overlappingRangesOneWins()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser a(*server, QStringLiteral("a")), b(*server, QStringLiteral("b"));
    const QString date = tomorrow();
    // Different ranges take different locks: only the database's unique index can decide.
    for (int round = 0; round < 5; ++round) {
        const int h = 8 + 2 * round;
        const auto t = [](int hour) -> QString {
            return QStringLiteral("%1:00").arg(hour, 2, 10, QLatin1Char('0'));
        };
        const QList<int> statuses =
            concurrentStatuses(server->port(),
                               {rawBooking(a.token(), 3, date, t(h), t(h + 2)),
                                rawBooking(b.token(), 3, date, t(h + 1), t(h + 3))});
        QCOMPARE(statuses.count(201), 1);
        QCOMPARE(statuses.count(409), 1);
    }
}

void TestBooking::expiryFreesTheSlot()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend, {},
                                              {QStringLiteral("POMELO_BOOKING_EXPIRY_SECONDS=1")});
    QVERIFY(server);
    MiniProgramUser dave(*server, QStringLiteral("dave"));
    const QString date = tomorrow();
    const HttpResult r = dave.book(4, date, QStringLiteral("20:00"), QStringLiteral("21:00"));
    QCOMPARE(r.status, 201);
    const QString id = r.json()[QStringLiteral("id")].toString();
    QCOMPARE(dave.slotStates(4, date).value(QStringLiteral("20:00")), QStringLiteral("HELD"));
    QVERIFY(waitUntil(
        [&] {
            return dave.get(QStringLiteral("/api/v1/bookings/") + id)
                       .json()[QStringLiteral("status")]
                       .toString()
                == QLatin1String("CANCELLED");
        },
        15000, 100));
    QCOMPARE(dave.slotStates(4, date).value(QStringLiteral("20:00")), QStringLiteral("FREE"));
    // Before it expired, the user was reminded (once) in the inbox.
    const QByteArray inbox = dave.get(QStringLiteral("/api/v1/me/messages")).body;
    QVERIFY2(inbox.contains("预订即将过期"), inbox.constData());
    QCOMPARE(inbox.count("预订即将过期"), 1);
}

void TestBooking::busyLockIs1001()
{
    QFETCH(QString, backend);
    RedisServer redis;
    QVERIFY(redis.start());
    auto server = BookingHarness::startServer(backend, {QStringLiteral("--redis"), redis.url()});
    QVERIFY(server);
    MiniProgramUser erin(*server, QStringLiteral("erin"));
    const QString date = tomorrow();
    // Another instance holds the range's lock (Redisson layout: a hash owner → count) for 20 s.
    const QString key = QStringLiteral("venue_booking:5:%1:09:00-10:00").arg(date);
    ChildProcess cli(QStringLiteral("redis-cli"),
                     {QStringLiteral("-p"), QString::number(redis.port()), QStringLiteral("EVAL"),
                      QStringLiteral("redis.call('HSET', KEYS[1], 'other-instance:1', 1); return "
                                     "redis.call('PEXPIRE', KEYS[1], 20000)"),
                      QStringLiteral("1"), key});
    QVERIFY(cli.start());
    QVERIFY(cli.process().waitForFinished(5000));
    QElapsedTimer t;
    t.start();
    const HttpResult r = erin.book(5, date, QStringLiteral("09:00"), QStringLiteral("10:00"));
    QCOMPARE(r.status, 429);
    QCOMPARE(errorCode(r), 1001);
    QVERIFY(!r.header("Retry-After").isEmpty());
    QVERIFY2(t.elapsed() >= 4500, qPrintable(QString::number(t.elapsed()))); // waited its 5 s
    QCOMPARE(erin.bookingCount(), 0);
}

void TestBooking::redisDownIs5030AndRecovers()
{
    QFETCH(QString, backend);
    RedisServer redis;
    QVERIFY(redis.start());
    auto server = BookingHarness::startServer(backend, {QStringLiteral("--redis"), redis.url()});
    QVERIFY(server);
    MiniProgramUser frank(*server, QStringLiteral("frank"));
    const QString date = tomorrow();
    QCOMPARE(frank.book(6, date, QStringLiteral("08:00"), QStringLiteral("09:00")).status, 201);

    redis.stop();
    // Tokens live in Redis too: every booking call answers 503 / 5030, never 500, never a hang.
    HttpResult r = frank.book(6, date, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 503);
    QCOMPARE(errorCode(r), 5030);
    QVERIFY(!r.header("Retry-After").isEmpty());

    QVERIFY(redis.restart());
    QVERIFY(waitUntil([&] { return server->get(QStringLiteral("/readyz")).status == 200; }, 10000,
                      100));
    // Each worker thread's Redis connection reconnects on its own (with back-off, up to 2 s after
    // its last failed attempt): until then a request may still answer 5030, never anything else.
    std::unique_ptr<MiniProgramUser> again;
    QVERIFY(waitUntil(
        [&] {
            again = std::make_unique<MiniProgramUser>(*server, QStringLiteral("frank"));
            return again->loggedIn();
        },
        10000, 100));
    // Nothing was written while Redis was down: 10:00 is still free and bookable.
    QHash<QString, QString> states;
    QVERIFY(
        waitUntil([&] { return !(states = again->slotStates(6, date)).isEmpty(); }, 10000, 100));
    QCOMPARE(states.value(QStringLiteral("10:00")), QStringLiteral("FREE"));
    int status = 0;
    QVERIFY(waitUntil(
        [&] {
            status = again->book(6, date, QStringLiteral("10:00"), QStringLiteral("11:00")).status;
            return status != 503;
        },
        10000, 100));
    QCOMPARE(status, 201);
    QCOMPARE(again->bookingCount(), 2);
}

QTEST_GUILESS_MAIN(TestBooking)
#include "test_booking.moc"
