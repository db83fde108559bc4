// The pay platform of API.md ("Pay API") through a real pomelo-server with the e-card sandbox, on
// SQLite and on PostgreSQL: booking → sign → cashier → simulated e-card payment → PAID, every
// error code of init and cashier, repeated callbacks, timeouts and a crash in the middle.
#include "channels/ecardprotocol.h"
#include "domain/signing.h"
#include "payclient.h"
#include "storage/database.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "storage/refundrepository.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <future>

using namespace pomelo;
using namespace pomelo::test;

class TestPay : public QObject
{
    Q_OBJECT

private slots:
    void bookingFlowEndsPaid_data() { backends(); }
    void bookingFlowEndsPaid();
    void waitingForPaidIsOneRequest_data() { backends(); }
    void waitingForPaidIsOneRequest();
    void initErrorCodes_data() { backends(); }
    void initErrorCodes();
    void cashierErrorCodes_data() { backends(); }
    void cashierErrorCodes();
    void repeatedCallbacksApplyOnce_data() { backends(); }
    void repeatedCallbacksApplyOnce();
    void timeoutClosesOrder_data() { backends(); }
    void timeoutClosesOrder();
    void signWithoutPayPlatformIs3001_data() { backends(); }
    void signWithoutPayPlatformIs3001();
    void unpaidBookingIsCancelledWithItsOrder_data() { backends(); }
    void unpaidBookingIsCancelledWithItsOrder();
    void merchantClose_data() { backends(); }
    void merchantClose();
    void killedBetweenCashierAndPayment_data();
    void killedBetweenCashierAndPayment();
    void lateSuccessForClosedOrderIsRefunded_data();
    void lateSuccessForClosedOrderIsRefunded();
    void refunds_data();
    void refunds();
    void concurrentRefundsNeverExceedThePaidAmount_data();
    void concurrentRefundsNeverExceedThePaidAmount();
    void appCommands();

private:
    static void backends() { addBackendRows(); }
};

void TestPay::bookingFlowEndsPaid()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    QVERIFY(alice.loggedIn());
    QCOMPARE(alice
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040101","name":"Alice","phone":"13800138000"})")
                 .status,
             200);
    const qint64 venueId = alice.get(QStringLiteral("/api/v1/venues"))
                               .json()
                               .array()
                               .first()[QStringLiteral("id")]
                               .toInteger();
    HttpResult r =
        alice.book(venueId, tomorrow(), QStringLiteral("09:00"), QStringLiteral("10:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    const qint64 amount = r.json()[QStringLiteral("amount")].toInteger();

    r = alice.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    const QString orderId = r.json()[QStringLiteral("payOrderId")].toString();
    QVERIFY(!orderId.isEmpty());
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    QCOMPARE(cashier[QStringLiteral("amount")].toInteger(), amount);
    // Signing again gives the same order.
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("payOrderId")].toString(), orderId);
    QCOMPARE(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                 .json()[QStringLiteral("payOrderId")]
                 .toString(),
             orderId);
    // Someone else cannot sign it.
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    QCOMPARE(errorCode(bob.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {})),
             1005);

    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    r = server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PAYING"));
    QCOMPARE(r.json()[QStringLiteral("channel")].toString(), QStringLiteral("ECARD"));
    const QJsonObject payParams = r.json()[QStringLiteral("payParams")].toObject();
    QCOMPARE(payParams[QStringLiteral("studentId")].toString(), QStringLiteral("B22040101"));
    QCOMPARE(payParams[QStringLiteral("outTradeNo")].toString(), orderId);
    QCOMPARE(payParams[QStringLiteral("extParams")][QStringLiteral("wxOpenId")].toString(),
             QStringLiteral("o-alice"));
    const QString prepayId = payParams[QStringLiteral("prepayId")].toString();
    QVERIFY(!prepayId.isEmpty());
    // The same cashier body again is a replay (2004): a retry needs a fresh signature.
    QCOMPARE(errorCode(server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier))), 2004);

    QCOMPARE(simulatePay(*server, prepayId).status, 200);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QVERIFY(!pay.app().secret.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 15000);
    r = pay.get(orderId);
    QCOMPARE(r.json()[QStringLiteral("amount")].toInteger(), amount);
    QVERIFY(!r.json()[QStringLiteral("channelTradeNo")].toString().isEmpty());
    QVERIFY(r.json()[QStringLiteral("paidAt")].toString().endsWith(QStringLiteral("+08:00")));

    // Step 10: the merchant notification reaches the booking app (signed, verified there), which
    // marks the booking PAID; step 11: the push notifier puts "支付成功" into the user's inbox.
    QTRY_COMPARE_WITH_TIMEOUT(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("PAID"), 15000);
    QCOMPARE(alice.slotStates(venueId, tomorrow()).value(QStringLiteral("09:00")),
             QStringLiteral("BOOKED"));
    // The status tracker has followed the order's events on the stream.
    QTRY_COMPARE_WITH_TIMEOUT(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("payStatus")]
                                  .toString(),
                              QStringLiteral("PAID"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        alice.get(QStringLiteral("/api/v1/me/messages")).body.contains("支付成功"), 15000);

    // Cancelling the paid booking refunds it in full and frees the slot; only its owner can.
    const QString cancel = QStringLiteral("/api/v1/bookings/%1/cancel").arg(bookingId);
    QCOMPARE(errorCode(bob.post(cancel, {})), 1005);
    QCOMPARE(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                 .json()[QStringLiteral("status")]
                 .toString(),
             QStringLiteral("PAID"));
    r = alice.post(cancel, {});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("REFUNDED"));
    QCOMPARE(pay.status(orderId), QStringLiteral("REFUNDED"));
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), amount);
    QCOMPARE(alice.slotStates(venueId, tomorrow()).value(QStringLiteral("09:00")),
             QStringLiteral("FREE"));
    QCOMPARE(errorCode(alice.post(cancel, {})), 1006);
    // The REFUNDED merchant notification that follows is harmless.
    QTRY_COMPARE_WITH_TIMEOUT(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("payStatus")]
                                  .toString(),
                              QStringLiteral("REFUNDED"), 15000);
    QCOMPARE(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                 .json()[QStringLiteral("status")]
                 .toString(),
             QStringLiteral("REFUNDED"));
}

void TestPay::signWithoutPayPlatformIs3001()
{
    QFETCH(QString, backend);
    // This instance runs no pay module: the booking module's call to the pay platform fails.
    auto server = BookingHarness::startServer(
        backend, {QStringLiteral("--modules"), QStringLiteral("booking,sandbox,workers")});
    QVERIFY(server);
    MiniProgramUser gina(*server, QStringLiteral("gina"));
    HttpResult r = gina.book(3, tomorrow(), QStringLiteral("12:00"), QStringLiteral("13:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    r = gina.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 502);
    QCOMPARE(errorCode(r), 3001);
    r = gina.get(QStringLiteral("/api/v1/bookings/") + bookingId);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PENDING_PAYMENT"));
    QVERIFY(!r.json().object().contains(QStringLiteral("payOrderId")));
}

void TestPay::unpaidBookingIsCancelledWithItsOrder()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(
        backend, {}, {QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=2")});
    QVERIFY(server);
    MiniProgramUser carol(*server, QStringLiteral("carol"));
    QCOMPARE(carol
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040102","name":"Carol","phone":"13800138001"})")
                 .status,
             200);
    HttpResult r = carol.book(2, tomorrow(), QStringLiteral("15:00"), QStringLiteral("16:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    r = carol.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    QCOMPARE(server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier)).status, 200);
    QCOMPARE(carol.slotStates(2, tomorrow()).value(QStringLiteral("15:00")),
             QStringLiteral("HELD"));
    // Never paid: the order times out (CLOSED), the merchant is told, the booking is cancelled and
    // its slot is free again.
    QTRY_COMPARE_WITH_TIMEOUT(carol.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("CANCELLED"), 30000);
    QCOMPARE(carol.slotStates(2, tomorrow()).value(QStringLiteral("15:00")),
             QStringLiteral("FREE"));
}

void TestPay::waitingForPaidIsOneRequest()
{
    // GET /api/v1/bookings/{id}?waitWhile=PENDING_PAYMENT: the page waiting after the cashier asks
    // once and is answered when the booking moves on (or at waitSeconds with it as it is).
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    QCOMPARE(alice
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040101","name":"Alice","phone":"13800138000"})")
                 .status,
             200);
    HttpResult r = alice.book(1, tomorrow(), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    const QString path = QStringLiteral("/api/v1/bookings/") + bookingId;

    // Bad parameters are 1003 at once; someone else's booking is 1005 at once.
    for (const char *query :
         {"?waitWhile=NOPE", "?waitSeconds=5", "?waitWhile=PENDING_PAYMENT&waitSeconds=0",
          "?waitWhile=PENDING_PAYMENT&waitSeconds=21",
          "?waitWhile=PENDING_PAYMENT&waitSeconds=1.5"})
        QCOMPARE(errorCode(alice.get(path + QLatin1String(query))), 1003);
    MiniProgramUser bob(*server, QStringLiteral("bob"));
    QCOMPARE(errorCode(bob.get(path + QStringLiteral("?waitWhile=PENDING_PAYMENT"))), 1005);
    // Already another status than the one waited on: answered at once.
    r = alice.get(path + QStringLiteral("?waitWhile=PAID"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PENDING_PAYMENT"));
    // Nothing happens: answered at the deadline, with the booking as it is.
    QElapsedTimer clock;
    clock.start();
    r = alice.get(path + QStringLiteral("?waitWhile=PENDING_PAYMENT&waitSeconds=1"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PENDING_PAYMENT"));
    QVERIFY2(clock.elapsed() >= 900, qPrintable(QString::number(clock.elapsed())));

    const QString prepayId = signAndOpenCashier(*server, alice, bookingId);
    QVERIFY(!prepayId.isEmpty());

    // The page waits (15 s at most); the payment lands meanwhile; the one answer is PAID, long
    // before the deadline: the change woke the wait.
    HttpResult waited;
    qint64 waitedMs = 0;
    const QUrl url =
        server->url(path + QStringLiteral("?waitWhile=PENDING_PAYMENT&waitSeconds=15"));
    const QByteArray token = alice.token();
    std::unique_ptr<QThread> page(QThread::create([&] {
        QElapsedTimer t;
        t.start();
        waited = httpRequest("GET", url, {}, {{"Authorization", "Bearer " + token}}, 30000);
        waitedMs = t.elapsed();
    }));
    page->start();
    QCOMPARE(simulatePay(*server, prepayId).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(page->isFinished(), 30000);
    QCOMPARE(waited.status, 200);
    QCOMPARE(waited.json()[QStringLiteral("status")].toString(), QStringLiteral("PAID"));
    QVERIFY2(waitedMs < 14000, qPrintable(QString::number(waitedMs)));
}

void TestPay::initErrorCodes()
{
    const signing::Target OrdersTarget = signing::Target::post(QStringLiteral("/pay/v1/orders"));
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    QVERIFY(!pay.app().secret.isEmpty());

    HttpResult r = pay.create(pay.orderFields(QStringLiteral("T-1")));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("INIT"));
    const QString orderId = r.json()[QStringLiteral("orderId")].toString();
    // Idempotent: same fields → 200, same order; other fields → 2009.
    r = pay.create(pay.orderFields(QStringLiteral("T-1")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("orderId")].toString(), orderId);
    r = pay.create(pay.orderFields(QStringLiteral("T-1"), 1600));
    QCOMPARE(r.status, 409);
    QCOMPARE(errorCode(r), 2009);

    // 2001: the literal amount token, signed correctly.
    for (const QByteArray &amount : {QByteArray("12.0"), QByteArray("\"100\""), QByteArray("-1"),
                                     QByteArray("0"), QByteArray("1e2"), QByteArray("100000001")}) {
        QJsonObject fields = pay.orderFields(QStringLiteral("T-amount"));
        fields.insert(QStringLiteral("amount"), 4242);
        QByteArray body = compact(signedBody(OrdersTarget, fields, pay.app()));
        body.replace(QByteArray("\"amount\":4242"), QByteArray("\"amount\":" + amount));
        r = server->post(QStringLiteral("/pay/v1/orders"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), 2001);
    }
    // 2002: unknown app.
    r = server->post(QStringLiteral("/pay/v1/orders"),
                     compact(signedBody(OrdersTarget, pay.orderFields(QStringLiteral("T-2")),
                                        {QStringLiteral("no-such-app"), "whatever"})));
    QCOMPARE(errorCode(r), 2002);
    // 2003: tampered, wrong secret.
    QJsonObject tampered =
        signedBody(OrdersTarget, pay.orderFields(QStringLiteral("T-3")), pay.app());
    tampered.insert(QStringLiteral("subject"), QStringLiteral("Something else"));
    r = server->post(QStringLiteral("/pay/v1/orders"), compact(tampered));
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 2003);
    r = server->post(QStringLiteral("/pay/v1/orders"),
                     compact(signedBody(OrdersTarget, pay.orderFields(QStringLiteral("T-3")),
                                        {pay.app().appId, "not-the-secret"})));
    QCOMPARE(errorCode(r), 2003);
    // 2004: old timestamp, reused nonce.
    QJsonObject old = pay.orderFields(QStringLiteral("T-4"));
    old.insert(QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch() - 301);
    r = server->post(QStringLiteral("/pay/v1/orders"),
                     compact(signedBody(OrdersTarget, old, pay.app())));
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 2004);
    const QJsonObject once =
        signedBody(OrdersTarget, pay.orderFields(QStringLiteral("T-5")), pay.app());
    QCOMPARE(server->post(QStringLiteral("/pay/v1/orders"), compact(once)).status, 201);
    QCOMPARE(errorCode(server->post(QStringLiteral("/pay/v1/orders"), compact(once))), 2004);
    // 2010: fields.
    const QList<QPair<QString, QJsonValue>> badFields = {
        {QStringLiteral("subject"), QString()},
        {QStringLiteral("subject"), QString(128, u'x')},
        {QStringLiteral("subject"), QStringLiteral("a&b=c")},
        {QStringLiteral("subject"), QStringLiteral("line\nbreak")},
        {QStringLiteral("notifyUrl"), QStringLiteral("http://169.254.169.254/latest")},
        {QStringLiteral("notifyUrl"), QStringLiteral("ftp://127.0.0.1/x")},
        {QStringLiteral("notifyUrl"), QStringLiteral("not a url")},
        {QStringLiteral("outTradeNo"), QStringLiteral("has space")},
        {QStringLiteral("openId"), 42},
        {QStringLiteral("expireSeconds"), 0},
    };
    for (const auto &[key, value] : badFields) {
        QJsonObject fields = pay.orderFields(QStringLiteral("T-6"));
        fields.insert(key, value);
        r = pay.create(fields);
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), 2010);
    }
    // Nothing of the refused requests exists.
    QCOMPARE(pay.create(pay.orderFields(QStringLiteral("T-6"))).status, 201);
    // 2005: another app's order, an unknown one.
    const PayApi other(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QCOMPARE(errorCode(other.get(orderId)), 2005);
    QCOMPARE(pay.get(orderId).status, 200);
    QCOMPARE(errorCode(pay.get(QStringLiteral("123456789"))), 2005);
}

void TestPay::cashierErrorCodes()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("C-1")))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    QVERIFY(!orderId.isEmpty());

    QCOMPARE(errorCode(pay.cashier(orderId, 1500, QStringLiteral("ALIPAY"))), 2008);
    QCOMPARE(errorCode(pay.cashier(orderId, 1500, QStringLiteral("wechat_jsapi"))), 2008);
    QCOMPARE(errorCode(pay.cashier(orderId, 1499, QStringLiteral("ECARD"))), 2001);
    QCOMPARE(errorCode(pay.cashier(QStringLiteral("99999"), 1500, QStringLiteral("ECARD"))), 2005);
    const PayApi other(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QCOMPARE(errorCode(other.cashier(orderId, 1500, QStringLiteral("ECARD"))), 2005);
    // Tampered (channel is unsigned, the rest is).
    QJsonObject body = signedBody(
        signing::Target::post(QStringLiteral("/pay/v1/cashier")),
        {{QStringLiteral("orderId"), orderId}, {QStringLiteral("amount"), 1500}}, pay.app());
    body.insert(QStringLiteral("amount"), 1);
    body.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    QCOMPARE(errorCode(server->post(QStringLiteral("/pay/v1/cashier"), compact(body))), 2003);
    // ECARD without a student id: 2010.
    QJsonObject noStudent = pay.orderFields(QStringLiteral("C-2"));
    noStudent.remove(QStringLiteral("studentId"));
    const QString noStudentId = pay.create(noStudent).json()[QStringLiteral("orderId")].toString();
    QCOMPARE(errorCode(pay.cashier(noStudentId, 1500, QStringLiteral("ECARD"))), 2010);
    QCOMPARE(pay.status(noStudentId), QStringLiteral("INIT"));
    QCOMPARE(pay.status(orderId), QStringLiteral("INIT")); // nothing above changed it

    // Two cashiers at once: one PAYING, the other 2006.
    std::future<HttpResult> af = std::async(
        std::launch::async, [&] { return pay.cashier(orderId, 1500, QStringLiteral("ECARD")); });
    const HttpResult b = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    const HttpResult ar = af.get();
    struct
    {
        const HttpResult &result() const { return r; }
        const HttpResult &r;
    } a {ar};
    QList<int> statuses {a.result().status, b.status};
    std::sort(statuses.begin(), statuses.end());
    QCOMPARE(statuses, (QList<int> {200, 409}));
    QCOMPARE(errorCode(a.result().status == 409 ? a.result() : b), 2006);
    // A second cashier later: 2006 (PAYING).
    const HttpResult second = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(errorCode(second), 2006);
    // Pay it: 2007 afterwards.
    const QString prepayId = (a.result().status == 200 ? a.result() : b)
                                 .json()[QStringLiteral("payParams")][QStringLiteral("prepayId")]
                                 .toString();
    QCOMPARE(simulatePay(*server, prepayId).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 15000);
    QCOMPARE(errorCode(pay.cashier(orderId, 1500, QStringLiteral("ECARD"))), 2007);
    QCOMPARE(errorCode(pay.close(orderId)), 2007);
}

void TestPay::repeatedCallbacksApplyOnce()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("D-1")))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    HttpResult r = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);

    // A pay-result notification as the card center signs it, delivered 10 times at once.
    const QJsonObject notice = ecard::withSignature(
        ecard::stamped(
            {{QString(ecard::field::notifyId), QStringLiteral("N-test-1")},
             {QString(ecard::field::notifyType), QString(ecard::NotifyTypePayResult)},
             {QString(ecard::field::outTradeNo), orderId},
             {QString(ecard::field::prepayId),
              r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString()},
             {QString(ecard::field::studentNo), QStringLiteral("S20240001")},
             {QString(ecard::field::tradeState), QStringLiteral("SUCCESS")},
             {QString(ecard::field::amount), 1500},
             {QString(ecard::field::tradeNo), QStringLiteral("EC-TRADE-1")},
             {QString(ecard::field::paidTime), QDateTime::currentSecsSinceEpoch()}},
            QStringLiteral("pomelo-sandbox-partner"), QDateTime::currentSecsSinceEpoch()),
        "sandbox-ecard-partner-key");
    const quint16 port = server->port();
    const QByteArray noticeBody = compact(notice);
    std::vector<std::future<HttpResult>> calls;
    for (int i = 0; i < 10; ++i)
        calls.push_back(std::async(std::launch::async, [port, noticeBody] {
            return httpRequest(
                "POST", QUrl(QStringLiteral("http://127.0.0.1:%1/pay/v1/notify/ecard").arg(port)),
                noticeBody, {{"Content-Type", "application/json"}});
        }));
    for (std::future<HttpResult> &c : calls) {
        const HttpResult result = c.get();
        QCOMPARE(result.status, 200);
        QCOMPARE(QJsonDocument::fromJson(result.body)[QStringLiteral("retcode")].toString(),
                 QStringLiteral("0000"));
    }
    r = pay.get(orderId);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PAID"));
    QCOMPARE(r.json()[QStringLiteral("channelTradeNo")].toString(), QStringLiteral("EC-TRADE-1"));
    if (backend == QLatin1String("sqlite")) {
        // One transition, one event, one merchant notification.
        Database db(QStringLiteral("sqlite:") + server->dataDir() + QStringLiteral("/pomelo.db"));
        const qint64 id = orderId.toLongLong();
        const QList<OrderEvent> events = OrderRepository(db).events(id);
        QStringList statuses;
        for (const OrderEvent &e : events)
            statuses.append(statusName(e.newStatus));
        QCOMPARE(statuses,
                 (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"),
                               QStringLiteral("PAID")}));
        NotificationFilter filter;
        filter.orderId = id;
        QCOMPARE(NotificationRepository(db).list(filter, std::nullopt, 10).items.size(), 1);
    }
    // A forged notification is refused and changes nothing.
    QJsonObject forged = notice;
    forged.insert(QString(ecard::field::amount), 1);
    r = server->post(QStringLiteral("/pay/v1/notify/ecard"), compact(forged));
    QVERIFY(r.status >= 400);
}

void TestPay::timeoutClosesOrder()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(
        backend, {}, {QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=2")});
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("E-1")))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    const HttpResult r = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("CLOSED"), 20000);
    // Closed at the channel as well: the student can no longer pay.
    const HttpResult late = simulatePay(
        *server, r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString());
    QCOMPARE(late.status, 409);
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
}

void TestPay::merchantClose()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString initId = pay.create(pay.orderFields(QStringLiteral("F-1")))
                               .json()[QStringLiteral("orderId")]
                               .toString();
    HttpResult r = pay.close(initId);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("CLOSED"));
    QCOMPARE(errorCode(pay.cashier(initId, 1500, QStringLiteral("ECARD"))), 2007);

    const QString payingId = pay.create(pay.orderFields(QStringLiteral("F-2")))
                                 .json()[QStringLiteral("orderId")]
                                 .toString();
    r = pay.cashier(payingId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);
    const QString prepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    QCOMPARE(pay.close(payingId).json()[QStringLiteral("status")].toString(),
             QStringLiteral("CLOSED"));
    QCOMPARE(simulatePay(*server, prepayId).status, 409); // closed at the card center too
}

void TestPay::killedBetweenCashierAndPayment_data()
{
    addBackendColumn();
    QTest::addColumn<QString>("payment");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("timeoutSeconds"); // short only where the timeout must do the work
    for (const QString &backend : {QStringLiteral("sqlite"), QStringLiteral("postgres")}) {
        // Paid, then killed before (or while) the callback is handled: the card center delivers
        // it again, or the timeout worker asks it.
        QTest::addRow("%s: paid just before the kill", qPrintable(backend))
            << backend << QStringLiteral("before") << QStringLiteral("PAID") << 4;
        // Killed between cashier and payment; the student pays once the server is back.
        QTest::addRow("%s: paid after the restart", qPrintable(backend))
            << backend << QStringLiteral("after") << QStringLiteral("PAID") << 900;
        // Never paid: the timeout scheduled before the kill still closes it, at the channel too.
        QTest::addRow("%s: never paid", qPrintable(backend))
            << backend << QStringLiteral("never") << QStringLiteral("CLOSED") << 4;
    }
}

void TestPay::killedBetweenCashierAndPayment()
{
    QFETCH(QString, backend);
    QFETCH(QString, payment);
    QFETCH(QString, expected);
    QFETCH(int, timeoutSeconds);
    const QStringList dbArgs = BookingHarness::databaseArgs(backend);
    const QStringList env {
        QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
        QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=%1").arg(timeoutSeconds)};
    ServerProcess first(dbArgs, env);
    QVERIFY2(first.start(30000), first.output().constData());
    const QString dataDir = first.dataDir();
    const PayApi pay(first, demoApp(dataDir, QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("K-1")))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    QVERIFY(!orderId.isEmpty());
    const HttpResult r = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);
    const QString prepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    if (payment == QLatin1String("before"))
        QCOMPARE(simulatePay(first, prepayId).status, 200);
    first.process().kill();
    QVERIFY(first.process().waitForFinished(10000));

    // Same address: the card center's pending notification names the notify URL of the first.
    ServerProcess second(dbArgs
                             + QStringList {QStringLiteral("--data-dir"), dataDir,
                                            QStringLiteral("--listen"),
                                            QStringLiteral("127.0.0.1:%1").arg(first.port())},
                         env);
    QVERIFY2(second.start(30000), second.output().constData());
    const PayApi again(second, demoApp(dataDir, QStringLiteral("utility-topup")));
    if (payment == QLatin1String("after")) {
        QCOMPARE(again.status(orderId), QStringLiteral("PAYING"));
        QCOMPARE(simulatePay(second, prepayId).status, 200);
    }
    QTRY_COMPARE_WITH_TIMEOUT(again.status(orderId), expected, 30000);
    if (expected == QLatin1String("CLOSED")) // closed at the channel as well
        QCOMPARE(simulatePay(second, prepayId).status, 409);

    // Nothing lost: one event per transition and one merchant notification for the outcome,
    // whichever process made it.
    Database db(BookingHarness::databaseUrl(dbArgs, dataDir));
    const qint64 id = orderId.toLongLong();
    QStringList statuses;
    for (const OrderEvent &e : OrderRepository(db).events(id))
        statuses.append(statusName(e.newStatus));
    QCOMPARE(statuses, (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"), expected}));
    NotificationFilter filter;
    filter.orderId = id;
    const QList<MerchantNotification> notes =
        NotificationRepository(db).list(filter, std::nullopt, 10).items;
    QCOMPARE(notes.size(), 1);
    QCOMPARE(notes.first().orderStatus, expected);
}

void TestPay::lateSuccessForClosedOrderIsRefunded_data()
{
    backends();
}

void TestPay::lateSuccessForClosedOrderIsRefunded()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("L-1")))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    HttpResult r = pay.cashier(orderId, 1500, QStringLiteral("ECARD"));
    QCOMPARE(r.status, 200);
    const QString prepayId =
        r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    QCOMPARE(pay.close(orderId).status, 200);
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
    const auto balance = [&] {
        return server->get(QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=S20240001"))
            .json()[QStringLiteral("balance")]
            .toInteger();
    };
    const qint64 before = balance();

    // The card center takes the payment after all (its own race with the close) and reports it.
    r = server->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                     compact({{QStringLiteral("prepayId"), prepayId},
                              {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                              {QStringLiteral("late"), true}}));
    QCOMPARE(r.status, 200); // the card center took 1500 (refunded at once, so not compared here)
    // Recorded as a LATE payment exception and refunded by itself: the student gets the money
    // back, and the order stays CLOSED — it never was, and never becomes, PAID.
    const QList<PaymentException> found =
        exceptionsOnceIn(*server, orderId.toLongLong(), PaymentExceptionState::Refunded);
    QCOMPARE(found.size(), 1);
    const PaymentException &e = found.first();
    QCOMPARE(e.reason, PaymentExceptionReason::Late);
    QCOMPARE(e.channel, QStringLiteral("ECARD"));
    QCOMPARE(e.paidAmount, qint64(1500));
    QVERIFY(!e.channelTradeNo.isEmpty());
    QCOMPARE(balance(), before);
    QVERIFY(server->output().contains("payment exception"));
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
    r = pay.get(orderId);
    QVERIFY(!r.json().object().contains(QStringLiteral("refundedAmount")));
    QVERIFY(!r.json().object().contains(QStringLiteral("needsRefund")));

    Database db(serverDatabaseUrl(*server));
    QVERIFY(RefundRepository(db).ofOrder(orderId.toLongLong()).isEmpty());
    QStringList statuses;
    for (const OrderEvent &ev : OrderRepository(db).events(orderId.toLongLong()))
        statuses.append(statusName(ev.newStatus));
    QCOMPARE(
        statuses,
        (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"), QStringLiteral("CLOSED")}));
    // The same payment reported again changes nothing: still one exception, refunded once.
    QCOMPARE(PaymentExceptionRepository(db).ofOrder(orderId.toLongLong()).size(), 1);
}

void TestPay::refunds_data()
{
    backends();
}

void TestPay::refunds()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.paidOrder(QStringLiteral("R-1"), 1500);
    QVERIFY(!orderId.isEmpty());

    // Bad input changes nothing.
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r1"), 0)), 2001);
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r1"), -5)), 2001);
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r1"), 1501)), 2001);
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("bad no!"), 100)), 2010);
    QCOMPARE(errorCode(pay.refund(QStringLiteral("123456789"), QStringLiteral("r1"), 100)), 2005);
    const PayApi other(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QCOMPARE(errorCode(other.refund(orderId, QStringLiteral("r1"), 100)), 2005); // not its order
    QJsonObject forged = signedBody(signing::Target::post(QStringLiteral("/pay/v1/refunds")),
                                    {{QStringLiteral("orderId"), orderId},
                                     {QStringLiteral("outRefundNo"), QStringLiteral("r1")},
                                     {QStringLiteral("amount"), 100}},
                                    pay.app());
    forged.insert(QStringLiteral("amount"), 1500);
    QCOMPARE(errorCode(server->post(QStringLiteral("/pay/v1/refunds"), compact(forged))), 2003);
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));

    // Partial: the order stays PAID with a refunded amount.
    HttpResult r = pay.refund(orderId, QStringLiteral("r1"), 500);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("SUCCESS"));
    QCOMPARE(r.json()[QStringLiteral("orderStatus")].toString(), QStringLiteral("PAID"));
    QCOMPARE(r.json()[QStringLiteral("refundedAmount")].toInteger(), 500);
    const QString refundId = r.json()[QStringLiteral("refundId")].toString();
    // Idempotent on outRefundNo; the same number with another amount is refused.
    r = pay.refund(orderId, QStringLiteral("r1"), 500);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("refundId")].toString(), refundId);
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r1"), 600)), 2009);
    // More than is left.
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r2"), 1001)), 2001);
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 500);

    // The rest: REFUNDED, and the merchant is told.
    r = pay.refund(orderId, QStringLiteral("r2"), 1000);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[QStringLiteral("orderStatus")].toString(), QStringLiteral("REFUNDED"));
    QCOMPARE(r.json()[QStringLiteral("refundedAmount")].toInteger(), 1500);
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("r3"), 1)), 2007);

    // An unpaid order has nothing to refund.
    const QString unpaid = pay.create(pay.orderFields(QStringLiteral("R-2")))
                               .json()[QStringLiteral("orderId")]
                               .toString();
    QCOMPARE(errorCode(pay.refund(unpaid, QStringLiteral("r4"), 100)), 2006);

    Database db(BookingHarness::databaseUrl(
        backend == QLatin1String("postgres") ? server->process().arguments() : QStringList {},
        server->dataDir()));
    NotificationFilter filter;
    filter.orderId = orderId.toLongLong();
    QStringList told;
    for (const MerchantNotification &n :
         NotificationRepository(db).list(filter, std::nullopt, 10).items)
        told.append(n.orderStatus);
    told.sort();
    QCOMPARE(told, (QStringList {QStringLiteral("PAID"), QStringLiteral("REFUNDED")}));
}

void TestPay::concurrentRefundsNeverExceedThePaidAmount_data()
{
    backends();
}

void TestPay::concurrentRefundsNeverExceedThePaidAmount()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.paidOrder(QStringLiteral("R-C"), 1000);
    QVERIFY(!orderId.isEmpty());
    // Eight refunds of 400 at once: at most two can succeed (800 ≤ 1000 < 1200).
    std::vector<std::future<HttpResult>> calls;
    for (int i = 0; i < 8; ++i)
        calls.push_back(std::async(std::launch::async, [&pay, orderId, i] {
            return pay.refund(orderId, QStringLiteral("rc%1").arg(i), 400);
        }));
    int created = 0;
    for (std::future<HttpResult> &c : calls) {
        const HttpResult r = c.get();
        if (r.status == 201)
            ++created;
        else
            QVERIFY2(errorCode(r) == 2006 || errorCode(r) == 2001, r.body.constData());
    }
    QVERIFY(created >= 1 && created <= 2);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 10000);
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 400 * created);
}

void TestPay::appCommands()
{
    QTemporaryDir dir;
    QProcess add;
    add.start(ServerProcess::binary(),
              {QStringLiteral("app"), QStringLiteral("add"), QStringLiteral("--name"),
               QStringLiteral("Canteen"), QStringLiteral("--notify-host"),
               QStringLiteral("canteen.example.edu"), QStringLiteral("--data-dir"), dir.path()});
    QVERIFY(add.waitForFinished(30000));
    QCOMPARE(add.exitCode(), 0);
    const QJsonObject created = QJsonDocument::fromJson(add.readAllStandardOutput()).object();
    const QString appId = created[QStringLiteral("appId")].toString();
    QVERIFY(appId.startsWith(QStringLiteral("app_")));
    QVERIFY(created[QStringLiteral("secret")].toString().size() >= 32);

    QProcess list;
    list.start(
        ServerProcess::binary(),
        {QStringLiteral("app"), QStringLiteral("list"), QStringLiteral("--data-dir"), dir.path()});
    QVERIFY(list.waitForFinished(30000));
    const QByteArray listed = list.readAllStandardOutput();
    QVERIFY(listed.contains(appId.toUtf8()));
    QVERIFY(!listed.contains(created[QStringLiteral("secret")].toString().toUtf8()));

    QProcess rotate;
    rotate.start(ServerProcess::binary(),
                 {QStringLiteral("app"), QStringLiteral("rotate-secret"), appId,
                  QStringLiteral("--data-dir"), dir.path()});
    QVERIFY(rotate.waitForFinished(30000));
    QCOMPARE(rotate.exitCode(), 0);
    const QJsonObject rotated = QJsonDocument::fromJson(rotate.readAllStandardOutput()).object();
    QVERIFY(rotated[QStringLiteral("secret")].toString()
            != created[QStringLiteral("secret")].toString());

    QProcess bad;
    bad.start(
        ServerProcess::binary(),
        {QStringLiteral("app"), QStringLiteral("add"), QStringLiteral("--data-dir"), dir.path()});
    QVERIFY(bad.waitForFinished(30000));
    QVERIFY(bad.exitCode() != 0);
}

QTEST_GUILESS_MAIN(TestPay)
#include "test_pay.moc"
