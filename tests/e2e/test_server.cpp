// pomelo-server as a client sees it: a real child process on a real socket.
#include "redisserver.h"
#include "serverprocess.h"

#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace pomelo::test;

namespace {

bool isHex32(const QByteArray &s)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{32}$"));
    return re.match(QString::fromLatin1(s)).hasMatch();
}

/// Runs the binary to completion (for flags that exit at once) and returns {exit code, output}.
std::pair<int, QByteArray> runToExit(const QStringList &args, const QStringList &env = {})
{
    ChildProcess child(ServerProcess::binary(), args, env);
    if (!child.start())
        return {-100, {}};
    if (!child.process().waitForFinished(15000))
        return {-101, child.output()};
    return {child.process().exitCode(), child.output()};
}

} // namespace

class TestServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void healthz();
    void headIsGetWithoutBody();
    void traceparentIsContinued_data();
    void traceparentIsContinued();
    void unknownRouteIs4040();
    void wrongMethodIs4050();
    void errorLanguage_data();
    void errorLanguage();
    void metricsCountRequests();
    void requestsAreLogged();
    void sigtermShutsDownCleanly();
    void hugeBodyKeepsMemoryBounded();
    void readyzFollowsRedis();
    void embeddedRedisIsStoppedWithTheServer();
    void badConfigurationExitsWith2_data();
    void badConfigurationExitsWith2();
    void modeIsDerived();
    void productionRefusesUnsafeSettings_data();
    void productionRefusesUnsafeSettings();
    void secretsAreNotEchoed();
    void helpListsFlags();
    void iniAndEnvironmentAreApplied();

private:
    // One server for the tests that only read; tests that count or stop get their own.
    std::unique_ptr<ServerProcess> m_server;
};

void TestServer::initTestCase()
{
    QVERIFY2(!ServerProcess::binary().isEmpty(),
             "POMELO_SERVER_BIN is not set (run through ctest)");
    m_server = std::make_unique<ServerProcess>();
    QVERIFY2(m_server->start(), m_server->output().constData());
}

void TestServer::cleanupTestCase()
{
    m_server.reset();
}

void TestServer::healthz()
{
    ServerProcess &server = *m_server;
    const HttpResult r = server.get(QStringLiteral("/healthz"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().object().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    QVERIFY2(isHex32(r.header("X-Trace-Id")), r.header("X-Trace-Id").constData());
    // Every request gets its own trace.
    const HttpResult r2 = server.get(QStringLiteral("/healthz"));
    QVERIFY(r2.header("X-Trace-Id") != r.header("X-Trace-Id"));
}

void TestServer::headIsGetWithoutBody()
{
    ServerProcess &server = *m_server;
    const HttpResult r = httpRequest("HEAD", server.url(QStringLiteral("/healthz")));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    QVERIFY(isHex32(r.header("X-Trace-Id")));
}

void TestServer::traceparentIsContinued_data()
{
    QTest::addColumn<QByteArray>("traceparent");
    QTest::addColumn<bool>("continued");
    QTest::newRow("valid") << QByteArray("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                           << true;
    QTest::newRow("not sampled") << QByteArray(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                                 << true;
    QTest::newRow("upper case") << QByteArray(
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01")
                                << false;
    QTest::newRow("zero trace") << QByteArray(
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
                                << false;
    QTest::newRow("version ff") << QByteArray(
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                                << false;
    QTest::newRow("garbage") << QByteArray("hello") << false;
}

void TestServer::traceparentIsContinued()
{
    QFETCH(QByteArray, traceparent);
    QFETCH(bool, continued);
    const HttpResult r = m_server->get(QStringLiteral("/healthz"), {{"traceparent", traceparent}});
    QCOMPARE(r.status, 200);
    const QByteArray id = r.header("X-Trace-Id");
    QVERIFY(isHex32(id));
    QCOMPARE(id == "4bf92f3577b34da6a3ce929d0e0e4736", continued);
}

void TestServer::unknownRouteIs4040()
{
    ServerProcess &server = *m_server;
    const HttpResult r = server.get(QStringLiteral("/no/such/route"));
    QCOMPARE(r.status, 404);
    const QJsonObject o = r.json().object();
    QCOMPARE(o.value(QStringLiteral("code")).toInt(), 4040);
    QVERIFY(!o.value(QStringLiteral("message")).toString().isEmpty());
    QCOMPARE(o.value(QStringLiteral("traceId")).toString().toLatin1(), r.header("X-Trace-Id"));
}

void TestServer::wrongMethodIs4050()
{
    ServerProcess &server = *m_server;
    const HttpResult r = server.post(QStringLiteral("/healthz"), "{}");
    QCOMPARE(r.status, 405);
    QCOMPARE(r.json().object().value(QStringLiteral("code")).toInt(), 4050);
    QCOMPARE(r.header("Allow"), QByteArray("GET"));
}

void TestServer::errorLanguage_data()
{
    QTest::addColumn<QByteArray>("acceptLanguage");
    QTest::addColumn<bool>("english");
    QTest::newRow("none") << QByteArray() << false;
    QTest::newRow("zh-CN") << QByteArray("zh-CN,zh;q=0.9") << false;
    QTest::newRow("en") << QByteArray("en") << true;
    QTest::newRow("en-US first") << QByteArray("en-US,en;q=0.9,zh;q=0.8") << true;
}

void TestServer::errorLanguage()
{
    QFETCH(QByteArray, acceptLanguage);
    QFETCH(bool, english);
    // A raw request: QNetworkAccessManager would add an Accept-Language of its own.
    QByteArray request = "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!acceptLanguage.isEmpty())
        request += "Accept-Language: " + acceptLanguage + "\r\n";
    const QByteArray response = rawHttpExchange(m_server->port(), request + "\r\n");
    QVERIFY2(response.startsWith("HTTP/1.1 404"), response.constData());
    const QByteArray body = response.mid(response.indexOf("\r\n\r\n") + 4);
    const QString message =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("message")).toString();
    QVERIFY(!message.isEmpty());
    // Chinese messages contain CJK characters, English ones none.
    const bool hasCjk = std::any_of(message.cbegin(), message.cend(), [](QChar c) {
        return c.unicode() >= 0x4e00 && c.unicode() <= 0x9fff;
    });
    QCOMPARE(hasCjk, !english);
}

void TestServer::metricsCountRequests()
{
    ServerProcess server;
    QVERIFY2(server.start(), server.output().constData());
    for (int i = 0; i < 3; ++i)
        QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200);
    QCOMPARE(server.get(QStringLiteral("/missing")).status, 404);
    const HttpResult r = server.get(QStringLiteral("/metrics"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("text/plain"));
    const QString text = QString::fromUtf8(r.body);
    const QRegularExpression healthz(QStringLiteral(
        R"re(pomelo_http_requests_total\{[^}]*route="/healthz"[^}]*\} 3(\.0+)?\n)re"));
    QVERIFY2(healthz.match(text).hasMatch(), qPrintable(text.left(3000)));
    // Unmatched paths are one label value, so random URLs cannot blow up the series count.
    QVERIFY(text.contains(QStringLiteral("route=\"unmatched\"")));
    QVERIFY(!text.contains(QStringLiteral("/missing")));
    QVERIFY(text.contains(QStringLiteral("pomelo_http_request_duration_seconds_bucket")));
    QVERIFY(text.contains(QStringLiteral("process_resident_memory_bytes")));
    QVERIFY(text.contains(QStringLiteral("process_start_time_seconds")));
}

void TestServer::requestsAreLogged()
{
    ServerProcess &server = *m_server;
    const HttpResult r = server.get(QStringLiteral("/healthz"));
    QCOMPARE(r.status, 200);
    const QByteArray traceId = r.header("X-Trace-Id");
    // The line names method, path, status, duration and trace id.
    const QRegularExpression line(QStringLiteral("GET /healthz 200 [0-9.]+ms ")
                                  + QString::fromLatin1(traceId));
    QVERIFY2(waitUntil([&] { return line.match(QString::fromUtf8(server.output())).hasMatch(); }),
             server.output().constData());
}

void TestServer::sigtermShutsDownCleanly()
{
    ServerProcess server;
    QVERIFY2(server.start(), server.output().constData());
    QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200);
    QCOMPARE(server.terminate(), 0);
    QVERIFY2(server.output().contains("shutting down"), server.output().constData());
    QVERIFY(server.output().contains("stopped"));
}

namespace {

qint64 peakRssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

void TestServer::hugeBodyKeepsMemoryBounded()
{
    // DESIGN.md's measured pitfall: QtHttpServer buffers whole bodies (300 MB → 608 MB RSS).
    // Announce 300 MB and push 48 MB as fast as the server takes it: the peak RSS must not follow.
    // Under AddressSanitizer freed buffers sit in its quarantine and count as resident; turn the
    // quarantine off for this child so the measurement is of the server, not of the sanitizer.
    ServerProcess server(
        {},
        {QStringLiteral("ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=0:"
                        "thread_local_quarantine_size_kb=0")});
    QVERIFY2(server.start(), server.output().constData());
    const qint64 pid = server.process().processId();
    QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200);
    const qint64 before = peakRssKiB(pid);
    QVERIFY(before > 0);

    // A plain blocking socket on its own thread: it keeps sending whatever the server answers,
    // as a hostile client would (a Qt socket would stop at the server's FIN).
    std::atomic<qint64> pushed {0};
    QByteArray received;
    std::thread client([&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(server.port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return;
        }
        const QByteArray head =
            "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 300000000\r\n\r\n";
        ::send(fd, head.constData(), static_cast<size_t>(head.size()), MSG_NOSIGNAL);
        const QByteArray piece(64 * 1024, 'x');
        while (pushed < 48 * 1024 * 1024) {
            const ssize_t n =
                ::send(fd, piece.constData(), static_cast<size_t>(piece.size()), MSG_NOSIGNAL);
            if (n <= 0)
                break;
            pushed += n;
        }
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
            received.append(buf, n);
        ::close(fd);
    });
    client.join();
    QVERIFY2(received.startsWith("HTTP/1.1 413"), received.left(200).constData());
    qInfo("client pushed %lld bytes", static_cast<long long>(pushed.load()));
    QVERIFY(pushed > 8 * 1024 * 1024); // the server kept reading (and discarding) for a while
    const qint64 after = peakRssKiB(pid);
    QVERIFY2(after - before < 16 * 1024,
             qPrintable(QStringLiteral("peak RSS grew by %1 KiB").arg(after - before)));
    // And the server still serves.
    QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200);
}

void TestServer::readyzFollowsRedis()
{
    RedisServer redis;
    QVERIFY(redis.start());
    ServerProcess server({QStringLiteral("--redis"), redis.url()});
    QVERIFY2(server.start(), server.output().constData());
    HttpResult r = server.get(QStringLiteral("/readyz"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()
                 .object()
                 .value(QStringLiteral("checks"))
                 .toObject()
                 .value(QStringLiteral("redis"))
                 .toString(),
             QStringLiteral("ok"));
    redis.stop();
    r = server.get(QStringLiteral("/readyz"));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.json()
                 .object()
                 .value(QStringLiteral("checks"))
                 .toObject()
                 .value(QStringLiteral("redis"))
                 .toString(),
             QStringLiteral("unavailable"));
    // Liveness does not depend on Redis.
    QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200);
    QVERIFY(redis.restart());
    QVERIFY(
        waitUntil([&] { return server.get(QStringLiteral("/readyz")).status == 200; }, 10000, 100));
}

void TestServer::embeddedRedisIsStoppedWithTheServer()
{
    ServerProcess server;
    QVERIFY2(server.start(), server.output().constData());
    QCOMPARE(server.get(QStringLiteral("/readyz")).status, 200);
    QFile pidFile(server.dataDir() + QStringLiteral("/redis/redis.pid"));
    QVERIFY2(pidFile.open(QIODevice::ReadOnly), qPrintable(pidFile.fileName()));
    const qint64 redisPid = pidFile.readAll().trimmed().toLongLong();
    QVERIFY(redisPid > 0);
    QVERIFY(QFile::exists(QStringLiteral("/proc/%1").arg(redisPid)));
    QCOMPARE(server.terminate(), 0);
    QVERIFY(
        waitUntil([&] { return !QFile::exists(QStringLiteral("/proc/%1").arg(redisPid)); }, 10000));
}

void TestServer::badConfigurationExitsWith2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("listen without port")
        << QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1")} << QStringList {}
        << QByteArray("server.listen");
    QTest::newRow("listen bad port")
        << QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:99999")}
        << QStringList {} << QByteArray("server.listen");
    QTest::newRow("unknown module")
        << QStringList {QStringLiteral("--modules"), QStringLiteral("pay,bank")} << QStringList {}
        << QByteArray("server.modules");
    QTest::newRow("bad database") << QStringList {QStringLiteral("--database"),
                                                  QStringLiteral("mysql://x/y")}
                                  << QStringList {} << QByteArray("database.url");
    QTest::newRow("bad env value")
        << QStringList {} << QStringList {QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=-5")}
        << QByteArray("pay.order_timeout_seconds");
    QTest::newRow("float env value")
        << QStringList {} << QStringList {QStringLiteral("POMELO_NOTIFY_TIMEOUT_MS=5000.5")}
        << QByteArray("notify.timeout_ms");
    QTest::newRow("unknown flag") << QStringList {QStringLiteral("--frobnicate")} << QStringList {}
                                  << QByteArray("frobnicate");
    QTest::newRow("unknown command") << QStringList {QStringLiteral("launch")} << QStringList {}
                                     << QByteArray("unknown command");
    QTest::newRow("missing config file")
        << QStringList {QStringLiteral("--config"), QStringLiteral("/nonexistent/pomelo.ini")}
        << QStringList {} << QByteArray("--config");
}

void TestServer::badConfigurationExitsWith2()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QByteArray, mentions);
    const auto [code, output] = runToExit(args, env);
    QCOMPARE(code, 2);
    QVERIFY2(output.contains(mentions), output.constData());
}

void TestServer::modeIsDerived()
{
    // Development only with embedded Redis and SQLite; production (without the sandbox module)
    // as soon as either is external.
    auto [code, output] = runToExit({QStringLiteral("--print-config")});
    QCOMPARE(code, 0);
    QVERIFY2(output.contains("server.mode = development"), output.constData());
    QVERIFY(output.contains("server.modules = booking,topup,pay,sandbox,workers,admin"));
    for (const QStringList &args :
         {QStringList {QStringLiteral("--database"), QStringLiteral("postgres://p@127.0.0.1:1/x")},
          QStringList {QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:1/0")}}) {
        std::tie(code, output) = runToExit(args + QStringList {QStringLiteral("--print-config")});
        QCOMPARE(code, 0);
        QVERIFY2(output.contains("server.mode = production"), output.constData());
        QVERIFY(output.contains("server.modules = booking,topup,pay,workers,admin"));
    }
    // An explicit mode wins; an explicit module list is kept (and then refused, see below).
    std::tie(code, output) = runToExit({QStringLiteral("--print-config"),
                                        QStringLiteral("--modules"), QStringLiteral("pay,sandbox")},
                                       {QStringLiteral("POMELO_SERVER_MODE=production")});
    QVERIFY2(output.contains("server.mode = production"), output.constData());
    QVERIFY(output.contains("server.modules = pay,sandbox"));

    // The log says it at start.
    ServerProcess server;
    QVERIFY2(server.start(), server.output().constData());
    QVERIFY2(server.output().contains("mode: development"), server.output().constData());
}

void TestServer::productionRefusesUnsafeSettings_data()
{
    QTest::addColumn<QStringList>("change");
    QTest::addColumn<QByteArray>("refused"); // empty: nothing refused
    const auto env = [](std::initializer_list<const char *> items) {
        QStringList list;
        for (const char *i : items)
            list.append(QString::fromUtf8(i));
        return list;
    };
    QTest::newRow("safe") << QStringList {} << QByteArray();
    QTest::newRow("sandbox module")
        << env({"POMELO_SERVER_MODULES=booking,pay,sandbox,workers,admin"})
        << QByteArray("server.modules");
    QTest::newRow("e-card URL empty")
        << env({"POMELO_CHANNELS_ECARD_BASE_URL="}) << QByteArray("channels.ecard_base_url");
    QTest::newRow("e-card sandbox partner id")
        << env({"POMELO_ECARD_PARTNER_ID=pomelo-sandbox-partner"})
        << QByteArray("ecard.partner_id");
    QTest::newRow("e-card sandbox partner key")
        << env({"POMELO_ECARD_PARTNER_KEY=sandbox-ecard-partner-key"})
        << QByteArray("ecard.partner_key");
    QTest::newRow("e-card default partner key")
        << env({"POMELO_ECARD_PARTNER_KEY"}) << QByteArray("ecard.partner_key");
    QTest::newRow("WeChat without keys")
        << env({"POMELO_PAY_CHANNELS=ECARD,WECHAT_JSAPI",
                "POMELO_CHANNELS_WECHAT_BASE_URL=https://api.mch.weixin.qq.com"})
        << QByteArray("wechat.merchant_key_file");
    QTest::newRow("WeChat sandbox merchant id")
        << env({"POMELO_PAY_CHANNELS=ECARD,WECHAT_JSAPI",
                "POMELO_CHANNELS_WECHAT_BASE_URL=https://api.mch.weixin.qq.com"})
        << QByteArray("wechat.mch_id");
    QTest::newRow("WeChat URL empty")
        << env({"POMELO_PAY_CHANNELS=WECHAT_JSAPI"}) << QByteArray("channels.wechat_base_url");
    QTest::newRow("WeChat key generated by the sandbox")
        << env({"POMELO_PAY_CHANNELS=WECHAT_JSAPI",
                "POMELO_CHANNELS_WECHAT_BASE_URL=https://api.mch.weixin.qq.com",
                "POMELO_WECHAT_MERCHANT_KEY_FILE=/srv/pomelo/sandbox/wechat/merchant_key.pem"})
        << QByteArray("wechat.merchant_key_file: a key generated by the sandbox");
    QTest::newRow("mini-program sandbox secret")
        << env({"POMELO_WECHAT_APP_SECRET=sandbox-mini-program-secret"})
        << QByteArray("wechat.app_secret");
    QTest::newRow("utility URL empty")
        << env({"POMELO_UTILITY_BASE_URL="}) << QByteArray("utility.base_url");
    QTest::newRow("utility sandbox partner key")
        << env({"POMELO_UTILITY_PARTNER_KEY=sandbox-utility-partner-key"})
        << QByteArray("utility.partner_key");
    QTest::newRow("utility default partner id")
        << env({"POMELO_UTILITY_PARTNER_ID"}) << QByteArray("utility.partner_id");
    QTest::newRow("public base URL not set")
        << env({"POMELO_SERVER_PUBLIC_BASE_URL"}) << QByteArray("server.public_base_url");
    QTest::newRow("admin password of 11") << env({"POMELO_ADMIN_INITIAL_PASSWORD=short-pass1"})
                                          << QByteArray("admin.initial_password");
}

void TestServer::productionRefusesUnsafeSettings()
{
    QFETCH(QStringList, change);
    QFETCH(QByteArray, refused);
    QTemporaryDir dataDir;
    // A production configuration with nothing unsafe; each row changes one thing. The database
    // and Redis are unreachable on purpose: a configuration that passes fails later, at the
    // database, with exit code 1.
    QMap<QString, QString> env {
        {QStringLiteral("POMELO_DATABASE_URL"), QStringLiteral("postgres://p@127.0.0.1:1/x")},
        {QStringLiteral("POMELO_REDIS_URL"), QStringLiteral("redis://127.0.0.1:1/0")},
        {QStringLiteral("POMELO_SERVER_DATA_DIR"), dataDir.path()},
        {QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL"),
         QStringLiteral("https://pay.example.edu.cn")},
        {QStringLiteral("POMELO_PAY_CHANNELS"), QStringLiteral("ECARD")},
        {QStringLiteral("POMELO_CHANNELS_ECARD_BASE_URL"),
         QStringLiteral("https://card.example.edu.cn/pay")},
        {QStringLiteral("POMELO_ECARD_PARTNER_ID"), QStringLiteral("campus-pay-01")},
        {QStringLiteral("POMELO_ECARD_PARTNER_KEY"), QStringLiteral("a-real-partner-key-1234")},
        {QStringLiteral("POMELO_WECHAT_APP_ID"), QStringLiteral("wx1234567890abcdef")},
        {QStringLiteral("POMELO_WECHAT_APP_SECRET"), QStringLiteral("the-real-app-secret-42")},
        {QStringLiteral("POMELO_UTILITY_BASE_URL"),
         QStringLiteral("https://energy.example.edu.cn/api")},
        {QStringLiteral("POMELO_UTILITY_PARTNER_ID"), QStringLiteral("campus-topup-01")},
        {QStringLiteral("POMELO_UTILITY_PARTNER_KEY"), QStringLiteral("a-real-utility-key-5678")},
    };
    for (const QString &kv : std::as_const(change)) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq < 0)
            env.remove(kv); // back to the built-in default
        else
            env.insert(kv.left(eq), kv.mid(eq + 1));
    }
    QStringList list;
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        list.append(it.key() + u'=' + it.value());
    const auto [code, output] =
        runToExit({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}, list);
    if (refused.isEmpty()) {
        QVERIFY2(code != 2 && !output.contains("refusing"), output.constData());
        return;
    }
    QCOMPARE(code, 2);
    QVERIFY2(output.contains(QByteArray(QByteArray("refusing to start in production: ") + refused)),
             output.constData());
    // Neither the secrets of the configuration nor the sandbox's own are echoed.
    QVERIFY(!output.contains("a-real-partner-key-1234"));
    QVERIFY(!output.contains("a-real-utility-key-5678"));
    QVERIFY(!output.contains("sandbox-utility-partner-key"));
    QVERIFY(!output.contains("the-real-app-secret-42"));
    QVERIFY(!output.contains("sandbox-ecard-partner-key"));
    QVERIFY(!output.contains("sandbox-mini-program-secret"));
    QVERIFY(!output.contains("short-pass1"));
}

void TestServer::secretsAreNotEchoed()
{
    const auto [code, output] =
        runToExit({QStringLiteral("--redis"), QStringLiteral("redis://user:hunter2secret@:99/0")});
    QCOMPARE(code, 2);
    QVERIFY(output.contains("redis.url"));
    QVERIFY2(!output.contains("hunter2secret"), output.constData());

    const auto [code2, output2] =
        runToExit({QStringLiteral("--print-config")},
                  {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=correct-horse-9"),
                   QStringLiteral("POMELO_DATABASE_URL=postgres://pomelo:pgsecret99@db:5432/pay")});
    QCOMPARE(code2, 0);
    QVERIFY(output2.contains("database.url = postgres://pomelo:***@db:5432/pay"));
    QVERIFY2(!output2.contains("correct-horse-9") && !output2.contains("pgsecret99"),
             output2.constData());
}

void TestServer::helpListsFlags()
{
    const auto [code, output] = runToExit({QStringLiteral("--help")});
    QCOMPARE(code, 0);
    for (const char *flag : {"--config", "--listen", "--data-dir", "--redis", "--database",
                             "--modules", "notify.schedule_seconds"})
        QVERIFY2(output.contains(flag), flag);
}

void TestServer::iniAndEnvironmentAreApplied()
{
    QTemporaryFile ini;
    QVERIFY(ini.open());
    ini.write("[server]\nmodules = pay,workers\n[pay]\norder_timeout_seconds = "
              "60\n[notify]\ntimeout_ms = 700\n");
    ini.close();
    // Layers: INI < environment < flags.
    const auto [code, output] =
        runToExit({QStringLiteral("--config"), ini.fileName(), QStringLiteral("--print-config"),
                   QStringLiteral("--listen"), QStringLiteral("127.0.0.1:7000")},
                  {QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=120"),
                   QStringLiteral("POMELO_SERVER_LISTEN=127.0.0.1:6000")});
    QCOMPARE(code, 0);
    QVERIFY2(output.contains("server.modules = pay,workers"), output.constData());
    QVERIFY(output.contains("pay.order_timeout_seconds = 120"));
    QVERIFY(output.contains("notify.timeout_ms = 700"));
    QVERIFY(output.contains("server.listen = 127.0.0.1:7000"));

    QTemporaryFile bad;
    QVERIFY(bad.open());
    bad.write("[server]\nlisen = 127.0.0.1:1\n");
    bad.close();
    const auto [code2, output2] = runToExit({QStringLiteral("--config"), bad.fileName()});
    QCOMPARE(code2, 2);
    QVERIFY2(output2.contains("server.lisen: unknown key"), output2.constData());
}

QTEST_GUILESS_MAIN(TestServer)
#include "test_server.moc"
