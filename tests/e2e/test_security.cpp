// End-to-end attacks on a production configuration, on SQLite and on PostgreSQL: pomelo-server in
// production mode (external redis-server, modules pay,workers,admin, ECARD only, a partner key of
// its own) and the card center played by a separate `pomelo-server --modules sandbox` process
// that knows the same partner key. A row per attack; each checks the state afterwards: no order
// changed, nothing told to the merchant, the payment exception recorded, the refund made.
#include "channels/ecardclient.h"
#include "channels/ecardprotocol.h"
#include "domain/crypto.h"
#include "payclient.h"
#include "redisserver.h"
#include "storage/orderrepository.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>

#include <map>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString PartnerId = QStringLiteral("campus-security-test");
const QString TestStudent = QStringLiteral("S20240077");

/// One production deployment: its own Redis, its sandbox process, the server, an app.
struct Deployment
{
    RedisServer redis;
    std::unique_ptr<ServerProcess> sandbox;
    std::unique_ptr<ServerProcess> server;
    QByteArray partnerKey = crypto::randomBytes(24).toHex();
    /// Production needs server.public_base_url: the server listens on a port chosen for it.
    quint16 port = freeLoopbackPort();
    AppCredentials app;
    QString log;

    QString sandboxUrl(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1/sandbox/ecard%2").arg(sandbox->port()).arg(path);
    }
};

QStringList serverArgs(const Deployment &d, const QStringList &dbArgs)
{
    return QStringList {QStringLiteral("--redis"),   d.redis.url(),
                        QStringLiteral("--modules"), QStringLiteral("pay,workers,admin"),
                        QStringLiteral("--listen"),  QStringLiteral("127.0.0.1:%1").arg(d.port)}
    + dbArgs;
}

QStringList serverEnv(const Deployment &d)
{
    return {QStringLiteral("POMELO_SERVER_MODE=production"),
            QStringLiteral("POMELO_SERVER_PUBLIC_BASE_URL=http://127.0.0.1:%1").arg(d.port),
            QStringLiteral("POMELO_PAY_CHANNELS=ECARD"),
            QStringLiteral("POMELO_CHANNELS_ECARD_BASE_URL=") + d.sandboxUrl({}),
            QStringLiteral("POMELO_ECARD_PARTNER_ID=") + PartnerId,
            QStringLiteral("POMELO_ECARD_PARTNER_KEY=") + QString::fromLatin1(d.partnerKey),
            QStringLiteral("POMELO_PAY_REFUND_RETRY_SECONDS=1")};
}

int runServerCommand(const QStringList &args, QByteArray *out)
{
    QProcess p;
    p.start(ServerProcess::binary(), args);
    if (!p.waitForFinished(60000))
        return -1;
    *out = p.readAllStandardOutput();
    return p.exitCode();
}

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(!ServerProcess::binary().isEmpty()); }
    void cleanupTestCase() { m_deployments.clear(); }
    void forgedNotificationsAreRefused_data();
    void forgedNotificationsAreRefused();
    void wrongAmountIsRefunded_data() { backends(); }
    void wrongAmountIsRefunded();
    void paymentForUnknownOrderIsRefunded_data() { backends(); }
    void paymentForUnknownOrderIsRefunded();
    void paymentOfAnotherChannelOrderIsNeverKept_data() { backends(); }
    void paymentOfAnotherChannelOrderIsNeverKept();
    void secondPaymentIsNeverKept_data() { backends(); }
    void secondPaymentIsNeverKept();
    void lateRefundSurvivesCardCenterRefusals_data() { backends(); }
    void lateRefundSurvivesCardCenterRefusals();
    void signedObjectsBindTheirRoute_data();
    void signedObjectsBindTheirRoute();
    void notifyUrlCannotPointInward_data();
    void notifyUrlCannotPointInward();
    void productionOpensNoOtherDoor_data() { backends(); }
    void productionOpensNoOtherDoor();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
    }
    /// The deployment of @p backend, started on first use and kept for the other rows.
    Deployment *deployment(const QString &backend);
    /// A new order of the test app, cashiered on ECARD: {orderId, prepayId}.
    std::pair<QString, QString> payingOrder(Deployment &d, const QString &outTradeNo,
                                            qint64 amount);
    qint64 balance(Deployment &d);
    static QJsonObject cardCenterNotice(const QString &orderId, const QString &prepayId,
                                        qint64 amount, const QString &tradeNo,
                                        const QString &partnerId, const QByteArray &key);
    static HttpResult postNotice(Deployment &d, const QJsonObject &notice);
    static QStringList eventStatuses(Deployment &d, const QString &orderId);

    std::map<QString, std::unique_ptr<Deployment>> m_deployments;
};

Deployment *TestSecurity::deployment(const QString &backend)
{
    if (auto it = m_deployments.find(backend); it != m_deployments.end())
        return it->second.get();
    auto d = std::make_unique<Deployment>();
    if (!d->redis.start())
        return nullptr;
    d->sandbox = std::make_unique<ServerProcess>(
        QStringList {QStringLiteral("--modules"), QStringLiteral("sandbox")},
        QStringList {QStringLiteral("POMELO_SANDBOX_ECARD_PARTNER_ID=") + PartnerId,
                     QStringLiteral("POMELO_SANDBOX_ECARD_PARTNER_KEY=")
                         + QString::fromLatin1(d->partnerKey)});
    if (!d->sandbox->start(30000)) {
        qWarning("sandbox: %s", d->sandbox->output().constData());
        return nullptr;
    }
    const QStringList dbArgs = BookingHarness::databaseArgs(backend);
    d->server = std::make_unique<ServerProcess>(serverArgs(*d, dbArgs), serverEnv(*d));
    if (!d->server->start(30000)) {
        qWarning("server: %s", d->server->output().constData());
        return nullptr;
    }
    if (!d->server->output().contains("mode: production"))
        return nullptr;
    // A merchant of the kind a campus registers: notified on its public host, not internal.
    QByteArray out;
    const int code = runServerCommand(
        QStringList {QStringLiteral("app"), QStringLiteral("add"), QStringLiteral("--name"),
                     QStringLiteral("shop"), QStringLiteral("--notify-host"),
                     QStringLiteral("shop.example.com"), QStringLiteral("--notify-host"),
                     QStringLiteral("127.0.0.1"), QStringLiteral("--notify-host"),
                     QStringLiteral("169.254.169.254"), QStringLiteral("--notify-host"),
                     QStringLiteral("10.0.0.5"), QStringLiteral("--notify-host"),
                     QStringLiteral("localhost"), QStringLiteral("--data-dir"),
                     d->server->dataDir(), QStringLiteral("--redis"), d->redis.url()}
            + dbArgs,
        &out);
    const QJsonObject app = QJsonDocument::fromJson(out).object();
    if (code != 0 || app.isEmpty()) {
        qWarning("app add: %d %s", code, out.constData());
        return nullptr;
    }
    d->app = {app.value(QStringLiteral("appId")).toString(),
              app.value(QStringLiteral("secret")).toString().toUtf8()};
    return m_deployments.emplace(backend, std::move(d)).first->second.get();
}

std::pair<QString, QString> TestSecurity::payingOrder(Deployment &d, const QString &outTradeNo,
                                                      qint64 amount)
{
    const PayApi pay(*d.server, d.app);
    QJsonObject fields = pay.orderFields(outTradeNo, amount);
    fields.insert(QStringLiteral("notifyUrl"), QStringLiteral("https://shop.example.com/notify"));
    fields.insert(QStringLiteral("studentId"), TestStudent);
    const HttpResult created = pay.create(fields);
    if (created.status != 201) {
        qWarning("create: %d %s", created.status, created.body.constData());
        return {};
    }
    const QString orderId = created.json()[QStringLiteral("orderId")].toString();
    const HttpResult cashier = pay.cashier(orderId, amount, QStringLiteral("ECARD"));
    if (cashier.status != 200) {
        qWarning("cashier: %d %s", cashier.status, cashier.body.constData());
        return {};
    }
    return {orderId,
            cashier.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString()};
}

qint64 TestSecurity::balance(Deployment &d)
{
    return d.sandbox
        ->get(QStringLiteral("/sandbox/ecard/simulate/balance?studentNo=") + TestStudent)
        .json()[QStringLiteral("balance")]
        .toInteger(-1);
}

QJsonObject TestSecurity::cardCenterNotice(const QString &orderId, const QString &prepayId,
                                           qint64 amount, const QString &tradeNo,
                                           const QString &partnerId, const QByteArray &key)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return ecard::withSignature(
        ecard::stamped(
            {{QString(ecard::field::notifyId),
              QString(QStringLiteral("N-") + QString::fromLatin1(crypto::randomBytes(6).toHex()))},
             {QString(ecard::field::notifyType), QString(ecard::NotifyTypePayResult)},
             {QString(ecard::field::outTradeNo), orderId},
             {QString(ecard::field::prepayId), prepayId},
             {QString(ecard::field::studentNo), TestStudent},
             {QString(ecard::field::tradeState), QStringLiteral("SUCCESS")},
             {QString(ecard::field::amount), amount},
             {QString(ecard::field::tradeNo), tradeNo},
             {QString(ecard::field::paidTime), now}},
            partnerId, now),
        key);
}

HttpResult TestSecurity::postNotice(Deployment &d, const QJsonObject &notice)
{
    return d.server->post(QStringLiteral("/pay/v1/notify/ecard"), compact(notice),
                          {{"Content-Type", "application/json"}});
}

QStringList TestSecurity::eventStatuses(Deployment &d, const QString &orderId)
{
    Database db(serverDatabaseUrl(*d.server));
    QStringList statuses;
    for (const OrderEvent &e : OrderRepository(db).events(orderId.toLongLong()))
        statuses.append(statusName(e.newStatus));
    return statuses;
}

void TestSecurity::forgedNotificationsAreRefused_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("partnerId");
    QTest::addColumn<QByteArray>("key");
    for (const char *backend : {"sqlite", "postgres"}) {
        const QString b = QString::fromLatin1(backend);
        // The key that ships in the repository (the sandbox's), with its partner id and ours.
        QTest::addRow("%s: built-in sandbox key and partner", backend)
            << b << QStringLiteral("pomelo-sandbox-partner")
            << QByteArray("sandbox-ecard-partner-key");
        QTest::addRow("%s: built-in sandbox key, our partner id", backend)
            << b << PartnerId << QByteArray("sandbox-ecard-partner-key");
        QTest::addRow("%s: a key of the attacker's", backend)
            << b << PartnerId << QByteArray("attacker-key-0123456789");
    }
}

void TestSecurity::forgedNotificationsAreRefused()
{
    QFETCH(QString, backend);
    QFETCH(QString, partnerId);
    QFETCH(QByteArray, key);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const auto [orderId, prepayId] =
        payingOrder(*d, QStringLiteral("F-%1").arg(qHash(partnerId.toUtf8() + key)), 5000);
    QVERIFY(!orderId.isEmpty());
    const HttpResult r = postNotice(
        *d, cardCenterNotice(orderId, prepayId, 5000, QStringLiteral("ET-FORGED"), partnerId, key));
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json()[QStringLiteral("retcode")].toString(), QStringLiteral("1001"));
    QCOMPARE(PayApi(*d->server, d->app).status(orderId), QStringLiteral("PAYING"));
    QCOMPARE(eventStatuses(*d, orderId),
             (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING")}));
    Database db(serverDatabaseUrl(*d->server));
    QVERIFY(PaymentExceptionRepository(db).ofOrder(orderId.toLongLong()).isEmpty());
}

void TestSecurity::wrongAmountIsRefunded()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const auto [orderId, prepayId] = payingOrder(*d, QStringLiteral("A-") + backend, 5000);
    QVERIFY(!orderId.isEmpty());
    const qint64 before = balance(*d);
    QVERIFY(before > 0);
    // The card center takes 1 fen for the 50-yuan order and reports it, genuinely signed.
    const HttpResult paid =
        d->sandbox->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                         compact({{QStringLiteral("prepayId"), prepayId},
                                  {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                                  {QStringLiteral("amount"), 1}}));
    QCOMPARE(paid.status, 200);
    const QList<PaymentException> found =
        exceptionsOnceIn(*d->server, orderId.toLongLong(), PaymentExceptionState::Refunded);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::AmountMismatch);
    QCOMPARE(found.first().paidAmount, 1);
    QCOMPARE(found.first().orderAmount, std::optional<qint64>(5000));
    QCOMPARE(balance(*d), before); // the fen is back
    // Never PAID, the merchant never told: no event after PAYING.
    QCOMPARE(PayApi(*d->server, d->app).status(orderId), QStringLiteral("PAYING"));
    QCOMPARE(eventStatuses(*d, orderId),
             (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING")}));
    QVERIFY(d->server->output().contains("AMOUNT_MISMATCH"));
    const QByteArray metrics = d->server->get(QStringLiteral("/metrics")).body;
    QVERIFY2(metrics.contains("pomelo_payment_exceptions_total{reason=\"AMOUNT_MISMATCH\"} 1"),
             metrics.constData());
}

void TestSecurity::paymentForUnknownOrderIsRefunded()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    // A payment at the card center under an out_trade_no the platform never issued.
    const QString unknown = QStringLiteral("99%1").arg(QDateTime::currentMSecsSinceEpoch());
    EcardPayRequest request;
    request.outTradeNo = unknown;
    request.studentNo = TestStudent;
    request.amount = 700;
    request.subject = QStringLiteral("not ours");
    request.notifyUrl =
        QUrl(QStringLiteral("http://127.0.0.1:%1/pay/v1/notify/ecard").arg(d->server->port()));
    EcardClientOptions options;
    options.baseUrl = QUrl(d->sandboxUrl({}));
    options.partnerId = PartnerId;
    options.partnerKey = d->partnerKey;
    const EcardTrade trade = EcardClient(options).createPayment(request);
    const qint64 before = balance(*d);
    QCOMPARE(d->sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                        compact({{QStringLiteral("prepayId"), trade.prepayId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")}}))
                 .status,
             200);
    Database db(serverDatabaseUrl(*d->server));
    std::optional<PaymentException> e;
    QVERIFY(waitUntil(
        [&] {
            const Page<PaymentException> page =
                PaymentExceptionRepository(db).list(PaymentExceptionState::Refunded, {}, 50);
            for (const PaymentException &x : page.items) {
                if (x.outTradeNo == unknown)
                    e = x;
            }
            return e.has_value();
        },
        20000));
    QCOMPARE(e->reason, PaymentExceptionReason::UnknownOrder);
    QCOMPARE(e->orderId, std::nullopt);
    QCOMPARE(e->paidAmount, 700);
    QCOMPARE(balance(*d), before);
    // Recorded as a callback too, for the admins.
    QVERIFY(d->server->output().contains("UNKNOWN_ORDER"));
}

void TestSecurity::paymentOfAnotherChannelOrderIsNeverKept()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const auto [orderId, prepayId] = payingOrder(*d, QStringLiteral("C-") + backend, 800);
    QVERIFY(!orderId.isEmpty());
    // Genuinely signed, right amount, but for a channel order this order never opened.
    const HttpResult r =
        postNotice(*d,
                   cardCenterNotice(orderId, QStringLiteral("EP-NOT-OURS"), 800,
                                    QStringLiteral("ET-OTHER"), PartnerId, d->partnerKey));
    QCOMPARE(r.status, 200);
    const QList<PaymentException> found =
        exceptionsOnceIn(*d->server, orderId.toLongLong(), PaymentExceptionState::RefundFailed);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::Channel);
    // The card center keeps no such payment under the order: nothing is refunded blindly.
    QVERIFY(found.first().lastError.contains(QLatin1String("another payment (or none)")));
    QCOMPARE(PayApi(*d->server, d->app).status(orderId), QStringLiteral("PAYING"));
    QCOMPARE(eventStatuses(*d, orderId),
             (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING")}));
}

void TestSecurity::secondPaymentIsNeverKept()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const auto [orderId, prepayId] = payingOrder(*d, QStringLiteral("D-") + backend, 1200);
    QVERIFY(!orderId.isEmpty());
    QCOMPARE(d->sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                        compact({{QStringLiteral("prepayId"), prepayId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")}}))
                 .status,
             200);
    const PayApi pay(*d->server, d->app);
    QTRY_COMPARE_WITH_TIMEOUT(pay.status(orderId), QStringLiteral("PAID"), 15000);
    const qint64 before = balance(*d);
    // A second, different successful payment of the PAID order (genuinely signed: a card
    // center that double-charged). Never absorbed: an exception, and since the card center
    // refunds by order, not by payment, an automatic refund would take the first payment's money
    // back — so it waits for an admin instead.
    const HttpResult r =
        postNotice(*d,
                   cardCenterNotice(orderId, prepayId, 1200, QStringLiteral("ET-SECOND"), PartnerId,
                                    d->partnerKey));
    QCOMPARE(r.status, 200);
    const QList<PaymentException> found =
        exceptionsOnceIn(*d->server, orderId.toLongLong(), PaymentExceptionState::RefundFailed);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::Duplicate);
    QCOMPARE(found.first().channelTradeNo, QStringLiteral("ET-SECOND"));
    QVERIFY(found.first().lastError.contains(QLatin1String("another payment")));
    QCOMPARE(pay.status(orderId), QStringLiteral("PAID"));
    QCOMPARE(balance(*d), before); // the genuine payment was not refunded
    QCOMPARE(
        eventStatuses(*d, orderId),
        (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"), QStringLiteral("PAID")}));
}

void TestSecurity::lateRefundSurvivesCardCenterRefusals()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const auto [orderId, prepayId] = payingOrder(*d, QStringLiteral("L-") + backend, 900);
    QVERIFY(!orderId.isEmpty());
    const PayApi pay(*d->server, d->app);
    QCOMPARE(pay.close(orderId).status, 200);
    const qint64 before = balance(*d);
    // The card center's next two answers refuse our signature and our clock: not a verdict on
    // the refund, which must be asked again until it goes through.
    QCOMPARE(d->sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/fault"),
                        compact({{QStringLiteral("retcode"), QStringLiteral("1001")},
                                 {QStringLiteral("count"), 1}}))
                 .status,
             200);
    QCOMPARE(d->sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/fault"),
                        compact({{QStringLiteral("retcode"), QStringLiteral("1002")},
                                 {QStringLiteral("count"), 1}}))
                 .status,
             200);
    QCOMPARE(d->sandbox
                 ->post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                        compact({{QStringLiteral("prepayId"), prepayId},
                                 {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                                 {QStringLiteral("late"), true}}))
                 .status,
             200);
    const QList<PaymentException> found =
        exceptionsOnceIn(*d->server, orderId.toLongLong(), PaymentExceptionState::Refunded, 30000);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::Late);
    QVERIFY2(found.first().refundAttempts >= 3, qPrintable(found.first().lastError));
    QCOMPARE(balance(*d), before);
    // The order stays CLOSED; the merchant was told CLOSED once and never PAID.
    QCOMPARE(pay.status(orderId), QStringLiteral("CLOSED"));
    QCOMPARE(
        eventStatuses(*d, orderId),
        (QStringList {QStringLiteral("INIT"), QStringLiteral("PAYING"), QStringLiteral("CLOSED")}));
}

void TestSecurity::signedObjectsBindTheirRoute_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("attack");
    for (const char *backend : {"sqlite", "postgres"}) {
        for (const char *attack : {"cashier object to close", "GET of one order for another",
                                   "close of one order for another", "order creation to refunds",
                                   "merchant notification to close"})
            QTest::addRow("%s: %s", backend, attack)
                << QString::fromLatin1(backend) << QString::fromLatin1(attack);
    }
}

void TestSecurity::signedObjectsBindTheirRoute()
{
    QFETCH(QString, backend);
    QFETCH(QString, attack);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const PayApi pay(*d->server, d->app);
    const QString tag = QString::number(qHash(attack));
    QJsonObject fields = pay.orderFields(QStringLiteral("V-") + tag, 300);
    fields.insert(QStringLiteral("notifyUrl"), QStringLiteral("https://shop.example.com/notify"));
    const QString mine = pay.create(fields).json()[QStringLiteral("orderId")].toString();
    fields.insert(QStringLiteral("outTradeNo"), QString(QStringLiteral("W-") + tag));
    const QString victim = pay.create(fields).json()[QStringLiteral("orderId")].toString();
    QVERIFY(!mine.isEmpty() && !victim.isEmpty());
    const auto sign = [&](const signing::Target &target, const QJsonObject &f = {}) {
        return signedBody(target, f, d->app);
    };
    HttpResult r;
    if (attack == QLatin1String("cashier object to close")) {
        // What a student legitimately holds for their own order.
        const QJsonObject cashier =
            sign(signing::Target::post(QStringLiteral("/pay/v1/cashier")),
                 QJsonObject {{QStringLiteral("orderId"), mine}, {QStringLiteral("amount"), 300}});
        r = d->server->post(QStringLiteral("/pay/v1/orders/%1/close").arg(victim),
                            compact(cashier));
    } else if (attack == QLatin1String("GET of one order for another")) {
        const QJsonObject s = sign(signing::Target::get(QStringLiteral("/pay/v1/orders/") + mine));
        r = d->server->get(
            QStringLiteral("/pay/v1/orders/%1?appId=%2&nonce=%3&timestamp=%4&sign=%5")
                .arg(victim, d->app.appId, s[QStringLiteral("nonce")].toString())
                .arg(s[QStringLiteral("timestamp")].toInteger())
                .arg(s[QStringLiteral("sign")].toString()));
    } else if (attack == QLatin1String("close of one order for another")) {
        const QJsonObject s =
            sign(signing::Target::post(QStringLiteral("/pay/v1/orders/%1/close").arg(mine)));
        r = d->server->post(QStringLiteral("/pay/v1/orders/%1/close").arg(victim), compact(s));
    } else if (attack == QLatin1String("order creation to refunds")) {
        const QJsonObject s =
            sign(signing::Target::post(QStringLiteral("/pay/v1/orders")),
                 QJsonObject {{QStringLiteral("orderId"), victim},
                              {QStringLiteral("outRefundNo"), QString(QStringLiteral("R-") + tag)},
                              {QStringLiteral("amount"), 300}});
        r = d->server->post(QStringLiteral("/pay/v1/refunds"), compact(s));
    } else {
        // A notification the platform signed for the merchant, replayed as a request.
        const QJsonObject notice =
            signedBody(signing::Target::notify(),
                       QJsonObject {{QStringLiteral("orderId"), victim},
                                    {QStringLiteral("status"), QStringLiteral("PAID")}},
                       d->app);
        r = d->server->post(QStringLiteral("/pay/v1/orders/%1/close").arg(victim), compact(notice));
    }
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), 2003);
    QCOMPARE(pay.status(victim), QStringLiteral("INIT"));
    QCOMPARE(pay.status(mine), QStringLiteral("INIT"));
}

void TestSecurity::notifyUrlCannotPointInward_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("notifyUrl");
    for (const char *backend : {"sqlite", "postgres"}) {
        const QString b = QString::fromLatin1(backend);
        QTest::addRow("%s: loopback", backend) << b << QStringLiteral("http://127.0.0.1/notify");
        QTest::addRow("%s: cloud metadata", backend)
            << b << QStringLiteral("http://169.254.169.254/latest/meta-data/");
        QTest::addRow("%s: private address", backend) << b << QStringLiteral("http://10.0.0.5/n");
        QTest::addRow("%s: a name resolving to 127.0.0.1", backend)
            << b << QStringLiteral("http://localhost/notify");
        QTest::addRow("%s: the server's own port", backend)
            << b << QStringLiteral("http://shop.example.com:8080/notify");
        QTest::addRow("%s: user info pointing inward", backend)
            << b << QStringLiteral("http://shop.example.com@127.0.0.1/notify");
        QTest::addRow("%s: not http", backend) << b << QStringLiteral("gopher://shop.example.com/");
    }
}

void TestSecurity::notifyUrlCannotPointInward()
{
    QFETCH(QString, backend);
    QFETCH(QString, notifyUrl);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    const PayApi pay(*d->server, d->app);
    QJsonObject fields = pay.orderFields(QStringLiteral("S-") + QString::number(qHash(notifyUrl)));
    fields.insert(QStringLiteral("notifyUrl"), notifyUrl);
    const HttpResult r = pay.create(fields);
    QCOMPARE(r.status, 400);
    QCOMPARE(errorCode(r), 2010);
    // Nothing was created under that outTradeNo.
    fields.insert(QStringLiteral("notifyUrl"), QStringLiteral("https://shop.example.com/notify"));
    QCOMPARE(pay.create(fields).status, 201);
}

void TestSecurity::productionOpensNoOtherDoor()
{
    QFETCH(QString, backend);
    Deployment *d = deployment(backend);
    QVERIFY(d);
    // Only the configured channel has a callback route, and no sandbox answers in production.
    for (const char *path :
         {"/pay/v1/notify/wechat", "/sandbox/ecard/simulate/pay", "/sandbox/wechat/simulate/pay"}) {
        const HttpResult r = d->server->post(QString::fromLatin1(path), "{}",
                                             {{"Content-Type", "application/json"}});
        QVERIFY2(r.status == 404, path);
    }
    // The demo apps exist only with server.demo_data=on, never by default in production.
    QVERIFY(!QFile::exists(d->server->dataDir() + QStringLiteral("/apps.json")));
}

QTEST_GUILESS_MAIN(TestSecurity)
#include "test_security.moc"
