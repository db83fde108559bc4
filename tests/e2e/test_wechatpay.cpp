// WeChat Pay APIv3 (JSAPI) end to end through a real pomelo-server and its WeChat sandbox, on
// SQLite and on PostgreSQL: cashier → wx.requestPayment parameters (paySign checked as the
// mini-program would) → simulated payment → encrypted, signed notification → PAID; forged
// notifications change nothing; the same notification 10 times at once is applied once; refunds;
// the timeout worker asks WeChat before it closes.
#include "channels/wechatclient.h"
#include "channels/wechatprotocol.h"
#include "domain/crypto.h"
#include "payclient.h"
#include "storage/database.h"
#include "storage/orderrepository.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>

#include <functional>
#include <future>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString Wechat = QStringLiteral("WECHAT_JSAPI");

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The sandbox's keys, read from the server's data dir as a test that plays WeChat needs them.
struct SandboxKeys
{
    std::optional<crypto::RsaPrivateKey> merchant;
    std::optional<crypto::RsaPrivateKey> platform;
    QString platformKeyId;
    QByteArray apiV3Key;

    static SandboxKeys of(const ServerProcess &server)
    {
        const WechatSandboxKeyFiles files =
            WechatSandboxKeyFiles::in(WechatSandboxKeyFiles::directoryFor(server.dataDir()));
        SandboxKeys k;
        k.merchant = crypto::RsaPrivateKey::fromPem(readFile(files.merchantPrivateKey));
        k.platform = crypto::RsaPrivateKey::fromPem(readFile(files.platformPrivateKey));
        k.platformKeyId = QString::fromLatin1(readFile(files.platformKeyId).trimmed());
        k.apiV3Key = readFile(files.apiV3Key).trimmed();
        return k;
    }
    bool complete() const
    {
        return merchant && platform && !platformKeyId.isEmpty() && apiV3Key.size() == 32;
    }
};

/// A TRANSACTION.SUCCESS notification as WeChat would send it; @p tamper may spoil one part.
struct Notification
{
    wechat::HeaderList headers;
    QByteArray body;
};

Notification transactionSuccess(const SandboxKeys &keys, const QString &id,
                                const QString &outTradeNo, qint64 total,
                                qint64 signedAt = QDateTime::currentSecsSinceEpoch(),
                                const std::function<void(wechat::Transaction &)> &change = {})
{
    wechat::Transaction t;
    t.appId = QStringLiteral("wxd0c0ffee5a4db0x1");
    t.mchId = QStringLiteral("1900000109");
    t.outTradeNo = outTradeNo;
    t.transactionId = QStringLiteral("420000000020261127") + id.right(10).rightJustified(10, u'0');
    t.tradeType = QString(wechat::TradeTypeJsapi);
    t.tradeState = wechat::TradeState::Success;
    t.tradeStateDesc = QStringLiteral("支付成功");
    t.successTime = QDateTime::currentDateTimeUtc();
    t.total = total;
    t.payerTotal = total;
    t.payerOpenId = QStringLiteral("o-tester");
    if (change)
        change(t);
    wechat::NotificationEnvelope e;
    e.id = id;
    e.createTime = wechat::formatTime(QDateTime::currentDateTimeUtc());
    e.eventType = QString(wechat::event::transactionSuccess);
    e.summary = QStringLiteral("支付成功");
    e.resource = wechat::encryptResource(
        keys.apiV3Key, QJsonDocument(wechat::transactionToJson(t)).toJson(QJsonDocument::Compact),
        QStringLiteral("transaction"), QStringLiteral("transaction"));
    Notification n;
    n.body = QJsonDocument(wechat::envelopeToJson(e)).toJson(QJsonDocument::Compact);
    n.headers = wechat::toHeaderList(
        wechat::signAnswer(*keys.platform, keys.platformKeyId, n.body, signedAt));
    return n;
}

HttpResult deliver(const ServerProcess &server, const Notification &n)
{
    QList<QPair<QByteArray, QByteArray>> headers = n.headers;
    headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    return httpRequest(
        "POST", QUrl(QStringLiteral("http://127.0.0.1:%1/pay/v1/notify/wechat").arg(server.port())),
        n.body, headers);
}

void setHeader(wechat::HeaderList &headers, QLatin1String name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (h.first.compare(QByteArray(name.data(), name.size()), Qt::CaseInsensitive) == 0)
            h.second = value;
    }
}

/// The prepay id in `package` ("prepay_id=…").
QString prepayIdOf(const QJsonObject &payParams)
{
    return payParams.value(QStringLiteral("package")).toString().section(u'=', 1);
}

HttpResult simulateWechatPay(ServerProcess &server, const QString &prepayId)
{
    return server.post(QStringLiteral("/sandbox/wechat/simulate/pay"),
                       compact({{QStringLiteral("prepayId"), prepayId},
                                {QStringLiteral("result"), QStringLiteral("SUCCESS")}}));
}

QStringList eventStatuses(const QString &databaseUrl, const QString &orderId)
{
    Database db(databaseUrl);
    QStringList statuses;
    for (const OrderEvent &e : OrderRepository(db).events(orderId.toLongLong()))
        statuses.append(statusName(e.newStatus));
    return statuses;
}

/// POST to a sandbox control route; its JSON answer.
QJsonObject sandboxControl(ServerProcess &server, const QString &route, const QJsonObject &body)
{
    const HttpResult r =
        server.post(QStringLiteral("/sandbox/wechat/simulate/") + route, compact(body));
    if (r.status != 200)
        qWarning("sandbox %s: %d %s", qPrintable(route), r.status, r.body.constData());
    return r.json().object();
}

/// A new order of @p amount, through the WeChat cashier (its prepay answer verified by the
/// server) and paid by the simulated user; its id, or "" when a step failed.
QString wechatPaidOrder(ServerProcess &server, const PayApi &pay, const QString &outTradeNo,
                        qint64 amount)
{
    const QString orderId = pay.createOrder(outTradeNo, amount);
    const HttpResult r = pay.cashier(orderId, amount, Wechat);
    if (r.status != 200) {
        qWarning("cashier: %d %s", r.status, r.body.constData());
        return {};
    }
    if (simulateWechatPay(server, prepayIdOf(r.json()[QStringLiteral("payParams")].toObject()))
            .status
        != 200)
        return {};
    return orderId;
}

/// The value of one series in a Prometheus exposition, -1 when absent.
double metricValue(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

/// The sandbox's notifications of @p outTradeNo.
QJsonArray sandboxNotifications(ServerProcess &server, const QString &outTradeNo)
{
    return server
        .get(QStringLiteral("/sandbox/wechat/simulate/notifications?outTradeNo=") + outTradeNo)
        .json()[QStringLiteral("notifications")]
        .toArray();
}

} // namespace

class TestWechatPay : public QObject
{
    Q_OBJECT

private slots:
    void bookingPaidAndRefundedThroughWechat_data() { backends(); }
    void bookingPaidAndRefundedThroughWechat();
    void forgedNotificationsChangeNothing_data() { backends(); }
    void forgedNotificationsChangeNothing();
    void refunds_data() { backends(); }
    void refunds();
    void lateSuccessOnClosedOrderIsRefunded_data() { backends(); }
    void lateSuccessOnClosedOrderIsRefunded();
    void timeoutAsksWechatFirst_data() { backends(); }
    void timeoutAsksWechatFirst();
    void missingKeysStopTheStart();
    void genuineButMismatchedPaymentsAreExceptions_data();
    void genuineButMismatchedPaymentsAreExceptions();
    void platformCertificateRotation();
    void certificateToPublicKeyMigration();
    void unknownSerialIsRefused();
    void certificateModeAgainstSeparateSandbox();

private:
    static void backends() { addBackendRows(); }
};

void TestWechatPay::bookingPaidAndRefundedThroughWechat()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    MiniProgramUser alice(*server, QStringLiteral("alice"));
    QVERIFY(alice.loggedIn());
    HttpResult r = alice.book(1, tomorrow(), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();
    const qint64 amount = r.json()[QStringLiteral("amount")].toInteger();
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    const QString orderId = r.json()[QStringLiteral("payOrderId")].toString();
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), Wechat);
    r = server->post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QStringLiteral("channel")].toString(), Wechat);

    // What wx.requestPayment gets, checked as the mini-program (and WeChat) would: every field a
    // string, signType RSA, paySign valid with the merchant's public key.
    const QJsonObject params = r.json()[QStringLiteral("payParams")].toObject();
    const SandboxKeys keys = SandboxKeys::of(*server);
    QVERIFY(keys.complete());
    QCOMPARE(params[QStringLiteral("appId")].toString(), QStringLiteral("wxd0c0ffee5a4db0x1"));
    QCOMPARE(params[QStringLiteral("signType")].toString(), QStringLiteral("RSA"));
    QVERIFY(params[QStringLiteral("package")].toString().startsWith(QLatin1String("prepay_id=")));
    QVERIFY(params[QStringLiteral("timeStamp")].isString());
    QVERIFY(wechat::verifyRequestPaymentParams(keys.merchant->publicKey(), params));
    QJsonObject altered = params;
    altered.insert(QStringLiteral("package"), QStringLiteral("prepay_id=wx-someone-else"));
    QVERIFY(!wechat::verifyRequestPaymentParams(keys.merchant->publicKey(), altered));

    QCOMPARE(simulateWechatPay(*server, prepayIdOf(params)).status, 200);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("venue-booking")));
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 15000);
    r = pay.get(orderId);
    QCOMPARE(r.json()[QStringLiteral("channel")].toString(), Wechat);
    QVERIFY(r.json()[QStringLiteral("channelTradeNo")].toString().startsWith(u"4200"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("PAID"), 15000);

    // Cancelled: refunded through WeChat in full, the slot freed.
    r = alice.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(bookingId), {});
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(alice.get(QStringLiteral("/api/v1/bookings/") + bookingId)
                                  .json()[QStringLiteral("status")]
                                  .toString(),
                              QStringLiteral("REFUNDED"), 15000);
    QCOMPARE(pay.status(orderId), QStringLiteral("REFUNDED"));
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), amount);
    QCOMPARE(alice.slotStates(1, tomorrow()).value(QStringLiteral("10:00")),
             QStringLiteral("FREE"));
}

void TestWechatPay::forgedNotificationsChangeNothing()
{
    QFETCH(QString, backend);
    const QStringList dbArgs = BookingHarness::databaseArgs(backend);
    ServerProcess server(dbArgs, {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY2(server.start(30000), server.output().constData());
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("W-F"), 2500))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    QCOMPARE(pay.cashier(orderId, 2500, Wechat).status, 200);
    const SandboxKeys keys = SandboxKeys::of(server);
    QVERIFY(keys.complete());
    const qint64 now = QDateTime::currentSecsSinceEpoch();

    using Tamper = std::function<void(Notification &)>;
    const QList<QPair<const char *, Tamper>> forgeries {
        {"tampered body",
         [](Notification &n) {
             n.body.replace("\"summary\":\"", "\"summary\":\"x");
         }},
        {"wrong serial",
         [](Notification &n) {
             setHeader(n.headers, wechat::header::serial,
                       "PUB_KEY_ID_0114232134912410000000000001");
         }},
        {"signature of another key",
         [&](Notification &n) {
             const auto other =
                 crypto::RsaPrivateKey::fromPem(crypto::generateRsaKeyPair().privateKeyPem);
             setHeader(
                 n.headers, wechat::header::signature,
                 wechat::signBase64(*other,
                                    wechat::answerMessage(QString::number(now),
                                                          QString::fromLatin1(wechat::headerValue(
                                                              n.headers, wechat::header::nonce)),
                                                          n.body))
                     .toLatin1());
             setHeader(n.headers, wechat::header::timestamp, QByteArray::number(now));
         }},
        {"SIGNTEST probe",
         [](Notification &n) {
             setHeader(n.headers, wechat::header::signature,
                       QByteArray(wechat::SignTestPrefix.data()) + "ZXhhbXBsZQ==");
         }},
        {"no signature headers",
         [](Notification &n) {
             n.headers.clear();
         }},
    };
    for (const auto &[name, tamper] : forgeries) {
        Notification n = transactionSuccess(keys, QStringLiteral("N-forged"), orderId, 2500);
        tamper(n);
        const HttpResult r = deliver(server, n);
        QVERIFY2(r.status >= 400 && r.status < 500, name);
        QCOMPARE(QJsonDocument::fromJson(r.body)[QStringLiteral("code")].toString(),
                 QStringLiteral("FAIL"));
        QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
    }
    // Signed more than five minutes ago (or ahead).
    for (const qint64 skew : {-310, 310}) { // a margin for the seconds this test takes
        const HttpResult r =
            deliver(server,
                    transactionSuccess(keys, QStringLiteral("N-old"), orderId, 2500,
                                       QDateTime::currentSecsSinceEpoch() + skew));
        QCOMPARE(r.status, 401);
    }
    // Properly signed, but the resource does not decrypt (tag of other bytes, or another key).
    {
        SandboxKeys wrongKey = keys;
        wrongKey.apiV3Key = QByteArray(32, 'k');
        QCOMPARE(
            deliver(server, transactionSuccess(wrongKey, QStringLiteral("N-aead"), orderId, 2500))
                .status,
            401);
        Notification n = transactionSuccess(keys, QStringLiteral("N-tag"), orderId, 2500);
        QJsonObject envelope = QJsonDocument::fromJson(n.body).object();
        QJsonObject resource = envelope[QStringLiteral("resource")].toObject();
        QByteArray raw =
            QByteArray::fromBase64(resource[QStringLiteral("ciphertext")].toString().toLatin1());
        raw[raw.size() - 1] = char(raw.at(raw.size() - 1) ^ 0x01); // flip a bit of the tag
        resource.insert(QStringLiteral("ciphertext"), QString::fromLatin1(raw.toBase64()));
        envelope.insert(QStringLiteral("resource"), resource);
        n.body = compact(envelope);
        n.headers = wechat::toHeaderList(
            wechat::signAnswer(*keys.platform, keys.platformKeyId, n.body, now));
        QCOMPARE(deliver(server, n).status, 401);
    }
    QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));

    // The genuine notification, 10 times at once: one transition, one event.
    const Notification genuine = transactionSuccess(keys, QStringLiteral("N-real"), orderId, 2500);
    std::vector<std::future<HttpResult>> calls;
    for (int i = 0; i < 10; ++i)
        calls.push_back(std::async(std::launch::async, [&] { return deliver(server, genuine); }));
    for (std::future<HttpResult> &c : calls) {
        const HttpResult r = c.get();
        QVERIFY2(r.status == 204 || r.status == 200, r.body.constData());
    }
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));
    QCOMPARE(
        eventStatuses(BookingHarness::databaseUrl(dbArgs, server.dataDir()), orderId),
        (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"), QStringLiteral("PAID")}));
}

void TestWechatPay::refunds()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("W-R"), 3000))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    HttpResult r = pay.cashier(orderId, 3000, Wechat);
    QCOMPARE(r.status, 200);
    QCOMPARE(
        simulateWechatPay(*server, prepayIdOf(r.json()[QStringLiteral("payParams")].toObject()))
            .status,
        200);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 15000);

    r = pay.refund(orderId, QStringLiteral("wr1"), 1000);
    QCOMPARE(r.status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(),
                              qint64(1000), 15000);
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));
    QCOMPARE(errorCode(pay.refund(orderId, QStringLiteral("wr2"), 2001)), 2001);

    // PROCESSING at WeChat: the order waits in REFUNDING for the REFUND.SUCCESS notification.
    QCOMPARE(server
                 ->post(QStringLiteral("/sandbox/wechat/simulate/refund-mode"),
                        R"({"mode":"PROCESSING"})")
                 .status,
             200);
    r = pay.refund(orderId, QStringLiteral("wr2"), 2000);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("PROCESSING"));
    QCOMPARE(r.json()[QStringLiteral("orderStatus")].toString(), QStringLiteral("REFUNDING"));
    const QString refundId = r.json()[QStringLiteral("refundId")].toString();
    QCOMPARE(server
                 ->post(QStringLiteral("/sandbox/wechat/simulate/refund"),
                        compact({{QStringLiteral("outRefundNo"), refundId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")}}))
                 .status,
             200);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("REFUNDED"), 15000);
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 3000);

    // WeChat may repeat a refund notification at any time: acknowledged, nothing moves.
    const SandboxKeys keys = SandboxKeys::of(*server);
    QVERIFY(keys.complete());
    wechat::Refund settled;
    settled.refundId = QStringLiteral("50300000000000000000000000001");
    settled.outRefundNo = refundId;
    settled.transactionId = pay.get(orderId).json()[QStringLiteral("channelTradeNo")].toString();
    settled.outTradeNo = orderId;
    settled.status = wechat::RefundStatus::Success;
    settled.successTime = QDateTime::currentDateTimeUtc();
    settled.refund = 2000;
    settled.total = 3000;
    settled.payerRefund = 2000;
    settled.payerTotal = 3000;
    wechat::NotificationEnvelope e;
    e.id = QStringLiteral("N-refund-again");
    e.createTime = wechat::formatTime(QDateTime::currentDateTimeUtc());
    e.eventType = QString(wechat::event::refundSuccess);
    e.summary = QStringLiteral("退款成功");
    e.resource = wechat::encryptResource(
        keys.apiV3Key,
        QJsonDocument(wechat::refundToJson(settled, true, QStringLiteral("1900000109")))
            .toJson(QJsonDocument::Compact),
        QStringLiteral("refund"), QStringLiteral("refund"));
    Notification again;
    again.body = compact(wechat::envelopeToJson(e));
    again.headers = wechat::toHeaderList(wechat::signAnswer(
        *keys.platform, keys.platformKeyId, again.body, QDateTime::currentSecsSinceEpoch()));
    for (int i = 0; i < 2; ++i) {
        const HttpResult repeated = deliver(*server, again);
        QVERIFY2(repeated.status == 204 || repeated.status == 200, repeated.body.constData());
    }
    QCOMPARE(pay.status(orderId), QStringLiteral("REFUNDED"));
    QCOMPARE(pay.get(orderId).json()[QStringLiteral("refundedAmount")].toInteger(), 3000);
}

void TestWechatPay::lateSuccessOnClosedOrderIsRefunded()
{
    QFETCH(QString, backend);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("W-L"), 1800))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    HttpResult r = pay.cashier(orderId, 1800, Wechat);
    QCOMPARE(r.status, 200);
    const QString prepayId = prepayIdOf(r.json()[QStringLiteral("payParams")].toObject());
    QCOMPARE(pay.close(orderId).status, 200); // closed here and at WeChat
    QCOMPARE(simulateWechatPay(*server, prepayId).status, 409);

    // WeChat took the payment anyway (the user's payment raced the close) and notifies it.
    r = server->post(QStringLiteral("/sandbox/wechat/simulate/pay"),
                     compact({{QStringLiteral("prepayId"), prepayId},
                              {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                              {QStringLiteral("late"), true}}));
    QCOMPARE(r.status, 200);
    // A LATE payment exception, refunded in full through WeChat; the order stays CLOSED.
    const QList<PaymentException> found =
        exceptionsOnceIn(*server, orderId.toLongLong(), PaymentExceptionState::Refunded);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::Late);
    QCOMPARE(found.first().paidAmount, qint64(1800));
    QVERIFY(!found.first().channelRefundNo.isEmpty());
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
    QVERIFY(!pay.get(orderId).json().object().contains(QStringLiteral("refundedAmount")));
}

void TestWechatPay::timeoutAsksWechatFirst()
{
    QFETCH(QString, backend);
    // The notifications go to an address where nobody listens: only the timeout worker's query
    // can learn that the order was paid in its last second.
    const quint16 port = freeLoopbackPort();
    const quint16 deaf = freeLoopbackPort();
    const QStringList args = BookingHarness::databaseArgs(backend)
        + QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)};
    ServerProcess server(
        args,
        {QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
         QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=3"),
         QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=http://127.0.0.1:%1").arg(deaf),
         QStringLiteral("POMELO_CHANNELS_WECHAT_BASE_URL=http://127.0.0.1:%1/sandbox/wechat")
             .arg(port)});
    QVERIFY2(server.start(30000), server.output().constData());
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString paid = pay.create(pay.orderFields(QStringLiteral("W-T1"), 1200))
                             .json()[QStringLiteral("orderId")]
                             .toString();
    HttpResult r = pay.cashier(paid, 1200, Wechat);
    QCOMPARE(r.status, 200);
    QCOMPARE(simulateWechatPay(server, prepayIdOf(r.json()[QStringLiteral("payParams")].toObject()))
                 .status,
             200);
    const QString unpaid = pay.create(pay.orderFields(QStringLiteral("W-T2"), 1200))
                               .json()[QStringLiteral("orderId")]
                               .toString();
    QCOMPARE(pay.cashier(unpaid, 1200, Wechat).status, 200);

    QTRY_COMPARE_WITH_TIMEOUT(pay.status(unpaid), QStringLiteral("CLOSED"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(paid), QStringLiteral("PAID"), 20000);
    QVERIFY(!pay.get(paid).json()[QStringLiteral("channelTradeNo")].toString().isEmpty());
}

void TestWechatPay::missingKeysStopTheStart()
{
    // Without the sandbox, WeChat needs real keys: the start stops and names what is missing.
    ServerProcess server({QStringLiteral("--modules"), QStringLiteral("pay")},
                         {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY(!server.start(30000));
    QTRY_VERIFY_WITH_TIMEOUT(server.process().state() == QProcess::NotRunning, 10000);
    QVERIFY2(server.output().contains("wechat.merchant_key_file"), server.output().constData());
    QVERIFY(server.process().exitCode() != 0);

    // With only the e-card channel, the same instance starts.
    ServerProcess ecardOnly({QStringLiteral("--modules"), QStringLiteral("pay")},
                            {QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
                             QStringLiteral("POMELO_PAY_CHANNELS=ECARD")});
    QVERIFY2(ecardOnly.start(30000), ecardOnly.output().constData());
}

void TestWechatPay::genuineButMismatchedPaymentsAreExceptions_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("mismatch");
    for (const char *backend : {"sqlite", "postgres"}) {
        for (const char *mismatch :
             {"AMOUNT_MISMATCH", "CURRENCY", "MERCHANT_MCHID", "MERCHANT_APPID"})
            QTest::addRow("%s: %s", backend, mismatch)
                << QString::fromLatin1(backend) << QString::fromLatin1(mismatch);
    }
}

void TestWechatPay::genuineButMismatchedPaymentsAreExceptions()
{
    // Signed with WeChat's own key and encrypted with the merchant's APIv3 key — only the
    // content differs from the order. Never PAID; a payment exception instead.
    QFETCH(QString, backend);
    QFETCH(QString, mismatch);
    auto server = BookingHarness::startServer(backend);
    QVERIFY(server);
    const PayApi pay(*server, demoApp(server->dataDir(), QStringLiteral("utility-topup")));
    const QString orderId =
        pay.create(pay.orderFields(QStringLiteral("W-M-") + mismatch.left(8), 5000))
            .json()[QStringLiteral("orderId")]
            .toString();
    QCOMPARE(pay.cashier(orderId, 5000, Wechat).status, 200);
    const SandboxKeys keys = SandboxKeys::of(*server);
    QVERIFY(keys.complete());
    const Notification n =
        transactionSuccess(keys, QStringLiteral("N-mis-") + mismatch, orderId,
                           mismatch == QLatin1String("AMOUNT_MISMATCH") ? 1 : 5000,
                           QDateTime::currentSecsSinceEpoch(), [&](wechat::Transaction &t) {
                               if (mismatch == QLatin1String("CURRENCY"))
                                   t.currency = QStringLiteral("USD");
                               else if (mismatch == QLatin1String("MERCHANT_MCHID"))
                                   t.mchId = QStringLiteral("1900000999");
                               else if (mismatch == QLatin1String("MERCHANT_APPID"))
                                   t.appId = QStringLiteral("wx0000000000000000");
                           });
    Database db(serverDatabaseUrl(*server));
    if (mismatch.startsWith(QLatin1String("MERCHANT"))) {
        // Another merchant's or app's transaction is not our money, nor ours to refund: the
        // notification is refused outright (WeChat keeps it for its real owner).
        QCOMPARE(deliver(*server, n).status, 401);
        QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
        QVERIFY(PaymentExceptionRepository(db).ofOrder(orderId.toLongLong()).isEmpty());
        return;
    }
    QCOMPARE(deliver(*server, n).status, 204);
    QList<PaymentException> found;
    QVERIFY(waitUntil(
        [&] {
            found = PaymentExceptionRepository(db).ofOrder(orderId.toLongLong());
            return !found.isEmpty() && found.first().state != PaymentExceptionState::Refunding;
        },
        20000));
    QCOMPARE(paymentExceptionReasonName(found.first().reason), mismatch);
    // WeChat never heard of this transaction: the refund by its id is refused, for an admin.
    QCOMPARE(found.first().state, PaymentExceptionState::RefundFailed);
    QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
    QCOMPARE(deliver(*server, n).status, 204); // repeated: still one exception
    QCOMPARE(PaymentExceptionRepository(db).ofOrder(orderId.toLongLong()).size(), 1);
}

// Certificate mode, then a rotation with notifications in flight: one signed with the old
// certificate before the rotation and delivered after it is accepted (the old certificate is
// kept); one signed with the new is accepted once the unknown serial made the server refresh.
void TestWechatPay::platformCertificateRotation()
{
    ServerProcess server({}, {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY2(server.start(30000), server.output().constData());
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString first = sandboxControl(server, QStringLiteral("key-mode"),
                                         {{QStringLiteral("mode"), QStringLiteral("certificate")}})
                              .value(QStringLiteral("serial"))
                              .toString();
    QCOMPARE(first.size(), 40);

    // Bootstrap: the first answer signed with an unknown certificate makes the server download.
    const QString o1 = wechatPaidOrder(server, pay, QStringLiteral("W-ROT-1"), 1100);
    QVERIFY(!o1.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o1), QStringLiteral("PAID"), 15000);

    // Signed with the first certificate, held by the sandbox across the rotation.
    QVERIFY(sandboxControl(server, QStringLiteral("notify-hold"), {{QStringLiteral("hold"), true}})
                .value(QStringLiteral("hold"))
                .toBool());
    const QString o2 = wechatPaidOrder(server, pay, QStringLiteral("W-ROT-2"), 1200);
    QVERIFY(!o2.isEmpty());
    const QJsonObject rotated = sandboxControl(server, QStringLiteral("rotate-certificate"), {});
    const QString second = rotated.value(QStringLiteral("serial")).toString();
    QCOMPARE(rotated.value(QStringLiteral("previous")).toString(), first);
    QVERIFY(second != first);

    // Signed with the new certificate: unknown to the server, which refreshes and accepts it.
    QCOMPARE(
        sandboxControl(server, QStringLiteral("notify-hold"), {{QStringLiteral("hold"), false}})
            .value(QStringLiteral("released"))
            .toInt(),
        1);
    const QString o3 = wechatPaidOrder(server, pay, QStringLiteral("W-ROT-3"), 1300);
    QVERIFY(!o3.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o3), QStringLiteral("PAID"), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o2), QStringLiteral("PAID"), 15000);
    // Both accepted at their first delivery: none was refused and retried.
    // The one held across the rotation was signed with the first certificate.
    for (const auto &[id, signer] : {std::pair {o2, first}, std::pair {o3, second}}) {
        const QJsonArray notices = sandboxNotifications(server, id);
        QCOMPARE(notices.size(), 1);
        QCOMPARE(notices[0][QStringLiteral("attempts")].toInt(), 1);
        QCOMPARE(notices[0][QStringLiteral("state")].toString(), QStringLiteral("DELIVERED"));
        QCOMPARE(notices[0][QStringLiteral("signer")].toString(), signer);
    }

    // Both certificates held and exported for alerting.
    const QByteArray metrics = server.get(QStringLiteral("/metrics")).body;
    for (const QString &serial : {first, second}) {
        const QByteArray series =
            "pomelo_wechat_platform_certificate_expiry_timestamp_seconds{serial=\""
            + serial.toLatin1() + "\"}";
        QVERIFY2(metricValue(metrics, series) > QDateTime::currentSecsSinceEpoch() + 365 * 86400,
                 series.constData());
    }
}

// A migration from certificates to the public key: the sandbox switches to the public key while
// a notification signed with its certificate is in flight; the server (which knows both, as in a
// migration) accepts both, and /v3/certificates then answers 404 as for new merchants.
void TestWechatPay::certificateToPublicKeyMigration()
{
    ServerProcess server({}, {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY2(server.start(30000), server.output().constData());
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString certificate =
        sandboxControl(server, QStringLiteral("key-mode"),
                       {{QStringLiteral("mode"), QStringLiteral("certificate")}})
            .value(QStringLiteral("serial"))
            .toString();
    QVERIFY(!certificate.isEmpty());
    sandboxControl(server, QStringLiteral("notify-hold"), {{QStringLiteral("hold"), true}});
    const QString o1 = wechatPaidOrder(server, pay, QStringLiteral("W-MIG-1"), 2100);
    QVERIFY(!o1.isEmpty());

    const QString keyId = sandboxControl(server, QStringLiteral("key-mode"),
                                         {{QStringLiteral("mode"), QStringLiteral("public_key")}})
                              .value(QStringLiteral("serial"))
                              .toString();
    QVERIFY(keyId.startsWith(QLatin1String("PUB_KEY_ID_")));
    const QString o2 = wechatPaidOrder(server, pay, QStringLiteral("W-MIG-2"), 2200);
    QVERIFY(!o2.isEmpty());
    sandboxControl(server, QStringLiteral("notify-hold"), {{QStringLiteral("hold"), false}});
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o1), QStringLiteral("PAID"), 15000); // the certificate
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o2), QStringLiteral("PAID"), 15000); // the public key
    QCOMPARE(sandboxNotifications(server, o1)[0][QStringLiteral("signer")].toString(), certificate);
    QCOMPARE(sandboxNotifications(server, o2)[0][QStringLiteral("signer")].toString(), keyId);

    // Public-key mode: no certificates to download (404), which is no failure.
    const WechatSandboxKeyFiles files =
        WechatSandboxKeyFiles::in(WechatSandboxKeyFiles::directoryFor(server.dataDir()));
    const WechatClient client(WechatClientOptions::forSandbox(
        files.dir, QUrl(QStringLiteral("http://127.0.0.1:%1/sandbox/wechat").arg(server.port())),
        QStringLiteral("1900000109"), QStringLiteral("wxd0c0ffee5a4db0x1")));
    const auto outcome = client.refreshPlatformCertificates();
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QVERIFY(outcome.notProvided);
    // Back to certificates: served again, verified and decrypted.
    sandboxControl(server, QStringLiteral("key-mode"),
                   {{QStringLiteral("mode"), QStringLiteral("certificate")}});
    const auto again = client.refreshPlatformCertificates();
    QVERIFY2(again.ok && !again.notProvided, qPrintable(again.error));
    QCOMPARE(again.added, QStringList {certificate});
}

// A notification signed with a certificate WeChat never issued to us: the server refreshes once,
// still does not know it, refuses it (so WeChat would retry) and counts the failure.
void TestWechatPay::unknownSerialIsRefused()
{
    ServerProcess server({}, {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY2(server.start(30000), server.output().constData());
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    sandboxControl(server, QStringLiteral("key-mode"),
                   {{QStringLiteral("mode"), QStringLiteral("certificate")}});
    const QString orderId = pay.create(pay.orderFields(QStringLiteral("W-UNK"), 2500))
                                .json()[QStringLiteral("orderId")]
                                .toString();
    QCOMPARE(pay.cashier(orderId, 2500, Wechat).status, 200);
    const double before =
        std::max(0.0,
                 metricValue(server.get(QStringLiteral("/metrics")).body,
                             "pomelo_wechat_signature_failures_total{kind=\"notification\"}"));

    SandboxKeys keys = SandboxKeys::of(server);
    QVERIFY(keys.complete());
    const auto pair = crypto::generateRsaKeyPair(2048);
    keys.platform = crypto::RsaPrivateKey::fromPem(pair.privateKeyPem);
    keys.platformKeyId =
        QStringLiteral("5E5E3C4D5E6F708192A3B4C5D6E7F80910111299"); // hex: a certificate
    const Notification n =
        transactionSuccess(keys, QStringLiteral("unknown-serial-1"), orderId, 2500);
    for (int i = 0; i < 2; ++i) { // the second is not even worth a refresh (rate limit)
        const HttpResult r = deliver(server, n);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json()[QStringLiteral("code")].toString(), QStringLiteral("FAIL"));
    }
    QCOMPARE(pay.status(orderId), QStringLiteral("PAYING"));
    QCOMPARE(metricValue(server.get(QStringLiteral("/metrics")).body,
                         "pomelo_wechat_signature_failures_total{kind=\"notification\"}"),
             before + 2);
    QVERIFY(server.output().contains("refreshing certificates"));
}

// Certificate mode as production configures it: no public key, the merchant key, serial and APIv3
// key set, WeChat Pay (a separate `--modules sandbox` process) at channels.wechat_base_url. The
// certificates are downloaded at start (the expiry metric shows them before any payment), a
// payment goes through, and so does one after a rotation.
void TestWechatPay::certificateModeAgainstSeparateSandbox()
{
    ServerProcess wechat({QStringLiteral("--modules"), QStringLiteral("sandbox")});
    QVERIFY2(wechat.start(30000), wechat.output().constData());
    const QString first = sandboxControl(wechat, QStringLiteral("key-mode"),
                                         {{QStringLiteral("mode"), QStringLiteral("certificate")}})
                              .value(QStringLiteral("serial"))
                              .toString();
    QVERIFY(!first.isEmpty());
    const WechatSandboxKeyFiles files =
        WechatSandboxKeyFiles::in(WechatSandboxKeyFiles::directoryFor(wechat.dataDir()));
    const auto merchantSerial = crypto::certificateSerialHex(readFile(files.merchantCertificate));
    QVERIFY(merchantSerial);

    ServerProcess server(
        {QStringLiteral("--modules"), QStringLiteral("pay")},
        {QStringLiteral("POMELO_SERVER_DEMO_DATA=on"),
         QStringLiteral("POMELO_CHANNELS_WECHAT_BASE_URL=http://127.0.0.1:%1/sandbox/wechat")
             .arg(wechat.port()),
         QStringLiteral("POMELO_WECHAT_MERCHANT_KEY_FILE=") + files.merchantPrivateKey,
         QStringLiteral("POMELO_WECHAT_MERCHANT_SERIAL=") + *merchantSerial,
         QStringLiteral("POMELO_WECHAT_APIV3_KEY=")
             + QString::fromLatin1(readFile(files.apiV3Key).trimmed())});
    QVERIFY2(server.start(30000), server.output().constData());
    const QByteArray series =
        "pomelo_wechat_platform_certificate_expiry_timestamp_seconds{serial=\"" + first.toLatin1()
        + "\"}";
    QTRY_VERIFY_WITH_TIMEOUT(metricValue(server.get(QStringLiteral("/metrics")).body, series) > 0,
                             15000);

    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString o1 = wechatPaidOrder(wechat, pay, QStringLiteral("W-SEP-1"), 3100);
    QVERIFY(!o1.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o1), QStringLiteral("PAID"), 15000);

    const QString second = sandboxControl(wechat, QStringLiteral("rotate-certificate"), {})
                               .value(QStringLiteral("serial"))
                               .toString();
    QVERIFY(!second.isEmpty());
    const QString o2 = wechatPaidOrder(wechat, pay, QStringLiteral("W-SEP-2"), 3200);
    QVERIFY(!o2.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(o2), QStringLiteral("PAID"), 15000);
    const QByteArray metrics = server.get(QStringLiteral("/metrics")).body;
    QVERIFY(metricValue(metrics, series) > 0);
    QVERIFY(metrics.contains(second.toLatin1()));
    QCOMPARE(metricValue(metrics, "pomelo_wechat_signature_failures_total{kind=\"notification\"}"),
             0.0);
}

QTEST_GUILESS_MAIN(TestWechatPay)
#include "test_wechatpay.moc"
