// Two pomelo-server instances on one PostgreSQL and one redis-server, behind nginx with the
// upstream of a real site (generated from nginx-cluster.conf.in), the card center played by a
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
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
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
    /// nginx.conf for an upstream of @p ports, listening on @p port, files under @p prefix.
    static QByteArray nginxConfig(const QString &prefix, quint16 port, const QList<quint16> &ports);
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

QByteArray TestCluster::nginxConfig(const QString &prefix, quint16 port,
                                    const QList<quint16> &ports)
{
    QFile in(QStringLiteral(POMELO_NGINX_TEMPLATE));
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QString servers;
    for (const quint16 p : ports)
        servers +=
            QStringLiteral("        server 127.0.0.1:%1 max_fails=1 fail_timeout=10s;\n").arg(p);
    servers.chop(1);
    // A master started as root hands its workers to "nobody", who could not use the prefix.
    const QString user = geteuid() == 0 ? QStringLiteral("user root;") : QString();
    return QString::fromUtf8(in.readAll())
        .replace(QStringLiteral("@USER@"), user)
        .replace(QStringLiteral("@PREFIX@"), prefix)
        .replace(QStringLiteral("@PORT@"), QString::number(port))
        .replace(QStringLiteral("@SERVERS@"), servers)
        .toUtf8();
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
        // Student login (jscode2session) goes to the WeChat API host, not the pay host.
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
    const QString confPath = prefix.path() + QStringLiteral("/nginx.conf");
    {
        QFile conf(confPath);
        const QByteArray text = nginxConfig(prefix.path(), nginxPort, {a.port(), b.port()});
        QVERIFY2(!text.isEmpty(), POMELO_NGINX_TEMPLATE);
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
