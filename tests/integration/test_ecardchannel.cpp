// The campus e-card channel end to end in one process: EcardClient (on worker threads, as the pay
// module calls it) against the EcardSandbox routes of a real HttpServer on a free loopback port,
// with a merchant notify receiver on the same server.
#include "channels/ecardclient.h"
#include "channels/ecardprotocol.h"
#include "http/httpserver.h"
#include "sandbox/ecardsandbox.h"
#include "serverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

using namespace pomelo;
using namespace pomelo::test;
namespace field = pomelo::ecard::field;
using ecard::TradeState;

namespace {

const QString Partner = QStringLiteral("test-partner");
const QByteArray TestKey = QByteArrayLiteral("test-partner-key-0123456789");

/// The merchant side of notifications: records every delivery, fails the first `failures`.
struct Receiver
{
    HttpResponse handle(const HttpRequest &r)
    {
        std::lock_guard lock(mutex);
        bodies.append(r.body);
        if (failures > 0) {
            --failures;
            // Both ways of not acknowledging: an HTTP error, and 200 without retcode 0000.
            if (bodies.size() % 2 == 1)
                return HttpResponse::text(500, "boom");
            return HttpResponse::json(200, R"({"retcode":"1001","retmsg":"FAIL"})");
        }
        return HttpResponse::json(200, EcardClient::notificationAck());
    }
    int hits() const
    {
        std::lock_guard lock(mutex);
        return int(bodies.size());
    }
    QList<QByteArray> all() const
    {
        std::lock_guard lock(mutex);
        return bodies;
    }
    void failNext(int n)
    {
        std::lock_guard lock(mutex);
        failures = n;
    }

    mutable std::mutex mutex;
    QList<QByteArray> bodies;
    int failures = 0;
};

/// What a client call produced: a value, or the error it threw.
template<typename T> struct Outcome
{
    std::optional<T> value;
    std::optional<ErrorCode> error;
    QString retcode; ///< set for EcardError
    QString detail;
    bool ok() const { return value.has_value(); }
};

QJsonObject object(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QString timeText(qint64 ms)
{
    return QString::number(ms) + QStringLiteral(" ms");
}

} // namespace

class TestEcardChannel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void payFlowWithNotification();
    void receiverFailsTwiceThenAcknowledges();
    void notificationGivenUpAfterSchedule();
    void insufficientBalanceIsPayError();
    void closedOrderCannotBePaid();
    void expiredOrderIsClosed();
    void createIsIdempotent();
    void refunds();
    void forgedRequests_data();
    void forgedRequests();
    void replayedNonceRefused();
    void forgedAnswers_data();
    void forgedAnswers();
    void queryRetriesAfterServerError();
    void verifyNotification_data();
    void verifyNotification();
    void unknownStudents();
    void cashierParams();
    void stateSurvivesRestart();
    void timeoutAgainstSilentServer();
    void refusedConnectionIsChannelError();

private:
    void start(const std::function<void(EcardSandboxOptions &)> &adjust = {});
    void stop();
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QUrl notifyUrl() const { return QUrl(base() + QStringLiteral("/merchant/notify")); }
    EcardClient client(const QString &prefix = QStringLiteral("/sandbox/ecard"),
                       int timeoutMs = 5000) const
    {
        return EcardClient({QUrl(base() + prefix), Partner, TestKey, timeoutMs});
    }
    EcardPayRequest payRequest(const char *outTradeNo, const char *studentNo, qint64 amount) const;

    /// Runs @p f on a thread of its own (the client blocks; this thread keeps serving). A joined
    /// std::thread is gone completely, thread-local state included (HttpClient's network manager,
    /// OpenSSL's DRBG); QThread::wait() returns before that, which races with the process exit.
    template<typename F> auto onWorker(F f) -> Outcome<decltype(f())>
    {
        Outcome<decltype(f())> o;
        std::atomic<bool> done {false};
        std::thread worker([&] {
            try {
                o.value = f();
            } catch (const EcardError &e) {
                o.error = e.code();
                o.retcode = e.retcode();
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

    HttpResult simulatePay(const QString &key, const QString &value, const char *result);
    HttpResult setBalance(const QString &studentNo, qint64 balance);
    /// The state of the first notification of @p outTradeNo ("" when none).
    QString notificationState(const QString &outTradeNo, int *attempts = nullptr) const;
    /// POSTs @p message (as given, no signing) to the sandbox path; the answer as an object.
    QJsonObject rawPost(QLatin1String path, const QJsonObject &message);

    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<EcardSandbox> m_sandbox;
    std::unique_ptr<EcardSandbox> m_closedCampus; // autoOpenAccounts off, in memory
    Receiver m_receiver;
    quint16 m_port = 0;
    int m_flakyHits = 0;
};

void TestEcardChannel::start(const std::function<void(EcardSandboxOptions &)> &adjust)
{
    m_server = std::make_unique<HttpServer>(HttpServer::Options {4, 64});
    m_port = m_server->listenGuarded(QHostAddress::LocalHost, m_port);
    QVERIFY2(m_port, qPrintable(m_server->listenError()));

    EcardSandboxOptions options;
    options.partnerId = Partner;
    options.partnerKey = TestKey;
    options.stateDir = m_dir->filePath(QStringLiteral("sandbox"));
    options.publicBaseUrl = base();
    options.notifyScheduleMs = {0, 50, 50, 50, 50};
    options.notifyTimeoutMs = 2000;
    if (adjust)
        adjust(options);
    m_sandbox = std::make_unique<EcardSandbox>(options);
    m_sandbox->registerRoutes(m_server->router());

    EcardSandboxOptions closed;
    closed.partnerId = Partner;
    closed.partnerKey = TestKey;
    closed.pathPrefix = QStringLiteral("/closed-campus/ecard");
    closed.autoOpenAccounts = false;
    m_closedCampus = std::make_unique<EcardSandbox>(closed);
    m_closedCampus->registerRoutes(m_server->router());

    m_server->router().add("POST", QStringLiteral("/merchant/notify"), HandlerMode::Inline,
                           [this](const HttpRequest &r) { return m_receiver.handle(r); });
}

void TestEcardChannel::stop()
{
    // The server first: its routes refer to the sandboxes, and a delivery in flight then fails
    // fast (refused) instead of waiting for this thread to serve it.
    m_server.reset();
    m_closedCampus.reset();
    m_sandbox.reset();
}

void TestEcardChannel::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
    m_port = 0;
    m_flakyHits = 0;
    {
        std::lock_guard lock(m_receiver.mutex);
        m_receiver.bodies.clear();
        m_receiver.failures = 0;
    }
    start();
}

void TestEcardChannel::cleanup()
{
    stop();
    m_dir.reset();
}

EcardPayRequest TestEcardChannel::payRequest(const char *outTradeNo, const char *studentNo,
                                             qint64 amount) const
{
    EcardPayRequest r;
    r.outTradeNo = QString::fromLatin1(outTradeNo);
    r.studentNo = QString::fromLatin1(studentNo);
    r.amount = amount;
    r.subject = QStringLiteral("羽毛球馆 A 场 18:00-19:00 & more");
    r.notifyUrl = notifyUrl();
    r.expireTime = QDateTime::currentDateTimeUtc().addSecs(900);
    r.attach = QStringLiteral("booking=42");
    return r;
}

HttpResult TestEcardChannel::simulatePay(const QString &key, const QString &value,
                                         const char *result)
{
    const QJsonObject body {{key, value}, {QStringLiteral("result"), QLatin1String(result)}};
    return httpRequest("POST", QUrl(base() + QStringLiteral("/sandbox/ecard/simulate/pay")),
                       QJsonDocument(body).toJson(QJsonDocument::Compact));
}

HttpResult TestEcardChannel::setBalance(const QString &studentNo, qint64 balance)
{
    const QJsonObject body {{QStringLiteral("studentNo"), studentNo},
                            {QStringLiteral("balance"), balance}};
    return httpRequest("POST", QUrl(base() + QStringLiteral("/sandbox/ecard/simulate/balance")),
                       QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QString TestEcardChannel::notificationState(const QString &outTradeNo, int *attempts) const
{
    const QList<EcardSandboxNotification> list = m_sandbox->notifications(outTradeNo);
    if (list.isEmpty())
        return {};
    if (attempts)
        *attempts = list.first().attempts;
    return list.first().state;
}

QJsonObject TestEcardChannel::rawPost(QLatin1String path, const QJsonObject &message)
{
    const HttpResult r = httpRequest("POST", QUrl(base() + QStringLiteral("/sandbox/ecard") + path),
                                     QJsonDocument(message).toJson(QJsonDocument::Compact));
    if (r.status != 200)
        qWarning() << "unexpected status" << r.status << r.body;
    return object(r.body);
}

void TestEcardChannel::payFlowWithNotification()
{
    const EcardClient c = client();
    const auto created =
        onWorker([&] { return c.createPayment(payRequest("T1001", "B21040101", 2000)); });
    QVERIFY2(created.ok(), qPrintable(created.detail));
    const EcardTrade &trade = *created.value;
    QCOMPARE(trade.outTradeNo, QStringLiteral("T1001"));
    QCOMPARE(trade.tradeState, TradeState::NotPay);
    QCOMPARE(trade.amount, 2000);
    QCOMPARE(trade.studentNo, QStringLiteral("B21040101"));
    QVERIFY(trade.prepayId.startsWith(QLatin1String("EP")));
    QVERIFY(trade.cashierUrl.contains(trade.prepayId));
    QVERIFY(trade.expireTime.isValid());
    QCOMPARE(trade.attach, QStringLiteral("booking=42"));
    // The default opening balance of a student the card center sees first.
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040101")), std::optional<qint64>(50000));

    const auto before = onWorker([&] { return c.query(QStringLiteral("T1001")); });
    QVERIFY2(before.ok() && before.value->has_value(), qPrintable(before.detail));
    QCOMPARE((*before.value)->tradeState, TradeState::NotPay);
    QCOMPARE(m_receiver.hits(), 0);

    const HttpResult cashier = httpRequest("GET", QUrl(trade.cashierUrl));
    QCOMPARE(cashier.status, 200);
    QVERIFY(cashier.body.contains(trade.prepayId.toUtf8()));

    const HttpResult paid = simulatePay(QStringLiteral("prepayId"), trade.prepayId, "SUCCESS");
    QCOMPARE(paid.status, 200);
    QCOMPARE(object(paid.body).value(QStringLiteral("tradeState")).toString(),
             QStringLiteral("SUCCESS"));
    QCOMPARE(object(paid.body).value(QStringLiteral("balance")).toInteger(), 48000);
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040101")), std::optional<qint64>(48000));

    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    const std::optional<EcardNotification> n = c.verifyNotification(m_receiver.all().first());
    QVERIFY(n.has_value());
    QCOMPARE(n->notifyType, QStringLiteral("PAY_RESULT"));
    QCOMPARE(n->outTradeNo, QStringLiteral("T1001"));
    QCOMPARE(n->prepayId, trade.prepayId);
    QCOMPARE(n->tradeState, TradeState::Success);
    QCOMPARE(n->amount, 2000);
    QCOMPARE(n->studentNo, QStringLiteral("B21040101"));
    QCOMPARE(n->attach, QStringLiteral("booking=42"));
    QVERIFY(!n->notifyId.isEmpty());
    QVERIFY(!n->tradeNo.isEmpty());
    QVERIFY(n->paidTime.isValid());
    QTRY_COMPARE(notificationState(QStringLiteral("T1001")), QStringLiteral("DELIVERED"));
    QCOMPARE(m_sandbox->pendingNotifications(), 0);

    const auto after = onWorker([&] { return c.query(QStringLiteral("T1001")); });
    QVERIFY(after.ok() && after.value->has_value());
    QCOMPARE((*after.value)->tradeState, TradeState::Success);
    QCOMPARE((*after.value)->tradeNo, n->tradeNo);
    QCOMPARE((*after.value)->paidTime, n->paidTime);

    // Paying twice is refused; the balance is taken once.
    const HttpResult again =
        simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T1001"), "SUCCESS");
    QCOMPARE(again.status, 409);
    QCOMPARE(object(again.body).value(QStringLiteral("retcode")).toString(),
             QStringLiteral("2006"));
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040101")), std::optional<qint64>(48000));

    // A paid order cannot be closed: the channel says refund instead.
    const auto close = onWorker([&] { return c.close(QStringLiteral("T1001")); });
    QVERIFY(!close.ok());
    QCOMPARE(close.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QCOMPARE(close.retcode, QStringLiteral("2006"));
}

void TestEcardChannel::receiverFailsTwiceThenAcknowledges()
{
    m_receiver.failNext(2);
    const EcardClient c = client();
    const auto created =
        onWorker([&] { return c.createPayment(payRequest("T2001", "B21040102", 500)); });
    QVERIFY2(created.ok(), qPrintable(created.detail));
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T2001"), "SUCCESS").status,
             200);

    int attempts = 0;
    QVERIFY(waitUntil([&] {
        return notificationState(QStringLiteral("T2001"), &attempts) == QLatin1String("DELIVERED");
    }));
    QCOMPARE(attempts, 3);
    QCOMPARE(m_receiver.hits(), 3);
    QCOMPARE(m_sandbox->pendingNotifications(), 0);

    // The same notification each time (one notify_id), signed afresh each time (new nonce).
    const QList<QByteArray> bodies = m_receiver.all();
    QSet<QString> ids, nonces;
    for (const QByteArray &body : bodies) {
        const auto n = c.verifyNotification(body);
        QVERIFY(n.has_value());
        ids.insert(n->notifyId);
        nonces.insert(object(body).value(field::nonceStr).toString());
    }
    QCOMPARE(ids.size(), 1);
    QCOMPARE(nonces.size(), 3);

    // Delivered means done: nothing more arrives (the schedule would have retried within 50 ms).
    QVERIFY(!waitUntil([&] { return m_receiver.hits() > 3; }, 400));
}

void TestEcardChannel::notificationGivenUpAfterSchedule()
{
    m_receiver.failNext(1000);
    const EcardClient c = client();
    QVERIFY(onWorker([&] { return c.createPayment(payRequest("T2101", "B21040103", 100)); }).ok());
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T2101"), "SUCCESS").status,
             200);
    int attempts = 0;
    QVERIFY(waitUntil([&] {
        return notificationState(QStringLiteral("T2101"), &attempts) == QLatin1String("FAILED");
    }));
    QCOMPARE(attempts, 5); // the length of the schedule
    QCOMPARE(m_receiver.hits(), 5);
    QVERIFY(!m_sandbox->notifications(QStringLiteral("T2101")).first().lastError.isEmpty());

    const HttpResult list = httpRequest(
        "GET",
        QUrl(base() + QStringLiteral("/sandbox/ecard/simulate/notifications?outTradeNo=T2101")));
    QCOMPARE(list.status, 200);
    const QJsonArray items = object(list.body).value(QStringLiteral("notifications")).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().toObject().value(QStringLiteral("state")).toString(),
             QStringLiteral("FAILED"));
}

void TestEcardChannel::insufficientBalanceIsPayError()
{
    QCOMPARE(setBalance(QStringLiteral("B21040104"), 1999).status, 200);
    const EcardClient c = client();
    QVERIFY(onWorker([&] { return c.createPayment(payRequest("T3001", "B21040104", 2000)); }).ok());

    const HttpResult paid =
        simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T3001"), "SUCCESS");
    QCOMPARE(paid.status, 200);
    QCOMPARE(object(paid.body).value(QStringLiteral("tradeState")).toString(),
             QStringLiteral("PAYERROR"));
    QCOMPARE(object(paid.body).value(QStringLiteral("errCode")).toString(), QStringLiteral("2002"));
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040104")), std::optional<qint64>(1999));

    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    const auto n = c.verifyNotification(m_receiver.all().first());
    QVERIFY(n.has_value());
    QCOMPARE(n->tradeState, TradeState::PayError);
    QCOMPARE(n->errCode, QStringLiteral("2002"));
    QCOMPARE(n->errMsg, QStringLiteral("余额不足"));
    QVERIFY(n->tradeNo.isEmpty());

    const auto q = onWorker([&] { return c.query(QStringLiteral("T3001")); });
    QVERIFY(q.ok() && q.value->has_value());
    QCOMPARE((*q.value)->tradeState, TradeState::PayError);
    QCOMPARE((*q.value)->errCode, QStringLiteral("2002"));

    // PAYERROR is final: a second try is refused, closing is allowed.
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T3001"), "SUCCESS").status,
             409);
    const auto closed = onWorker([&] { return c.close(QStringLiteral("T3001")); });
    QVERIFY(closed.ok());
    QCOMPARE(closed.value->tradeState, TradeState::Closed);

    // A payment the student aborts (result FAIL) fails too, with its own code.
    QVERIFY(onWorker([&] { return c.createPayment(payRequest("T3002", "B21040104", 1)); }).ok());
    const HttpResult failed =
        simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T3002"), "FAIL");
    QCOMPARE(object(failed.body).value(QStringLiteral("errCode")).toString(),
             QStringLiteral("2010"));
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040104")), std::optional<qint64>(1999));
}

void TestEcardChannel::closedOrderCannotBePaid()
{
    const EcardClient c = client();
    const auto created =
        onWorker([&] { return c.createPayment(payRequest("T4001", "B21040105", 300)); });
    QVERIFY(created.ok());
    const auto closed = onWorker([&] { return c.close(QStringLiteral("T4001")); });
    QVERIFY2(closed.ok(), qPrintable(closed.detail));
    QCOMPARE(closed.value->tradeState, TradeState::Closed);
    QVERIFY(closed.value->closeTime.isValid());

    const HttpResult paid =
        simulatePay(QStringLiteral("prepayId"), created.value->prepayId, "SUCCESS");
    QCOMPARE(paid.status, 409);
    QCOMPARE(object(paid.body).value(QStringLiteral("retcode")).toString(), QStringLiteral("2004"));
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040105")), std::optional<qint64>(50000));
    QCOMPARE(m_receiver.hits(), 0);

    // Closing again succeeds (a retried close whose first answer was lost).
    const auto again = onWorker([&] { return c.close(QStringLiteral("T4001")); });
    QVERIFY(again.ok());
    QCOMPARE(again.value->tradeState, TradeState::Closed);

    // Nothing to refund on a closed order; unknown orders are 2003 (close) or nullopt (query).
    const auto refund = onWorker([&] {
        return c.refund({QStringLiteral("T4001"), QStringLiteral("R4001"), 1, {}});
    });
    QCOMPARE(refund.retcode, QStringLiteral("2004"));
    const auto unknownClose = onWorker([&] { return c.close(QStringLiteral("NOPE")); });
    QCOMPARE(unknownClose.retcode, QStringLiteral("2003"));
    const auto unknownQuery = onWorker([&] { return c.query(QStringLiteral("NOPE")); });
    QVERIFY(unknownQuery.ok());
    QVERIFY(!unknownQuery.value->has_value());
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("NOPE"), "SUCCESS").status,
             404);
}

void TestEcardChannel::expiredOrderIsClosed()
{
    const EcardClient c = client();
    EcardPayRequest request = payRequest("T5001", "B21040106", 700);
    // Two seconds: with one, the second could turn before the card center sees the request.
    request.expireTime =
        QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 2, Qt::UTC);
    const auto created = onWorker([&] { return c.createPayment(request); });
    QVERIFY2(created.ok(), qPrintable(created.detail));
    QCOMPARE(created.value->expireTime, request.expireTime);

    // Waiting for the clock itself: expiry is a matter of time, not of an event.
    QVERIFY(waitUntil([&] { return QDateTime::currentDateTimeUtc() >= request.expireTime; }));
    const auto q = onWorker([&] { return c.query(QStringLiteral("T5001")); });
    QVERIFY(q.ok() && q.value->has_value());
    QCOMPARE((*q.value)->tradeState, TradeState::Closed);
    QCOMPARE((*q.value)->closeTime, request.expireTime);
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T5001"), "SUCCESS").status,
             409);

    // An expiry in the past (or beyond 7 days) is refused for a new order.
    EcardPayRequest past = payRequest("T5002", "B21040106", 700);
    past.expireTime = QDateTime::currentDateTimeUtc().addSecs(-10);
    QCOMPARE(onWorker([&] { return c.createPayment(past); }).retcode, QStringLiteral("1000"));
}

void TestEcardChannel::createIsIdempotent()
{
    const EcardClient c = client();
    const EcardPayRequest request = payRequest("T6001", "B21040107", 1200);
    const auto first = onWorker([&] { return c.createPayment(request); });
    const auto second = onWorker([&] { return c.createPayment(request); });
    QVERIFY(first.ok() && second.ok());
    QCOMPARE(second.value->prepayId, first.value->prepayId);

    EcardPayRequest changed = request;
    changed.amount = 1300;
    const auto conflict = onWorker([&] { return c.createPayment(changed); });
    QVERIFY(!conflict.ok());
    QCOMPARE(conflict.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QCOMPARE(conflict.retcode, QStringLiteral("2005"));

    // After payment the same create returns the order as it is now.
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T6001"), "SUCCESS").status,
             200);
    const auto third = onWorker([&] { return c.createPayment(request); });
    QVERIFY(third.ok());
    QCOMPARE(third.value->tradeState, TradeState::Success);
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040107")), std::optional<qint64>(48800));

    // Invalid fields are the card center's 1000, a malformed student number its 2001.
    EcardPayRequest bad = payRequest("T6002", "B21040107", 0);
    QCOMPARE(onWorker([&] { return c.createPayment(bad); }).retcode, QStringLiteral("1000"));
    bad = payRequest("T6002", "B2-1", 10);
    QCOMPARE(onWorker([&] { return c.createPayment(bad); }).retcode, QStringLiteral("2001"));
    bad = payRequest("T6002", "B21040107", 10);
    bad.notifyUrl = QUrl(QStringLiteral("ftp://example.com/n"));
    QCOMPARE(onWorker([&] { return c.createPayment(bad); }).retcode, QStringLiteral("1000"));
}

void TestEcardChannel::refunds()
{
    const EcardClient c = client();
    QVERIFY(onWorker([&] { return c.createPayment(payRequest("T7001", "B21040108", 3000)); }).ok());
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T7001"), "SUCCESS").status,
             200);
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040108")), std::optional<qint64>(47000));

    const EcardRefundRequest partial {QStringLiteral("T7001"), QStringLiteral("R7001"), 1000,
                                      QStringLiteral("场地维护")};
    const auto r1 = onWorker([&] { return c.refund(partial); });
    QVERIFY2(r1.ok(), qPrintable(r1.detail));
    QCOMPARE(r1.value->refundState, ecard::RefundState::Success);
    QCOMPARE(r1.value->refundAmount, 1000);
    QCOMPARE(r1.value->refundedAmount, 1000);
    QVERIFY(r1.value->refundTime.isValid());
    QVERIFY(r1.value->refundId.startsWith(QLatin1String("ER")));
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040108")), std::optional<qint64>(48000));

    const auto q = onWorker([&] { return c.query(QStringLiteral("T7001")); });
    QCOMPARE((*q.value)->tradeState, TradeState::Refund);
    QCOMPARE((*q.value)->refundedAmount, 1000);

    // The same out_refund_no again: the same refund, no second credit.
    const auto repeat = onWorker([&] { return c.refund(partial); });
    QVERIFY(repeat.ok());
    QCOMPARE(repeat.value->refundId, r1.value->refundId);
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040108")), std::optional<qint64>(48000));
    // … with another amount: 2009.
    const auto reused = onWorker([&] {
        return c.refund({QStringLiteral("T7001"), QStringLiteral("R7001"), 999, {}});
    });
    QCOMPARE(reused.retcode, QStringLiteral("2009"));

    // More than what is left: 2007. Exactly what is left: the order is fully refunded.
    const auto over = onWorker([&] {
        return c.refund({QStringLiteral("T7001"), QStringLiteral("R7002"), 2001, {}});
    });
    QCOMPARE(over.retcode, QStringLiteral("2007"));
    const auto rest = onWorker([&] {
        return c.refund({QStringLiteral("T7001"), QStringLiteral("R7002"), 2000, {}});
    });
    QVERIFY(rest.ok());
    QCOMPARE(rest.value->refundedAmount, 3000);
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040108")), std::optional<qint64>(50000));
    const auto nothingLeft = onWorker([&] {
        return c.refund({QStringLiteral("T7001"), QStringLiteral("R7003"), 1, {}});
    });
    QCOMPARE(nothingLeft.retcode, QStringLiteral("2007"));

    const auto found = onWorker([&] { return c.queryRefund(QStringLiteral("R7002")); });
    QVERIFY(found.ok() && found.value->has_value());
    QCOMPARE((*found.value)->refundAmount, 2000);
    QCOMPARE((*found.value)->outTradeNo, QStringLiteral("T7001"));
    QCOMPARE((*found.value)->refundedAmount, 3000);
    const auto missing = onWorker([&] { return c.queryRefund(QStringLiteral("R7999")); });
    QVERIFY(missing.ok());
    QVERIFY(!missing.value->has_value());

    // Unpaid and unknown orders cannot be refunded.
    QVERIFY(onWorker([&] { return c.createPayment(payRequest("T7002", "B21040108", 10)); }).ok());
    QCOMPARE(onWorker([&] {
                 return c.refund({QStringLiteral("T7002"), QStringLiteral("R7004"), 10, {}});
             }).retcode,
             QStringLiteral("2006"));
    QCOMPARE(onWorker([&] {
                 return c.refund({QStringLiteral("T7999"), QStringLiteral("R7005"), 10, {}});
             }).retcode,
             QStringLiteral("2003"));
}

void TestEcardChannel::forgedRequests_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("partner");
    QTest::addColumn<qint64>("timestampOffset");
    QTest::addColumn<bool>("dropAmount");
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
    QTest::newRow("missing amount")
        << TestKey << Partner << qint64(0) << true << QStringLiteral("1000");
}

void TestEcardChannel::forgedRequests()
{
    QFETCH(QByteArray, key);
    QFETCH(QString, partner);
    QFETCH(qint64, timestampOffset);
    QFETCH(bool, dropAmount);
    QFETCH(QString, expectedRetcode);

    QJsonObject fields {
        {field::outTradeNo, QStringLiteral("T8001")},
        {field::studentNo, QStringLiteral("B21040109")},
        {field::amount, 100},
        {field::subject, QStringLiteral("forged?")},
        {field::notifyUrl, notifyUrl().toString()},
    };
    if (dropAmount)
        fields.remove(field::amount);
    const QJsonObject request = ecard::withSignature(
        ecard::stamped(fields, partner, QDateTime::currentSecsSinceEpoch() + timestampOffset), key);
    const QJsonObject answer = rawPost(ecard::path::payCreate, request);
    QCOMPARE(answer.value(field::retcode).toString(), expectedRetcode);
    QVERIFY(!answer.value(field::retmsg).toString().isEmpty());
    // Refusals are signed too (with the card center's key for its partner).
    QCOMPARE(ecard::verify(answer, Partner, TestKey, QDateTime::currentSecsSinceEpoch()),
             ecard::Verdict::Ok);
    const bool created = expectedRetcode == QLatin1String("0000");
    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040109")).has_value(), created);

    // A body that is not JSON at all.
    const HttpResult junk = httpRequest(
        "POST", QUrl(base() + QStringLiteral("/sandbox/ecard/api/v1/pay/query")), "not json");
    QCOMPARE(object(junk.body).value(field::retcode).toString(), QStringLiteral("1000"));
}

void TestEcardChannel::replayedNonceRefused()
{
    const QJsonObject request =
        ecard::withSignature(ecard::stamped({{field::outTradeNo, QStringLiteral("T8101")}}, Partner,
                                            QDateTime::currentSecsSinceEpoch()),
                             TestKey);
    QCOMPARE(rawPost(ecard::path::payQuery, request).value(field::retcode).toString(),
             QStringLiteral("2003"));
    QCOMPARE(rawPost(ecard::path::payQuery, request).value(field::retcode).toString(),
             QStringLiteral("1003"));
}

void TestEcardChannel::forgedAnswers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("signed with another key") << QStringLiteral("wrong-key");
    QTest::newRow("unsigned") << QStringLiteral("unsigned");
    QTest::newRow("stale") << QStringLiteral("stale");
    QTest::newRow("another partner") << QStringLiteral("other-partner");
    QTest::newRow("about another order") << QStringLiteral("other-order");
    QTest::newRow("tampered after signing") << QStringLiteral("tampered");
    QTest::newRow("not JSON") << QStringLiteral("junk");
    QTest::newRow("HTTP 400") << QStringLiteral("http400");
}

void TestEcardChannel::forgedAnswers()
{
    QFETCH(QString, kind);
    // A fake card center on the same server, answering queries as a forger would.
    m_server->router().add(
        "POST", QStringLiteral("/fake/api/v1/pay/query"), HandlerMode::Inline,
        [kind](const HttpRequest &) {
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            QJsonObject fields {
                {field::retcode, QStringLiteral("0000")},
                {field::retmsg, QStringLiteral("成功")},
                {field::outTradeNo, QStringLiteral("T9001")},
                {field::tradeState, QStringLiteral("SUCCESS")},
                {field::amount, 100},
                {field::tradeNo, QStringLiteral("ET1")},
            };
            if (kind == QLatin1String("other-order"))
                fields.insert(field::outTradeNo, QStringLiteral("T9002"));
            QJsonObject answer = ecard::stamped(
                fields, kind == QLatin1String("other-partner") ? QStringLiteral("x") : Partner,
                kind == QLatin1String("stale") ? now - 1000 : now);
            if (kind != QLatin1String("unsigned"))
                answer = ecard::withSignature(
                    answer, kind == QLatin1String("wrong-key") ? QByteArray("forger") : TestKey);
            if (kind == QLatin1String("tampered"))
                answer.insert(field::amount, 1);
            if (kind == QLatin1String("junk"))
                return HttpResponse::text(200, "<html>gateway</html>");
            if (kind == QLatin1String("http400"))
                return HttpResponse::json(400, "{}");
            return HttpResponse::json(200, QJsonDocument(answer).toJson(QJsonDocument::Compact));
        });
    const EcardClient c = client(QStringLiteral("/fake"));
    const auto q = onWorker([&] { return c.query(QStringLiteral("T9001")); });
    QVERIFY2(!q.ok(), "a forged answer must never become a result");
    QCOMPARE(q.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QVERIFY2(q.retcode.isEmpty(), qPrintable(q.retcode)); // a transport-level error, not EcardError
}

void TestEcardChannel::queryRetriesAfterServerError()
{
    // 503 once, then a genuine answer: a query is safe to repeat.
    m_server->router().add(
        "POST", QStringLiteral("/flaky/api/v1/pay/query"), HandlerMode::Inline,
        [this](const HttpRequest &) {
            if (++m_flakyHits == 1)
                return HttpResponse::json(503, "{}");
            const QJsonObject answer =
                ecard::withSignature(ecard::stamped({{field::retcode, QStringLiteral("0000")},
                                                     {field::outTradeNo, QStringLiteral("T9101")},
                                                     {field::tradeState, QStringLiteral("NOTPAY")},
                                                     {field::amount, 100}},
                                                    Partner, QDateTime::currentSecsSinceEpoch()),
                                     TestKey);
            return HttpResponse::json(200, QJsonDocument(answer).toJson(QJsonDocument::Compact));
        });
    const EcardClient c = client(QStringLiteral("/flaky"));
    const auto q = onWorker([&] { return c.query(QStringLiteral("T9101")); });
    QVERIFY2(q.ok(), qPrintable(q.detail));
    QCOMPARE((*q.value)->tradeState, TradeState::NotPay);
    QCOMPARE(m_flakyHits, 2);
}

void TestEcardChannel::verifyNotification_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("genuine") << QStringLiteral("genuine") << true;
    QTest::newRow("genuine PAYERROR") << QStringLiteral("payerror") << true;
    QTest::newRow("amount tampered") << QStringLiteral("tampered") << false;
    QTest::newRow("wrong key") << QStringLiteral("wrong-key") << false;
    QTest::newRow("another partner") << QStringLiteral("other-partner") << false;
    QTest::newRow("stale") << QStringLiteral("stale") << false;
    QTest::newRow("unsigned") << QStringLiteral("unsigned") << false;
    QTest::newRow("not JSON") << QStringLiteral("junk") << false;
    QTest::newRow("NOTPAY is no result") << QStringLiteral("notpay") << false;
    QTest::newRow("SUCCESS without trade_no") << QStringLiteral("no-trade-no") << false;
    QTest::newRow("without notify_id") << QStringLiteral("no-notify-id") << false;
}

void TestEcardChannel::verifyNotification()
{
    QFETCH(QString, kind);
    QFETCH(bool, accepted);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject fields {
        {field::notifyId, QStringLiteral("EN1")},
        {field::notifyType, QStringLiteral("PAY_RESULT")},
        {field::outTradeNo, QStringLiteral("T1")},
        {field::tradeState, QStringLiteral("SUCCESS")},
        {field::amount, 100},
        {field::tradeNo, QStringLiteral("ET1")},
        {field::paidTime, now},
    };
    if (kind == QLatin1String("payerror")) {
        fields.insert(field::tradeState, QStringLiteral("PAYERROR"));
        fields.remove(field::tradeNo);
        fields.remove(field::paidTime);
        fields.insert(field::errCode, QStringLiteral("2002"));
    }
    if (kind == QLatin1String("notpay"))
        fields.insert(field::tradeState, QStringLiteral("NOTPAY"));
    if (kind == QLatin1String("no-trade-no"))
        fields.remove(field::tradeNo);
    if (kind == QLatin1String("no-notify-id"))
        fields.remove(field::notifyId);
    QJsonObject message = ecard::stamped(
        fields, kind == QLatin1String("other-partner") ? QStringLiteral("x") : Partner,
        kind == QLatin1String("stale") ? now - 301 : now);
    if (kind != QLatin1String("unsigned"))
        message = ecard::withSignature(
            message, kind == QLatin1String("wrong-key") ? QByteArray("forger") : TestKey);
    if (kind == QLatin1String("tampered"))
        message.insert(field::amount, 10000);
    const QByteArray body = kind == QLatin1String("junk")
        ? QByteArray("retcode=0000")
        : QJsonDocument(message).toJson(QJsonDocument::Compact);

    const auto n = client().verifyNotification(body);
    QCOMPARE(n.has_value(), accepted);
    if (accepted) {
        QCOMPARE(n->notifyId, QStringLiteral("EN1"));
        QCOMPARE(n->amount, 100);
    }
}

void TestEcardChannel::unknownStudents()
{
    // A card center that does not open accounts on sight: an unknown student is 2001.
    const EcardClient closed = client(QStringLiteral("/closed-campus/ecard"));
    const auto refused =
        onWorker([&] { return closed.createPayment(payRequest("T10001", "S0001", 100)); });
    QCOMPARE(refused.retcode, QStringLiteral("2001"));
    QVERIFY(!m_closedCampus->balance(QStringLiteral("S0001")).has_value());

    QCOMPARE(httpRequest("POST",
                         QUrl(base() + QStringLiteral("/closed-campus/ecard/simulate/balance")),
                         R"({"studentNo":"S0001","balance":100})")
                 .status,
             200);
    QVERIFY(
        onWorker([&] { return closed.createPayment(payRequest("T10001", "S0001", 100)); }).ok());
    QCOMPARE(m_closedCampus->balance(QStringLiteral("S0001")), std::optional<qint64>(100));

    // The control route validates its input too.
    QCOMPARE(setBalance(QStringLiteral("B2"), 1).status, 400);
    QCOMPARE(setBalance(QStringLiteral("B21040110"), -1).status, 400);
    const HttpResult get = httpRequest(
        "GET",
        QUrl(base() + QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=B21040110")));
    QCOMPARE(get.status, 404);
}

void TestEcardChannel::cashierParams()
{
    const EcardClient c = client();
    const auto created =
        onWorker([&] { return c.createPayment(payRequest("T11001", "B21040111", 800)); });
    QVERIFY(created.ok());
    const QJsonObject p = buildCashierParams(*created.value, QStringLiteral("o-alice"),
                                             QStringLiteral("wx-mini-app"));
    QCOMPARE(p.value(QStringLiteral("quickJump")).toBool(), true);
    QCOMPARE(p.value(QStringLiteral("prepayId")).toString(), created.value->prepayId);
    QCOMPARE(p.value(QStringLiteral("deviceType")).toString(), QStringLiteral("MINI_PROGRAM"));
    QCOMPARE(p.value(QStringLiteral("studentId")).toString(), QStringLiteral("B21040111"));
    QCOMPARE(p.value(QStringLiteral("outTradeNo")).toString(), QStringLiteral("T11001"));
    const QJsonObject ext = p.value(QStringLiteral("extParams")).toObject();
    QCOMPARE(ext.value(QStringLiteral("wxOpenId")).toString(), QStringLiteral("o-alice"));
    QCOMPARE(ext.value(QStringLiteral("wxAppId")).toString(), QStringLiteral("wx-mini-app"));
    QCOMPARE(p.value(QStringLiteral("cashierUrl")).toString(), created.value->cashierUrl);

    EcardCashierParam explicitParam;
    explicitParam.quickJump = false;
    explicitParam.prepayId = QStringLiteral("EP1");
    const QJsonObject q = buildCashierParams(explicitParam);
    QCOMPARE(q.value(QStringLiteral("quickJump")).toBool(true), false);
    QVERIFY(!q.contains(QStringLiteral("cashierUrl")));
    QCOMPARE(q.keys().size(), 6);
}

void TestEcardChannel::stateSurvivesRestart()
{
    // First life: a long second delay, so the failed first delivery is still pending at the stop.
    stop();
    start([](EcardSandboxOptions &o) { o.notifyScheduleMs = {0, 600000}; });
    m_receiver.failNext(1);
    const EcardClient c = client();
    QVERIFY(
        onWorker([&] { return c.createPayment(payRequest("T12001", "B21040112", 1500)); }).ok());
    const EcardPayRequest unpaidRequest = payRequest("T12002", "B21040112", 10);
    QVERIFY(onWorker([&] { return c.createPayment(unpaidRequest); }).ok());
    QCOMPARE(simulatePay(QStringLiteral("outTradeNo"), QStringLiteral("T12001"), "SUCCESS").status,
             200);
    int attempts = 0;
    QVERIFY(waitUntil([&] {
        return m_receiver.hits() == 1
            && notificationState(QStringLiteral("T12001"), &attempts) == QLatin1String("PENDING")
            && attempts == 1;
    }));
    const QString notifyId = m_sandbox->notifications(QStringLiteral("T12001")).first().notifyId;
    const QString file = m_sandbox->stateFilePath();

    // Restart over the same directory (and port: the notify URL names it).
    stop();
    QVERIFY(QFile::exists(file));
    start([](EcardSandboxOptions &o) { o.notifyScheduleMs = {0, 50}; });

    QCOMPARE(m_sandbox->balance(QStringLiteral("B21040112")), std::optional<qint64>(48500));
    QVERIFY(waitUntil([&] {
        return notificationState(QStringLiteral("T12001"), &attempts) == QLatin1String("DELIVERED");
    }));
    QCOMPARE(attempts, 2);
    QCOMPARE(m_receiver.hits(), 2);
    const auto n = c.verifyNotification(m_receiver.all().last());
    QVERIFY(n.has_value());
    QCOMPARE(n->notifyId, notifyId);

    const auto paid = onWorker([&] { return c.query(QStringLiteral("T12001")); });
    QVERIFY(paid.ok() && paid.value->has_value());
    QCOMPARE((*paid.value)->tradeState, TradeState::Success);
    const auto unpaid = onWorker([&] { return c.query(QStringLiteral("T12002")); });
    QVERIFY(unpaid.ok() && unpaid.value->has_value());
    QCOMPARE((*unpaid.value)->tradeState, TradeState::NotPay);
    // Idempotency survives too: the same create gives the same order.
    const auto again = onWorker([&] { return c.createPayment(unpaidRequest); });
    QVERIFY(again.ok());
    QCOMPARE(again.value->prepayId, (*unpaid.value)->prepayId);

    // An unreadable state file is moved aside; the sandbox still comes up, empty.
    stop();
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{ torn");
    }
    start();
    QVERIFY(!m_sandbox->balance(QStringLiteral("B21040112")).has_value());
    QDir dir(QFileInfo(file).absolutePath());
    QCOMPARE(dir.entryList({QStringLiteral("ecard.json.corrupt-*")}).size(), 1);
}

void TestEcardChannel::timeoutAgainstSilentServer()
{
    QTcpServer silent; // accepts, never answers
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    const EcardClient c({QUrl(QStringLiteral("http://127.0.0.1:%1/ecard").arg(silent.serverPort())),
                         Partner, TestKey, 400});
    QElapsedTimer t;
    t.start();
    const auto q = onWorker([&] { return c.query(QStringLiteral("T13001")); });
    const qint64 elapsed = t.elapsed();
    QVERIFY(!q.ok());
    QCOMPARE(q.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QVERIFY2(q.detail.contains(QLatin1String("timeout")), qPrintable(q.detail));
    // The budget (400 ms) plus HttpClient's guard (250 ms) and scheduling slack, never a hang.
    QVERIFY2(elapsed >= 350 && elapsed < 2000, qPrintable(timeText(elapsed)));
}

void TestEcardChannel::refusedConnectionIsChannelError()
{
    const EcardClient c({QUrl(QStringLiteral("http://127.0.0.1:%1/ecard").arg(freeLoopbackPort())),
                         Partner, TestKey, 1500});
    QElapsedTimer t;
    t.start();
    const auto created =
        onWorker([&] { return c.createPayment(payRequest("T14001", "B21040113", 100)); });
    QVERIFY(!created.ok());
    QCOMPARE(created.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QVERIFY2(t.elapsed() < 1500 + 1000, qPrintable(timeText(t.elapsed())));
}

QTEST_GUILESS_MAIN(TestEcardChannel)
#include "test_ecardchannel.moc"
