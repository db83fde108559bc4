// Two pomelo-server instances on one PostgreSQL and one redis-server, behind nginx running the
// packaged sample site (resources/nginx/pomelo-pay.conf, rewritten only where a test host differs
// from a campus: the upstream's addresses, the listen ports, the certificate), the card center
// played by a
// separate `pomelo-server --modules sandbox` process. Students book and pay through nginx
// concurrently; one instance is killed (SIGKILL) in the middle. Afterwards every order is PAID or
// CLOSED, every booking PAID or CANCELLED, every paid booking has its PAID order with one payment
// (and the student's card was charged once), and no slot is held by two bookings.
//
// The instances run in development mode with external Redis and PostgreSQL and without the
// sandbox module (booking,pay,workers,admin), each with its own data dir holding the same
// secret.key, as a deployment would copy it.
#include "payclient.h"
#include "pgserver.h"
#include "redisserver.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QSslSocket>
#include <QStandardPaths>
#include <QThreadPool>
#include <QtConcurrent>

#include <atomic>
#include <mutex>
#include <unistd.h>

using namespace pomelo;
using namespace pomelo::test;

namespace {

constexpr int Students = 32;
constexpr int Concurrency = 8;
constexpr qint64 StartBalance = 1000000; // fen
const QString Date = tomorrow();

/// The nginx binary, or "" when it is not installed.
QString nginxBinary()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("nginx"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            QStringLiteral("nginx"),
            {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin")});
    return path;
}

/// Where the sample site listens here (all on 127.0.0.1).
struct SitePorts
{
    quint16 plain = 0; ///< added to the HTTPS server: the students' plain-HTTP way in
    quint16 tls = 0; ///< the sample's `listen 443 ssl`
    quint16 redirect = 0; ///< the sample's `listen 80` (the redirect to HTTPS)
};

/// The packaged sample site made runnable on this host, or "" with @p why. Only what a site's
/// operator edits is rewritten: the upstream's server lines (one per instance of @p upstreams,
/// each with the sample's own parameters), the listen ports (IPv6 ones dropped; the HTTPS server
/// also listens in plain HTTP for the test's clients) and the certificate paths. Each rewrite
/// must find its lines: a sample that no longer has them fails the test, it is not papered over.
QByteArray siteFromSample(const QByteArray &sample, const SitePorts &ports,
                          const QList<quint16> &upstreams, const QString &cert, const QString &key,
                          QString *why)
{
    static const QRegularExpression upstreamServer(
        QStringLiteral("^(\\s*)server\\s+[^\\s;{]+:\\d+((?:\\s+[^;]*)?);\\s*$"));
    static const QRegularExpression listen(
        QStringLiteral("^(\\s*)listen\\s+(\\S+?)((?:\\s+[^;]*)?);\\s*$"));
    static const QRegularExpression certificate(
        QStringLiteral("^(\\s*)(ssl_certificate|ssl_certificate_key)\\s+\\S+;\\s*$"));
    QStringList out;
    int upstreamLines = 0, tlsListens = 0, plainListens = 0, certificates = 0;
    for (const QString &line : QString::fromUtf8(sample).split(u'\n')) {
        QRegularExpressionMatch m = upstreamServer.match(line);
        if (m.hasMatch()) {
            if (upstreamLines++ == 0) {
                for (const quint16 port : upstreams)
                    out << m.captured(1) + QStringLiteral("server 127.0.0.1:%1").arg(port)
                            + m.captured(2) + u';';
            }
            continue;
        }
        m = listen.match(line);
        if (m.hasMatch()) {
            if (m.captured(2).startsWith(u'['))
                continue; // IPv6: the test host's clients use 127.0.0.1
            const QString indent = m.captured(1);
            if (m.captured(3).contains(QLatin1String("ssl"))) {
                ++tlsListens;
                out << indent + QStringLiteral("listen 127.0.0.1:%1").arg(ports.tls) + m.captured(3)
                        + u';';
                out << indent + QStringLiteral("listen 127.0.0.1:%1;").arg(ports.plain);
            } else {
                ++plainListens;
                out << indent + QStringLiteral("listen 127.0.0.1:%1").arg(ports.redirect)
                        + m.captured(3) + u';';
            }
            continue;
        }
        m = certificate.match(line);
        if (m.hasMatch()) {
            ++certificates;
            out << m.captured(1) + m.captured(2) + u' '
                    + (m.captured(2) == QLatin1String("ssl_certificate") ? cert : key) + u';';
            continue;
        }
        out << line;
    }
    if (upstreamLines == 0 || tlsListens != 1 || plainListens != 1 || certificates != 2) {
        *why = QStringLiteral("the sample site has %1 upstream server lines, %2 TLS and %3 plain "
                              "IPv4 listens, %4 certificate lines (expected >0, 1, 1, 2)")
                   .arg(upstreamLines)
                   .arg(tlsListens)
                   .arg(plainListens)
                   .arg(certificates);
        return {};
    }
    return out.join(u'\n').toUtf8();
}

/// The main nginx.conf around the site: everything under @p prefix, run as an ordinary process.
QByteArray mainConfig(const QString &prefix, const QString &site)
{
    // A master started as root hands its workers to "nobody", who could not use the prefix.
    const QString user = geteuid() == 0 ? QStringLiteral("user root;\n") : QString();
    QString conf = user
        + QStringLiteral("worker_processes 1;\npid @P/nginx.pid;\nerror_log @P/error.log warn;\n"
                         "events {\n    worker_connections 1024;\n}\n"
                         "http {\n    access_log @P/access.log;\n"
                         "    client_body_temp_path @P/client_body;\n"
                         "    proxy_temp_path @P/proxy;\n    fastcgi_temp_path @P/fastcgi;\n"
                         "    uwsgi_temp_path @P/uwsgi;\n    scgi_temp_path @P/scgi;\n"
                         "    include @S;\n}\n");
    return conf.replace(QStringLiteral("@P"), prefix).replace(QStringLiteral("@S"), site).toUtf8();
}

/// GET @p path over TLS from 127.0.0.1:@p port (any certificate); the whole answer.
QByteArray tlsGet(quint16 port, const QByteArray &path)
{
    QSslSocket socket;
    socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForEncrypted(10000))
        return socket.errorString().toUtf8();
    socket.write("GET " + path
                 + " HTTP/1.1\r\nHost: pay.example.edu.cn\r\nConnection: close\r\n\r\n");
    QByteArray answer;
    while (socket.waitForReadyRead(10000))
        answer += socket.readAll();
    return answer + socket.readAll();
}

/// No HTTP answer, or the proxy's / an instance's "try again".
bool retryable(const HttpResult &r)
{
    return r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504;
}

/// What one student got done, as the student saw it.
struct Outcome
{
    QString bookingId;
    QString orderId;
    QString studentId;
    qint64 amount = 0;
    bool paid = false; ///< the card center accepted the payment
    bool ambiguous = false; ///< some answer never came (the killed instance had the request)
    QString failure;
};

/// One student as the mini-program would behave: every request through nginx, a request that got
/// no answer repeated the way the API allows (idempotent reads and PUTs as they are, a booking by
/// first looking whether it exists, a cashier with a fresh signature).
class Student
{
public:
    Student(quint16 nginxPort, quint16 sandboxPort, int index,
            QList<QPair<qint64, QString>> targets)
        : m_base(QStringLiteral("http://127.0.0.1:%1").arg(nginxPort))
        , m_sandbox(QStringLiteral("http://127.0.0.1:%1/sandbox/ecard").arg(sandboxPort))
        , m_index(index)
        , m_slots(std::move(targets))
    { }

    Outcome run()
    {
        m_out.studentId = QStringLiteral("C2024%1").arg(m_index, 4, 10, QLatin1Char('0'));
        if (!login() || !profile() || !fundCard())
            return m_out;
        if (!book())
            return m_out;
        QString prepayId;
        if (!cashier(prepayId))
            return m_out;
        const HttpResult r =
            httpRequest("POST", QUrl(m_sandbox + QStringLiteral("/simulate/pay")),
                        compact({{QStringLiteral("prepayId"), prepayId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")}}));
        m_out.paid = r.status == 200;
        if (!m_out.paid)
            m_out.failure =
                QStringLiteral("simulate pay: %1 %2").arg(r.status).arg(QString::fromUtf8(r.body));
        return m_out;
    }

private:
    /// @p send until it gets an answer that is not "try again" or 20 s passed.
    HttpResult untilAnswered(const std::function<HttpResult()> &send)
    {
        QDeadlineTimer deadline(20000);
        for (;;) {
            const HttpResult r = send();
            if (!retryable(r) || deadline.hasExpired())
                return r;
            m_out.ambiguous = true;
            QThread::msleep(100); // a client's back-off, not synchronisation
        }
    }
    HttpResult call(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!m_token.isEmpty())
            headers.append({"Authorization", "Bearer " + m_token});
        return httpRequest(method, QUrl(m_base + path), body, headers);
    }
    bool fail(const QString &what, const HttpResult &r)
    {
        m_out.failure = QStringLiteral("%1: %2 %3")
                            .arg(what)
                            .arg(r.status)
                            .arg(QString::fromUtf8(r.body.left(200)));
        return false;
    }

    bool login()
    {
        const HttpResult r = untilAnswered([&] {
            return call(
                "POST", QStringLiteral("/api/v1/auth/login"),
                compact({{QStringLiteral("code"), QStringLiteral("u-cluster%1").arg(m_index)}}));
        });
        m_token = r.json()[QStringLiteral("token")].toString().toLatin1();
        return !m_token.isEmpty() || fail(QStringLiteral("login"), r);
    }
    bool profile()
    {
        const HttpResult r = untilAnswered([&] {
            return call(
                "PUT", QStringLiteral("/api/v1/me"),
                compact({{QStringLiteral("studentId"), m_out.studentId},
                         {QStringLiteral("name"), QStringLiteral("Student %1").arg(m_index)},
                         {QStringLiteral("phone"), QStringLiteral("13800138000")}}));
        });
        return r.status == 200 || fail(QStringLiteral("profile"), r);
    }
    bool fundCard()
    {
        const HttpResult r =
            httpRequest("POST", QUrl(m_sandbox + QStringLiteral("/simulate/balance")),
                        compact({{QStringLiteral("studentNo"), m_out.studentId},
                                 {QStringLiteral("balance"), StartBalance}}));
        return r.status == 200 || fail(QStringLiteral("card balance"), r);
    }
    /// A booking of ours still waiting for payment (after a booking request got no answer).
    QJsonObject pendingBooking()
    {
        const HttpResult r = untilAnswered(
            [&] { return call("GET", QStringLiteral("/api/v1/bookings?limit=100")); });
        for (const QJsonValue &b : r.json()[QStringLiteral("items")].toArray()) {
            if (b[QStringLiteral("status")].toString() == QLatin1String("PENDING_PAYMENT"))
                return b.toObject();
        }
        return {};
    }
    bool book()
    {
        for (const auto &[venueId, start] : m_slots) {
            const QString end =
                QStringLiteral("%1:00").arg(start.left(2).toInt() + 1, 2, 10, QLatin1Char('0'));
            for (int attempt = 0; attempt < 20; ++attempt) {
                const HttpResult r = call("POST", QStringLiteral("/api/v1/bookings"),
                                          compact({{QStringLiteral("venueId"), venueId},
                                                   {QStringLiteral("date"), Date},
                                                   {QStringLiteral("startTime"), start},
                                                   {QStringLiteral("endTime"), end}}));
                QJsonObject booking;
                if (r.status == 201) {
                    booking = r.json().object();
                } else if (r.status == 409 || r.status == 429) {
                    if (r.status == 409)
                        break; // taken: the next slot
                    continue; // the slot's lock is busy: again
                } else if (retryable(r)) {
                    // Did it reach an instance before it died? Only the list can tell.
                    m_out.ambiguous = true;
                    booking = pendingBooking();
                    if (booking.isEmpty())
                        continue;
                } else {
                    return fail(QStringLiteral("book"), r);
                }
                m_out.bookingId = booking[QStringLiteral("id")].toString();
                m_out.amount = booking[QStringLiteral("amount")].toInteger();
                return true;
            }
        }
        m_out.failure = QStringLiteral("no slot left");
        return false;
    }
    /// Sign, then the cashier with the signed body; a cashier without an answer is signed again
    /// (a signature is good for one request). The prepay id, or false.
    bool cashier(QString &prepayId)
    {
        for (int attempt = 0; attempt < 10; ++attempt) {
            const HttpResult s = untilAnswered([&] {
                return call("POST", QStringLiteral("/api/v1/bookings/%1/sign").arg(m_out.bookingId),
                            {});
            });
            if (s.status != 200)
                return fail(QStringLiteral("sign"), s);
            m_out.orderId = s.json()[QStringLiteral("payOrderId")].toString();
            QJsonObject body = s.json()[QStringLiteral("cashier")].toObject();
            body.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
            const HttpResult c = call("POST", QStringLiteral("/pay/v1/cashier"), compact(body));
            if (c.status == 200) {
                prepayId =
                    c.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
                return !prepayId.isEmpty() || fail(QStringLiteral("cashier"), c);
            }
            if (!retryable(c))
                // E.g. 2008: the lost request did reach the cashier; the order is PAYING and
                // the student walks away (the timeout closes it).
                return fail(QStringLiteral("cashier"), c);
            m_out.ambiguous = true;
        }
        m_out.failure = QStringLiteral("cashier never answered");
        return false;
    }

    const QString m_base;
    const QString m_sandbox;
    const int m_index;
    const QList<QPair<qint64, QString>> m_slots;
    QByteArray m_token;
    Outcome m_out;
};

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void twoInstancesBehindNginxOneKilled();

private:
    /// The first column of the first row of @p sql (-1 when it failed).
    qint64 scalar(const QString &sql);
    /// Each row's columns joined with " " (for messages).
    QStringList rows(const QString &sql);

    QString m_nginx;
    QSqlDatabase m_db;
};

void TestCluster::initTestCase()
{
    QVERIFY(!ServerProcess::binary().isEmpty());
    m_nginx = nginxBinary();
    if (m_nginx.isEmpty()) {
        // CI installs it (scripts/deps.sh): there, a missing nginx is a broken setup.
        QVERIFY2(qEnvironmentVariableIsEmpty("CI"), "nginx is not installed (scripts/deps.sh)");
        QSKIP("nginx is not installed (Debian: apt-get install nginx); this test needs it");
    }
}

qint64 TestCluster::scalar(const QString &sql)
{
    QSqlQuery q(m_db);
    if (!q.exec(sql) || !q.next()) {
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        return -1;
    }
    return q.value(0).toLongLong();
}

QStringList TestCluster::rows(const QString &sql)
{
    QStringList out;
    QSqlQuery q(m_db);
    if (!q.exec(sql)) {
        out << QStringLiteral("query failed: ") + q.lastError().text();
        return out;
    }
    while (q.next()) {
        QStringList cols;
        for (int i = 0; i < q.record().count(); ++i)
            cols << q.value(i).toString();
        out << cols.join(QLatin1Char(' '));
    }
    return out;
}

void TestCluster::twoInstancesBehindNginxOneKilled()
{
    PgServer pg;
    QVERIFY2(pg.start(), qPrintable(pg.errorString()));
    const QString dbUrl = pg.createDatabase(QStringLiteral("cluster"));
    QVERIFY(!dbUrl.isEmpty());
    RedisServer redis;
    QVERIFY(redis.start());

    // The card center (and WeChat's login), outside the cluster.
    ServerProcess sandbox({QStringLiteral("--modules"), QStringLiteral("sandbox")});
    QVERIFY2(sandbox.start(30000), sandbox.output().constData());
    const QString sandboxBase = QStringLiteral("http://127.0.0.1:%1/sandbox").arg(sandbox.port());

    // Both instances give the proxy's address to the channels and to the booking module's calls
    // of the pay API, as server.public_base_url must be in a cluster.
    const quint16 nginxPort = freeLoopbackPort();
    const QStringList args {
        QStringLiteral("--database"), dbUrl,
        QStringLiteral("--redis"),    redis.url(),
        QStringLiteral("--modules"),  QStringLiteral("booking,pay,workers,admin")};
    const QStringList env {
        QStringLiteral("POMELO_SERVER_MODE=development"),
        QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
        QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=http://127.0.0.1:%1").arg(nginxPort),
        QStringLiteral("POMELO_PAY_CHANNELS=ECARD"),
        QStringLiteral("POMELO_CHANNELS_ECARD_BASE_URL=") + sandboxBase + QStringLiteral("/ecard"),
        QStringLiteral("POMELO_CHANNELS_WECHAT_BASE_URL=") + sandboxBase
            + QStringLiteral("/wechat"),
        // Students log in at the sandbox too (without the sandbox module, an instance would call
        // the real api.weixin.qq.com).
        QStringLiteral("POMELO_WECHAT_API_BASE_URL=") + sandboxBase + QStringLiteral("/wechat"),
        // Short, so that what the killed instance left open is closed within the test.
        QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=15"),
        QStringLiteral("POMELO_BOOKING_EXPIRY_SECONDS=20"),
        QStringLiteral("POMELO_PAY_REFUND_RETRY_SECONDS=1")};
    ServerProcess a(args, env);
    QVERIFY2(a.start(30000), a.output().constData());
    // The second instance's data dir holds the first one's key: the sealed app secrets in the
    // shared database open with it only.
    QTemporaryDir bDir;
    QVERIFY(QFile::copy(a.dataDir() + QStringLiteral("/secret.key"),
                        bDir.path() + QStringLiteral("/secret.key")));
    ServerProcess b(args + QStringList {QStringLiteral("--data-dir"), bDir.path()}, env);
    QVERIFY2(b.start(30000), b.output().constData());

    QTemporaryDir prefix;
    for (const char *dir : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
        QVERIFY(QDir(prefix.path()).mkpath(QString::fromLatin1(dir)));
    // The sample site with a self-signed pair in place of its certificate paths.
    const QString cert = prefix.filePath(QStringLiteral("cert.pem"));
    const QString key = prefix.filePath(QStringLiteral("key.pem"));
    {
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                       QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                       QStringLiteral("-subj"), QStringLiteral("/CN=pay.example.edu.cn"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-keyout"), key,
                       QStringLiteral("-out"), cert});
        QVERIFY2(openssl.waitForFinished(30000) && openssl.exitCode() == 0,
                 openssl.readAll().constData());
    }
    const SitePorts ports {nginxPort, freeLoopbackPort(), freeLoopbackPort()};
    const QString sitePath = prefix.filePath(QStringLiteral("pomelo-pay.conf"));
    const QString confPath = prefix.filePath(QStringLiteral("nginx.conf"));
    {
        QFile sample(QStringLiteral(POMELO_NGINX_SITE));
        QVERIFY2(sample.open(QIODevice::ReadOnly), POMELO_NGINX_SITE);
        QString why;
        const QByteArray site =
            siteFromSample(sample.readAll(), ports, {a.port(), b.port()}, cert, key, &why);
        QVERIFY2(!site.isEmpty(), qPrintable(why));
        QFile siteFile(sitePath);
        QVERIFY(siteFile.open(QIODevice::WriteOnly) && siteFile.write(site) == site.size());
        const QByteArray text = mainConfig(prefix.path(), sitePath);
        QFile conf(confPath);
        QVERIFY(conf.open(QIODevice::WriteOnly) && conf.write(text) == text.size());
    }
    ChildProcess nginx(m_nginx,
                       {QStringLiteral("-p"), prefix.path(), QStringLiteral("-c"), confPath,
                        QStringLiteral("-e"), prefix.path() + QStringLiteral("/error.log"),
                        QStringLiteral("-g"), QStringLiteral("daemon off;")});
    QVERIFY(nginx.start());
    const QUrl readyz(QStringLiteral("http://127.0.0.1:%1/readyz").arg(nginxPort));
    QVERIFY2(waitUntil([&] { return httpRequest("GET", readyz, {}, {}, 2000).status == 200; },
                       15000, 50),
             nginx.output().constData());
    // The rest of the sample as it is: plain HTTP redirected to HTTPS, the HTTPS server proxying,
    // /metrics and the sandboxes not served.
    const QByteArray redirect = rawHttpExchange(
        ports.redirect,
        "GET /api/v1/me HTTP/1.1\r\nHost: pay.example.edu.cn\r\nConnection: close\r\n\r\n");
    QVERIFY2(redirect.startsWith("HTTP/1.1 301 ")
                 && redirect.contains("\r\nLocation: https://pay.example.edu.cn/api/v1/me\r\n"),
             redirect.constData());
    if (QSslSocket::supportsSsl()) {
        const QByteArray overTls = tlsGet(ports.tls, "/readyz");
        QVERIFY2(overTls.startsWith("HTTP/1.1 200 ")
                     && overTls.contains("\r\nStrict-Transport-Security: max-age=31536000"),
                 overTls.constData());
    } else {
        qInfo("no TLS in this Qt build: the sample's HTTPS listen was not called");
    }
    QCOMPARE(httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(nginxPort)))
                 .status,
             403);
    QCOMPARE(httpRequest("GET",
                         QUrl(QStringLiteral("http://127.0.0.1:%1/sandbox/ecard/simulate/"
                                             "balance?studentNo=x")
                                  .arg(nginxPort)))
                 .status,
             404);

    // Slots to fight over: two courts, 08:00–19:00, fewer than the students.
    QList<QPair<qint64, QString>> slotList;
    for (const qint64 venue : {1, 2}) {
        for (int h = 8; h < 20; ++h)
            slotList.append({venue, QStringLiteral("%1:00").arg(h, 2, 10, QLatin1Char('0'))});
    }

    QThreadPool pool;
    pool.setMaxThreadCount(Concurrency);
    std::mutex mutex;
    QList<Outcome> outcomes;
    std::atomic<int> done {0};
    for (int i = 0; i < Students; ++i) {
        QList<QPair<qint64, QString>> mine;
        for (qsizetype k = 0; k < slotList.size() && mine.size() < 4; ++k)
            mine.append(slotList.at((i * 5 + k) % slotList.size()));
        QThreadPool *p = &pool;
        p->start([&, i, mine] {
            const Outcome o = Student(nginxPort, sandbox.port(), i, mine).run();
            std::lock_guard lock(mutex);
            outcomes.append(o);
            ++done;
        });
    }
    // Killed once a third of the students are through: the others run into it.
    bool killed = false;
    int doneAtKill = 0;
    QVERIFY(waitUntil(
        [&] {
            if (!killed && done.load() >= Students / 3) {
                a.process().kill();
                killed = true;
                doneAtKill = done.load();
            }
            return done.load() == Students;
        },
        240000, 20));
    pool.waitForDone();
    QVERIFY(killed);
    QVERIFY(waitUntil([&] { return a.process().state() == QProcess::NotRunning; }, 10000));

    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("cluster-check"));
    const QUrl u(dbUrl);
    m_db.setHostName(u.host());
    m_db.setPort(u.port());
    m_db.setUserName(u.userName());
    m_db.setPassword(u.password());
    m_db.setDatabaseName(u.path().mid(1));
    QVERIFY2(m_db.open(), qPrintable(m_db.lastError().text()));

    // Everything settles on the surviving instance: open orders time out (the killed instance's
    // claimed queue items come back after their visibility, the sweep is the net), unpaid
    // bookings expire, paid ones follow their orders' notifications.
    QVERIFY2(waitUntil(
                 [&] {
                     return scalar(QStringLiteral("SELECT count(*) FROM pay_orders WHERE status "
                                                  "NOT IN ('PAID', 'CLOSED')"))
                         == 0
                         && scalar(QStringLiteral("SELECT count(*) FROM bookings WHERE status "
                                                  "NOT IN ('PAID', 'CANCELLED')"))
                         == 0;
                 },
                 180000, 500),
             qPrintable(rows(QStringLiteral("SELECT 'order', id, status FROM pay_orders WHERE "
                                            "status NOT IN ('PAID', 'CLOSED') UNION ALL SELECT "
                                            "'booking', id, status FROM bookings WHERE status NOT "
                                            "IN ('PAID', 'CANCELLED')"))
                            .join(QLatin1Char('\n'))));

    int paid = 0, ambiguous = 0, unbooked = 0;
    for (const Outcome &o : std::as_const(outcomes)) {
        paid += o.paid ? 1 : 0;
        ambiguous += o.ambiguous ? 1 : 0;
        unbooked += o.bookingId.isEmpty() ? 1 : 0;
        if (!o.failure.isEmpty())
            qInfo("student %s: %s", qPrintable(o.studentId), qPrintable(o.failure));
    }
    const qint64 bookings = scalar(QStringLiteral("SELECT count(*) FROM bookings"));
    const qint64 paidBookings =
        scalar(QStringLiteral("SELECT count(*) FROM bookings WHERE status = 'PAID'"));
    const qint64 orders = scalar(QStringLiteral("SELECT count(*) FROM pay_orders"));
    const qint64 paidOrders =
        scalar(QStringLiteral("SELECT count(*) FROM pay_orders WHERE status = 'PAID'"));
    qInfo("%d students, %d done at the kill: %d paid, %d met the kill (no answer at least once), "
          "%d without a slot; database: %lld bookings (%lld PAID), %lld orders (%lld PAID, "
          "%lld CLOSED)",
          Students, doneAtKill, paid, ambiguous, unbooked, bookings, paidBookings, orders,
          paidOrders, orders - paidOrders);
    QVERIFY(paid >= Students / 3);
    QVERIFY(paid > doneAtKill); // students did pay after the kill
    // nginx did meet the dead instance, and went on to the other one.
    QFile errorLog(prefix.path() + QStringLiteral("/error.log"));
    QVERIFY(errorLog.open(QIODevice::ReadOnly));
    const QByteArray proxyErrors = errorLog.readAll();
    const QByteArray deadUpstream =
        QByteArray("upstream: \"http://127.0.0.1:") + QByteArray::number(a.port()) + '/';
    QVERIFY2(proxyErrors.contains(deadUpstream), proxyErrors.right(2000).constData());
    QVERIFY(paidBookings >= paid);

    // Every booking the student saw paid is PAID, with its order PAID and charged once.
    for (const Outcome &o : std::as_const(outcomes)) {
        if (!o.paid)
            continue;
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM bookings b JOIN pay_orders o ON "
                                       "o.id = b.pay_order_id WHERE b.id = %1 AND b.status = "
                                       "'PAID' AND o.status = 'PAID' AND o.id = %2")
                            .arg(o.bookingId, o.orderId)),
                 1);
        QTRY_COMPARE_WITH_TIMEOUT(
            httpRequest("GET",
                        QUrl(sandboxBase + QStringLiteral("/ecard/simulate/balance?studentNo=")
                             + o.studentId))
                .json()[QStringLiteral("balance")]
                .toInteger(),
            StartBalance - o.amount, 30000);
    }
    // Every PAID booking has its PAID order; every PAID order one PAID transition, one successful
    // channel trade, and no payment exception.
    QCOMPARE(rows(QStringLiteral("SELECT b.id FROM bookings b LEFT JOIN pay_orders o ON o.id = "
                                 "b.pay_order_id WHERE b.status = 'PAID' AND (o.status IS NULL OR "
                                 "o.status <> 'PAID')")),
             QStringList());
    QCOMPARE(rows(QStringLiteral("SELECT order_id FROM order_events WHERE new_status = 'PAID' "
                                 "GROUP BY order_id HAVING count(*) <> 1")),
             QStringList());
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM order_events WHERE new_status = 'PAID'")),
             paidOrders);
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM payment_exceptions")), 0);
    // Every order belongs to a booking (the booking module made them all), none lost.
    QCOMPARE(rows(QStringLiteral("SELECT o.id, o.status FROM pay_orders o WHERE NOT EXISTS "
                                 "(SELECT 1 FROM bookings b WHERE b.pay_order_id = o.id)")),
             QStringList());
    // No slot held by two bookings, and no slot of a cancelled booking still held.
    QCOMPARE(rows(QStringLiteral("SELECT s.venue_id, s.date, s.slot_start FROM booking_slots s "
                                 "JOIN bookings b ON b.id = s.booking_id WHERE b.status = 'PAID' "
                                 "GROUP BY 1, 2, 3 HAVING count(*) > 1")),
             QStringList());
    QCOMPARE(rows(QStringLiteral("SELECT s.booking_id FROM booking_slots s JOIN bookings b ON "
                                 "b.id = s.booking_id WHERE s.active AND b.status <> 'PAID'")),
             QStringList());

    // The survivor still answers through the proxy; the dead instance is out of the upstream.
    for (int i = 0; i < 4; ++i)
        QCOMPARE(httpRequest("GET", readyz).status, 200);
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("cluster-check"));
}

QTEST_GUILESS_MAIN(TestCluster)
#include "test_cluster.moc"
