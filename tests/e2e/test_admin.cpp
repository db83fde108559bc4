// The admin API of the console (API.md "Admin API", server/admin) through a real pomelo-server on
// SQLite and PostgreSQL: login and its throttling, roles on every route, the order actions and
// their audit entries, merchant re-sends against a merchant that fails first, the venue board
// and check-in, the delayed queues, the live WebSocket, payment exceptions made through the
// e-card sandbox (list, detail, resolve, audit, live messages), and the `user` commands.
#include "domain/crypto.h"
#include "domain/signing.h"
#include "http/httpserver.h"
#include "paymentexceptionfixture.h"
#include "storage/database.h"
#include "storage/orderrepository.h"
#include "storage/staffuserrepository.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QWebSocket>

#include <atomic>
#include <future>
#include <vector>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("admin-pass-123");
const QString StaffPassword = QStringLiteral("staff-pass-123");
const QString TraceUrlTemplate = QStringLiteral("http://jaeger.test:16686/trace/{traceId}");

/// A zone in which it is now between 10:00 and 11:59, so that a booking later today fits in the
/// venues' opening hours whenever the test runs.
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
    // POSIX sign: Etc/GMT-8 is UTC+8.
    return QStringLiteral("Etc/GMT%1%2")
        .arg(offset > 0 ? QStringLiteral("-") : QStringLiteral("+"))
        .arg(std::abs(offset));
}

/// A merchant's notifyUrl in this process: answers 500 to the first `failuresLeft` notifications,
/// then SUCCESS.
class Merchant
{
public:
    Merchant()
        : m_server(HttpServer::Options {})
    {
        m_server.router().add("POST", QStringLiteral("/notify"), HandlerMode::Inline,
                              [this](const HttpRequest &) {
                                  ++hits;
                                  if (failuresLeft > 0) {
                                      --failuresLeft;
                                      return HttpResponse::text(500, "busy");
                                  }
                                  ++delivered;
                                  return HttpResponse::text(200, "SUCCESS");
                              });
        m_port = m_server.listenGuarded(QHostAddress::LocalHost, 0);
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/notify").arg(m_port); }

    std::atomic<int> failuresLeft {0};
    std::atomic<int> hits {0};
    std::atomic<int> delivered {0};

private:
    HttpServer m_server;
    quint16 m_port = 0;
};

class AdminClient
{
public:
    AdminClient(ServerProcess &server, QByteArray token = {})
        : m_server(server)
        , m_token(std::move(token))
    { }

    static HttpResult login(ServerProcess &server, const QString &username, const QString &password)
    {
        return server.post(QStringLiteral("/admin/v1/login"),
                           compact({{QStringLiteral("username"), username},
                                    {QStringLiteral("password"), password}}));
    }
    /// Logged in, or empty (the test then fails on its first request).
    static AdminClient as(ServerProcess &server, const QString &username, const QString &password)
    {
        return AdminClient(server,
                           login(server, username, password)
                               .json()[QStringLiteral("token")]
                               .toString()
                               .toLatin1());
    }

    QList<QPair<QByteArray, QByteArray>> auth() const
    {
        if (m_token.isEmpty())
            return {};
        return {{"Authorization", "Bearer " + m_token}};
    }
    HttpResult request(const QByteArray &method, const QString &path,
                       const QByteArray &body = {}) const
    {
        return httpRequest(method, m_server.url(path), body, auth());
    }
    HttpResult get(const QString &path) const { return request("GET", path); }
    HttpResult post(const QString &path, const QJsonObject &body = {}) const
    {
        return request("POST", path, compact(body));
    }
    const QByteArray &token() const { return m_token; }

private:
    ServerProcess &m_server;
    QByteArray m_token;
};

QJsonObject withReason(const QString &reason, QJsonObject o = {})
{
    o.insert(QStringLiteral("reason"), reason);
    return o;
}

/// The audit entries of @p action (newest first).
QJsonArray auditOf(const AdminClient &admin, const QString &action)
{
    return admin.get(QStringLiteral("/admin/v1/audit?limit=200&action=") + action)
        .json()[QStringLiteral("items")]
        .toArray();
}

int runCommand(const QStringList &args, QByteArray *out = nullptr)
{
    QProcess p;
    p.start(ServerProcess::binary(), args);
    if (!p.waitForFinished(60000))
        return -1;
    if (out)
        *out = p.readAllStandardOutput();
    return p.exitCode();
}

/// POST /admin/v1/login from the local address @p from, so that the server sees that peer: any
/// 127/8 address works without setup, Linux routes all of it to lo. Blocking socket calls only, so
/// that several threads can log in at once.
HttpResult loginFrom(quint16 port, const QString &from, const QString &username,
                     const QString &password)
{
    HttpResult result;
    QTcpSocket socket;
    if (!socket.bind(QHostAddress(from), 0)) {
        result.error = QStringLiteral("bind: ") + socket.errorString();
        return result;
    }
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(10000)) {
        result.error = QStringLiteral("connect: ") + socket.errorString();
        return result;
    }
    const QByteArray body =
        compact({{QStringLiteral("username"), username}, {QStringLiteral("password"), password}});
    socket.write("POST /admin/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: "
                 + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray received;
    QDeadlineTimer deadline(30000);
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        received += socket.readAll();
    }
    received += socket.readAll();
    const qsizetype headEnd = received.indexOf("\r\n\r\n");
    if (!received.startsWith("HTTP/1.1 ") || headEnd < 0) {
        result.error = QStringLiteral("no answer");
        return result;
    }
    result.status = received.mid(9, 3).toInt();
    const QList<QByteArray> lines = received.left(headEnd).split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0)
            result.headers.append(
                {lines.at(i).left(colon).trimmed(), lines.at(i).mid(colon + 1).trimmed()});
    }
    result.body = received.mid(headEnd + 4);
    return result;
}

/// `--data-dir D [--database URL]` of a running server (for the `user` commands).
QStringList storageArgs(ServerProcess &server)
{
    const QStringList args = server.process().arguments();
    return {QStringLiteral("--data-dir"), server.dataDir(), QStringLiteral("--database"),
            BookingHarness::databaseUrl(args, server.dataDir())};
}

} // namespace

class TestAdmin : public QObject
{
    Q_OBJECT

private slots:
    void login_data() { backends(); }
    void login();
    void initialAdminPasswordPrintedOnce();
    void loginSlowdown_data() { backends(); }
    void loginSlowdown();
    void loginThrottledPerAddress_data() { backends(); }
    void loginThrottledPerAddress();
    void concurrentGuessesStopAtTheLimit();
    void legacyPasswordHashUpgradedAtLogin_data() { backends(); }
    void legacyPasswordHashUpgradedAtLogin();
    void rolesOnEveryRoute_data() { backends(); }
    void rolesOnEveryRoute();
    void orderActions_data() { backends(); }
    void orderActions();
    void refundAndVerify_data() { backends(); }
    void refundAndVerify();
    void resendDeliversFailedNotification_data() { backends(); }
    void resendDeliversFailedNotification();
    void venueBoardAndCheckIn_data() { backends(); }
    void venueBoardAndCheckIn();
    void queuesFireAndCancel_data() { backends(); }
    void queuesFireAndCancel();
    void liveFeed_data() { backends(); }
    void liveFeed();
    void dashboard_data() { backends(); }
    void dashboard();
    void paymentExceptions_data() { backends(); }
    void paymentExceptions();
    void userCommands();

private:
    static void backends() { addBackendRows(); }
    /// A server with the admin password set, a staff user `staff1`, compressed notify schedule
    /// (two attempts), short login blocks, and a zone where it is daytime now.
    static std::unique_ptr<ServerProcess>
    start(const QString &backend, const QStringList &args = {}, const QStringList &env = {})
    {
        auto server = BookingHarness::startServer(
            backend, args,
            QStringList {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
                         QStringLiteral("POMELO_NOTIFY_SCHEDULE_SECONDS=1"),
                         QStringLiteral("POMELO_ADMIN_LOGIN_BLOCK_SECONDS=2"),
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
    static QString createOrder(ServerProcess &server, const QString &outTradeNo,
                               const QString &notifyUrl)
    {
        const AppCredentials app = demoApp(server.dataDir(), QStringLiteral("venue-booking"));
        QJsonObject fields {{QStringLiteral("appId"), app.appId},
                            {QStringLiteral("outTradeNo"), outTradeNo},
                            {QStringLiteral("amount"), 1500},
                            {QStringLiteral("subject"), QStringLiteral("Water top-up")},
                            {QStringLiteral("openId"), QStringLiteral("o-tester")},
                            {QStringLiteral("notifyUrl"), notifyUrl},
                            {QStringLiteral("nonce"), signing::generateNonce()},
                            {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()}};
        const HttpResult r = server.post(
            QStringLiteral("/pay/v1/orders"),
            compact(signing::withSignature(signing::Target::post(QStringLiteral("/pay/v1/orders")),
                                           fields, app.secret)));
        if (r.status != 201)
            qWarning("order not created: %d %s", r.status, r.body.constData());
        return r.json()[QStringLiteral("orderId")].toString();
    }
};

void TestAdmin::login()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);

    HttpResult r = AdminClient::login(*server, QStringLiteral("admin"), AdminPassword);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("role")].toString(), QStringLiteral("admin"));
    QVERIFY(r.json()[QStringLiteral("token")].toString().size() >= 32);
    QVERIFY(r.json()[QStringLiteral("expiresIn")].toInt() > 0);
    // No telemetry.trace_url_template here: the console gets none (orderActions has one).
    QVERIFY(!r.json().object().contains(QStringLiteral("traceUrlTemplate")));

    r = AdminClient::login(*server, QStringLiteral("admin"), QStringLiteral("wrong-password"));
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 4010);
    r = AdminClient::login(*server, QStringLiteral("nobody"), AdminPassword);
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 4010);
    QCOMPARE(errorCode(server->post(QStringLiteral("/admin/v1/login"), "{\"username\":1}")), 4001);

    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    QCOMPARE(staff.get(QStringLiteral("/admin/v1/me")).json()[QStringLiteral("role")].toString(),
             QStringLiteral("staff"));

    // A new password: the old one stops working.
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("passwd"),
                                     QStringLiteral("staff1"), QStringLiteral("--password"),
                                     QStringLiteral("changed-pass-9")}
                        + storageArgs(*server)),
             0);
    QCOMPARE(AdminClient::login(*server, QStringLiteral("staff1"), StaffPassword).status, 401);
    QCOMPARE(AdminClient::login(*server, QStringLiteral("staff1"), QStringLiteral("changed-pass-9"))
                 .status,
             200);

    // Disabled: no login, and the token it had stops working at once.
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("disable"),
                                     QStringLiteral("staff1")}
                        + storageArgs(*server)),
             0);
    r = AdminClient::login(*server, QStringLiteral("staff1"), QStringLiteral("changed-pass-9"));
    QCOMPARE(r.status, 401);
    QCOMPARE(staff.get(QStringLiteral("/admin/v1/me")).status, 401);

    // Every login is audited, with the peer address.
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const QJsonArray ok = auditOf(admin, QStringLiteral("login"));
    QVERIFY(ok.size() >= 3);
    QCOMPARE(ok.first()[QStringLiteral("remoteAddress")].toString(), QStringLiteral("127.0.0.1"));
    const QJsonArray failed = auditOf(admin, QStringLiteral("login_failed"));
    QCOMPARE(failed.size(), 4);
    QCOMPARE(failed.first()[QStringLiteral("actor")].toString(), QStringLiteral("staff1"));
    QCOMPARE(failed.first()[QStringLiteral("details")][QStringLiteral("cause")].toString(),
             QStringLiteral("user disabled"));

    // Logout ends the session.
    QCOMPARE(admin.post(QStringLiteral("/admin/v1/logout")).status, 204);
    QCOMPARE(admin.get(QStringLiteral("/admin/v1/me")).status, 401);
}

void TestAdmin::initialAdminPasswordPrintedOnce()
{
    // Its own process with stdout and stderr (the log) apart.
    QTemporaryDir dataDir;
    QProcess server;
    server.start(ServerProcess::binary(),
                 {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                  QStringLiteral("--data-dir"), dataDir.path()});
    QByteArray out;
    QByteArray log;
    const QRegularExpression listening(QStringLiteral("listening on http://127.0.0.1:(\\d+)"));
    QRegularExpressionMatch port;
    QTRY_VERIFY_WITH_TIMEOUT((log += server.readAllStandardError(),
                              (port = listening.match(QString::fromUtf8(log))).hasMatch()),
                             30000);
    const QRegularExpression re(QStringLiteral("username 'admin', password '([^']+)'"));
    QRegularExpressionMatch m;
    QTRY_VERIFY(
        (out += server.readAllStandardOutput(), (m = re.match(QString::fromUtf8(out))).hasMatch()));
    const QString password = m.captured(1);
    QVERIFY(password.size() >= 12);
    const QUrl login(QStringLiteral("http://127.0.0.1:%1/admin/v1/login").arg(port.captured(1)));
    const QByteArray body = compact({{QStringLiteral("username"), QStringLiteral("admin")},
                                     {QStringLiteral("password"), password}});
    QCOMPARE(httpRequest("POST", login, body).status, 200);
    log += server.readAllStandardError();
    QVERIFY(log.contains("console user 'admin' created"));
    QVERIFY(!log.contains(password.toUtf8()));
    server.terminate();
    QVERIFY(server.waitForFinished(15000));

    // A second start on the same data has an admin: nothing is created or printed.
    ServerProcess again({QStringLiteral("--data-dir"), dataDir.path()});
    QVERIFY2(again.start(30000), again.output().constData());
    QCOMPARE(AdminClient::login(again, QStringLiteral("admin"), password).status, 200);
    QVERIFY(!again.output().contains("password '"));
}

void TestAdmin::loginSlowdown()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    // admin.login_max_failures = 5: the fifth failure blocks the user for 2 s (the test's
    // admin.login_block_seconds).
    for (int i = 0; i < 5; ++i) {
        const HttpResult r =
            AdminClient::login(*server, QStringLiteral("admin"), QStringLiteral("guess-%1").arg(i));
        QCOMPARE(r.status, 401);
    }
    HttpResult r = AdminClient::login(*server, QStringLiteral("admin"), AdminPassword);
    QCOMPARE(r.status, 429);
    QCOMPARE(errorCode(r), 4290);
    QVERIFY(r.header("Retry-After").toInt() >= 1);
    // Another user from the same address is not blocked (the address limit is 4× higher).
    QCOMPARE(AdminClient::login(*server, QStringLiteral("staff1"), StaffPassword).status, 200);
    // Once the block has passed, the right password works.
    QTRY_COMPARE_WITH_TIMEOUT(
        AdminClient::login(*server, QStringLiteral("admin"), AdminPassword).status, 200, 15000);

    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    QCOMPARE(auditOf(admin, QStringLiteral("login_failed")).size(), 5);
    QVERIFY(auditOf(admin, QStringLiteral("login_refused")).size() >= 1);
}

void TestAdmin::loginThrottledPerAddress()
{
    QFETCH(QString, backend);
    // Blocks long enough that "still blocked" below cannot be a block that just ran out.
    auto server = start(backend, {}, {QStringLiteral("POMELO_ADMIN_LOGIN_BLOCK_SECONDS=120")});
    QVERIFY(server);
    const QString attacker = QStringLiteral("127.0.0.2");
    const QString office = QStringLiteral("127.0.0.3");
    const QString admin = QStringLiteral("admin");

    // Brute force from one address: wrong passwords until refused.
    int failures = 0;
    HttpResult r;
    for (int i = 0; i < 50; ++i) {
        r = loginFrom(server->port(), attacker, admin, QStringLiteral("guess-%1").arg(i));
        if (r.status != 401)
            break;
        ++failures;
    }
    QVERIFY2(r.status == 429, qPrintable(r.error + QString::fromUtf8(r.body)));
    QCOMPARE(errorCode(r), 4290);
    QCOMPARE(failures, 5); // admin.login_max_failures
    QVERIFY(r.header("Retry-After").toInt() > 60);

    // The real admin, from another address, is not locked out by the attacker's failures.
    r = loginFrom(server->port(), office, admin, AdminPassword);
    QVERIFY2(r.status == 200, qPrintable(r.error + QString::fromUtf8(r.body)));
    QCOMPARE(r.json()[QStringLiteral("role")].toString(), QStringLiteral("admin"));
    // …and its success does not lift the attacker's block: still refused, right password or not.
    QCOMPARE(loginFrom(server->port(), attacker, admin, AdminPassword).status, 429);
    QCOMPARE(loginFrom(server->port(), attacker, admin, QStringLiteral("guess-x")).status, 429);

    // The address as a whole: guessing other usernames from one address ends at 4× the limit.
    const QString sprayer = QStringLiteral("127.0.0.4");
    failures = 0;
    for (int i = 0; i < 50; ++i) {
        r = loginFrom(server->port(), sprayer, QStringLiteral("user%1").arg(i),
                      QStringLiteral("password"));
        if (r.status != 401)
            break;
        ++failures;
    }
    QCOMPARE(r.status, 429);
    QCOMPARE(failures, 20);
    QCOMPARE(loginFrom(server->port(), sprayer, QStringLiteral("staff1"), StaffPassword).status,
             429);
    QCOMPARE(loginFrom(server->port(), office, QStringLiteral("staff1"), StaffPassword).status,
             200);

    // Refusals are audited with the address they came from.
    const AdminClient auditor = AdminClient::as(*server, admin, AdminPassword);
    const QJsonArray refused = auditOf(auditor, QStringLiteral("login_refused"));
    QVERIFY(refused.size() >= 4);
    for (const QJsonValue &e : refused) {
        const QString from = e[QStringLiteral("remoteAddress")].toString();
        QVERIFY2(from == attacker || from == sprayer, qPrintable(from));
    }
}

void TestAdmin::concurrentGuessesStopAtTheLimit()
{
    // Twenty guesses at once from one address: each is charged before its password is checked
    // (one Redis script), so exactly admin.login_max_failures of them are judged, whatever the
    // interleaving. A check-then-count would let every guess that overlaps the others through.
    auto server = start(QStringLiteral("sqlite"), {},
                        {QStringLiteral("POMELO_ADMIN_LOGIN_BLOCK_SECONDS=120")});
    QVERIFY(server);
    const quint16 port = server->port();
    std::vector<std::future<HttpResult>> calls;
    for (int i = 0; i < 20; ++i)
        calls.push_back(std::async(std::launch::async, [port, i] {
            return loginFrom(port, QStringLiteral("127.0.0.5"), QStringLiteral("staff1"),
                             QStringLiteral("guess-%1").arg(i));
        }));
    int judged = 0;
    int refused = 0;
    for (std::future<HttpResult> &c : calls) {
        const HttpResult r = c.get();
        judged += r.status == 401;
        refused += r.status == 429;
    }
    QCOMPARE(judged, 5);
    QCOMPARE(refused, 15);
}

void TestAdmin::legacyPasswordHashUpgradedAtLogin()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    // A user as the former version stored it: a PBKDF2 hash.
    Database db(BookingHarness::databaseUrl(server->process().arguments(), server->dataDir()));
    StaffUserRepository users(db);
    const QString password = QStringLiteral("legacy-pass-42");
    StaffUser legacy;
    legacy.username = QStringLiteral("legacy");
    legacy.role = StaffRole::Staff;
    legacy.passwordHash = crypto::hashPasswordPbkdf2(password);
    QVERIFY(db.transact([&](Transaction &tx) { return users.insert(tx, legacy); }));
    const auto storedHash = [&] {
        return users.findByUsername(legacy.username)->passwordHash;
    };
    QVERIFY(storedHash().startsWith(QLatin1String("pbkdf2-sha256$")));

    // A wrong password changes nothing.
    QCOMPARE(AdminClient::login(*server, legacy.username, QStringLiteral("nope-nope")).status, 401);
    QCOMPARE(storedHash(), legacy.passwordHash);

    // The right one logs in, and the stored hash is now Argon2id of the same password.
    HttpResult r = AdminClient::login(*server, legacy.username, password);
    QCOMPARE(r.status, 200);
    const QString upgraded = storedHash();
    QVERIFY2(upgraded.startsWith(QLatin1String("$argon2id$")), qPrintable(upgraded));
    QVERIFY(crypto::verifyPassword(password, upgraded));
    QVERIFY(!crypto::verifyPassword(QStringLiteral("nope-nope"), upgraded));

    // Later logins verify the Argon2id hash and leave it as it is.
    r = AdminClient::login(*server, legacy.username, password);
    QCOMPARE(r.status, 200);
    QCOMPARE(storedHash(), upgraded);
    const AdminClient session(*server, r.json()[QStringLiteral("token")].toString().toLatin1());
    QCOMPARE(
        session.get(QStringLiteral("/admin/v1/me")).json()[QStringLiteral("username")].toString(),
        legacy.username);
    // Users created now get Argon2id from the start.
    QVERIFY(users.findByUsername(QStringLiteral("staff1"))
                ->passwordHash.startsWith(QLatin1String("$argon2id$")));
}

void TestAdmin::rolesOnEveryRoute()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient anonymous(*server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const AdminClient forged(*server, QByteArrayLiteral("forged-token-forged-token-forged-0001"));
    QVERIFY(!staff.token().isEmpty());
    QVERIFY(!admin.token().isEmpty());

    struct Row
    {
        QByteArray method;
        QString path;
        bool staffAllowed;
    };
    const QString order = QStringLiteral("/admin/v1/orders/123456789");
    const Row rows[] = {
        {"GET", QStringLiteral("/admin/v1/me"), true},
        {"POST", QStringLiteral("/admin/v1/logout"), true},
        {"GET", QStringLiteral("/admin/v1/orders"), true},
        {"GET", QStringLiteral("/admin/v1/dashboard"), true},
        {"GET", order, true},
        {"POST", order + QStringLiteral("/close"), false},
        {"POST", order + QStringLiteral("/verify"), false},
        {"POST", order + QStringLiteral("/refund"), false},
        {"POST", order + QStringLiteral("/renotify"), false},
        {"GET", QStringLiteral("/admin/v1/venues/board"), true},
        {"POST", QStringLiteral("/admin/v1/bookings/123456789/check-in"), true},
        {"GET", QStringLiteral("/admin/v1/streams"), false},
        {"GET", QStringLiteral("/admin/v1/queues"), false},
        {"POST", QStringLiteral("/admin/v1/queues/order-timeout/items/1/fire"), false},
        {"DELETE", QStringLiteral("/admin/v1/queues/order-timeout/items/1"), false},
        {"GET", QStringLiteral("/admin/v1/locks"), false},
        {"GET", QStringLiteral("/admin/v1/notifications"), false},
        {"POST", QStringLiteral("/admin/v1/notifications/1/resend"), false},
        {"POST", QStringLiteral("/admin/v1/notifications/resend-failed"), false},
        {"GET", QStringLiteral("/admin/v1/audit"), false},
        {"GET", QStringLiteral("/admin/v1/payment-exceptions"), false},
        {"GET", QStringLiteral("/admin/v1/payment-exceptions/123456789"), false},
        {"POST", QStringLiteral("/admin/v1/payment-exceptions/123456789/resolve"), false},
    };
    for (const Row &row : rows) {
        const QByteArray what = row.method + ' ' + row.path.toUtf8();
        HttpResult r = anonymous.request(row.method, row.path, "{}");
        QVERIFY2(r.status == 401 && errorCode(r) == 4010, what.constData());
        r = forged.request(row.method, row.path, "{}");
        QVERIFY2(r.status == 401, what.constData());
        if (row.path == QLatin1String("/admin/v1/logout"))
            continue; // would end the sessions the other rows use
        r = staff.request(row.method, row.path, "{}");
        if (row.staffAllowed)
            QVERIFY2(r.status != 401 && r.status != 403, what.constData());
        else
            QVERIFY2(r.status == 403 && errorCode(r) == 4030, what.constData());
        r = admin.request(row.method, row.path, "{}");
        QVERIFY2(r.status != 401 && r.status != 403, what.constData());
    }
    // The WebSocket handshake without a token is refused before any upgrade.
    const QByteArray refused =
        rawHttpExchange(server->port(),
                        "GET /admin/v1/live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    QVERIFY2(refused.startsWith("HTTP/1.1 401"), refused.constData());
    // Both roles get the live feed (staff without the admin-only stats: see liveFeed).
    for (const AdminClient *who : {&staff, &admin}) {
        const QByteArray upgraded =
            rawHttpExchange(server->port(),
                            "GET /admin/v1/live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer "
                                + who->token() + "\r\n\r\n",
                            2000); // the socket stays open: read what came within 2 s
        QVERIFY2(upgraded.startsWith("HTTP/1.1 101"), upgraded.constData());
    }
}

void TestAdmin::orderActions()
{
    QFETCH(QString, backend);
    auto server = start(
        backend, {}, {QStringLiteral("POMELO_TELEMETRY_TRACE_URL_TEMPLATE=") + TraceUrlTemplate});
    QVERIFY(server);
    Merchant merchant;
    // The console learns where traces open from the login answer, whatever the role.
    for (const QString &user : {QStringLiteral("staff1"), QStringLiteral("admin")}) {
        const HttpResult login = AdminClient::login(
            *server, user, user == QLatin1String("admin") ? AdminPassword : StaffPassword);
        QCOMPARE(login.status, 200);
        QCOMPARE(login.json()[QStringLiteral("traceUrlTemplate")].toString(), TraceUrlTemplate);
    }
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const QString orderId = createOrder(*server, QStringLiteral("adm-close-1"), merchant.url());
    QVERIFY(!orderId.isEmpty());
    const QString path = QStringLiteral("/admin/v1/orders/") + orderId;

    // Lists and filters.
    HttpResult r = staff.get(QStringLiteral("/admin/v1/orders?status=INIT&q=adm-close"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("items")].toArray().size(), 1);
    QCOMPARE(r.json()[QStringLiteral("items")][0][QStringLiteral("orderId")].toString(), orderId);
    QCOMPARE(staff.get(QStringLiteral("/admin/v1/orders?status=PAID&q=adm-close"))
                 .json()[QStringLiteral("items")]
                 .toArray()
                 .size(),
             0);
    // q also finds a part of the subject ("Water top-up"), case-insensitively; `_` is no
    // wildcard.
    r = staff.get(QStringLiteral("/admin/v1/orders?q=TOP-UP"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("items")].toArray().size(), 1);
    QCOMPARE(r.json()[QStringLiteral("items")][0][QStringLiteral("orderId")].toString(), orderId);
    QCOMPARE(staff.get(QStringLiteral("/admin/v1/orders?q=top_up"))
                 .json()[QStringLiteral("items")]
                 .toArray()
                 .size(),
             0);
    QCOMPARE(errorCode(staff.get(QStringLiteral("/admin/v1/orders?status=NOPE"))), 4001);
    QCOMPARE(errorCode(staff.get(QStringLiteral("/admin/v1/orders?from=2024-13-01"))), 4001);

    // Close: staff may not, a reason is required, then the order is CLOSED and audited.
    QCOMPARE(staff.post(path + QStringLiteral("/close"), withReason(QStringLiteral("x"))).status,
             403);
    QCOMPARE(errorCode(admin.post(path + QStringLiteral("/close"))), 4001);
    QCOMPARE(
        errorCode(admin.post(path + QStringLiteral("/close"), withReason(QStringLiteral("  ")))),
        4001);
    r = admin.post(path + QStringLiteral("/close"), withReason(QStringLiteral("customer left")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("CLOSED"));
    // Closing again: the order is finished (2007), and that attempt is audited too.
    QCOMPARE(
        errorCode(admin.post(path + QStringLiteral("/close"), withReason(QStringLiteral("again")))),
        2007);
    const QJsonArray closes = auditOf(admin, QStringLiteral("order.close"));
    QCOMPARE(closes.size(), 2);
    const QJsonValue closed = closes.at(1); // oldest: the successful one
    QCOMPARE(closed[QStringLiteral("actor")].toString(), QStringLiteral("admin"));
    QCOMPARE(closed[QStringLiteral("reason")].toString(), QStringLiteral("customer left"));
    QCOMPARE(closed[QStringLiteral("target")].toString(), QStringLiteral("order:") + orderId);
    QCOMPARE(closed[QStringLiteral("remoteAddress")].toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(closed[QStringLiteral("details")][QStringLiteral("outcome")].toString(),
             QStringLiteral("ok"));
    QCOMPARE(closed[QStringLiteral("details")][QStringLiteral("after")].toString(),
             QStringLiteral("CLOSED"));
    QCOMPARE(closes.at(0)[QStringLiteral("details")][QStringLiteral("code")].toInt(), 2007);

    // Detail: the timeline INIT → CLOSED with a trace id, and the merchant notification.
    r = staff.get(path);
    QCOMPARE(r.status, 200);
    const QJsonArray events = r.json()[QStringLiteral("events")].toArray();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0)[QStringLiteral("status")].toString(), QStringLiteral("INIT"));
    QCOMPARE(events.at(1)[QStringLiteral("status")].toString(), QStringLiteral("CLOSED"));
    QCOMPARE(events.at(1)[QStringLiteral("prevStatus")].toString(), QStringLiteral("INIT"));
    QCOMPARE(r.json()[QStringLiteral("traceId")].toString().size(), 32);
    QCOMPARE(r.json()[QStringLiteral("traceId")], events.at(0)[QStringLiteral("traceId")]);
    // Each event names the trace and the span that wrote it: those of its stored traceparent.
    {
        Database db(BookingHarness::databaseUrl(server->process().arguments(), server->dataDir()));
        const QList<OrderEvent> stored = OrderRepository(db).events(orderId.toLongLong());
        QCOMPARE(stored.size(), events.size());
        const QRegularExpression spanId(QStringLiteral("^[0-9a-f]{16}$"));
        for (qsizetype i = 0; i < stored.size(); ++i) {
            const QStringList parts = stored.at(i).traceparent.split(u'-');
            QCOMPARE(parts.size(), 4);
            const QString span = events.at(i)[QStringLiteral("spanId")].toString();
            QVERIFY2(spanId.match(span).hasMatch(), qPrintable(span));
            QCOMPARE(span, parts.at(2));
            QCOMPARE(events.at(i)[QStringLiteral("traceId")].toString(), parts.at(1));
        }
        // Two writers, two spans: the create request's and the close request's.
        QVERIFY(events.at(0)[QStringLiteral("spanId")] != events.at(1)[QStringLiteral("spanId")]);
    }
    QCOMPARE(r.json()[QStringLiteral("order")][QStringLiteral("status")].toString(),
             QStringLiteral("CLOSED"));
    QVERIFY(r.json()[QStringLiteral("refunds")].isArray());
    QVERIFY(r.json()[QStringLiteral("callbacks")].isArray());
    QTRY_COMPARE_WITH_TIMEOUT(
        staff.get(path)
            .json()[QStringLiteral("notifications")][0][QStringLiteral("state")]
            .toString(),
        QStringLiteral("DELIVERED"), 15000);
    QCOMPARE(errorCode(staff.get(QStringLiteral("/admin/v1/orders/999999999"))), 2005);
    QCOMPARE(errorCode(staff.get(QStringLiteral("/admin/v1/orders/abc"))), 2005);

    // Refund and verify: roles, validation and audit (their outcome is the pay service's).
    const QString unknown = QStringLiteral("/admin/v1/orders/999999999");
    for (const QString &action : {QStringLiteral("/refund"), QStringLiteral("/verify")}) {
        const QJsonObject body =
            withReason(QStringLiteral("check"), {{QStringLiteral("amount"), 100}});
        QCOMPARE(staff.post(path + action, body).status, 403);
        QCOMPARE(errorCode(admin.post(path + action, {{QStringLiteral("amount"), 100}})), 4001);
        QCOMPARE(errorCode(admin.post(unknown + action, body)), 2005);
        QCOMPARE(errorCode(admin.request("POST", path + action, "{not json")), 4000);
    }
    QCOMPARE(
        errorCode(admin.post(path + QStringLiteral("/refund"),
                             withReason(QStringLiteral("r"), {{QStringLiteral("amount"), 1.5}}))),
        2001);
    QCOMPARE(
        errorCode(admin.post(path + QStringLiteral("/refund"), withReason(QStringLiteral("r")))),
        2001);
    const QJsonArray refunds = auditOf(admin, QStringLiteral("order.refund"));
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.at(0)[QStringLiteral("target")].toString(), QStringLiteral("order:999999999"));
    QCOMPARE(refunds.at(0)[QStringLiteral("details")][QStringLiteral("code")].toInt(), 2005);
    QCOMPARE(auditOf(admin, QStringLiteral("order.verify")).size(), 1);

    // Re-notify: the delivered CLOSED notification goes out again.
    const int before = merchant.delivered.load();
    r = admin.post(path + QStringLiteral("/renotify"),
                   withReason(QStringLiteral("merchant lost it")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("resent")].toInt(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(merchant.delivered.load() > before, 15000);
    QCOMPARE(auditOf(admin, QStringLiteral("order.renotify")).size(), 1);

    // Stream view: the order's events went through pomelo:order-events and both groups.
    r = admin.get(QStringLiteral("/admin/v1/streams"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.json()[QStringLiteral("length")].toInt() >= 2);
    QStringList groups;
    for (const QJsonValue &g : r.json()[QStringLiteral("groups")].toArray())
        groups << g[QStringLiteral("name")].toString();
    QVERIFY(groups.contains(QStringLiteral("status-tracker")));
    QVERIFY(groups.contains(QStringLiteral("push-notifier")));
    QVERIFY(r.json()[QStringLiteral("deadLetter")].isObject());
    QCOMPARE(admin.get(QStringLiteral("/admin/v1/locks")).status, 200);
}

void TestAdmin::refundAndVerify()
{
    QFETCH(QString, backend);
    // The card center's notifications go where nobody listens: only "verify with channel" can
    // learn that the order was paid.
    const quint16 port = freeLoopbackPort();
    const quint16 deaf = freeLoopbackPort();
    auto server =
        start(backend, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)},
              {QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=http://127.0.0.1:%1").arg(deaf),
               QStringLiteral("POMELO_CHANNELS_ECARD_BASE_URL=http://127.0.0.1:%1/sandbox/ecard")
                   .arg(port)});
    QVERIFY(server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("ADM-V"), 1500))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    HttpResult r = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);
    QCOMPARE(
        simulatePay(*server,
                    r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString())
            .status,
        200);
    QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
    const QString path = QStringLiteral("/admin/v1/orders/") + orderId;

    r = admin.post(path + QStringLiteral("/verify"), withReason(QStringLiteral("student paid")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("order")][QStringLiteral("status")].toString(),
             QStringLiteral("PAID"));
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));
    QCOMPARE(auditOf(admin, QStringLiteral("order.verify"))
                 .at(0)[QStringLiteral("details")][QStringLiteral("after")]
                 .toString(),
             QStringLiteral("PAID"));

    // Refund: admins only, at most what was paid, audited with its amount.
    const QJsonObject part =
        withReason(QStringLiteral("court closed"), {{QStringLiteral("amount"), 500}});
    QCOMPARE(staff.post(path + QStringLiteral("/refund"), part).status, 403);
    QCOMPARE(errorCode(admin.post(
                 path + QStringLiteral("/refund"),
                 withReason(QStringLiteral("too much"), {{QStringLiteral("amount"), 1501}}))),
             2001);
    r = admin.post(path + QStringLiteral("/refund"), part);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("refund")][QStringLiteral("status")].toString(),
             QStringLiteral("SUCCESS"));
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 500);
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));
    r = admin.get(path);
    QCOMPARE(r.json()[QStringLiteral("refunds")].toArray().size(), 1);
    QCOMPARE(r.json()[QStringLiteral("refunds")][0][QStringLiteral("initiator")].toString(),
             QStringLiteral("ADMIN"));
    const QJsonArray audited = auditOf(admin, QStringLiteral("order.refund"));
    QCOMPARE(audited.size(), 2);
    QCOMPARE(audited.at(0)[QStringLiteral("details")][QStringLiteral("amount")].toInteger(), 500);
    QCOMPARE(audited.at(0)[QStringLiteral("reason")].toString(), QStringLiteral("court closed"));
}

void TestAdmin::resendDeliversFailedNotification()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    Merchant merchant;
    merchant.failuresLeft = 2; // both attempts of the compressed schedule fail
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const QString first = createOrder(*server, QStringLiteral("adm-notify-1"), merchant.url());
    QVERIFY(!first.isEmpty());
    QCOMPARE(admin
                 .post(QStringLiteral("/admin/v1/orders/%1/close").arg(first),
                       withReason(QStringLiteral("test")))
                 .status,
             200);
    QJsonArray failed;
    QTRY_COMPARE_WITH_TIMEOUT(
        (failed = admin.get(QStringLiteral("/admin/v1/notifications?state=FAILED"))
                      .json()[QStringLiteral("items")]
                      .toArray())
            .size(),
        1, 20000);
    const QJsonValue n = failed.first();
    QCOMPARE(n[QStringLiteral("orderId")].toString(), first);
    QCOMPARE(n[QStringLiteral("attempts")].toInt(), 2);
    QCOMPARE(n[QStringLiteral("lastHttpStatus")].toInt(), 500);
    QCOMPARE(n[QStringLiteral("history")].toArray().size(), 2);
    QCOMPARE(merchant.delivered.load(), 0);

    // One notification re-sent by id: delivered now.
    const QString id = n[QStringLiteral("id")].toString();
    HttpResult r = admin.post(QStringLiteral("/admin/v1/notifications/%1/resend").arg(id));
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(admin.get(QStringLiteral("/admin/v1/notifications?state=DELIVERED"))
                                  .json()[QStringLiteral("items")]
                                  .toArray()
                                  .size(),
                              1, 15000);
    QCOMPARE(merchant.delivered.load(), 1);
    QCOMPARE(errorCode(admin.post(QStringLiteral("/admin/v1/notifications/987654/resend"))), 4040);

    // All failed notifications of an app.
    merchant.failuresLeft = 2;
    const QString second = createOrder(*server, QStringLiteral("adm-notify-2"), merchant.url());
    QCOMPARE(admin
                 .post(QStringLiteral("/admin/v1/orders/%1/close").arg(second),
                       withReason(QStringLiteral("test")))
                 .status,
             200);
    QTRY_COMPARE_WITH_TIMEOUT(admin.get(QStringLiteral("/admin/v1/notifications?state=FAILED"))
                                  .json()[QStringLiteral("items")]
                                  .toArray()
                                  .size(),
                              1, 20000);
    QCOMPARE(errorCode(admin.post(QStringLiteral("/admin/v1/notifications/resend-failed"))), 4001);
    r = admin.post(QStringLiteral("/admin/v1/notifications/resend-failed"),
                   {{QStringLiteral("appId"), QStringLiteral("venue-booking")}});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("count")].toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(merchant.delivered.load(), 2, 15000);
    QCOMPARE(auditOf(admin, QStringLiteral("notification.resend")).size(), 2); // the unknown id too
    const QJsonArray all = auditOf(admin, QStringLiteral("notification.resend_failed"));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.at(0)[QStringLiteral("details")][QStringLiteral("count")].toInt(), 1);
}

void TestAdmin::venueBoardAndCheckIn()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    QVERIFY(alice.loggedIn());
    QCOMPARE(alice
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040101","name":"Alice","phone":"13800138000"})")
                 .status,
             200);
    const QTimeZone zone(daytimeZone().toUtf8());
    const QDateTime now = QDateTime::currentDateTime().toTimeZone(zone);
    const QString today = now.date().toString(Qt::ISODate);
    const QString start = QTime(now.time().hour() + 2, 0).toString(QStringLiteral("HH:mm"));
    const QString end = QTime(now.time().hour() + 3, 0).toString(QStringLiteral("HH:mm"));
    const qint64 venueId = 1; // badminton, 60-minute slots, 08:00–22:00
    HttpResult r = alice.book(venueId, today, start, end);
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();

    const auto slotOf = [&](const QString &date) {
        const QJsonObject board =
            staff.get(QStringLiteral("/admin/v1/venues/board?date=") + date).json().object();
        for (const QJsonValue &v : board[QStringLiteral("venues")].toArray()) {
            if (v[QStringLiteral("id")].toInteger() != venueId)
                continue;
            for (const QJsonValue &s : v[QStringLiteral("slots")].toArray()) {
                if (s[QStringLiteral("startTime")].toString() == start)
                    return s.toObject();
            }
        }
        return QJsonObject {};
    };
    QJsonObject slot = slotOf(today);
    QCOMPARE(slot[QStringLiteral("state")].toString(), QStringLiteral("HELD"));
    QCOMPARE(slot[QStringLiteral("bookingId")].toString(), bookingId);
    QCOMPARE(slot[QStringLiteral("user")][QStringLiteral("name")].toString(),
             QStringLiteral("Alice"));
    QCOMPARE(
        slotOf(now.date().addDays(1).toString(Qt::ISODate))[QStringLiteral("state")].toString(),
        QStringLiteral("FREE"));
    QCOMPARE(errorCode(staff.get(QStringLiteral("/admin/v1/venues/board?date=tomorrow"))), 4001);

    const QString checkIn = QStringLiteral("/admin/v1/bookings/%1/check-in").arg(bookingId);
    QCOMPARE(errorCode(staff.post(checkIn)), 1006); // not paid yet
    QCOMPARE(errorCode(staff.post(QStringLiteral("/admin/v1/bookings/424242/check-in"))), 1004);

    // Pay it through sign → cashier → simulated e-card payment.
    const QString prepayId = signAndOpenCashier(*server, alice, bookingId);
    QVERIFY(!prepayId.isEmpty());
    QCOMPARE(simulatePay(*server, prepayId).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(slotOf(today)[QStringLiteral("state")].toString(),
                              QStringLiteral("BOOKED"), 15000);

    r = staff.post(checkIn, withReason(QStringLiteral("at the desk")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("CHECKED_IN"));
    QCOMPARE(slotOf(today)[QStringLiteral("state")].toString(), QStringLiteral("CHECKED_IN"));
    QCOMPARE(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                 .json()[QStringLiteral("status")]
                 .toString(),
             QStringLiteral("CHECKED_IN"));
    QCOMPARE(errorCode(staff.post(checkIn)), 1006); // only once

    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const QJsonArray audit = auditOf(admin, QStringLiteral("booking.check_in"));
    QCOMPARE(audit.size(), 4); // every attempt, refused ones too
    QCOMPARE(audit.at(1)[QStringLiteral("actor")].toString(), QStringLiteral("staff1"));
    QCOMPARE(audit.at(1)[QStringLiteral("reason")].toString(), QStringLiteral("at the desk"));
    QCOMPARE(audit.at(1)[QStringLiteral("details")][QStringLiteral("outcome")].toString(),
             QStringLiteral("ok"));
}

void TestAdmin::queuesFireAndCancel()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    const QDate day = QDateTime::currentDateTime()
                          .toTimeZone(QTimeZone(daytimeZone().toUtf8()))
                          .date()
                          .addDays(1);
    HttpResult r =
        bob.book(1, day.toString(Qt::ISODate), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();

    const auto members = [&] {
        QStringList out;
        const QJsonArray queues = admin.get(QStringLiteral("/admin/v1/queues"))
                                      .json()[QStringLiteral("queues")]
                                      .toArray();
        for (const QJsonValue &q : queues) {
            if (q[QStringLiteral("name")].toString() != QLatin1String("booking-expiry"))
                continue;
            for (const QJsonValue &i : q[QStringLiteral("items")].toArray())
                out << i[QStringLiteral("member")].toString();
        }
        return out;
    };
    QStringList queued = members();
    QVERIFY2(queued.contains(bookingId), qPrintable(queued.join(u',')));
    const QString reminder = QStringLiteral("remind:") + bookingId;

    // Cancel the reminder (reason required, from the query of a DELETE).
    const QString base = QStringLiteral("/admin/v1/queues/booking-expiry/items/");
    QCOMPARE(errorCode(admin.request("DELETE", base + reminder)), 4001);
    if (queued.contains(reminder)) {
        QCOMPARE(admin.request("DELETE", base + reminder + QStringLiteral("?reason=noise")).status,
                 200);
        QVERIFY(!members().contains(reminder));
    }
    QCOMPARE(errorCode(admin.request("DELETE", base + QStringLiteral("nothing?reason=x"))), 4040);
    QCOMPARE(errorCode(admin.post(QStringLiteral("/admin/v1/queues/nope/items/1/fire"),
                                  withReason(QStringLiteral("x")))),
             4040);

    // Fire the expiry now: the unpaid booking is cancelled by the booking module's worker.
    QCOMPARE(
        admin.post(base + bookingId + QStringLiteral("/fire"), withReason(QStringLiteral("test")))
            .status,
        200);
    QTRY_COMPARE_WITH_TIMEOUT(bob.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("CANCELLED"), 15000);
    const QJsonArray fired = auditOf(admin, QStringLiteral("queue.fire"));
    QCOMPARE(fired.size(), 1); // an unknown queue is refused before any action
    QCOMPARE(fired.at(0)[QStringLiteral("target")].toString(),
             QStringLiteral("queue:booking-expiry:") + bookingId);
    QVERIFY(auditOf(admin, QStringLiteral("queue.cancel")).size() >= 1);
}

void TestAdmin::liveFeed()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const QString base = QStringLiteral("ws://127.0.0.1:%1/admin/v1/live").arg(server->port());

    // Refused: no token, a forged token.
    const QStringList refusedUrls {base,
                                   base + QStringLiteral("?token=forged-token-forged-token-00001")};
    for (const QString &url : refusedUrls) {
        QWebSocket refused;
        bool connected = false;
        bool failed = false;
        connect(&refused, &QWebSocket::connected, this, [&] { connected = true; });
        connect(&refused, &QWebSocket::disconnected, this, [&] { failed = true; });
        connect(&refused, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
                [&] { failed = true; });
        refused.open(QUrl(url));
        QTRY_VERIFY_WITH_TIMEOUT(failed || connected, 10000);
        QVERIFY2(!connected, qPrintable(url));
    }

    // Staff read orders: they get the order events, not the admin-only stats.
    QWebSocket staffSocket;
    QList<QJsonObject> staffMessages;
    connect(&staffSocket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        staffMessages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    staffSocket.open(QUrl(base + QStringLiteral("?token=") + QString::fromLatin1(staff.token())));
    QTRY_COMPARE_WITH_TIMEOUT(staffSocket.state(), QAbstractSocket::ConnectedState, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!staffMessages.isEmpty(), 10000);
    QCOMPARE(staffMessages.first()[QStringLiteral("type")].toString(), QStringLiteral("hello"));
    QCOMPARE(staffMessages.first()[QStringLiteral("role")].toString(), QStringLiteral("staff"));

    QWebSocket socket;
    QList<QJsonObject> messages;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    socket.open(QUrl(base + QStringLiteral("?token=") + QString::fromLatin1(admin.token())));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::ConnectedState, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!messages.isEmpty(), 10000);
    QCOMPARE(messages.first()[QStringLiteral("type")].toString(), QStringLiteral("hello"));

    Merchant merchant;
    const QString orderId = createOrder(*server, QStringLiteral("adm-live-1"), merchant.url());
    QVERIFY(!orderId.isEmpty());
    const auto sawEventIn = [&](const QList<QJsonObject> &received, const QString &status) {
        for (const QJsonObject &m : received) {
            if (m[QStringLiteral("type")].toString() == QLatin1String("order-event")
                && m[QStringLiteral("orderId")].toString() == orderId
                && m[QStringLiteral("status")].toString() == status)
                return true;
        }
        return false;
    };
    const auto sawEvent = [&](const QString &status) {
        return sawEventIn(messages, status);
    };
    QTRY_VERIFY_WITH_TIMEOUT(sawEvent(QStringLiteral("INIT")), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(sawEventIn(staffMessages, QStringLiteral("INIT")), 15000);
    QCOMPARE(admin
                 .post(QStringLiteral("/admin/v1/orders/%1/close").arg(orderId),
                       withReason(QStringLiteral("live")))
                 .status,
             200);
    QTRY_VERIFY_WITH_TIMEOUT(sawEvent(QStringLiteral("CLOSED")), 15000);
    // Queue/notification changes arrive as stats messages.
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(
            messages.cbegin(), messages.cend(),
            [](const QJsonObject &m) {
                return m[QStringLiteral("type")].toString() == QLatin1String("stats")
                    && m[QStringLiteral("notifications")][QStringLiteral("DELIVERED")].toInt() >= 1;
            }),
        15000);
    QVERIFY(sawEventIn(staffMessages, QStringLiteral("CLOSED")));
    // Stats went to the admin socket (on connecting and since); never to the staff one.
    for (const QJsonObject &m : std::as_const(staffMessages))
        QVERIFY(m[QStringLiteral("type")].toString() != QLatin1String("stats"));

    // The session ends (logout): the feed closes.
    QCOMPARE(admin.post(QStringLiteral("/admin/v1/logout")).status, 204);
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 15000);
}

void TestAdmin::dashboard()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);
    const auto summary = [](const AdminClient &who) {
        const HttpResult r = who.get(QStringLiteral("/admin/v1/dashboard"));
        if (r.status != 200)
            qWarning("dashboard: %d %s", r.status, r.body.constData());
        return r.json().object();
    };
    const auto count = [](const QJsonObject &d, const char *status) {
        return d[QStringLiteral("orders")][QLatin1String(status)].toInteger(-1);
    };

    QJsonObject d = summary(admin);
    const QString today = QDateTime::currentDateTime()
                              .toTimeZone(QTimeZone(daytimeZone().toLatin1()))
                              .date()
                              .toString(Qt::ISODate);
    QCOMPARE(d[QStringLiteral("date")].toString(), today); // the server's zone
    QCOMPARE(d[QStringLiteral("orders")].toObject().size(), 7); // every status, also when 0
    QCOMPARE(count(d, "INIT"), 0);
    QCOMPARE(d[QStringLiteral("ordersTotal")].toInteger(-1), 0);
    QCOMPARE(d[QStringLiteral("paidAmount")].toInteger(-1), 0);

    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    QCOMPARE(pay.create(pay.orderFields(QStringLiteral("DASH-OPEN"), 700)).status, 201);
    QVERIFY(!pay.paidOrder(QStringLiteral("DASH-PAID"), 2345).isEmpty());

    d = summary(admin);
    QCOMPARE(count(d, "INIT"), 1);
    QCOMPARE(count(d, "PAID"), 1);
    QCOMPARE(count(d, "CLOSED"), 0);
    QCOMPARE(d[QStringLiteral("ordersTotal")].toInteger(-1), 2);
    QVERIFY(d[QStringLiteral("paidAmount")].isDouble()); // integer cents
    QCOMPARE(d[QStringLiteral("paidAmount")].toInteger(-1), 2345);
    // Admins also get what /streams, /queues and /notifications tell.
    const QJsonObject queues = d[QStringLiteral("queues")].toObject();
    QVERIFY(queues[QStringLiteral("order-timeout")][QStringLiteral("scheduled")].toInteger(-1)
            >= 1); // DASH-OPEN's timeout
    QVERIFY(queues.contains(QStringLiteral("booking-expiry")));
    const QJsonObject notifications = d[QStringLiteral("notifications")].toObject();
    for (const char *state : {"PENDING", "DELIVERED", "FAILED"})
        QVERIFY2(notifications[QLatin1String(state)].isDouble(), state);
    // Open payment exceptions per state, zeros included (none was made here).
    const QJsonObject exceptions = d[QStringLiteral("paymentExceptions")].toObject();
    QCOMPARE(exceptions.size(), 3);
    for (const char *state : {"REFUNDING", "REFUND_FAILED", "REFUNDED"})
        QVERIFY2(exceptions[QLatin1String(state)].toInteger(-1) == 0, state);
    QTRY_VERIFY_WITH_TIMEOUT(
        summary(admin)[QStringLiteral("stream")][QStringLiteral("length")].toInteger(-1)
            >= 4, // INIT, INIT, PAYING, PAID
        15000);
    const QJsonValue stream = summary(admin)[QStringLiteral("stream")];
    QVERIFY(stream[QStringLiteral("lag")].isDouble() || stream[QStringLiteral("lag")].isNull());
    QVERIFY(stream[QStringLiteral("pending")].isDouble());
    QCOMPARE(stream[QStringLiteral("deadLetterLength")].toInteger(-1), 0);

    // Staff: the same order numbers, none of the infrastructure.
    const QJsonObject s = summary(staff);
    QCOMPARE(s.value(QStringLiteral("orders")), d.value(QStringLiteral("orders")));
    QCOMPARE(s[QStringLiteral("paidAmount")].toInteger(-1), 2345);
    for (const char *key : {"stream", "queues", "notifications", "paymentExceptions"})
        QVERIFY2(!s.contains(QLatin1String(key)), key);

    // Money that adds up (issue #17): a partial refund today stays in "paid", shows in
    // "refunded", and the headline is the net.
    QCOMPARE(d[QStringLiteral("refundedAmount")].toInteger(-1), 0);
    QCOMPARE(d[QStringLiteral("netAmount")].toInteger(-1), 2345);
    const QString paidId = pay.create(pay.orderFields(QStringLiteral("DASH-PAID"), 2345))
                               .json()[QStringLiteral("orderId")]
                               .toString();
    QCOMPARE(pay.refund(paidId, QStringLiteral("DASH-RF-1"), 345, QStringLiteral("partial")).status,
             201);
    QTRY_COMPARE_WITH_TIMEOUT(summary(admin)[QStringLiteral("refundedAmount")].toInteger(-1), 345,
                              15000);
    d = summary(staff);
    QCOMPARE(d[QStringLiteral("paidAmount")].toInteger(-1), 2345);
    QCOMPARE(d[QStringLiteral("netAmount")].toInteger(-1), 2000);
}

void TestAdmin::paymentExceptions()
{
    QFETCH(QString, backend);
    auto server = start(backend);
    QVERIFY(server);
    const AdminClient staff = AdminClient::as(*server, QStringLiteral("staff1"), StaffPassword);
    const AdminClient admin = AdminClient::as(*server, QStringLiteral("admin"), AdminPassword);

    // Both roles watch the live feed while the exceptions happen; only admins hear of them.
    const QString live =
        QStringLiteral("ws://127.0.0.1:%1/admin/v1/live?token=").arg(server->port());
    QWebSocket adminSocket;
    QWebSocket staffSocket;
    QList<QJsonObject> adminMessages;
    QList<QJsonObject> staffMessages;
    connect(&adminSocket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        adminMessages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    connect(&staffSocket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        staffMessages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    adminSocket.open(QUrl(live + QString::fromLatin1(admin.token())));
    staffSocket.open(QUrl(live + QString::fromLatin1(staff.token())));
    const auto messagesOf = [](const QList<QJsonObject> &received, const char *type) {
        QList<QJsonObject> out;
        for (const QJsonObject &m : received) {
            if (m[QStringLiteral("type")].toString() == QLatin1String(type))
                out.append(m);
        }
        return out;
    };
    // The first stats: the feed has taken its first look (what was there is no news).
    QTRY_VERIFY_WITH_TIMEOUT(!messagesOf(adminMessages, "stats").isEmpty(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!messagesOf(staffMessages, "hello").isEmpty(), 15000);
    QCOMPARE(messagesOf(adminMessages, "stats")
                 .first()[QStringLiteral("paymentExceptions")][QStringLiteral("REFUNDED")]
                 .toInteger(-1),
             0);

    // Two late e-card payments of closed orders: recorded, then refunded by the server itself.
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const LatePayment first =
        latePaymentException(*server, pay, QStringLiteral("ADM-LATE-1"), 1500);
    QVERIFY(!first.exceptionId.isEmpty());
    const LatePayment second =
        latePaymentException(*server, pay, QStringLiteral("ADM-LATE-2"), 2300);
    QVERIFY(!second.exceptionId.isEmpty());

    // Live: one `payment-exception` per case to admins, in the order they were recorded, and
    // the open counts in `stats`.
    QTRY_COMPARE_WITH_TIMEOUT(messagesOf(adminMessages, "payment-exception").size(), 2, 15000);
    const QList<QJsonObject> news = messagesOf(adminMessages, "payment-exception");
    QCOMPARE(news.at(0)[QStringLiteral("id")].toString(), first.exceptionId);
    QCOMPARE(news.at(0)[QStringLiteral("orderId")].toString(), first.orderId);
    QCOMPARE(news.at(0)[QStringLiteral("reason")].toString(), QStringLiteral("LATE"));
    QCOMPARE(news.at(0)[QStringLiteral("channel")].toString(), QStringLiteral("ECARD"));
    QCOMPARE(news.at(0)[QStringLiteral("paidAmount")].toInteger(), 1500);
    QCOMPARE(news.at(1)[QStringLiteral("id")].toString(), second.exceptionId);
    QCOMPARE(news.at(1)[QStringLiteral("paidAmount")].toInteger(), 2300);
    const auto lastRefunded = [&] {
        const QList<QJsonObject> stats = messagesOf(adminMessages, "stats");
        return stats.last()[QStringLiteral("paymentExceptions")][QStringLiteral("REFUNDED")]
            .toInteger(-1);
    };
    QTRY_COMPARE_WITH_TIMEOUT(lastRefunded(), 2, 15000);

    // The list: admins only, newest first, every field as API.md says.
    const QString base = QStringLiteral("/admin/v1/payment-exceptions");
    HttpResult r = staff.get(base);
    QCOMPARE(r.status, 403);
    QCOMPARE(errorCode(r), 4030);
    r = admin.get(base);
    QCOMPARE(r.status, 200);
    QJsonArray items = r.json()[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), 2);
    QVERIFY(!r.json().object().contains(QStringLiteral("nextCursor")));
    QCOMPARE(items.at(0)[QStringLiteral("id")].toString(), second.exceptionId);
    const QJsonObject item = items.at(1).toObject();
    QVERIFY(item[QStringLiteral("id")].isString()); // a Snowflake: never a JSON number
    QCOMPARE(item[QStringLiteral("id")].toString(), first.exceptionId);
    QVERIFY(item[QStringLiteral("orderId")].isString());
    QCOMPARE(item[QStringLiteral("orderId")].toString(), first.orderId);
    QCOMPARE(item[QStringLiteral("reason")].toString(), QStringLiteral("LATE"));
    QCOMPARE(item[QStringLiteral("channel")].toString(), QStringLiteral("ECARD"));
    QVERIFY(!item[QStringLiteral("channelTradeNo")].toString().isEmpty());
    QVERIFY(!item[QStringLiteral("outTradeNo")].toString().isEmpty());
    QVERIFY(item[QStringLiteral("paidAmount")].isDouble());
    QCOMPARE(item[QStringLiteral("paidAmount")].toInteger(), 1500);
    QCOMPARE(item[QStringLiteral("orderAmount")].toInteger(), 1500);
    QCOMPARE(item[QStringLiteral("currency")].toString(), QStringLiteral("CNY"));
    QVERIFY(!item[QStringLiteral("detail")].toString().isEmpty());
    QCOMPARE(item[QStringLiteral("state")].toString(), QStringLiteral("REFUNDED"));
    QVERIFY(item[QStringLiteral("refundAttempts")].toInt() >= 1);
    const QRegularExpression rfc3339(QStringLiteral(
        "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"));
    for (const char *key : {"createdAt", "updatedAt", "refundedAt"})
        QVERIFY2(rfc3339.match(item[QLatin1String(key)].toString()).hasMatch(), key);
    // Not refunding any more, not resolved yet: those fields are absent.
    for (const char *key : {"nextRefundAt", "resolvedBy", "resolution", "resolvedAt"})
        QVERIFY2(!item.contains(QLatin1String(key)), key);

    // Filters and pages; bad values are refused like the other admin lists do.
    const auto count = [&](const QString &query) {
        const HttpResult page = admin.get(base + query);
        return page.status == 200 ? page.json()[QStringLiteral("items")].toArray().size() : -1;
    };
    QCOMPARE(count(QStringLiteral("?state=REFUNDED")), 2);
    QCOMPARE(count(QStringLiteral("?state=REFUNDING")), 0);
    QCOMPARE(count(QStringLiteral("?state=RESOLVED")), 0);
    for (const QString &bad : {QStringLiteral("?state=NOPE"), QStringLiteral("?state=refunded"),
                               QStringLiteral("?limit=0"), QStringLiteral("?cursor=garbage")}) {
        r = admin.get(base + bad);
        QVERIFY2(r.status == 400 && errorCode(r) == 4001, qPrintable(bad));
    }
    r = admin.get(base + QStringLiteral("?limit=1"));
    QCOMPARE(r.json()[QStringLiteral("items")][0][QStringLiteral("id")].toString(),
             second.exceptionId);
    const QString cursor = r.json()[QStringLiteral("nextCursor")].toString();
    QVERIFY(!cursor.isEmpty());
    r = admin.get(base + QStringLiteral("?limit=1&cursor=")
                  + QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("items")].toArray().size(), 1);
    QCOMPARE(r.json()[QStringLiteral("items")][0][QStringLiteral("id")].toString(),
             first.exceptionId);

    // One by id: the same item; unknown and malformed ids are not found.
    const QString path = base + QLatin1Char('/') + first.exceptionId;
    QCOMPARE(staff.get(path).status, 403);
    r = admin.get(path);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().object(), item);
    for (const QString &unknown : {QStringLiteral("999999999"), QStringLiteral("abc")}) {
        r = admin.get(base + QLatin1Char('/') + unknown);
        QVERIFY2(r.status == 404 && errorCode(r) == 4040, qPrintable(unknown));
    }

    // Resolve: admins only, with a reason, once.
    const QString resolve = path + QStringLiteral("/resolve");
    r = staff.post(resolve, withReason(QStringLiteral("x")));
    QCOMPARE(r.status, 403);
    QCOMPARE(errorCode(r), 4030);
    r = admin.post(resolve);
    QCOMPARE(r.status, 400);
    QCOMPARE(errorCode(r), 4001);
    QCOMPARE(errorCode(admin.post(resolve, withReason(QStringLiteral("   ")))), 4001);
    QCOMPARE(errorCode(admin.post(resolve, withReason(QString(501, u'x')))), 4001);
    QCOMPARE(errorCode(admin.request("POST", resolve, "{not json")), 4000);
    r = admin.post(base + QStringLiteral("/999999999/resolve"), withReason(QStringLiteral("x")));
    QCOMPARE(r.status, 404);
    QCOMPARE(errorCode(r), 4040);
    QCOMPARE(admin.get(path).json()[QStringLiteral("state")].toString(),
             QStringLiteral("REFUNDED")); // nothing of that changed it

    const QString why = QStringLiteral("退款已到账，与一卡通中心核对 ADM-LATE-1");
    r = admin.post(resolve, withReason(why));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("id")].toString(), first.exceptionId);
    QCOMPARE(r.json()[QStringLiteral("state")].toString(), QStringLiteral("RESOLVED"));
    QCOMPARE(r.json()[QStringLiteral("resolvedBy")].toString(), QStringLiteral("admin"));
    QCOMPARE(r.json()[QStringLiteral("resolution")].toString(), why);
    QVERIFY(rfc3339.match(r.json()[QStringLiteral("resolvedAt")].toString()).hasMatch());
    QCOMPARE(r.json()[QStringLiteral("paidAmount")].toInteger(), 1500);
    r = admin.post(resolve, withReason(QStringLiteral("again")));
    QCOMPARE(r.status, 409);
    const int conflict = errorCode(r); // the service's state conflict
    QVERIFY(conflict > 0);
    QCOMPARE(admin.get(path).json()[QStringLiteral("resolution")].toString(), why);
    QCOMPARE(count(QStringLiteral("?state=RESOLVED")), 1);
    QCOMPARE(count(QStringLiteral("?state=REFUNDED")), 1);

    // The audit log: who, why, from where — and the refused second attempt.
    const QJsonArray audit = auditOf(admin, QStringLiteral("payment_exception.resolve"));
    QList<QJsonObject> ofFirst;
    for (const QJsonValue &e : audit) {
        if (e[QStringLiteral("target")].toString()
            == QStringLiteral("payment_exception:") + first.exceptionId)
            ofFirst.append(e.toObject());
    }
    QCOMPARE(ofFirst.size(), 2); // newest first: the refusal, then the resolution
    const QJsonObject done = ofFirst.at(1);
    QCOMPARE(done[QStringLiteral("actor")].toString(), QStringLiteral("admin"));
    QCOMPARE(done[QStringLiteral("reason")].toString(), why);
    QCOMPARE(done[QStringLiteral("remoteAddress")].toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(done[QStringLiteral("details")][QStringLiteral("state")].toString(),
             QStringLiteral("REFUNDED"));
    QCOMPARE(done[QStringLiteral("details")][QStringLiteral("paidAmount")].toInteger(), 1500);
    const QJsonObject refused = ofFirst.at(0);
    QCOMPARE(refused[QStringLiteral("reason")].toString(), QStringLiteral("again"));
    QCOMPARE(refused[QStringLiteral("details")][QStringLiteral("outcome")].toString(),
             QStringLiteral("error"));
    QCOMPARE(refused[QStringLiteral("details")][QStringLiteral("code")].toInt(), conflict);

    // The dashboard counts what is open: the second one still waits for an admin.
    const QJsonObject open = admin.get(QStringLiteral("/admin/v1/dashboard"))
                                 .json()[QStringLiteral("paymentExceptions")]
                                 .toObject();
    QCOMPARE(open,
             (QJsonObject {{QStringLiteral("REFUNDING"), 0},
                           {QStringLiteral("REFUND_FAILED"), 0},
                           {QStringLiteral("REFUNDED"), 1}}));

    // Live: the resolution shows in the open counts; staff heard nothing of it all.
    QTRY_COMPARE_WITH_TIMEOUT(lastRefunded(), 1, 15000);
    QVERIFY(messagesOf(staffMessages, "payment-exception").isEmpty());
    QVERIFY(messagesOf(staffMessages, "stats").isEmpty());
}

void TestAdmin::userCommands()
{
    QTemporaryDir dir;
    const QStringList where {QStringLiteral("--data-dir"), dir.path()};
    QByteArray out;
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("add"),
                                     QStringLiteral("--username"), QStringLiteral("carol"),
                                     QStringLiteral("--role"), QStringLiteral("admin")}
                            + where,
                        &out),
             0);
    const QJsonObject created = QJsonDocument::fromJson(out).object();
    QCOMPARE(created[QStringLiteral("username")].toString(), QStringLiteral("carol"));
    const QString generated = created[QStringLiteral("password")].toString();
    QVERIFY(generated.size() >= 12);

    // Taken name, bad role, short password, unknown user, unknown subcommand.
    const QStringList add {QStringLiteral("user"), QStringLiteral("add"),
                           QStringLiteral("--username"), QStringLiteral("carol")};
    QCOMPARE(
        runCommand(add + QStringList {QStringLiteral("--role"), QStringLiteral("staff")} + where),
        2);
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("add"),
                                     QStringLiteral("--username"), QStringLiteral("dave"),
                                     QStringLiteral("--role"), QStringLiteral("root")}
                        + where),
             2);
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("passwd"),
                                     QStringLiteral("carol"), QStringLiteral("--password"),
                                     QStringLiteral("short")}
                        + where),
             2);
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("disable"),
                                     QStringLiteral("nobody")}
                        + where),
             2);
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("frobnicate")} + where),
             2);

    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("passwd"),
                                     QStringLiteral("carol")}
                            + where,
                        &out),
             0);
    const QString second = QJsonDocument::fromJson(out)[QStringLiteral("password")].toString();
    QVERIFY(second.size() >= 12);
    QVERIFY(second != generated);

    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("disable"),
                                     QStringLiteral("carol")}
                        + where),
             0);
    QCOMPARE(runCommand(QStringList {QStringLiteral("user"), QStringLiteral("list")} + where, &out),
             0);
    const QJsonArray list = QJsonDocument::fromJson(out).array();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list.at(0)[QStringLiteral("username")].toString(), QStringLiteral("carol"));
    QCOMPARE(list.at(0)[QStringLiteral("role")].toString(), QStringLiteral("admin"));
    QCOMPARE(list.at(0)[QStringLiteral("disabled")].toBool(), true);
    QVERIFY(!out.contains("pbkdf2") && !out.contains("argon2")); // no hashes
}

QTEST_GUILESS_MAIN(TestAdmin)
#include "test_admin.moc"
