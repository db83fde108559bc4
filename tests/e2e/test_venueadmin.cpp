// Venues managed by staff (issue 13 §3) through a real pomelo-server on SQLite and PostgreSQL: the
// admin API for venues and closures (roles, bad input that changes nothing, audit, live feed), a
// closure that shows CLOSED and refuses bookings (1023), its confirmation by an admin that
// cancels the unpaid bookings and refunds the paid ones with a message in each student's inbox,
// inactive venues (1024), the campus booking rules (1020, 1021, 1022, 1025; the daily limit under
// concurrent requests), grid changes with bookings in place (no overlapping range is ever
// booked), and `pomelo-server venue add|edit|list|close`.
#include "bookingclient.h"
#include "domain/signing.h"
#include "payclient.h"

#include <QDateTime>
#include <QProcess>
#include <QTcpSocket>
#include <QWebSocket>

#include <future>
#include <vector>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("admin-pass-123");
const QString StaffPassword = QStringLiteral("staff-pass-123");

/// A zone in which it is now between 10:00 and 11:59 (see test_admin.cpp).
QString daytimeZone()
{
    const int utcHour = QDateTime::currentDateTimeUtc().time().hour();
    int offset = 10 - utcHour;
    if (offset < -12)
        offset += 24;
    if (offset > 14)
        offset -= 24;
    if (offset == 0)
        return QStringLiteral("Etc/GMT");
    return QStringLiteral("Etc/GMT%1%2")
        .arg(offset > 0 ? QStringLiteral("-") : QStringLiteral("+"))
        .arg(std::abs(offset));
}

QDate todayIn(const QString &zone)
{
    return QDateTime::currentDateTimeUtc().toTimeZone(QTimeZone(zone.toLatin1())).date();
}

class Console
{
public:
    Console(ServerProcess &server, const QString &user, const QString &password)
        : m_server(server)
    {
        m_token = server
                      .post(QStringLiteral("/admin/v1/login"),
                            compact({{QStringLiteral("username"), user},
                                     {QStringLiteral("password"), password}}))
                      .json()[QStringLiteral("token")]
                      .toString()
                      .toLatin1();
    }
    HttpResult request(const QByteArray &method, const QString &path,
                       const QByteArray &body = {}) const
    {
        return httpRequest(method, m_server.url(path), body,
                           {{"Authorization", "Bearer " + m_token}});
    }
    HttpResult get(const QString &path) const { return request("GET", path); }
    HttpResult post(const QString &path, const QJsonObject &body) const
    {
        return request("POST", path, compact(body));
    }
    HttpResult put(const QString &path, const QJsonObject &body) const
    {
        return request("PUT", path, compact(body));
    }
    const QByteArray &token() const { return m_token; }

private:
    ServerProcess &m_server;
    QByteArray m_token;
};

/// The server's binary as a command, in the server's zone (the same configuration as the server).
int runCommand(const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("POMELO_SERVER_TIME_ZONE"), daytimeZone());
    p.setProcessEnvironment(env);
    p.start(ServerProcess::binary(), args);
    if (!p.waitForFinished(60000))
        return -1;
    if (out)
        *out = p.readAllStandardOutput();
    if (err)
        *err = p.readAllStandardError();
    return p.exitCode();
}

QStringList storageArgs(ServerProcess &server)
{
    return {QStringLiteral("--data-dir"), server.dataDir(), QStringLiteral("--database"),
            serverDatabaseUrl(server)};
}

QJsonObject venueBody(const QString &name, const QString &from, const QString &to, int slot,
                      qint64 price)
{
    return {
        {QStringLiteral("name"), name},        {QStringLiteral("sport"), QStringLiteral("tennis")},
        {QStringLiteral("openFrom"), from},    {QStringLiteral("openTo"), to},
        {QStringLiteral("slotMinutes"), slot}, {QStringLiteral("pricePerSlot"), price}};
}

/// An RFC 3339 time of @p date at @p hhmm in @p zone.
QString instant(const QString &date, const QString &hhmm, const QString &zone)
{
    return QDateTime(QDate::fromString(date, Qt::ISODate),
                     QTime::fromString(hhmm, QStringLiteral("HH:mm")), QTimeZone(zone.toLatin1()))
        .toString(Qt::ISODate);
}

/// A signed and e-card paid booking; its id, or "" when a step failed.
QString paidBooking(ServerProcess &server, const MiniProgramUser &user, qint64 venueId,
                    const QString &date, const QString &start, const QString &end)
{
    HttpResult r = user.book(venueId, date, start, end);
    if (r.status != 201) {
        qWarning("book: %d %s", r.status, r.body.constData());
        return {};
    }
    const QString id = r.json()[QStringLiteral("id")].toString();
    r = user.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(id), {});
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    r = server.post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    const QString prepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    if (prepayId.isEmpty() || simulatePay(server, prepayId).status != 200) {
        qWarning("pay: %d %s", r.status, r.body.constData());
        return {};
    }
    const bool paid = waitUntil(
        [&] {
            return user.get(QStringLiteral("/api/v1/bookings/") + id)
                       .json()[QStringLiteral("status")]
                       .toString()
                == QLatin1String("PAID");
        },
        15000);
    return paid ? id : QString();
}

QString statusOf(const MiniProgramUser &user, const QString &bookingId)
{
    return user.get(QStringLiteral("/api/v1/bookings/") + bookingId)
        .json()[QStringLiteral("status")]
        .toString();
}

void setProfile(const MiniProgramUser &user, const char *studentId)
{
    user.put(QStringLiteral("/api/v1/me"),
             QByteArray(R"({"studentId":")") + studentId
                 + R"(","name":"Student","phone":"13800138000"})");
}

/// POST as a blocking socket call (several threads at once; see test_admin.cpp's loginFrom).
int rawPost(quint16 port, const QString &path, const QByteArray &body, const QByteArray &token)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(10000))
        return -1;
    socket.write("POST " + path.toUtf8()
                 + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   "Content-Type: application/json\r\nAuthorization: Bearer "
                 + token + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
                 + body);
    QByteArray received;
    QDeadlineTimer deadline(30000);
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        received += socket.readAll();
    }
    received += socket.readAll();
    const qsizetype headEnd = received.indexOf("\r\n\r\n");
    if (!received.startsWith("HTTP/1.1 ") || headEnd < 0)
        return -1;
    if (received.mid(9, 3).toInt() == 201)
        return 0;
    return QJsonDocument::fromJson(received.mid(headEnd + 4))
        .object()
        .value(QStringLiteral("code"))
        .toInt();
}

} // namespace

class TestVenueAdmin : public QObject
{
    Q_OBJECT

private slots:
    void venuesAndRoles_data() { addBackendRows(); }
    void venuesAndRoles();
    void closureConfirmedRefundsAndTells_data() { addBackendRows(); }
    void closureConfirmedRefundsAndTells();
    void closureClosesSignedPayOrders_data() { addBackendRows(); }
    void closureClosesSignedPayOrders();
    void closureCloseFailsThenRetries_data() { addBackendRows(); }
    void closureCloseFailsThenRetries();
    void weeklyClosure_data() { addBackendRows(); }
    void weeklyClosure();
    void gridChangeNeverDoublesABooking_data() { addBackendRows(); }
    void gridChangeNeverDoublesABooking();
    void bookingLimits_data() { addBackendRows(); }
    void bookingLimits();
    void dayOpensAtItsTime();
    void venueCommands();

private:
    static std::unique_ptr<ServerProcess> start(const QString &backend, const QStringList &env = {})
    {
        auto server = BookingHarness::startServer(
            backend, {},
            QStringList {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
                         QStringLiteral("POMELO_SERVER_TIME_ZONE=") + daytimeZone()}
                + env);
        if (!server)
            return server;
        QByteArray out;
        const int rc =
            runCommand(QStringList {QStringLiteral("user"), QStringLiteral("add"),
                                    QStringLiteral("--username"), QStringLiteral("staff1"),
                                    QStringLiteral("--role"), QStringLiteral("staff"),
                                    QStringLiteral("--password"), StaffPassword}
                           + storageArgs(*server),
                       &out);
        if (rc != 0) {
            qWarning("user add failed: %s", out.constData());
            return nullptr;
        }
        return server;
    }
};

void TestVenueAdmin::venuesAndRoles()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const Console admin(*server, QStringLiteral("admin"), AdminPassword);
    QVERIFY(!staff.token().isEmpty() && !admin.token().isEmpty());
    const QString venues = QStringLiteral("/admin/v1/venues");
    const auto count = [&] {
        return staff.get(venues).json()[QStringLiteral("venues")].toArray().size();
    };
    const qsizetype before = count();
    QVERIFY(before > 0); // the demo venues

    // Staff create a venue: 201 with its id; students see it.
    HttpResult r = staff.post(venues,
                              venueBody(QStringLiteral("网球场 1 号"), QStringLiteral("07:00"),
                                        QStringLiteral("21:00"), 60, 3000));
    QCOMPARE(r.status, 201);
    const qint64 id = r.json()[QStringLiteral("id")].toInteger();
    QVERIFY(id > 0);
    QCOMPARE(r.json()[QStringLiteral("active")].toBool(), true);
    QCOMPARE(count(), before + 1);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    const auto studentSees = [&](qint64 venueId) {
        const QJsonArray list = alice.get(QStringLiteral("/api/v1/venues")).json().array();
        return std::any_of(list.begin(), list.end(), [&](const QJsonValue &v) {
            return v[QStringLiteral("id")].toInteger() == venueId;
        });
    };
    QVERIFY(studentSees(id));

    // Bad input: 4001 (4000 for malformed JSON), and nothing changes.
    const QByteArray bad[][2] = {
        {"{", "4000"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60})",
         "4001"},
        {R"({"name":"","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":1})",
         "4001"},
        {R"({"name":"x","sport":"Tennis!","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":1})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:03","openTo":"21:00","slotMinutes":60,"pricePerSlot":1})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"21:00","openTo":"07:00","slotMinutes":60,"pricePerSlot":1})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":42,"pricePerSlot":1})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":0})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":12.5})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":"100"})",
         "4001"},
        {R"({"name":"x","sport":"tennis","openFrom":"07:00","openTo":"21:00","slotMinutes":60,"pricePerSlot":1,"active":false})",
         "4001"},
    };
    for (const auto &row : bad) {
        r = staff.request("POST", venues, row[0]);
        QVERIFY2(r.status == 400 && errorCode(r) == row[1].toInt(), row[0].constData());
    }
    QCOMPARE(count(), before + 1);
    // Edits: unknown venue 4040; a bad edit changes nothing; a good one changes every field.
    QCOMPARE(errorCode(staff.put(venues + QStringLiteral("/999999"),
                                 venueBody(QStringLiteral("x"), QStringLiteral("07:00"),
                                           QStringLiteral("21:00"), 60, 100))),
             4040);
    QCOMPARE(errorCode(staff.put(venues + QStringLiteral("/%1").arg(id),
                                 venueBody(QStringLiteral("x"), QStringLiteral("07:00"),
                                           QStringLiteral("25:00"), 60, 100))),
             4001);
    QJsonObject edit = venueBody(QStringLiteral("网球场 A"), QStringLiteral("08:00"),
                                 QStringLiteral("22:00"), 30, 1800);
    edit.insert(QStringLiteral("reason"), QStringLiteral("冬季时间"));
    r = staff.put(venues + QStringLiteral("/%1").arg(id), edit);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("name")].toString(), QStringLiteral("网球场 A"));
    QCOMPARE(r.json()[QStringLiteral("slotMinutes")].toInt(), 30);
    QCOMPARE(r.json()[QStringLiteral("pricePerSlot")].toInteger(), 1800);
    const QString tomorrowDate = todayIn(daytimeZone()).addDays(1).toString(Qt::ISODate);
    QCOMPARE(alice.slotStates(id, tomorrowDate).size(), 28); // 08:00-22:00 in 30 minutes

    // Out of service: students no longer see it, and booking it answers 1024.
    edit.insert(QStringLiteral("active"), false);
    QCOMPARE(staff.put(venues + QStringLiteral("/%1").arg(id), edit).status, 200);
    QVERIFY(!studentSees(id));
    r = alice.book(id, tomorrowDate, QStringLiteral("10:00"), QStringLiteral("10:30"));
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1024);
    edit.insert(QStringLiteral("active"), true);
    QCOMPARE(staff.put(venues + QStringLiteral("/%1").arg(id), edit).status, 200);
    QVERIFY(studentSees(id));

    // Closures: staff create and delete them, only admins confirm them.
    const QString closures = venues + QStringLiteral("/%1/closures").arg(id);
    r = staff.post(
        closures,
        {{QStringLiteral("from"), instant(tomorrowDate, QStringLiteral("08:00"), daytimeZone())},
         {QStringLiteral("to"), instant(tomorrowDate, QStringLiteral("09:00"), daytimeZone())},
         {QStringLiteral("reason"), QStringLiteral("检修")}});
    QCOMPARE(r.status, 201);
    const qint64 closureId = r.json()[QStringLiteral("id")].toInteger();
    const QString confirm = closures + QStringLiteral("/%1/confirm").arg(closureId);
    r = staff.post(confirm, {{QStringLiteral("reason"), QStringLiteral("ok")}});
    QCOMPARE(r.status, 403);
    QCOMPARE(errorCode(r), 4030);
    QCOMPARE(errorCode(admin.post(confirm, {})), 4001); // a reason is required
    QCOMPARE(admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("ok")}}).status, 200);
    // Bad closures: 4001, and the list stays as it was.
    const QString from = instant(tomorrowDate, QStringLiteral("12:00"), daytimeZone());
    const QString to = instant(tomorrowDate, QStringLiteral("14:00"), daytimeZone());
    const QJsonObject badClosures[] = {
        {{QStringLiteral("from"), to},
         {QStringLiteral("to"), from},
         {QStringLiteral("reason"), QStringLiteral("x")}},
        {{QStringLiteral("from"), from}, {QStringLiteral("to"), to}},
        {{QStringLiteral("from"), QStringLiteral("2026-12-08T12:00:00")},
         {QStringLiteral("to"), to},
         {QStringLiteral("reason"), QStringLiteral("x")}},
        {{QStringLiteral("from"), from},
         {QStringLiteral("to"), to},
         {QStringLiteral("reason"), QStringLiteral("x")},
         {QStringLiteral("days"), QJsonArray {0}}},
        {{QStringLiteral("from"), from},
         {QStringLiteral("to"), to},
         {QStringLiteral("reason"), QStringLiteral("x")},
         {QStringLiteral("days"), QJsonArray {3, 3}}},
        {{QStringLiteral("from"), from},
         {QStringLiteral("to"), to},
         {QStringLiteral("reason"), QStringLiteral("x")},
         {QStringLiteral("dailyFrom"), QStringLiteral("14:00")}},
        {{QStringLiteral("from"), from},
         {QStringLiteral("to"), to},
         {QStringLiteral("reason"), QStringLiteral("x")},
         {QStringLiteral("dailyFrom"), QStringLiteral("16:00")},
         {QStringLiteral("dailyTo"), QStringLiteral("14:00")}},
        {{QStringLiteral("from"), QStringLiteral("2020-01-01T00:00:00+08:00")},
         {QStringLiteral("to"), QStringLiteral("2020-01-02T00:00:00+08:00")},
         {QStringLiteral("reason"), QStringLiteral("past")}},
    };
    for (const QJsonObject &body : badClosures) {
        r = staff.post(closures, body);
        QVERIFY2(r.status == 400 && errorCode(r) == 4001, compact(body).constData());
    }
    QCOMPARE(errorCode(staff.post(venues + QStringLiteral("/999999/closures"),
                                  {{QStringLiteral("from"), from},
                                   {QStringLiteral("to"), to},
                                   {QStringLiteral("reason"), QStringLiteral("x")}})),
             4040);
    r = staff.get(closures);
    QCOMPARE(r.json()[QStringLiteral("closures")].toArray().size(), 1);
    QCOMPARE(errorCode(staff.request("DELETE", closures + QStringLiteral("/999999"))), 4040);
    QCOMPARE(
        staff.request("DELETE", closures + QStringLiteral("/%1?reason=done").arg(closureId)).status,
        200);
    QCOMPARE(staff.get(closures).json()[QStringLiteral("closures")].toArray().size(), 0);

    // Without a session every route answers 401.
    const QList<QPair<QByteArray, QString>> routes {
        {"GET", venues},
        {"POST", venues},
        {"PUT", venues + QStringLiteral("/%1").arg(id)},
        {"GET", closures},
        {"POST", closures},
        {"GET", closures + QStringLiteral("/1")},
        {"DELETE", closures + QStringLiteral("/1")},
        {"POST", closures + QStringLiteral("/1/confirm")},
    };
    for (const auto &[method, path] : routes) {
        r = httpRequest(method, server->url(path), "{}");
        const QByteArray what = method + ' ' + path.toUtf8();
        QVERIFY2(r.status == 401 && errorCode(r) == 4010, what.constData());
    }

    // Every change is in the audit log with who and why.
    const QJsonArray updates =
        admin.get(QStringLiteral("/admin/v1/audit?action=venue.update&limit=50"))
            .json()[QStringLiteral("items")]
            .toArray();
    QVERIFY(updates.size() >= 3);
    // Failed attempts are audited too (with their code); the first good edit with its why.
    QVERIFY(std::any_of(updates.begin(), updates.end(), [&](const QJsonValue &e) {
        return e[QStringLiteral("actor")].toString() == QLatin1String("staff1")
            && e[QStringLiteral("reason")].toString() == QStringLiteral("冬季时间")
            && e[QStringLiteral("target")].toString() == QStringLiteral("venue:%1").arg(id);
    }));
    for (const char *action : {"venue.create", "venue.closure.create", "venue.closure.confirm",
                               "venue.closure.delete"}) {
        QVERIFY2(!admin
                      .get(QStringLiteral("/admin/v1/audit?limit=50&action=")
                           + QString::fromLatin1(action))
                      .json()[QStringLiteral("items")]
                      .toArray()
                      .isEmpty(),
                 action);
    }
}

void TestVenueAdmin::closureConfirmedRefundsAndTells()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const Console admin(*server, QStringLiteral("admin"), AdminPassword);
    const QString zone = daytimeZone();
    const QString day = todayIn(zone).addDays(1).toString(Qt::ISODate);
    HttpResult r = staff.post(QStringLiteral("/admin/v1/venues"),
                              venueBody(QStringLiteral("网球场 2 号"), QStringLiteral("08:00"),
                                        QStringLiteral("22:00"), 60, 2500));
    const qint64 venueId = r.json()[QStringLiteral("id")].toInteger();
    QVERIFY(venueId > 0);

    // The live feed of a console sees the venue events.
    QWebSocket socket;
    QList<QJsonObject> messages;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/admin/v1/live?token=%2")
                         .arg(server->port())
                         .arg(QString::fromLatin1(staff.token()))));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::ConnectedState, 10000);

    MiniProgramUser alice(*server, QStringLiteral("alice"));
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    MiniProgramUser carol(*server, QStringLiteral("carol"));
    setProfile(alice, "B22040101");
    const QString paid =
        paidBooking(*server, alice, venueId, day, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QVERIFY(!paid.isEmpty());
    r = bob.book(venueId, day, QStringLiteral("11:00"), QStringLiteral("12:00"));
    QCOMPARE(r.status, 201);
    const QString unpaid = r.json()[QStringLiteral("id")].toString();

    // A closure 10:00-13:00 covers both; nothing happens to them yet.
    const QString closures = QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId);
    r = staff.post(closures,
                   {{QStringLiteral("from"), instant(day, QStringLiteral("10:00"), zone)},
                    {QStringLiteral("to"), instant(day, QStringLiteral("13:00"), zone)},
                    {QStringLiteral("reason"), QStringLiteral("校运会")}});
    QCOMPARE(r.status, 201);
    const qint64 closureId = r.json()[QStringLiteral("id")].toInteger();
    QCOMPARE(r.json()[QStringLiteral("affectedBookings")].toInt(), 2);
    QStringList covered;
    const QJsonArray bookings = r.json()[QStringLiteral("bookings")].toArray();
    for (const QJsonValue &b : bookings)
        covered.append(b[QStringLiteral("bookingId")].toString());
    QCOMPARE(covered, (QStringList {paid, unpaid}));
    QCOMPARE(r.json()[QStringLiteral("closure")][QStringLiteral("state")].toString(),
             QStringLiteral("PENDING_CONFIRMATION"));
    QCOMPARE(statusOf(alice, paid), QStringLiteral("PAID"));
    QCOMPARE(statusOf(bob, unpaid), QStringLiteral("PENDING_PAYMENT"));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(messages.cbegin(), messages.cend(),
                    [&](const QJsonObject &m) {
                        return m[QStringLiteral("type")].toString() == QLatin1String("venue-event")
                            && m[QStringLiteral("action")].toString()
                            == QLatin1String("venue.closure.create")
                            && m[QStringLiteral("closureId")].toInteger() == closureId;
                    }),
        15000);

    // Students see CLOSED, and the closed range refuses bookings with 1023 and the reason.
    QHash<QString, QString> states = carol.slotStates(venueId, day);
    QCOMPARE(states.value(QStringLiteral("09:00")), QStringLiteral("FREE"));
    QCOMPARE(states.value(QStringLiteral("10:00")), QStringLiteral("CLOSED"));
    QCOMPARE(states.value(QStringLiteral("12:00")), QStringLiteral("CLOSED"));
    QCOMPARE(states.value(QStringLiteral("13:00")), QStringLiteral("FREE"));
    r = carol.book(venueId, day, QStringLiteral("12:00"), QStringLiteral("13:00"));
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1023);
    QVERIFY2(r.json()[QStringLiteral("message")].toString().contains(QStringLiteral("校运会")),
             r.body.constData());
    QCOMPARE(errorCode(carol.book(venueId, day, QStringLiteral("09:00"), QStringLiteral("11:00"))),
             1023);
    // The board: the free slot under the closure is CLOSED, the booked ones keep their booking.
    const QJsonArray boardVenues = staff.get(QStringLiteral("/admin/v1/venues/board?date=") + day)
                                       .json()[QStringLiteral("venues")]
                                       .toArray();
    QHash<QString, QString> board;
    for (const QJsonValue &v : boardVenues) {
        if (v[QStringLiteral("id")].toInteger() != venueId)
            continue;
        const QJsonArray slotList = v[QStringLiteral("slots")].toArray();
        for (const QJsonValue &s : slotList)
            board.insert(s[QStringLiteral("startTime")].toString(),
                         s[QStringLiteral("state")].toString());
    }
    QCOMPARE(board.value(QStringLiteral("10:00")), QStringLiteral("BOOKED"));
    QCOMPARE(board.value(QStringLiteral("11:00")), QStringLiteral("HELD"));
    QCOMPARE(board.value(QStringLiteral("12:00")), QStringLiteral("CLOSED"));
    QCOMPARE(board.value(QStringLiteral("13:00")), QStringLiteral("FREE"));

    // An admin confirms: the unpaid booking is cancelled, the paid one refunded, each student told.
    const QString confirm = closures + QStringLiteral("/%1/confirm").arg(closureId);
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("已通知学生")}});
    QCOMPARE(r.status, 200);
    QHash<QString, QString> outcomes;
    const QJsonArray results = r.json()[QStringLiteral("results")].toArray();
    for (const QJsonValue &v : results)
        outcomes.insert(v[QStringLiteral("bookingId")].toString(),
                        v[QStringLiteral("outcome")].toString());
    QCOMPARE(outcomes.value(paid), QStringLiteral("REFUNDED"));
    QCOMPARE(outcomes.value(unpaid), QStringLiteral("CANCELLED"));
    QCOMPARE(r.json()[QStringLiteral("closure")][QStringLiteral("state")].toString(),
             QStringLiteral("CONFIRMED"));
    QCOMPARE(r.json()[QStringLiteral("closure")][QStringLiteral("confirmedBy")].toString(),
             QStringLiteral("admin"));
    QCOMPARE(statusOf(alice, paid), QStringLiteral("REFUNDED"));
    QCOMPARE(statusOf(bob, unpaid), QStringLiteral("CANCELLED"));
    const QString orderId = alice.get(QStringLiteral("/api/v1/bookings/") + paid)
                                .json()[QStringLiteral("payOrderId")]
                                .toString();
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QCOMPARE(pay.status(orderId), QStringLiteral("REFUNDED"));
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 2500);
    QTRY_VERIFY_WITH_TIMEOUT(
        alice.get(QStringLiteral("/api/v1/me/messages")).body.contains("场地关闭，预订已退款"),
        15000);
    QVERIFY(bob.get(QStringLiteral("/api/v1/me/messages")).body.contains("场地关闭，预订已取消"));

    // Confirming again is harmless: nothing is refunded twice, no second message.
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("again")}});
    QCOMPARE(r.status, 200);
    QVERIFY(r.json()[QStringLiteral("results")].toArray().isEmpty());
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 2500);
    QCOMPARE(alice.get(QStringLiteral("/api/v1/me/messages")).body.count("场地关闭，预订已退款"),
             1);
    const QJsonArray audit =
        admin.get(QStringLiteral("/admin/v1/audit?action=venue.closure.confirm&limit=10"))
            .json()[QStringLiteral("items")]
            .toArray();
    QCOMPARE(audit.size(), 2);
    QCOMPARE(audit.last()[QStringLiteral("reason")].toString(), QStringLiteral("已通知学生"));
    QCOMPARE(audit.last()[QStringLiteral("actor")].toString(), QStringLiteral("admin"));

    // Deleting the closure makes the range bookable again.
    QCOMPARE(staff.request("DELETE", closures + QStringLiteral("/%1").arg(closureId)).status, 200);
    QCOMPARE(carol.slotStates(venueId, day).value(QStringLiteral("12:00")), QStringLiteral("FREE"));
    QCOMPARE(carol.book(venueId, day, QStringLiteral("10:00"), QStringLiteral("13:00")).status,
             201);
}

void TestVenueAdmin::closureClosesSignedPayOrders()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const Console admin(*server, QStringLiteral("admin"), AdminPassword);
    const QString zone = daytimeZone();
    const QString day = todayIn(zone).addDays(1).toString(Qt::ISODate);
    HttpResult r = staff.post(QStringLiteral("/admin/v1/venues"),
                              venueBody(QStringLiteral("网球场 5 号"), QStringLiteral("08:00"),
                                        QStringLiteral("22:00"), 60, 2500));
    const qint64 venueId = r.json()[QStringLiteral("id")].toInteger();
    QVERIFY(venueId > 0);

    // Alice signed and is at the cashier (a prepay id at the card center), not paid yet; Bob paid.
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    setProfile(alice, "B22040101");
    setProfile(bob, "B22040102");
    r = alice.book(venueId, day, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString signedId = r.json()[QStringLiteral("id")].toString();
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(signedId), {});
    QCOMPARE(r.status, 200);
    const QString signedOrder = r.json()[QStringLiteral("payOrderId")].toString();
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    r = server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    QCOMPARE(r.status, 200);
    const QString prepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    QVERIFY(!prepayId.isEmpty());
    const QString paid =
        paidBooking(*server, bob, venueId, day, QStringLiteral("11:00"), QStringLiteral("12:00"));
    QVERIFY(!paid.isEmpty());
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QCOMPARE(pay.status(signedOrder), QStringLiteral("PAYING"));
    // Carol pays at the card center just before the confirmation (the race): whether the pay
    // platform or the booking heard of it yet or not, her booking must end refunded, once.
    MiniProgramUser carol(*server, QStringLiteral("carol"));
    setProfile(carol, "B22040103");
    r = carol.book(venueId, day, QStringLiteral("12:00"), QStringLiteral("13:00"));
    QCOMPARE(r.status, 201);
    const QString racedId = r.json()[QStringLiteral("id")].toString();
    r = carol.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(racedId), {});
    QCOMPARE(r.status, 200);
    const QString racedOrder = r.json()[QStringLiteral("payOrderId")].toString();
    cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    r = server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    QCOMPARE(r.status, 200);
    const QString racedPrepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();

    r = staff.post(QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId),
                   {{QStringLiteral("from"), instant(day, QStringLiteral("10:00"), zone)},
                    {QStringLiteral("to"), instant(day, QStringLiteral("13:00"), zone)},
                    {QStringLiteral("reason"), QStringLiteral("管道检修")}});
    QCOMPARE(r.status, 201);
    const QString confirm = QStringLiteral("/admin/v1/venues/%1/closures/%2/confirm")
                                .arg(venueId)
                                .arg(r.json()[QStringLiteral("id")].toInteger());
    QCOMPARE(simulatePay(*server, racedPrepayId).status, 200);

    // Confirming closes the signed booking's pay order (at the card center too) and cancels it.
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("已通知学生")}});
    QCOMPARE(r.status, 200);
    QHash<QString, QString> outcomes;
    const QJsonArray results = r.json()[QStringLiteral("results")].toArray();
    for (const QJsonValue &v : results)
        outcomes.insert(v[QStringLiteral("bookingId")].toString(),
                        v[QStringLiteral("outcome")].toString());
    QCOMPARE(outcomes.value(signedId), QStringLiteral("CANCELLED"));
    QCOMPARE(outcomes.value(paid), QStringLiteral("REFUNDED"));
    QVERIFY2(outcomes.value(racedId) == QLatin1String("REFUNDED")
                 || outcomes.value(racedId) == QLatin1String("REFUNDING"),
             qPrintable(outcomes.value(racedId)));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(carol, racedId), QStringLiteral("REFUNDED"), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(racedOrder), QStringLiteral("REFUNDED"), 15000);
    const QJsonArray racedRefunds = admin.get(QStringLiteral("/admin/v1/orders/") + racedOrder)
                                        .json()[QStringLiteral("refunds")]
                                        .toArray();
    QCOMPARE(racedRefunds.size(), 1);
    QCOMPARE(racedRefunds.first()[QStringLiteral("outRefundNo")].toString(),
             QStringLiteral("cancel-") + racedId);
    QCOMPARE(statusOf(alice, signedId), QStringLiteral("CANCELLED"));
    QCOMPARE(pay.status(signedOrder), QStringLiteral("CLOSED"));
    QTRY_VERIFY_WITH_TIMEOUT(
        alice.get(QStringLiteral("/api/v1/me/messages")).body.contains("场地关闭，预订已取消"),
        15000);
    // The slot is free again (only the closure holds it).
    QCOMPARE(alice.slotStates(venueId, day).value(QStringLiteral("10:00")),
             QStringLiteral("CLOSED"));

    // The closure refund says why, and it is the refund of a user's cancel (cancel-<id>).
    const QString paidOrder = bob.get(QStringLiteral("/api/v1/bookings/") + paid)
                                  .json()[QStringLiteral("payOrderId")]
                                  .toString();
    const QJsonArray refunds = admin.get(QStringLiteral("/admin/v1/orders/") + paidOrder)
                                   .json()[QStringLiteral("refunds")]
                                   .toArray();
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.first()[QStringLiteral("reason")].toString(),
             QStringLiteral("场地关闭: 管道检修"));
    QCOMPARE(refunds.first()[QStringLiteral("outRefundNo")].toString(),
             QStringLiteral("cancel-") + paid);

    // Confirming again changes nothing: no outcome, no second refund, no second message.
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("again")}});
    QCOMPARE(r.status, 200);
    QVERIFY(r.json()[QStringLiteral("results")].toArray().isEmpty());
    QCOMPARE(statusOf(alice, signedId), QStringLiteral("CANCELLED"));
    QCOMPARE(pay.status(signedOrder), QStringLiteral("CLOSED"));
    QCOMPARE(pay.get(paidOrder).json()[QStringLiteral("refundedAmount")].toInteger(), 2500);
    QCOMPARE(pay.get(racedOrder).json()[QStringLiteral("refundedAmount")].toInteger(), 2500);
    QCOMPARE(admin.get(QStringLiteral("/admin/v1/orders/") + paidOrder)
                 .json()[QStringLiteral("refunds")]
                 .toArray()
                 .size(),
             1);
    QCOMPARE(alice.get(QStringLiteral("/api/v1/me/messages")).body.count("场地关闭，预订已取消"),
             1);

    // The student still at the cashier pays: the card center refuses a closed order.
    r = simulatePay(*server, prepayId);
    QCOMPARE(r.status, 409);
    QCOMPARE(pay.status(signedOrder), QStringLiteral("CLOSED"));
    QCOMPARE(statusOf(alice, signedId), QStringLiteral("CANCELLED"));
    // Should the card center take it anyway (its own race), the platform records a payment
    // exception and refunds it: no money is kept without a booking.
    r = server->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                     compact({{QStringLiteral("prepayId"), prepayId},
                              {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                              {QStringLiteral("late"), true}}));
    QCOMPARE(r.status, 200);
    QJsonObject exception;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QJsonArray items =
                admin.get(QStringLiteral("/admin/v1/payment-exceptions?limit=100"))
                    .json()[QStringLiteral("items")]
                    .toArray();
            for (const QJsonValue &v : items) {
                if (v[QStringLiteral("orderId")].toString() == signedOrder) {
                    exception = v.toObject();
                    return exception[QStringLiteral("state")].toString()
                        == QLatin1String("REFUNDED");
                }
            }
            return false;
        }(),
        30000);
    QCOMPARE(exception[QStringLiteral("paidAmount")].toInteger(), 2500);
    QCOMPARE(pay.status(signedOrder), QStringLiteral("CLOSED"));
    QCOMPARE(statusOf(alice, signedId), QStringLiteral("CANCELLED"));
}

void TestVenueAdmin::closureCloseFailsThenRetries()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const Console admin(*server, QStringLiteral("admin"), AdminPassword);
    const QString zone = daytimeZone();
    const QString day = todayIn(zone).addDays(1).toString(Qt::ISODate);
    HttpResult r = staff.post(QStringLiteral("/admin/v1/venues"),
                              venueBody(QStringLiteral("网球场 6 号"), QStringLiteral("08:00"),
                                        QStringLiteral("22:00"), 60, 2500));
    const qint64 venueId = r.json()[QStringLiteral("id")].toInteger();
    QVERIFY(venueId > 0);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    setProfile(alice, "B22040101");
    r = alice.book(venueId, day, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    const QString orderId = r.json()[QStringLiteral("payOrderId")].toString();
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    QCOMPARE(server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier)).status, 200);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    r = staff.post(QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId),
                   {{QStringLiteral("from"), instant(day, QStringLiteral("10:00"), zone)},
                    {QStringLiteral("to"), instant(day, QStringLiteral("11:00"), zone)},
                    {QStringLiteral("reason"), QStringLiteral("停电")}});
    QCOMPARE(r.status, 201);
    const QString confirm = QStringLiteral("/admin/v1/venues/%1/closures/%2/confirm")
                                .arg(venueId)
                                .arg(r.json()[QStringLiteral("id")].toInteger());

    // The card center fails: the order cannot be closed, so the booking is reported FAILED and
    // stays as it was (nothing cancelled while the student could still pay).
    QCOMPARE(server
                 ->post(QStringLiteral("/sandbox/ecard/simulate/fault"),
                        compact({{QStringLiteral("retcode"), QStringLiteral("9999")},
                                 {QStringLiteral("count"), 10}}))
                 .status,
             200);
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("first")}});
    QCOMPARE(r.status, 200);
    QJsonArray results = r.json()[QStringLiteral("results")].toArray();
    QCOMPARE(results.size(), 1);
    QCOMPARE(results.first()[QStringLiteral("outcome")].toString(), QStringLiteral("FAILED"));
    QVERIFY(results.first()[QStringLiteral("code")].toInt() > 0);
    QCOMPARE(statusOf(alice, bookingId), QStringLiteral("PENDING_PAYMENT"));
    QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
    QVERIFY(!alice.get(QStringLiteral("/api/v1/me/messages")).body.contains("场地关闭"));

    // Once the card center answers again, confirming again finishes it (or the pay platform's own
    // retry of the close got there first and its CLOSED notification cancelled the booking).
    QByteArray last;
    QTRY_VERIFY2_WITH_TIMEOUT(
        [&] {
            const HttpResult answer =
                admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("again")}});
            last = answer.body;
            return answer.status == 200 && statusOf(alice, bookingId) == QLatin1String("CANCELLED");
        }(),
        last.constData(), 30000);
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
    QVERIFY2(!last.contains("FAILED"), last.constData());
    // Settled: confirming again changes nothing.
    r = admin.post(confirm, {{QStringLiteral("reason"), QStringLiteral("once more")}});
    QCOMPARE(r.status, 200);
    QVERIFY(r.json()[QStringLiteral("results")].toArray().isEmpty());
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
}

void TestVenueAdmin::weeklyClosure()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const QString zone = daytimeZone();
    const QDate today = todayIn(zone);
    HttpResult r = staff.post(QStringLiteral("/admin/v1/venues"),
                              venueBody(QStringLiteral("网球场 3 号"), QStringLiteral("08:00"),
                                        QStringLiteral("22:00"), 60, 1000));
    const qint64 venueId = r.json()[QStringLiteral("id")].toInteger();
    // Every weekday of tomorrow and the day after, 14:00-16:00, for a week.
    const QDate d1 = today.addDays(1);
    const QDate d2 = today.addDays(2);
    const QDate d3 = today.addDays(3);
    r = staff.post(
        QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId),
        {{QStringLiteral("from"), instant(d1.toString(Qt::ISODate), QStringLiteral("00:00"), zone)},
         {QStringLiteral("to"),
          instant(today.addDays(8).toString(Qt::ISODate), QStringLiteral("00:00"), zone)},
         {QStringLiteral("days"), QJsonArray {d1.dayOfWeek(), d2.dayOfWeek()}},
         {QStringLiteral("dailyFrom"), QStringLiteral("14:00")},
         {QStringLiteral("dailyTo"), QStringLiteral("16:00")},
         {QStringLiteral("reason"), QStringLiteral("地板维护")}});
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[QStringLiteral("closure")][QStringLiteral("dailyFrom")].toString(),
             QStringLiteral("14:00"));
    MiniProgramUser dave(*server, QStringLiteral("dave"));
    for (const QDate &d : {d1, d2}) {
        const QHash<QString, QString> s = dave.slotStates(venueId, d.toString(Qt::ISODate));
        QCOMPARE(s.value(QStringLiteral("13:00")), QStringLiteral("FREE"));
        QCOMPARE(s.value(QStringLiteral("14:00")), QStringLiteral("CLOSED"));
        QCOMPARE(s.value(QStringLiteral("15:00")), QStringLiteral("CLOSED"));
        QCOMPARE(s.value(QStringLiteral("16:00")), QStringLiteral("FREE"));
        QCOMPARE(errorCode(dave.book(venueId, d.toString(Qt::ISODate), QStringLiteral("13:00"),
                                     QStringLiteral("15:00"))),
                 1023);
    }
    QCOMPARE(dave.slotStates(venueId, d3.toString(Qt::ISODate)).value(QStringLiteral("14:00")),
             QStringLiteral("FREE"));
    QCOMPARE(dave.book(venueId, d3.toString(Qt::ISODate), QStringLiteral("14:00"),
                       QStringLiteral("16:00"))
                 .status,
             201);
}

void TestVenueAdmin::gridChangeNeverDoublesABooking()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const Console staff(*server, QStringLiteral("staff1"), StaffPassword);
    const QString day = todayIn(daytimeZone()).addDays(2).toString(Qt::ISODate);
    HttpResult r = staff.post(QStringLiteral("/admin/v1/venues"),
                              venueBody(QStringLiteral("网球场 4 号"), QStringLiteral("08:00"),
                                        QStringLiteral("20:00"), 60, 1000));
    const qint64 venueId = r.json()[QStringLiteral("id")].toInteger();
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    MiniProgramUser carol(*server, QStringLiteral("carol"));
    QCOMPARE(alice.book(venueId, day, QStringLiteral("10:00"), QStringLiteral("11:00")).status,
             201);
    QCOMPARE(bob.book(venueId, day, QStringLiteral("13:00"), QStringLiteral("15:00")).status, 201);
    const QList<QPair<int, int>> held {{600, 660}, {780, 900}};

    struct Grid
    {
        const char *openFrom;
        const char *openTo;
        int slot;
        int maxSlots;
    };
    // 45 minutes from 08:15, then 20 minutes from 08:05, then back to hours from 08:30.
    const Grid grids[] = {
        {"08:15", "20:00", 45, 4}, {"08:05", "20:05", 20, 7}, {"08:30", "19:30", 60, 3}};
    int refused = 0;
    int booked = 0;
    for (const Grid &g : grids) {
        r = staff.put(QStringLiteral("/admin/v1/venues/%1").arg(venueId),
                      venueBody(QStringLiteral("网球场 4 号"), QString::fromLatin1(g.openFrom),
                                QString::fromLatin1(g.openTo), g.slot, 1000));
        QCOMPARE(r.status, 200);
        const int from = QTime::fromString(QString::fromLatin1(g.openFrom), QStringLiteral("HH:mm"))
                             .msecsSinceStartOfDay()
            / 60000;
        const int to = QTime::fromString(QString::fromLatin1(g.openTo), QStringLiteral("HH:mm"))
                           .msecsSinceStartOfDay()
            / 60000;
        const QHash<QString, QString> states = carol.slotStates(venueId, day);
        for (int s = from; s + g.slot <= to; s += g.slot) {
            const bool overlaps = std::any_of(held.cbegin(), held.cend(), [&](const auto &h) {
                return s < h.second && h.first < s + g.slot;
            });
            const QString start = QTime(0, 0).addSecs(s * 60).toString(QStringLiteral("HH:mm"));
            QCOMPARE(states.value(start),
                     overlaps ? QStringLiteral("HELD") : QStringLiteral("FREE"));
        }
        // Every range of the new grid (up to maxSlots long): one that overlaps a booking made on
        // an older grid is refused; the others are booked (and cancelled again).
        for (int s = from; s + g.slot <= to; s += g.slot) {
            for (int e = s + g.slot; e <= to && e - s <= g.maxSlots * g.slot; e += g.slot) {
                const bool overlaps = std::any_of(held.cbegin(), held.cend(), [&](const auto &h) {
                    return s < h.second && h.first < e;
                });
                const QString start = QTime(0, 0).addSecs(s * 60).toString(QStringLiteral("HH:mm"));
                const QString end = QTime(0, 0).addSecs(e * 60).toString(QStringLiteral("HH:mm"));
                r = carol.book(venueId, day, start, end);
                const QByteArray what = (start + u'-' + end).toLatin1() + ' ' + r.body;
                if (overlaps) {
                    QVERIFY2(r.status == 409 && errorCode(r) == 1002, what.constData());
                    ++refused;
                } else {
                    QVERIFY2(r.status == 201, what.constData());
                    ++booked;
                    QCOMPARE(carol
                                 .post(QStringLiteral("/api/v1/bookings/%1/cancel")
                                           .arg(r.json()[QStringLiteral("id")].toString()),
                                       {})
                                 .status,
                             200);
                }
            }
        }
    }
    QVERIFY(refused > 20);
    QVERIFY(booked > 20);
    // The two bookings are still there, each once.
    QCOMPARE(alice.bookingCount(), 1);
    QCOMPARE(bob.bookingCount(), 1);
}

void TestVenueAdmin::bookingLimits()
{
    QFETCH(QString, backend);
    auto server = start(backend,
                        {QStringLiteral("POMELO_BOOKING_MAX_PER_DAY=1"),
                         QStringLiteral("POMELO_BOOKING_MAX_PER_WEEK=2"),
                         QStringLiteral("POMELO_BOOKING_DAYS_AHEAD=14"),
                         QStringLiteral("POMELO_BOOKING_OPEN_TIME=00:00"),
                         QStringLiteral("POMELO_BOOKING_REFUND_CUTOFF_MINUTES=10080")});
    QVERIFY(server);
    const QDate today = todayIn(daytimeZone());
    // Next week, Monday to Thursday: one ISO week, all within 14 days.
    const QDate monday = today.addDays(8 - today.dayOfWeek());
    const auto day = [&](int i) {
        return monday.addDays(i).toString(Qt::ISODate);
    };
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    setProfile(alice, "B22040102");
    const qint64 venue = 1;
    HttpResult r = alice.book(venue, day(0), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString first = r.json()[QStringLiteral("id")].toString();
    r = alice.book(venue, day(0), QStringLiteral("12:00"), QStringLiteral("13:00"));
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1021);
    QVERIFY2(r.json()[QStringLiteral("message")].toString().contains(QStringLiteral("1")),
             r.body.constData());
    QCOMPARE(alice.book(2, day(1), QStringLiteral("10:00"), QStringLiteral("11:00")).status, 201);
    r = httpRequest("POST", server->url(QStringLiteral("/api/v1/bookings")),
                    compact({{QStringLiteral("venueId"), venue},
                             {QStringLiteral("date"), day(2)},
                             {QStringLiteral("startTime"), QStringLiteral("10:00")},
                             {QStringLiteral("endTime"), QStringLiteral("11:00")}}),
                    {{"Authorization", "Bearer " + alice.token()}, {"Accept-Language", "en"}});
    QCOMPARE(errorCode(r), 1022);
    QVERIFY2(r.json()[QStringLiteral("message")].toString().contains(QStringLiteral("(2)")),
             r.body.constData());
    // Cancelling one frees a place in the week.
    QCOMPARE(alice.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(first), {}).status, 200);
    QCOMPARE(alice.book(venue, day(2), QStringLiteral("10:00"), QStringLiteral("11:00")).status,
             201);
    // A paid booking of tomorrow starts within booking.refund_cutoff_minutes (7 days): 1025.
    MiniProgramUser gina(*server, QStringLiteral("gina"));
    setProfile(gina, "B22040103");
    const QString paid = paidBooking(*server, gina, 3, today.addDays(1).toString(Qt::ISODate),
                                     QStringLiteral("10:00"), QStringLiteral("11:00"));
    QVERIFY(!paid.isEmpty());
    r = gina.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(paid), {});
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 1025);
    QVERIFY2(r.json()[QStringLiteral("message")].toString().contains(QStringLiteral("10080")),
             r.body.constData());
    QCOMPARE(statusOf(gina, paid), QStringLiteral("PAID"));

    // Eight requests of one student for one day at once, on different venues: exactly one wins.
    MiniProgramUser erin(*server, QStringLiteral("erin"));
    std::vector<std::future<int>> results;
    for (int i = 0; i < 8; ++i) {
        const QByteArray body = compact({{QStringLiteral("venueId"), i + 1},
                                         {QStringLiteral("date"), day(3)},
                                         {QStringLiteral("startTime"), QStringLiteral("09:00")},
                                         {QStringLiteral("endTime"), QStringLiteral("10:00")}});
        results.push_back(std::async(std::launch::async, [&, body] {
            return rawPost(server->port(), QStringLiteral("/api/v1/bookings"), body, erin.token());
        }));
    }
    int won = 0;
    int limited = 0;
    for (auto &f : results) {
        const int code = f.get();
        won += code == 0;
        limited += code == 1021;
    }
    QCOMPARE(won, 1);
    QCOMPARE(limited, 7);
    QCOMPARE(erin.bookingCount(), 1);
}

void TestVenueAdmin::dayOpensAtItsTime()
{
    // It is 10:00-11:59 in the server's zone; the furthest day opens at 23:55.
    auto server =
        start(QStringLiteral("sqlite"), {QStringLiteral("POMELO_BOOKING_OPEN_TIME=23:55")});
    QVERIFY(server);
    const QDate today = todayIn(daytimeZone());
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    HttpResult r = alice.book(1, today.addDays(7).toString(Qt::ISODate), QStringLiteral("10:00"),
                              QStringLiteral("11:00"));
    QCOMPARE(r.status, 400);
    QCOMPARE(errorCode(r), 1020);
    const QString opens = today.toString(Qt::ISODate) + QStringLiteral(" 23:55");
    QVERIFY2(r.json()[QStringLiteral("message")].toString().contains(opens), r.body.constData());
    QCOMPARE(alice
                 .book(1, today.addDays(6).toString(Qt::ISODate), QStringLiteral("10:00"),
                       QStringLiteral("11:00"))
                 .status,
             201);
    // Beyond the window stays API.md's 1003.
    QCOMPARE(errorCode(alice.book(1, today.addDays(8).toString(Qt::ISODate),
                                  QStringLiteral("10:00"), QStringLiteral("11:00"))),
             1003);
}

void TestVenueAdmin::venueCommands()
{
    auto server = start(QStringLiteral("sqlite"));
    QVERIFY(server);
    const QStringList storage = storageArgs(*server);
    QByteArray out;
    QByteArray err;
    QCOMPARE(runCommand(QStringList {QStringLiteral("venue"), QStringLiteral("add"),
                                     QStringLiteral("--name"), QStringLiteral("壁球馆"),
                                     QStringLiteral("--sport"), QStringLiteral("squash"),
                                     QStringLiteral("--open-from"), QStringLiteral("09:00"),
                                     QStringLiteral("--open-to"), QStringLiteral("21:00"),
                                     QStringLiteral("--slot-minutes"), QStringLiteral("45"),
                                     QStringLiteral("--price"), QStringLiteral("1200")}
                            + storage,
                        &out, &err),
             0);
    const QJsonObject added = QJsonDocument::fromJson(out).object();
    const qint64 id = added[QStringLiteral("id")].toInteger();
    QVERIFY2(id > 0, out.constData());
    QCOMPARE(added[QStringLiteral("slotMinutes")].toInt(), 45);
    // Bad input: exit 2 with a message, nothing added.
    QCOMPARE(runCommand(QStringList {QStringLiteral("venue"), QStringLiteral("add"),
                                     QStringLiteral("--name"), QStringLiteral("x"),
                                     QStringLiteral("--sport"), QStringLiteral("squash"),
                                     QStringLiteral("--open-from"), QStringLiteral("09:00"),
                                     QStringLiteral("--open-to"), QStringLiteral("08:00"),
                                     QStringLiteral("--slot-minutes"), QStringLiteral("45"),
                                     QStringLiteral("--price"), QStringLiteral("1200")}
                            + storage,
                        &out, &err),
             2);
    QVERIFY(err.contains("openFrom is not before openTo"));
    QCOMPARE(runCommand(QStringList {QStringLiteral("venue"), QStringLiteral("edit"),
                                     QString::number(id), QStringLiteral("--price"),
                                     QStringLiteral("1500"), QStringLiteral("--reason"),
                                     QStringLiteral("调价")}
                            + storage,
                        &out),
             0);
    QCOMPARE(QJsonDocument::fromJson(out)[QStringLiteral("pricePerSlot")].toInteger(), 1500);
    QCOMPARE(
        runCommand(QStringList {QStringLiteral("venue"), QStringLiteral("list")} + storage, &out),
        0);
    const QJsonArray list = QJsonDocument::fromJson(out).array();
    QVERIFY(std::any_of(list.begin(), list.end(), [&](const QJsonValue &v) {
        return v[QStringLiteral("id")].toInteger() == id
            && v[QStringLiteral("name")].toString() == QStringLiteral("壁球馆");
    }));

    // A closure over a booking: created (not confirmed), the booking listed.
    const QString zone = daytimeZone();
    const QString day = todayIn(zone).addDays(1).toString(Qt::ISODate);
    MiniProgramUser frank(*server, QStringLiteral("frank"));
    HttpResult r = frank.book(id, day, QStringLiteral("09:45"), QStringLiteral("10:30"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    QCOMPARE(runCommand(
                 QStringList {QStringLiteral("venue"), QStringLiteral("close"), QString::number(id),
                              QStringLiteral("--from"), instant(day, QStringLiteral("09:00"), zone),
                              QStringLiteral("--to"), instant(day, QStringLiteral("12:00"), zone),
                              QStringLiteral("--reason"), QStringLiteral("比赛")}
                     + storage,
                 &out, &err),
             0);
    const QJsonObject closed = QJsonDocument::fromJson(out).object();
    QCOMPARE(closed[QStringLiteral("affectedBookings")].toInt(), 1);
    QCOMPARE(closed[QStringLiteral("bookings")][0][QStringLiteral("bookingId")].toString(),
             bookingId);
    QCOMPARE(closed[QStringLiteral("closure")][QStringLiteral("state")].toString(),
             QStringLiteral("PENDING_CONFIRMATION"));
    QCOMPARE(statusOf(frank, bookingId), QStringLiteral("PENDING_PAYMENT"));
    QCOMPARE(errorCode(frank.book(id, day, QStringLiteral("11:15"), QStringLiteral("12:00"))),
             1023);
    // The server sees it and the audit log has every command.
    const Console admin(*server, QStringLiteral("admin"), AdminPassword);
    const QJsonArray closures = admin.get(QStringLiteral("/admin/v1/venues/%1/closures").arg(id))
                                    .json()[QStringLiteral("closures")]
                                    .toArray();
    QCOMPARE(closures.size(), 1);
    for (const char *action : {"venue.create", "venue.update", "venue.closure.create"}) {
        const QJsonArray entries = admin
                                       .get(QStringLiteral("/admin/v1/audit?limit=10&action=")
                                            + QString::fromLatin1(action))
                                       .json()[QStringLiteral("items")]
                                       .toArray();
        QVERIFY2(!entries.isEmpty(), action);
        QVERIFY2(
            entries.first()[QStringLiteral("actor")].toString().startsWith(QLatin1String("cli:")),
            action);
    }
    QCOMPARE(runCommand(QStringList {QStringLiteral("venue"), QStringLiteral("close"),
                                     QString::number(id), QStringLiteral("--from"),
                                     QStringLiteral("tomorrow"), QStringLiteral("--to"),
                                     QStringLiteral("later"), QStringLiteral("--reason"),
                                     QStringLiteral("x")}
                            + storage,
                        &out, &err),
             2);
    QCOMPARE(admin.get(QStringLiteral("/admin/v1/venues/%1/closures").arg(id))
                 .json()[QStringLiteral("closures")]
                 .toArray()
                 .size(),
             1);
}

QTEST_MAIN(TestVenueAdmin)
#include "test_venueadmin.moc"
