// The campus utility system end to end in one process: UtilityClient (on worker threads, as the
// top-up module calls it) against the UtilitySandbox routes of a real HttpServer on a free
// loopback port (docs/utility-protocol.md).
#include "channels/ecardprotocol.h"
#include "channels/utilityclient.h"
#include "channels/utilityprotocol.h"
#include "http/httpserver.h"
#include "sandbox/utilitysandbox.h"
#include "serverprocess.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

using namespace pomelo;
using namespace pomelo::test;
namespace field = pomelo::utility::field;

namespace {

const QString Partner = QStringLiteral("test-utility-partner");
const QByteArray TestKey = QByteArrayLiteral("test-utility-key-0123456789");

/// What a client call produced: a value, or the error it threw.
template<typename T> struct Outcome
{
    std::optional<T> value;
    std::optional<ErrorCode> error;
    QString retcode; ///< set for UtilityRefusal
    bool permanent = false;
    QString detail;
    bool ok() const { return value.has_value(); }
};

QJsonObject object(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString timeText(qint64 ms)
{
    return QString::number(ms) + QStringLiteral(" ms");
}

UtilityRechargeRequest rechargeOf(const char *roomId, Utility utility, qint64 amount,
                                  const char *serial)
{
    return {QString::fromLatin1(roomId), utility, amount, QString::fromLatin1(serial)};
}

} // namespace

class TestUtilityChannel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void roomsAndBuildings();
    void balances();
    void rechargeIsIdempotentBySerial();
    void refusals_data();
    void refusals();
    void busyIsRetried();
    void serverErrorIsRetried();
    void timeoutWithinBudget();
    void lostAnswerIsFoundByQuery();
    void powerOffAtZeroOnAfterRecharge();
    void usageLowersBalance();
    void simulatedUsageRuns();
    void forgedAnswers_data();
    void forgedAnswers();
    void forgedRequests_data();
    void forgedRequests();
    void replayedRequestRefused();
    void controlRoutesValidate();
    void stateSurvivesRestart();

private:
    void start(const std::function<void(UtilitySandboxOptions &)> &adjust = {});
    void stop();
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    UtilityClient client(int timeoutMs = 5000, int maxAttempts = 2,
                         const QString &prefix = QStringLiteral("/sandbox/utility")) const
    {
        return UtilityClient({QUrl(base() + prefix), Partner, TestKey, timeoutMs, maxAttempts});
    }

    /// Runs @p f on a thread of its own (the client blocks; this thread keeps serving). A joined
    /// std::thread is gone completely, thread-local state included.
    template<typename F> auto onWorker(F f) -> Outcome<decltype(f())>
    {
        Outcome<decltype(f())> o;
        std::atomic<bool> done {false};
        std::thread worker([&] {
            try {
                o.value = f();
            } catch (const UtilityRefusal &e) {
                o.error = e.code();
                o.retcode = e.retcode();
                o.permanent = e.isPermanent();
                o.detail = e.detail();
            } catch (const Error &e) {
                o.error = e.code();
                o.detail = e.detail();
            }
            done = true;
        });
        waitUntil([&] { return done.load(); }, 30000);
        worker.join();
        return o;
    }

    HttpResult post(const QString &path, const QJsonObject &body)
    {
        return httpRequest("POST", QUrl(base() + QStringLiteral("/sandbox/utility") + path),
                           compact(body));
    }
    HttpResult fault(const char *mode, int count)
    {
        return post(
            QStringLiteral("/simulate/fault"),
            {{QStringLiteral("mode"), QLatin1String(mode)}, {QStringLiteral("count"), count}});
    }
    HttpResult use(const char *roomId, const char *utility, qint64 amount)
    {
        return post(QStringLiteral("/simulate/usage"),
                    {{QStringLiteral("roomId"), QLatin1String(roomId)},
                     {QStringLiteral("utility"), QLatin1String(utility)},
                     {QStringLiteral("amount"), amount}});
    }
    /// GET simulate/rooms/{roomId}.
    QJsonObject roomState(const char *roomId)
    {
        const HttpResult r =
            httpRequest("GET",
                        QUrl(base() + QStringLiteral("/sandbox/utility/simulate/rooms/")
                             + QLatin1String(roomId)));
        return r.status == 200 ? object(r.body) : QJsonObject();
    }
    /// Recharges of @p roomId recorded with @p serial: the credits, counted at the system.
    int creditsOf(const char *roomId, const QString &serial)
    {
        int n = 0;
        const QJsonArray list = roomState(roomId).value(QStringLiteral("recharges")).toArray();
        for (const QJsonValue &r : list)
            n += r[QStringLiteral("serial")].toString() == serial ? 1 : 0;
        return n;
    }
    /// POSTs @p message (as given, no signing) to a protocol path; the answer as an object.
    QJsonObject rawPost(QLatin1String path, const QJsonObject &message)
    {
        const HttpResult r = httpRequest(
            "POST", QUrl(base() + QStringLiteral("/sandbox/utility") + path), compact(message));
        if (r.status != 200)
            qWarning() << "unexpected status" << r.status << r.body;
        return object(r.body);
    }

    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<UtilitySandbox> m_sandbox;
    quint16 m_port = 0;
};

void TestUtilityChannel::start(const std::function<void(UtilitySandboxOptions &)> &adjust)
{
    m_server = std::make_unique<HttpServer>(HttpServer::Options {4, 64});
    m_port = m_server->listenGuarded(QHostAddress::LocalHost, m_port);
    QVERIFY2(m_port, qPrintable(m_server->listenError()));
    UtilitySandboxOptions options;
    options.partnerId = Partner;
    options.partnerKey = TestKey;
    options.stateDir = m_dir->filePath(QStringLiteral("sandbox"));
    if (adjust)
        adjust(options);
    m_sandbox = std::make_unique<UtilitySandbox>(options);
    m_sandbox->registerRoutes(m_server->router());
}

void TestUtilityChannel::stop()
{
    // The server first: its routes refer to the sandbox.
    m_server.reset();
    m_sandbox.reset();
}

void TestUtilityChannel::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
    m_port = 0;
    start();
}

void TestUtilityChannel::cleanup()
{
    stop();
    m_dir.reset();
}

void TestUtilityChannel::roomsAndBuildings()
{
    const UtilityClient c = client();
    const auto all = onWorker([&] { return c.rooms(); });
    QVERIFY2(all.ok(), qPrintable(all.detail));
    QCOMPARE(all.value->size(), 36);
    const UtilityRoom &first = all.value->first();
    QCOMPARE(first.roomId, QStringLiteral("ZY1-101"));
    QCOMPARE(first.building, QStringLiteral("竹园1栋"));
    QCOMPARE(first.room, QStringLiteral("101"));
    QCOMPARE(all.value->at(11).roomId, QStringLiteral("ZY1-206"));
    QCOMPARE(all.value->last().roomId, QStringLiteral("MY3-206"));

    const auto mei = onWorker([&] { return c.rooms(QStringLiteral("梅园3栋")); });
    QVERIFY(mei.ok());
    QCOMPARE(mei.value->size(), 12);
    for (const UtilityRoom &r : std::as_const(*mei.value)) {
        QVERIFY(r.roomId.startsWith(QLatin1String("MY3-")));
        QCOMPARE(r.building, QStringLiteral("梅园3栋"));
        QCOMPARE(r.roomId, QStringLiteral("MY3-") + r.room);
    }
    const auto nowhere = onWorker([&] { return c.rooms(QStringLiteral("桃园9栋")); });
    QVERIFY(nowhere.ok());
    QVERIFY(nowhere.value->isEmpty());

    const auto buildings = onWorker([&] { return c.buildings(); });
    QVERIFY(buildings.ok());
    QCOMPARE(*buildings.value,
             (QStringList {QStringLiteral("竹园1栋"), QStringLiteral("竹园2栋"),
                           QStringLiteral("梅园3栋")}));
}

void TestUtilityChannel::balances()
{
    const UtilityClient c = client();
    const auto normal = onWorker([&] { return c.balance(QStringLiteral("ZY1-101")); });
    QVERIFY2(normal.ok() && normal.value->has_value(), qPrintable(normal.detail));
    const UtilityBalance &b = **normal.value;
    QCOMPARE(b.roomId, QStringLiteral("ZY1-101"));
    QCOMPARE(b.electricity, 5000);
    QCOMPARE(b.water, 3000);
    QVERIFY(b.powerOn);
    QVERIFY(b.updatedAt.isValid());

    const auto low = onWorker([&] { return c.balance(QStringLiteral("ZY1-105")); });
    QCOMPARE((*low.value)->electricity, 150);
    QVERIFY((*low.value)->powerOn);
    const auto off = onWorker([&] { return c.balance(QStringLiteral("ZY1-106")); });
    QCOMPARE((*off.value)->electricity, 0);
    QVERIFY(!(*off.value)->powerOn);

    // A room the system does not have: nullopt, not an error (also for an id no room can have).
    for (const QString &id : {QStringLiteral("ZY9-999"), QStringLiteral("no such room!")}) {
        const auto unknown = onWorker([&] { return c.balance(id); });
        QVERIFY2(unknown.ok(), qPrintable(unknown.detail));
        QVERIFY(!unknown.value->has_value());
    }
}

void TestUtilityChannel::rechargeIsIdempotentBySerial()
{
    const UtilityClient c = client();
    const UtilityRechargeRequest request =
        rechargeOf("ZY1-101", Utility::Electricity, 2000, "T1001");
    const auto first = onWorker([&] { return c.recharge(request); });
    QVERIFY2(first.ok(), qPrintable(first.detail));
    QCOMPARE(first.value->serial, QStringLiteral("T1001"));
    QCOMPARE(first.value->roomId, QStringLiteral("ZY1-101"));
    QCOMPARE(first.value->utility, Utility::Electricity);
    QCOMPARE(first.value->amount, 2000);
    QCOMPARE(first.value->balanceAfter, 7000);
    QVERIFY(first.value->powerOn);
    QVERIFY(first.value->creditedAt.isValid());
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-101"))->electricity, 7000);

    // The same serial and fields again: the first answer, nothing credited.
    const auto again = onWorker([&] { return c.recharge(request); });
    QVERIFY2(again.ok(), qPrintable(again.detail));
    QCOMPARE(again.value->balanceAfter, 7000);
    QCOMPARE(again.value->creditedAt, first.value->creditedAt);
    QCOMPARE(creditsOf("ZY1-101", QStringLiteral("T1001")), 1);
    QCOMPARE(roomState("ZY1-101").value(QStringLiteral("electricity")).toInteger(), 7000);

    // The same serial with other fields: 3003, a bug on the partner's side, not for good.
    for (const UtilityRechargeRequest &other :
         {rechargeOf("ZY1-101", Utility::Electricity, 2001, "T1001"),
          rechargeOf("ZY1-102", Utility::Electricity, 2000, "T1001"),
          rechargeOf("ZY1-101", Utility::Water, 2000, "T1001")}) {
        const auto reused = onWorker([&] { return c.recharge(other); });
        QVERIFY(!reused.ok());
        QCOMPARE(reused.retcode, QStringLiteral("3003"));
        QCOMPARE(reused.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
        QVERIFY(!reused.permanent);
    }
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-101"))->recharges.size(), 1);
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-102"))->electricity, 5000);

    // Water is its own account.
    const auto water =
        onWorker([&] { return c.recharge(rechargeOf("ZY1-101", Utility::Water, 500, "T1002")); });
    QVERIFY(water.ok());
    QCOMPARE(water.value->balanceAfter, 3500);
    const auto b = onWorker([&] { return c.balance(QStringLiteral("ZY1-101")); });
    QCOMPARE((*b.value)->electricity, 7000);
    QCOMPARE((*b.value)->water, 3500);

    // The recharge query: CREDITED with the recharge's fields, or nullopt.
    const auto found = onWorker([&] { return c.queryRecharge(QStringLiteral("T1001")); });
    QVERIFY2(found.ok() && found.value->has_value(), qPrintable(found.detail));
    QCOMPARE((*found.value)->roomId, QStringLiteral("ZY1-101"));
    QCOMPARE((*found.value)->amount, 2000);
    QCOMPARE((*found.value)->balanceAfter, 7000);
    QCOMPARE((*found.value)->creditedAt, first.value->creditedAt);
    const auto missing = onWorker([&] { return c.queryRecharge(QStringLiteral("T1999")); });
    QVERIFY2(missing.ok(), qPrintable(missing.detail));
    QVERIFY(!missing.value->has_value());

    const QJsonArray list = roomState("ZY1-101").value(QStringLiteral("recharges")).toArray();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(1)[QStringLiteral("utility")].toString(), QStringLiteral("WATER"));
    QCOMPARE(list.at(1)[QStringLiteral("balanceAfter")].toInteger(), 3500);
}

void TestUtilityChannel::refusals_data()
{
    QTest::addColumn<QString>("roomId");
    QTest::addColumn<qint64>("amount");
    QTest::addColumn<bool>("freeze");
    QTest::addColumn<QString>("retcode");
    QTest::addColumn<bool>("permanent");
    QTest::addColumn<int>("code"); // ErrorCode
    QTest::newRow("closed room") << QStringLiteral("MY3-206") << qint64(1000) << false
                                 << QStringLiteral("2002") << true
                                 << int(ErrorCode::UtilityUnavailable);
    QTest::newRow("frozen account")
        << QStringLiteral("ZY2-201") << qint64(1000) << true << QStringLiteral("2003") << true
        << int(ErrorCode::UtilityUnavailable);
    QTest::newRow("unknown room") << QStringLiteral("ZY9-999") << qint64(1000) << false
                                  << QStringLiteral("2001") << true
                                  << int(ErrorCode::TopupRoomNotFound);
    QTest::newRow("amount 0") << QStringLiteral("ZY2-202") << qint64(0) << false
                              << QStringLiteral("2004") << true
                              << int(ErrorCode::UtilityUnavailable);
    QTest::newRow("amount over the maximum")
        << QStringLiteral("ZY2-202") << qint64(10000001) << false << QStringLiteral("2004") << true
        << int(ErrorCode::UtilityUnavailable);
}

void TestUtilityChannel::refusals()
{
    QFETCH(QString, roomId);
    QFETCH(qint64, amount);
    QFETCH(bool, freeze);
    QFETCH(QString, retcode);
    QFETCH(bool, permanent);
    QFETCH(int, code);
    if (freeze)
        QCOMPARE(post(QStringLiteral("/simulate/room"),
                      {{QStringLiteral("roomId"), roomId}, {QStringLiteral("frozen"), true}})
                     .status,
                 200);
    const UtilityClient c = client();
    const UtilityRechargeRequest request {roomId, Utility::Electricity, amount,
                                          QStringLiteral("T2001")};
    const auto refused = onWorker([&] { return c.recharge(request); });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.retcode, retcode);
    QCOMPARE(refused.permanent, permanent);
    QCOMPARE(refused.error, std::optional<ErrorCode>(ErrorCode(code)));
    // Nothing credited, nothing recorded under the serial.
    const auto q = onWorker([&] { return c.queryRecharge(QStringLiteral("T2001")); });
    QVERIFY(q.ok());
    QVERIFY(!q.value->has_value());
    if (const auto room = m_sandbox->room(roomId))
        QVERIFY(room->recharges.isEmpty());
}

void TestUtilityChannel::busyIsRetried()
{
    // Two 9999 answers, then success, within one call's attempts.
    QCOMPARE(fault("BUSY", 2).status, 200);
    const UtilityClient patient = client(5000, 3);
    const auto r = onWorker([&] {
        return patient.recharge(rechargeOf("ZY2-101", Utility::Electricity, 100, "T3001"));
    });
    QVERIFY2(r.ok(), qPrintable(r.detail));
    QCOMPARE(r.value->balanceAfter, 5100);

    // With two attempts a call gives up: 3002, a refusal that is not for good (the system said
    // busy, so nothing was done there: retry later); the next call passes.
    QCOMPARE(fault("BUSY", 2).status, 200);
    const UtilityClient c = client();
    const UtilityRechargeRequest request =
        rechargeOf("ZY2-101", Utility::Electricity, 100, "T3002");
    const auto busy = onWorker([&] { return c.recharge(request); });
    QVERIFY(!busy.ok());
    QCOMPARE(busy.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
    QCOMPARE(busy.retcode, QStringLiteral("9999"));
    QVERIFY(!busy.permanent);
    QVERIFY2(busy.detail.contains(QLatin1String("9999")), qPrintable(busy.detail));
    QCOMPARE(creditsOf("ZY2-101", QStringLiteral("T3002")), 0);
    const auto later = onWorker([&] { return c.recharge(request); });
    QVERIFY2(later.ok(), qPrintable(later.detail));
    QCOMPARE(later.value->balanceAfter, 5200);
    QCOMPARE(creditsOf("ZY2-101", QStringLiteral("T3002")), 1);

    // Faults only touch recharges: queries answer meanwhile.
    QCOMPARE(fault("BUSY", 0).status, 200);
    const auto balance = onWorker([&] { return c.balance(QStringLiteral("ZY2-101")); });
    QVERIFY(balance.ok() && balance.value->has_value());
    QVERIFY(!onWorker([&] { return c.recharge(request); }).ok()); // until NONE
    QCOMPARE(fault("NONE", 0).status, 200);
    QVERIFY(onWorker([&] { return c.recharge(request); }).ok());
    QCOMPARE(creditsOf("ZY2-101", QStringLiteral("T3002")), 1);
}

void TestUtilityChannel::serverErrorIsRetried()
{
    const UtilityClient c = client();
    const UtilityRechargeRequest request = rechargeOf("ZY2-102", Utility::Water, 300, "T4001");
    QCOMPARE(fault("HTTP_500", 1).status, 200);
    const auto retried = onWorker([&] { return c.recharge(request); });
    QVERIFY2(retried.ok(), qPrintable(retried.detail));
    QCOMPARE(retried.value->balanceAfter, 3300);

    QCOMPARE(fault("HTTP_500", 0).status, 200);
    const UtilityRechargeRequest next = rechargeOf("ZY2-102", Utility::Water, 300, "T4002");
    const auto failed = onWorker([&] { return c.recharge(next); });
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
    QVERIFY2(failed.detail.contains(QLatin1String("HTTP 500")), qPrintable(failed.detail));
    QCOMPARE(creditsOf("ZY2-102", QStringLiteral("T4002")), 0);
    QCOMPARE(fault("NONE", 0).status, 200);
    QVERIFY(onWorker([&] { return c.recharge(next); }).ok());
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY2-102"))->water, 3600);
}

void TestUtilityChannel::timeoutWithinBudget()
{
    QCOMPARE(fault("TIMEOUT", 1).status, 200);
    const UtilityClient c = client(500);
    const UtilityRechargeRequest request =
        rechargeOf("ZY2-103", Utility::Electricity, 800, "T5001");
    QElapsedTimer t;
    t.start();
    const auto timedOut = onWorker([&] { return c.recharge(request); });
    const qint64 elapsed = t.elapsed();
    QVERIFY(!timedOut.ok());
    QCOMPARE(timedOut.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
    QVERIFY2(timedOut.retcode.isEmpty(), qPrintable(timedOut.retcode));
    // The budget (500 ms) plus HttpClient's guard (250 ms) and scheduling slack, never a hang.
    QVERIFY2(elapsed >= 450 && elapsed < 2500, qPrintable(timeText(elapsed)));
    // A timed-out request did nothing at the system; the repeated one credits once.
    QCOMPARE(creditsOf("ZY2-103", QStringLiteral("T5001")), 0);
    const auto repeated = onWorker([&] { return c.recharge(request); });
    QVERIFY2(repeated.ok(), qPrintable(repeated.detail));
    QCOMPARE(repeated.value->balanceAfter, 5800);

    // A held answer does not hold up the shutdown (it is held for 10 s).
    QCOMPARE(fault("TIMEOUT", 1).status, 200);
    QVERIFY(!onWorker([&] {
                 return c.recharge(rechargeOf("ZY2-103", Utility::Water, 1, "T5002"));
             }).ok());
    t.restart();
    stop();
    QVERIFY2(t.elapsed() < 3000, qPrintable(timeText(t.elapsed())));
    start();
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY2-103"))->electricity, 5800);
}

void TestUtilityChannel::lostAnswerIsFoundByQuery()
{
    // The system credits, the answer never arrives: the partner sees a timeout, the query sees
    // the credit, and the repeated request gets the first answer without a second credit.
    QCOMPARE(fault("LOST_ANSWER", 1).status, 200);
    const UtilityClient c = client(500);
    const UtilityRechargeRequest request =
        rechargeOf("ZY2-104", Utility::Electricity, 900, "T6001");
    const auto lost = onWorker([&] { return c.recharge(request); });
    QVERIFY(!lost.ok());
    QCOMPARE(lost.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
    QCOMPARE(creditsOf("ZY2-104", QStringLiteral("T6001")), 1);
    const auto found = onWorker([&] { return c.queryRecharge(QStringLiteral("T6001")); });
    QVERIFY(found.ok() && found.value->has_value());
    QCOMPARE((*found.value)->balanceAfter, 5900);
    const auto repeated = onWorker([&] { return c.recharge(request); });
    QVERIFY2(repeated.ok(), qPrintable(repeated.detail));
    QCOMPARE(repeated.value->balanceAfter, 5900);
    QCOMPARE(creditsOf("ZY2-104", QStringLiteral("T6001")), 1);
}

void TestUtilityChannel::powerOffAtZeroOnAfterRecharge()
{
    const UtilityClient c = client();
    QCOMPARE(roomState("ZY1-106").value(QStringLiteral("powerOn")).toBool(true), false);
    const auto on = onWorker(
        [&] { return c.recharge(rechargeOf("ZY1-106", Utility::Electricity, 100, "T7001")); });
    QVERIFY2(on.ok(), qPrintable(on.detail));
    QCOMPARE(on.value->balanceAfter, 100);
    QVERIFY(on.value->powerOn);

    // Using it up cuts the power; electricity stops at zero (no power, no use).
    HttpResult r = use("ZY1-106", "ELECTRICITY", 100);
    QCOMPARE(r.status, 200);
    QCOMPARE(object(r.body).value(QStringLiteral("electricity")).toInteger(), 0);
    QCOMPARE(object(r.body).value(QStringLiteral("powerOn")).toBool(true), false);
    r = use("ZY1-106", "ELECTRICITY", 50);
    QCOMPARE(object(r.body).value(QStringLiteral("used")).toInteger(-1), 0);
    QCOMPARE(object(r.body).value(QStringLiteral("electricity")).toInteger(), 0);
    const auto off = onWorker([&] { return c.balance(QStringLiteral("ZY1-106")); });
    QVERIFY(!(*off.value)->powerOn);

    // Water is never cut: its balance goes negative and the power stays as it was.
    r = use("ZY1-106", "WATER", 3500);
    QCOMPARE(object(r.body).value(QStringLiteral("water")).toInteger(), -500);
    const auto negative = onWorker([&] { return c.balance(QStringLiteral("ZY1-106")); });
    QCOMPARE((*negative.value)->water, -500);

    // A water recharge does not switch the power on; an electricity one does.
    const auto water =
        onWorker([&] { return c.recharge(rechargeOf("ZY1-106", Utility::Water, 1000, "T7002")); });
    QCOMPARE(water.value->balanceAfter, 500);
    QVERIFY(!water.value->powerOn);
    const auto again = onWorker(
        [&] { return c.recharge(rechargeOf("ZY1-106", Utility::Electricity, 1, "T7003")); });
    QVERIFY(again.value->powerOn);
    QCOMPARE(roomState("ZY1-106").value(QStringLiteral("powerOn")).toBool(), true);
}

void TestUtilityChannel::usageLowersBalance()
{
    QCOMPARE(use("ZY2-105", "ELECTRICITY", 4500).status, 200);
    QCOMPARE(use("ZY2-105", "WATER", 30).status, 200);
    QCOMPARE(use("ZY2-105", "WATER", 12).status, 200);
    const UtilityClient c = client();
    const auto b = onWorker([&] { return c.balance(QStringLiteral("ZY2-105")); });
    QCOMPARE((*b.value)->electricity, 500);
    QCOMPARE((*b.value)->water, 2958);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto days =
        onWorker([&] { return c.usage(QStringLiteral("ZY2-105"), now.addDays(-7), now); });
    QVERIFY2(days.ok(), qPrintable(days.detail));
    QCOMPARE(days.value->size(), 2);
    const QDate today = now.toOffsetFromUtc(8 * 3600).date(); // the system's day: Beijing time
    qint64 electricity = 0, water = 0;
    for (const UtilityUsageDay &d : std::as_const(*days.value)) {
        QCOMPARE(d.day, today);
        (d.utility == Utility::Electricity ? electricity : water) += d.amount;
    }
    QCOMPARE(electricity, 4500);
    QCOMPARE(water, 42);

    // Days before the usage: none. More than 31 days: the system refuses (1000).
    const auto before = onWorker(
        [&] { return c.usage(QStringLiteral("ZY2-105"), now.addDays(-9), now.addDays(-3)); });
    QVERIFY(before.ok());
    QVERIFY(before.value->isEmpty());
    const auto tooLong =
        onWorker([&] { return c.usage(QStringLiteral("ZY2-105"), now.addDays(-32), now); });
    QCOMPARE(tooLong.retcode, QStringLiteral("1000"));
    const auto unknown = onWorker([&] { return c.usage(QStringLiteral("ZY9-999"), now, now); });
    QCOMPARE(unknown.retcode, QStringLiteral("2001"));
    QCOMPARE(unknown.error, std::optional<ErrorCode>(ErrorCode::TopupRoomNotFound));
}

void TestUtilityChannel::simulatedUsageRuns()
{
    stop();
    start([](UtilitySandboxOptions &o) { o.usageIntervalMs = 20; });
    QVERIFY(waitUntil([&] {
        const auto room = m_sandbox->room(QStringLiteral("ZY1-101"));
        return room->electricity < 5000 && room->water < 3000;
    }));
    const UtilityClient c = client();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Around midnight in Beijing the usage may span two days; both are in the range.
    const auto days = onWorker(
        [&] { return c.usage(QStringLiteral("ZY1-101"), now.addDays(-1), now.addSecs(60)); });
    QVERIFY2(days.ok(), qPrintable(days.detail));
    const auto balance = onWorker([&] { return c.balance(QStringLiteral("ZY1-101")); });
    // Usage goes on between the two calls; what was used by the balance's time is at most what
    // the usage shows afterwards plus one tick's range.
    qint64 used = 0;
    for (const UtilityUsageDay &d : std::as_const(*days.value))
        used += d.utility == Utility::Electricity ? d.amount : 0;
    QVERIFY(used > 0);
    QVERIFY((*balance.value)->electricity <= 5000 - used);
    // A closed room uses nothing; a room without power uses no electricity.
    const auto closed = m_sandbox->room(QStringLiteral("MY3-206"));
    QCOMPARE(closed->electricity, 5000);
    QCOMPARE(closed->water, 3000);
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-106"))->electricity, 0);
    QVERIFY(m_sandbox->room(QStringLiteral("ZY1-106"))->water < 3000);
}

void TestUtilityChannel::forgedAnswers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("signed with another key") << QStringLiteral("wrong-key");
    QTest::newRow("unsigned") << QStringLiteral("unsigned");
    QTest::newRow("stale") << QStringLiteral("stale");
    QTest::newRow("another partner") << QStringLiteral("other-partner");
    QTest::newRow("about another room") << QStringLiteral("other-room");
    QTest::newRow("tampered after signing") << QStringLiteral("tampered");
    QTest::newRow("not JSON") << QStringLiteral("junk");
    QTest::newRow("HTTP 400") << QStringLiteral("http400");
    QTest::newRow("replayed") << QStringLiteral("replayed");
}

void TestUtilityChannel::forgedAnswers()
{
    QFETCH(QString, kind);
    // A fake utility system on the same server, answering balance queries as a forger would. The
    // replay row answers one genuine, signed answer twice.
    const QJsonObject recorded = ecard::withSignature(
        ecard::stamped({{field::retcode, QStringLiteral("0000")},
                        {field::roomId, QStringLiteral("ZY1-101")},
                        {field::electricityBalance, 99999},
                        {field::waterBalance, 99999},
                        {field::powerOn, 1},
                        {field::updatedAt, QDateTime::currentSecsSinceEpoch()}},
                       Partner, QDateTime::currentSecsSinceEpoch()),
        TestKey);
    m_server->router().add(
        "POST", QStringLiteral("/fake/balance/query"), HandlerMode::Inline,
        [kind, recorded](const HttpRequest &) {
            if (kind == QLatin1String("replayed"))
                return HttpResponse::json(200, compact(recorded));
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            QJsonObject fields {
                {field::retcode, QStringLiteral("0000")},
                {field::retmsg, QStringLiteral("成功")},
                {field::roomId, QStringLiteral("ZY1-101")},
                {field::electricityBalance, 99999},
                {field::waterBalance, 99999},
                {field::powerOn, 1},
                {field::updatedAt, now},
            };
            if (kind == QLatin1String("other-room"))
                fields.insert(field::roomId, QStringLiteral("ZY1-102"));
            QJsonObject answer = ecard::stamped(
                fields, kind == QLatin1String("other-partner") ? QStringLiteral("x") : Partner,
                kind == QLatin1String("stale") ? now - 1000 : now);
            if (kind != QLatin1String("unsigned"))
                answer = ecard::withSignature(
                    answer, kind == QLatin1String("wrong-key") ? QByteArray("forger") : TestKey);
            if (kind == QLatin1String("tampered"))
                answer.insert(field::electricityBalance, 1);
            if (kind == QLatin1String("junk"))
                return HttpResponse::text(200, "<html>gateway</html>");
            if (kind == QLatin1String("http400"))
                return HttpResponse::json(400, "{}");
            return HttpResponse::json(200, compact(answer));
        });
    const UtilityClient c = client(5000, 2, QStringLiteral("/fake"));
    if (kind == QLatin1String("replayed")) {
        const auto genuine = onWorker([&] { return c.balance(QStringLiteral("ZY1-101")); });
        QVERIFY2(genuine.ok(), qPrintable(genuine.detail));
    }
    const auto b = onWorker([&] { return c.balance(QStringLiteral("ZY1-101")); });
    QVERIFY2(!b.ok(), "a forged answer must never become a result");
    QCOMPARE(b.error, std::optional<ErrorCode>(ErrorCode::UtilityUnavailable));
    QVERIFY2(b.retcode.isEmpty(), qPrintable(b.retcode)); // a transport-level error, not a refusal
}

void TestUtilityChannel::forgedRequests_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("partner");
    QTest::addColumn<qint64>("timestampOffset");
    QTest::addColumn<bool>("dropRoom");
    QTest::addColumn<QString>("expectedRetcode");

    QTest::newRow("valid") << TestKey << Partner << qint64(0) << false << QStringLiteral("0000");
    QTest::newRow("wrong key") << QByteArray("forger-key") << Partner << qint64(0) << false
                               << QStringLiteral("1001");
    QTest::newRow("other partner") << TestKey << QStringLiteral("other-partner") << qint64(0)
                                   << false << QStringLiteral("1001");
    QTest::newRow("stale timestamp")
        << TestKey << Partner << qint64(-301) << false << QStringLiteral("1002");
    QTest::newRow("future timestamp")
        << TestKey << Partner << qint64(400) << false << QStringLiteral("1002");
    QTest::newRow("missing room_id")
        << TestKey << Partner << qint64(0) << true << QStringLiteral("1000");
}

void TestUtilityChannel::forgedRequests()
{
    QFETCH(QByteArray, key);
    QFETCH(QString, partner);
    QFETCH(qint64, timestampOffset);
    QFETCH(bool, dropRoom);
    QFETCH(QString, expectedRetcode);

    QJsonObject fields {
        {field::roomId, QStringLiteral("ZY1-201")},
        {field::utility, QStringLiteral("ELECTRICITY")},
        {field::amount, 100},
        {field::serial, QStringLiteral("T8001")},
    };
    if (dropRoom)
        fields.remove(field::roomId);
    const QJsonObject request = ecard::withSignature(
        ecard::stamped(fields, partner, QDateTime::currentSecsSinceEpoch() + timestampOffset), key);
    const QJsonObject answer = rawPost(utility::path::recharge, request);
    QCOMPARE(answer.value(field::retcode).toString(), expectedRetcode);
    QVERIFY(!answer.value(field::retmsg).toString().isEmpty());
    // Refusals are signed too.
    QCOMPARE(ecard::verify(answer, Partner, TestKey, QDateTime::currentSecsSinceEpoch()),
             ecard::Verdict::Ok);
    const bool credited = expectedRetcode == QLatin1String("0000");
    QCOMPARE(creditsOf("ZY1-201", QStringLiteral("T8001")), credited ? 1 : 0);
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-201"))->electricity, credited ? 5100 : 5000);

    const HttpResult junk = httpRequest(
        "POST", QUrl(base() + QStringLiteral("/sandbox/utility/balance/query")), "not json");
    QCOMPARE(object(junk.body).value(field::retcode).toString(), QStringLiteral("1000"));
}

void TestUtilityChannel::replayedRequestRefused()
{
    const QJsonObject request =
        ecard::withSignature(ecard::stamped({{field::roomId, QStringLiteral("ZY1-202")},
                                             {field::utility, QStringLiteral("WATER")},
                                             {field::amount, 700},
                                             {field::serial, QStringLiteral("T8101")}},
                                            Partner, QDateTime::currentSecsSinceEpoch()),
                             TestKey);
    QCOMPARE(rawPost(utility::path::recharge, request).value(field::retcode).toString(),
             QStringLiteral("0000"));
    // The same envelope again (a replay, not a retry: a retry has a fresh nonce): 1002.
    QCOMPARE(rawPost(utility::path::recharge, request).value(field::retcode).toString(),
             QStringLiteral("1002"));
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY1-202"))->water, 3700);
}

void TestUtilityChannel::controlRoutesValidate()
{
    QCOMPARE(fault("SOMETIMES", 1).status, 400);
    QCOMPARE(fault("BUSY", -1).status, 400);
    QCOMPARE(
        post(QStringLiteral("/simulate/room"), {{QStringLiteral("roomId"), QStringLiteral("X-1")}})
            .status,
        404);
    QCOMPARE(post(QStringLiteral("/simulate/room"),
                  {{QStringLiteral("roomId"), QStringLiteral("ZY1-101")},
                   {QStringLiteral("electricity"), QStringLiteral("lots")}})
                 .status,
             400);
    QCOMPARE(use("ZY1-101", "GAS", 1).status, 400);
    QCOMPARE(use("ZY1-101", "WATER", 0).status, 400);
    QCOMPARE(use("X-1", "WATER", 1).status, 404);
    QCOMPARE(
        httpRequest("GET", QUrl(base() + QStringLiteral("/sandbox/utility/simulate/rooms/X-1")))
            .status,
        404);

    // Setting a room: balances, flags, and the power follows the electricity balance.
    const HttpResult set = post(QStringLiteral("/simulate/room"),
                                {{QStringLiteral("roomId"), QStringLiteral("ZY1-104")},
                                 {QStringLiteral("electricity"), 0},
                                 {QStringLiteral("water"), -20},
                                 {QStringLiteral("closed"), true}});
    QCOMPARE(set.status, 200);
    const QJsonObject state = roomState("ZY1-104");
    QCOMPARE(state.value(QStringLiteral("building")).toString(), QStringLiteral("竹园1栋"));
    QCOMPARE(state.value(QStringLiteral("room")).toString(), QStringLiteral("104"));
    QCOMPARE(state.value(QStringLiteral("electricity")).toInteger(), 0);
    QCOMPARE(state.value(QStringLiteral("water")).toInteger(), -20);
    QCOMPARE(state.value(QStringLiteral("powerOn")).toBool(true), false);
    QCOMPARE(state.value(QStringLiteral("closed")).toBool(), true);
    QCOMPARE(state.value(QStringLiteral("frozen")).toBool(true), false);
    QVERIFY(state.value(QStringLiteral("recharges")).isArray());
}

void TestUtilityChannel::stateSurvivesRestart()
{
    const UtilityClient c = client();
    const UtilityRechargeRequest request =
        rechargeOf("ZY2-106", Utility::Electricity, 1200, "T9001");
    const auto first = onWorker([&] { return c.recharge(request); });
    QVERIFY2(first.ok(), qPrintable(first.detail));
    QCOMPARE(use("ZY2-106", "WATER", 250).status, 200);
    QCOMPARE(post(QStringLiteral("/simulate/room"),
                  {{QStringLiteral("roomId"), QStringLiteral("ZY2-201")},
                   {QStringLiteral("frozen"), true}})
                 .status,
             200);
    QCOMPARE(fault("BUSY", 0).status, 200); // faults are not kept
    const QString file = m_sandbox->stateFilePath();
    QVERIFY(file.endsWith(QLatin1String("utility.db")));

    stop();
    QVERIFY(QFile::exists(file));
    start();

    const auto room = m_sandbox->room(QStringLiteral("ZY2-106"));
    QCOMPARE(room->electricity, 6200);
    QCOMPARE(room->water, 2750);
    QCOMPARE(room->recharges.size(), 1);
    QCOMPARE(room->recharges.first().serial, QStringLiteral("T9001"));
    QVERIFY(m_sandbox->room(QStringLiteral("ZY2-201"))->frozen);
    // Idempotency survives: the same request is the first answer again, nothing credited.
    const auto again = onWorker([&] { return c.recharge(request); });
    QVERIFY2(again.ok(), qPrintable(again.detail));
    QCOMPARE(again.value->balanceAfter, 6200);
    QCOMPARE(again.value->creditedAt, first.value->creditedAt);
    QCOMPARE(creditsOf("ZY2-106", QStringLiteral("T9001")), 1);
    QCOMPARE(m_sandbox->room(QStringLiteral("ZY2-106"))->electricity, 6200);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto days =
        onWorker([&] { return c.usage(QStringLiteral("ZY2-106"), now.addDays(-1), now); });
    QVERIFY(days.ok());
    QCOMPARE(days.value->size(), 1);
    QCOMPARE(days.value->first().amount, 250);
}

QTEST_GUILESS_MAIN(TestUtilityChannel)
#include "test_utilitychannel.moc"
