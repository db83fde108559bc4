// The WeChat Pay APIv3 channel end to end in one process: WechatClient (on worker threads, as the
// pay module calls it) against the WechatSandbox routes of a real HttpServer on a free loopback
// port, with a merchant notification receiver on the same server.
#include "channels/wechatclient.h"
#include "channels/wechatplatformkeys.h"
#include "channels/wechatprotocol.h"
#include "config/config.h"
#include "http/httpserver.h"
#include "sandbox/wechatsandbox.h"
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
using wechat::RefundStatus;
using wechat::TradeState;

namespace {

const QString MchId = QStringLiteral("1900000109");
const QString TestAppId = QStringLiteral("wxd0c0ffee5a4db0x1");

struct Delivery
{
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
};

/// The merchant side of notifications: records every delivery, fails the first `failures`.
struct Receiver
{
    HttpResponse handle(const HttpRequest &r)
    {
        std::lock_guard lock(mutex);
        deliveries.append({r.headers, r.body});
        if (failures > 0) {
            --failures;
            return HttpResponse::json(500,
                                      WechatClient::notificationFailBody(QStringLiteral("busy")));
        }
        HttpResponse ok;
        ok.status = 204;
        return ok;
    }
    int hits() const
    {
        std::lock_guard lock(mutex);
        return int(deliveries.size());
    }
    QList<Delivery> all() const
    {
        std::lock_guard lock(mutex);
        return deliveries;
    }
    void reset(int failNext = 0)
    {
        std::lock_guard lock(mutex);
        deliveries.clear();
        failures = failNext;
    }

    mutable std::mutex mutex;
    QList<Delivery> deliveries;
    int failures = 0;
};

template<typename T> struct Outcome
{
    std::optional<T> value;
    std::optional<ErrorCode> error;
    int httpStatus = 0; ///< set for WechatError
    QString wechatCode; ///< set for WechatError
    QString detail;
    bool ok() const { return value.has_value(); }
};

struct Done
{
};

QJsonObject object(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestWechatChannel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void payFlowWithRetriedNotification();
    void payErrorIsQueriedNotNotified();
    void closeOrders();
    void expiryAtTimeExpire();
    void prepayIsIdempotent();
    void invalidPrepayFields_data();
    void invalidPrepayFields();
    void refunds();
    void refundProcessingThenSettled();
    void badRequestSignatures_data();
    void badRequestSignatures();
    void forgedAnswers_data();
    void forgedAnswers();
    void retriesAfterServerErrors();
    void verifyNotification_data();
    void verifyNotification();
    void stateSurvivesRestart();
    void keysGeneratedOnceAndReused();
    void optionsFromConfig();
    void timeoutAgainstSilentServer();
    void platformKeyModes();

private:
    void start(const std::function<void(WechatSandboxOptions &)> &adjust = {});
    void stop();
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QUrl sandboxUrl() const { return QUrl(base() + QStringLiteral("/sandbox/wechat")); }
    QUrl notifyUrl() const { return QUrl(base() + QStringLiteral("/merchant/notify")); }
    WechatClientOptions clientOptions(int timeoutMs = 5000) const
    {
        WechatClientOptions o = m_sandbox->clientOptions(sandboxUrl());
        o.timeoutMs = timeoutMs;
        return o;
    }
    WechatClient client() const { return WechatClient(clientOptions()); }
    WechatPrepayRequest prepayRequest(const char *outTradeNo, qint64 total) const;
    crypto::RsaPrivateKey platformKey() const;
    QString platformKeyId() const;

    template<typename F> auto onWorker(F f)
    {
        using R = decltype(f());
        using T = std::conditional_t<std::is_void_v<R>, Done, R>;
        Outcome<T> o;
        std::atomic<bool> done {false};
        std::thread worker([&] {
            try {
                if constexpr (std::is_void_v<R>) {
                    f();
                    o.value = Done {};
                } else {
                    o.value = f();
                }
            } catch (const WechatError &e) {
                o.error = e.code();
                o.httpStatus = e.httpStatus();
                o.wechatCode = e.wechatCode();
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

    HttpResult control(const char *path, const QJsonObject &body)
    {
        return httpRequest("POST", QUrl(sandboxUrl().toString() + QLatin1String(path)),
                           compact(body));
    }
    HttpResult simulatePay(const QString &prepayId, const char *result)
    {
        return control("/simulate/pay",
                       {{QStringLiteral("prepayId"), prepayId},
                        {QStringLiteral("result"), QLatin1String(result)}});
    }
    QString notificationState(const QString &outTradeNo, int index = 0,
                              int *attempts = nullptr) const
    {
        const QList<WechatSandboxNotification> list = m_sandbox->notifications(outTradeNo);
        if (list.size() <= index)
            return {};
        if (attempts)
            *attempts = list.at(index).attempts;
        return list.at(index).state;
    }

    /// RSA key generation is slow: one set of sandbox keys, copied into each test's directory
    /// (keysGeneratedOnceAndReused generates its own), and one forger key.
    QTemporaryDir m_keyTemplate;
    std::optional<crypto::RsaPrivateKey> m_forger;
    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<WechatSandbox> m_sandbox;
    Receiver m_receiver;
    quint16 m_port = 0;
    std::atomic<int> m_fakeHits {0};
};

void TestWechatChannel::start(const std::function<void(WechatSandboxOptions &)> &adjust)
{
    m_server = std::make_unique<HttpServer>(HttpServer::Options {4, 64});
    m_port = m_server->listenGuarded(QHostAddress::LocalHost, m_port);
    QVERIFY2(m_port, qPrintable(m_server->listenError()));
    WechatSandboxOptions options;
    options.mchId = MchId;
    options.appId = TestAppId;
    options.stateDir = m_dir->filePath(QStringLiteral("sandbox"));
    options.notifyScheduleMs = {0, 50, 50, 50, 50};
    options.notifyTimeoutMs = 2000;
    if (adjust)
        adjust(options);
    m_sandbox = std::make_unique<WechatSandbox>(options);
    m_sandbox->registerRoutes(m_server->router());
    m_server->router().add("POST", QStringLiteral("/merchant/notify"), HandlerMode::Inline,
                           [this](const HttpRequest &r) { return m_receiver.handle(r); });
}

void TestWechatChannel::stop()
{
    m_server.reset();
    m_sandbox.reset();
}

void TestWechatChannel::initTestCase()
{
    QVERIFY(m_keyTemplate.isValid());
    QVERIFY(ensureWechatSandboxKeys(m_keyTemplate.path()).complete());
    {
        // Its first platform certificate too (generated by a sandbox once): copied for each test.
        WechatSandboxOptions o;
        o.mchId = MchId;
        o.appId = TestAppId;
        o.keysDir = m_keyTemplate.path();
        const WechatSandbox once(o);
    }
    QVERIFY(QFile::exists(m_keyTemplate.filePath(QStringLiteral("platform_certificate.pem"))));
    m_forger = crypto::RsaPrivateKey::fromPem(crypto::generateRsaKeyPair(2048).privateKeyPem);
    QVERIFY(m_forger.has_value());
}

void TestWechatChannel::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
    if (QLatin1String(QTest::currentTestFunction())
        != QLatin1String("keysGeneratedOnceAndReused")) {
        const QString keys = m_dir->filePath(QStringLiteral("sandbox/wechat"));
        QVERIFY(QDir().mkpath(keys));
        const QStringList names = QDir(m_keyTemplate.path()).entryList(QDir::Files);
        for (const QString &name : names)
            QVERIFY(
                QFile::copy(QDir(m_keyTemplate.path()).filePath(name), QDir(keys).filePath(name)));
    }
    m_port = 0;
    m_fakeHits = 0;
    m_receiver.reset();
    start();
}

void TestWechatChannel::cleanup()
{
    stop();
    m_dir.reset();
}

WechatPrepayRequest TestWechatChannel::prepayRequest(const char *outTradeNo, qint64 total) const
{
    WechatPrepayRequest r;
    r.outTradeNo = QString::fromLatin1(outTradeNo);
    r.description = QStringLiteral("羽毛球馆 A 场 18:00-19:00");
    r.total = total;
    r.payerOpenId = QStringLiteral("o-alice");
    r.notifyUrl = notifyUrl();
    r.timeExpire = QDateTime::currentDateTimeUtc().addSecs(900);
    r.attach = QStringLiteral("booking=42");
    return r;
}

crypto::RsaPrivateKey TestWechatChannel::platformKey() const
{
    return *crypto::RsaPrivateKey::fromPem(readAll(m_sandbox->keyFiles().platformPrivateKey));
}

QString TestWechatChannel::platformKeyId() const
{
    return QString::fromLatin1(readAll(m_sandbox->keyFiles().platformKeyId).trimmed());
}

void TestWechatChannel::payFlowWithRetriedNotification()
{
    const WechatClient c = client();
    const auto prepay = onWorker([&] { return c.prepayJsapi(prepayRequest("T100001", 2000)); });
    QVERIFY2(prepay.ok(), qPrintable(prepay.detail));
    const QString prepayId = *prepay.value;
    QVERIFY(prepayId.startsWith(QLatin1String("wx")));

    // The mini-program's view: the merchant certificate's key verifies paySign.
    const QJsonObject params = c.requestPaymentParams(prepayId);
    const auto merchantPublic = crypto::RsaPublicKey::fromCertificatePem(
        readAll(m_sandbox->keyFiles().merchantCertificate));
    QVERIFY(merchantPublic.has_value());
    QVERIFY(wechat::verifyRequestPaymentParams(*merchantPublic, params));
    QCOMPARE(params.value(QStringLiteral("package")).toString(),
             QStringLiteral("prepay_id=") + prepayId);
    QCOMPARE(params.value(QStringLiteral("appId")).toString(), TestAppId);

    const auto before = onWorker([&] { return c.query(QStringLiteral("T100001")); });
    QVERIFY2(before.ok() && before.value->has_value(), qPrintable(before.detail));
    QCOMPARE((*before.value)->tradeState, TradeState::NotPay);
    QCOMPARE((*before.value)->total, 2000);

    m_receiver.reset(2); // the receiver fails twice, then acknowledges
    const HttpResult paid = simulatePay(prepayId, "SUCCESS");
    QCOMPARE(paid.status, 200);
    const QString transactionId =
        object(paid.body).value(QStringLiteral("transactionId")).toString();
    QVERIFY(!transactionId.isEmpty());

    int attempts = 0;
    QVERIFY(waitUntil([&] {
        return notificationState(QStringLiteral("T100001"), 0, &attempts)
            == QLatin1String("DELIVERED");
    }));
    QCOMPARE(attempts, 3);
    QCOMPARE(m_receiver.hits(), 3);
    QSet<QString> ids, nonces;
    for (const Delivery &d : m_receiver.all()) {
        const auto n = c.verifyNotification(d.headers, d.body);
        QVERIFY(n.has_value());
        QCOMPARE(n->eventType, QStringLiteral("TRANSACTION.SUCCESS"));
        QVERIFY(n->transaction.has_value());
        QVERIFY(!n->refund.has_value());
        QCOMPARE(n->transaction->outTradeNo, QStringLiteral("T100001"));
        QCOMPARE(n->transaction->transactionId, transactionId);
        QCOMPARE(n->transaction->tradeState, TradeState::Success);
        QCOMPARE(n->transaction->total, 2000);
        QCOMPARE(n->transaction->payerTotal, std::optional<qint64>(2000));
        QCOMPARE(n->transaction->payerOpenId, QStringLiteral("o-alice"));
        QCOMPARE(n->transaction->attach, QStringLiteral("booking=42"));
        QCOMPARE(n->transaction->tradeType, QStringLiteral("JSAPI"));
        QVERIFY(n->transaction->successTime.isValid());
        ids.insert(n->id);
        nonces.insert(QString::fromLatin1(wechat::headerValue(d.headers, wechat::header::nonce)));
    }
    QCOMPARE(ids.size(), 1); // one notification, delivered three times
    QCOMPARE(nonces.size(), 3); // signed afresh each time
    QVERIFY(!waitUntil([&] { return m_receiver.hits() > 3; }, 300));

    const auto after = onWorker([&] { return c.query(QStringLiteral("T100001")); });
    QVERIFY(after.ok() && after.value->has_value());
    QCOMPARE((*after.value)->tradeState, TradeState::Success);
    QCOMPARE((*after.value)->transactionId, transactionId);

    // Paying twice is refused.
    QCOMPARE(simulatePay(prepayId, "SUCCESS").status, 409);
}

void TestWechatChannel::payErrorIsQueriedNotNotified()
{
    const WechatClient c = client();
    const auto prepay = onWorker([&] { return c.prepayJsapi(prepayRequest("T200001", 500)); });
    QVERIFY(prepay.ok());
    QCOMPARE(simulatePay(*prepay.value, "PAYERROR").status, 200);
    const auto q = onWorker([&] { return c.query(QStringLiteral("T200001")); });
    QVERIFY(q.ok() && q.value->has_value());
    QCOMPARE((*q.value)->tradeState, TradeState::PayError);
    QVERIFY(!(*q.value)->tradeStateDesc.isEmpty());
    QVERIFY(!waitUntil([&] { return m_receiver.hits() > 0; }, 300));
    QVERIFY(m_sandbox->notifications(QStringLiteral("T200001")).isEmpty());

    // The user may try again after a failed attempt; a bad result value is refused.
    QCOMPARE(simulatePay(*prepay.value, "MAYBE").status, 400);
    QCOMPARE(simulatePay(*prepay.value, "SUCCESS").status, 200);
    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
}

void TestWechatChannel::closeOrders()
{
    const WechatClient c = client();
    const auto unpaid = onWorker([&] { return c.prepayJsapi(prepayRequest("T300001", 300)); });
    QVERIFY(unpaid.ok());
    QVERIFY(onWorker([&] { c.close(QStringLiteral("T300001")); }).ok());
    const auto q = onWorker([&] { return c.query(QStringLiteral("T300001")); });
    QCOMPARE((*q.value)->tradeState, TradeState::Closed);
    QVERIFY(onWorker([&] { c.close(QStringLiteral("T300001")); }).ok()); // a retried close
    const HttpResult pay = simulatePay(*unpaid.value, "SUCCESS");
    QCOMPARE(pay.status, 409);
    QCOMPARE(object(pay.body).value(QStringLiteral("code")).toString(),
             QStringLiteral("ORDER_CLOSED"));
    // Prepay again for a closed order.
    const auto again = onWorker([&] { return c.prepayJsapi(prepayRequest("T300001", 300)); });
    QVERIFY(!again.ok());

    const auto paid = onWorker([&] { return c.prepayJsapi(prepayRequest("T300002", 300)); });
    QCOMPARE(simulatePay(*paid.value, "SUCCESS").status, 200);
    const auto closePaid = onWorker([&] { c.close(QStringLiteral("T300002")); });
    QVERIFY(!closePaid.ok());
    QCOMPARE(closePaid.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QCOMPARE(closePaid.httpStatus, 400);
    QCOMPARE(closePaid.wechatCode, QStringLiteral("ORDERPAID"));

    const auto unknownClose = onWorker([&] { c.close(QStringLiteral("NOPE0001")); });
    QCOMPARE(unknownClose.httpStatus, 404);
    QCOMPARE(unknownClose.wechatCode, QStringLiteral("ORDER_NOT_EXIST"));
    const auto unknownQuery = onWorker([&] { return c.query(QStringLiteral("NOPE0001")); });
    QVERIFY(unknownQuery.ok());
    QVERIFY(!unknownQuery.value->has_value());
    QCOMPARE(simulatePay(QStringLiteral("wx-unknown"), "SUCCESS").status, 404);
}

void TestWechatChannel::expiryAtTimeExpire()
{
    const WechatClient c = client();
    WechatPrepayRequest request = prepayRequest("T400001", 700);
    request.timeExpire =
        QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 2, Qt::UTC);
    const auto prepay = onWorker([&] { return c.prepayJsapi(request); });
    QVERIFY2(prepay.ok(), qPrintable(prepay.detail));
    const auto open = onWorker([&] { return c.query(QStringLiteral("T400001")); });
    QCOMPARE((*open.value)->tradeState, TradeState::NotPay);

    // Waiting for the clock itself: expiry is a matter of time, not of an event.
    QVERIFY(waitUntil([&] { return QDateTime::currentDateTimeUtc() >= request.timeExpire; }));
    const auto q = onWorker([&] { return c.query(QStringLiteral("T400001")); });
    QVERIFY(q.ok() && q.value->has_value());
    QCOMPARE((*q.value)->tradeState, TradeState::Closed);
    QCOMPARE(simulatePay(*prepay.value, "SUCCESS").status, 409);

    WechatPrepayRequest past = prepayRequest("T400002", 700);
    past.timeExpire = QDateTime::currentDateTimeUtc().addSecs(-10);
    const auto refused = onWorker([&] { return c.prepayJsapi(past); });
    QCOMPARE(refused.httpStatus, 400);
    QCOMPARE(refused.wechatCode, QStringLiteral("PARAM_ERROR"));
}

void TestWechatChannel::prepayIsIdempotent()
{
    const WechatClient c = client();
    const WechatPrepayRequest request = prepayRequest("T500001", 1200);
    const auto first = onWorker([&] { return c.prepayJsapi(request); });
    const auto second = onWorker([&] { return c.prepayJsapi(request); });
    QVERIFY(first.ok() && second.ok());
    QCOMPARE(*second.value, *first.value);
    QCOMPARE(m_sandbox->orderCount(), 1);

    WechatPrepayRequest changed = request;
    changed.total = 1300;
    const auto conflict = onWorker([&] { return c.prepayJsapi(changed); });
    QVERIFY(!conflict.ok());
    QCOMPARE(conflict.httpStatus, 400);
    QCOMPARE(conflict.wechatCode, QStringLiteral("INVALID_REQUEST"));
    QCOMPARE(m_sandbox->orderCount(), 1);

    QCOMPARE(simulatePay(*first.value, "SUCCESS").status, 200);
    const auto afterPaid = onWorker([&] { return c.prepayJsapi(request); });
    QCOMPARE(afterPaid.wechatCode, QStringLiteral("ORDERPAID"));
}

void TestWechatChannel::invalidPrepayFields_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("total 0") << QStringLiteral("total");
    QTest::newRow("out_trade_no too short") << QStringLiteral("short-no");
    QTest::newRow("notify_url with a query") << QStringLiteral("notify-query");
    QTest::newRow("notify_url not http") << QStringLiteral("notify-ftp");
    QTest::newRow("empty description") << QStringLiteral("description");
    QTest::newRow("no openid") << QStringLiteral("openid");
    QTest::newRow("attach over 128") << QStringLiteral("attach");
    QTest::newRow("other appid") << QStringLiteral("appid");
}

void TestWechatChannel::invalidPrepayFields()
{
    QFETCH(QString, kind);
    WechatClientOptions options = clientOptions();
    if (kind == QLatin1String("appid"))
        options.appId = QStringLiteral("wx-other-app");
    const WechatClient c(options);
    WechatPrepayRequest r = prepayRequest("T600001", 100);
    if (kind == QLatin1String("total"))
        r.total = 0;
    if (kind == QLatin1String("short-no"))
        r.outTradeNo = QStringLiteral("T6");
    if (kind == QLatin1String("notify-query"))
        r.notifyUrl.setQuery(QStringLiteral("a=1"));
    if (kind == QLatin1String("notify-ftp"))
        r.notifyUrl = QUrl(QStringLiteral("ftp://example.com/n"));
    if (kind == QLatin1String("description"))
        r.description = QStringLiteral(" ");
    if (kind == QLatin1String("openid"))
        r.payerOpenId.clear();
    if (kind == QLatin1String("attach"))
        r.attach = QString(129, u'a');
    const auto refused = onWorker([&] { return c.prepayJsapi(r); });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.httpStatus, 400);
    QCOMPARE(refused.wechatCode,
             kind == QLatin1String("appid") ? QStringLiteral("APPID_MCHID_NOT_MATCH")
                                            : QStringLiteral("PARAM_ERROR"));
    QCOMPARE(m_sandbox->orderCount(), 0);
}

void TestWechatChannel::refunds()
{
    const WechatClient c = client();
    const auto prepay = onWorker([&] { return c.prepayJsapi(prepayRequest("T700001", 3000)); });
    QCOMPARE(simulatePay(*prepay.value, "SUCCESS").status, 200);
    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    m_receiver.reset();

    const WechatRefundRequest partial {QStringLiteral("T700001"),
                                       QStringLiteral("R700001"),
                                       1000,
                                       3000,
                                       QStringLiteral("场地维护"),
                                       notifyUrl(),
                                       {}};
    const auto r1 = onWorker([&] { return c.refund(partial); });
    QVERIFY2(r1.ok(), qPrintable(r1.detail));
    QCOMPARE(r1.value->status, RefundStatus::Success);
    QCOMPARE(r1.value->refund, 1000);
    QCOMPARE(r1.value->total, 3000);
    QVERIFY(!r1.value->refundId.isEmpty());
    QVERIFY(r1.value->successTime.isValid());

    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    const Delivery d = m_receiver.all().first();
    const auto n = c.verifyNotification(d.headers, d.body);
    QVERIFY(n.has_value());
    QCOMPARE(n->eventType, QStringLiteral("REFUND.SUCCESS"));
    QVERIFY(n->refund.has_value());
    QCOMPARE(n->refund->outRefundNo, QStringLiteral("R700001"));
    QCOMPARE(n->refund->refundId, r1.value->refundId);
    QCOMPARE(n->refund->refund, 1000);
    QCOMPARE(n->refund->payerRefund, std::optional<qint64>(1000));

    const auto q = onWorker([&] { return c.query(QStringLiteral("T700001")); });
    QCOMPARE((*q.value)->tradeState, TradeState::Refund);

    // The same out_refund_no again: the same refund, no second one.
    const auto repeat = onWorker([&] { return c.refund(partial); });
    QVERIFY(repeat.ok());
    QCOMPARE(repeat.value->refundId, r1.value->refundId);
    QCOMPARE(m_sandbox->refundCount(), 1);
    WechatRefundRequest reused = partial;
    reused.refund = 999;
    QCOMPARE(onWorker([&] { return c.refund(reused); }).wechatCode,
             QStringLiteral("INVALID_REQUEST"));

    // More than what is left; exactly what is left.
    WechatRefundRequest over = partial;
    over.outRefundNo = QStringLiteral("R700002");
    over.refund = 2001;
    const auto overOutcome = onWorker([&] { return c.refund(over); });
    QCOMPARE(overOutcome.httpStatus, 400);
    QCOMPARE(overOutcome.wechatCode, QStringLiteral("PARAM_ERROR"));
    over.refund = 2000;
    // By the payment's transaction_id (how a payment exception names its own payment).
    over.transactionId = (*q.value)->transactionId;
    QVERIFY(!over.transactionId.isEmpty());
    const auto rest = onWorker([&] { return c.refund(over); });
    QVERIFY2(rest.ok(), qPrintable(rest.detail));
    QCOMPARE(rest.value->outTradeNo, QStringLiteral("T700001"));
    QCOMPARE(rest.value->transactionId, over.transactionId);
    over.transactionId.clear();
    over.outRefundNo = QStringLiteral("R700003");
    over.refund = 1;
    QCOMPARE(onWorker([&] { return c.refund(over); }).wechatCode, QStringLiteral("PARAM_ERROR"));

    const auto found = onWorker([&] { return c.queryRefund(QStringLiteral("R700002")); });
    QVERIFY(found.ok() && found.value->has_value());
    QCOMPARE((*found.value)->refund, 2000);
    QCOMPARE((*found.value)->status, RefundStatus::Success);
    const auto missing = onWorker([&] { return c.queryRefund(QStringLiteral("R799999")); });
    QVERIFY(missing.ok());
    QVERIFY(!missing.value->has_value());

    // Unpaid and unknown orders cannot be refunded.
    QVERIFY(onWorker([&] { return c.prepayJsapi(prepayRequest("T700002", 10)); }).ok());
    const WechatRefundRequest unpaid {
        QStringLiteral("T700002"), QStringLiteral("R700004"), 10, 10, {}, {}, {}};
    QCOMPARE(onWorker([&] { return c.refund(unpaid); }).wechatCode,
             QStringLiteral("INVALID_REQUEST"));
    const WechatRefundRequest unknown {
        QStringLiteral("T799999"), QStringLiteral("R700005"), 10, 10, {}, {}, {}};
    const auto unknownOutcome = onWorker([&] { return c.refund(unknown); });
    QCOMPARE(unknownOutcome.httpStatus, 404);
    QCOMPARE(unknownOutcome.wechatCode, QStringLiteral("RESOURCE_NOT_EXISTS"));
}

void TestWechatChannel::refundProcessingThenSettled()
{
    const WechatClient c = client();
    const auto prepay = onWorker([&] { return c.prepayJsapi(prepayRequest("T800001", 1000)); });
    QCOMPARE(simulatePay(*prepay.value, "SUCCESS").status, 200);
    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    m_receiver.reset();
    QCOMPARE(
        control("/simulate/refund-mode", {{QStringLiteral("mode"), QStringLiteral("PROCESSING")}})
            .status,
        200);

    const WechatRefundRequest request {
        QStringLiteral("T800001"), QStringLiteral("R800001"), 600, 1000, {}, notifyUrl(), {}};
    const auto r = onWorker([&] { return c.refund(request); });
    QVERIFY(r.ok());
    QCOMPARE(r.value->status, RefundStatus::Processing);
    QVERIFY(!waitUntil([&] { return m_receiver.hits() > 0; }, 200));
    // While it is processing, its amount is not refundable again.
    WechatRefundRequest second {
        QStringLiteral("T800001"), QStringLiteral("R800002"), 500, 1000, {}, notifyUrl(), {}};
    QCOMPARE(onWorker([&] { return c.refund(second); }).wechatCode, QStringLiteral("PARAM_ERROR"));

    QCOMPARE(control("/simulate/refund",
                     {{QStringLiteral("outRefundNo"), QStringLiteral("R800001")},
                      {QStringLiteral("result"), QStringLiteral("CLOSED")}})
                 .status,
             200);
    QVERIFY(waitUntil([&] { return m_receiver.hits() == 1; }));
    auto d = m_receiver.all().first();
    auto n = c.verifyNotification(d.headers, d.body);
    QVERIFY(n.has_value());
    QCOMPARE(n->eventType, QStringLiteral("REFUND.CLOSED"));
    QCOMPARE(n->refund->status, RefundStatus::Closed);
    const auto closed = onWorker([&] { return c.queryRefund(QStringLiteral("R800001")); });
    QCOMPARE((*closed.value)->status, RefundStatus::Closed);
    // Settling twice is refused; an unknown refund is 404.
    QCOMPARE(control("/simulate/refund",
                     {{QStringLiteral("outRefundNo"), QStringLiteral("R800001")},
                      {QStringLiteral("result"), QStringLiteral("SUCCESS")}})
                 .status,
             409);
    QCOMPARE(control("/simulate/refund",
                     {{QStringLiteral("outRefundNo"), QStringLiteral("R8")},
                      {QStringLiteral("result"), QStringLiteral("SUCCESS")}})
                 .status,
             404);

    // A closed refund gives the amount back: now 500 fits, and ends ABNORMAL.
    const auto r2 = onWorker([&] { return c.refund(second); });
    QVERIFY2(r2.ok(), qPrintable(r2.detail));
    QCOMPARE(control("/simulate/refund",
                     {{QStringLiteral("outRefundNo"), QStringLiteral("R800002")},
                      {QStringLiteral("result"), QStringLiteral("ABNORMAL")}})
                 .status,
             200);
    QVERIFY(waitUntil([&] { return m_receiver.hits() == 2; }));
    d = m_receiver.all().last();
    n = c.verifyNotification(d.headers, d.body);
    QVERIFY(n.has_value());
    QCOMPARE(n->eventType, QStringLiteral("REFUND.ABNORMAL"));
}

void TestWechatChannel::badRequestSignatures_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("no Authorization") << QStringLiteral("none");
    QTest::newRow("signed by another key") << QStringLiteral("forger");
    QTest::newRow("wrong serial") << QStringLiteral("serial");
    QTest::newRow("unknown mchid") << QStringLiteral("mchid");
    QTest::newRow("stale timestamp") << QStringLiteral("stale");
    QTest::newRow("future timestamp") << QStringLiteral("future");
    QTest::newRow("body changed after signing") << QStringLiteral("tampered");
    QTest::newRow("SIGNTEST signature") << QStringLiteral("signtest");
    QTest::newRow("signed for another path") << QStringLiteral("path");
}

void TestWechatChannel::badRequestSignatures()
{
    QFETCH(QString, kind);
    const WechatClientOptions o = clientOptions();
    const QJsonObject body {
        {QStringLiteral("appid"), TestAppId},
        {QStringLiteral("mchid"), MchId},
        {QStringLiteral("description"), QStringLiteral("forged?")},
        {QStringLiteral("out_trade_no"), QStringLiteral("T900001")},
        {QStringLiteral("notify_url"), notifyUrl().toString()},
        {QStringLiteral("amount"), QJsonObject {{QStringLiteral("total"), 1}}},
        {QStringLiteral("payer"), QJsonObject {{QStringLiteral("openid"), QStringLiteral("o-x")}}},
    };
    QByteArray bytes = compact(body);
    const QString path = QStringLiteral("/sandbox/wechat/v3/pay/transactions/jsapi");
    const auto forger = m_forger;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const qint64 at = kind == QLatin1String("stale") ? now - 301
        : kind == QLatin1String("future")            ? now + 400
                                                     : now;
    wechat::Authorization auth = wechat::signRequest(
        kind == QLatin1String("forger") ? *forger : *o.merchantKey,
        kind == QLatin1String("mchid") ? QStringLiteral("1900000110") : MchId,
        kind == QLatin1String("serial") ? QStringLiteral("0123ABCD") : o.merchantSerial, "POST",
        kind == QLatin1String("path") ? QStringLiteral("/v3/pay/transactions/jsapi") : path, bytes,
        at);
    if (kind == QLatin1String("signtest"))
        auth.signature = QStringLiteral("WECHATPAY/SIGNTEST/") + auth.signature;
    if (kind == QLatin1String("tampered"))
        bytes.replace("\"total\":1", "\"total\":100");
    QList<QPair<QByteArray, QByteArray>> headers {
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    if (kind != QLatin1String("none"))
        headers.append({QByteArrayLiteral("Authorization"), wechat::authorizationHeader(auth)});
    const HttpResult r = httpRequest("POST", QUrl(base() + path), bytes, headers);
    QCOMPARE(r.status, 401);
    QCOMPARE(object(r.body).value(QStringLiteral("code")).toString(), QStringLiteral("SIGN_ERROR"));
    QVERIFY(!object(r.body).value(QStringLiteral("message")).toString().isEmpty());
    // Refusals are signed by the platform too.
    QCOMPARE(wechat::verifyAnswer(wechat::signatureHeadersFrom(r.headers), r.body, *o.platformKey,
                                  o.platformSerial, QDateTime::currentSecsSinceEpoch()),
             wechat::Verdict::Ok);
    QCOMPARE(m_sandbox->orderCount(), 0);
}

void TestWechatChannel::forgedAnswers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("client trusts another platform key") << QStringLiteral("wrong-platform-key");
    QTest::newRow("unsigned") << QStringLiteral("unsigned");
    QTest::newRow("signed with another key") << QStringLiteral("forger");
    QTest::newRow("wrong serial") << QStringLiteral("serial");
    QTest::newRow("stale") << QStringLiteral("stale");
    QTest::newRow("SIGNTEST") << QStringLiteral("signtest");
    QTest::newRow("tampered body") << QStringLiteral("tampered");
    QTest::newRow("unsigned 404 is no 'not found'") << QStringLiteral("unsigned404");
    QTest::newRow("about another order") << QStringLiteral("other-order");
}

void TestWechatChannel::forgedAnswers()
{
    QFETCH(QString, kind);
    WechatClientOptions o = clientOptions();
    const auto forger = m_forger;
    if (kind == QLatin1String("wrong-platform-key")) {
        const WechatClient c = client();
        QVERIFY(onWorker([&] { return c.prepayJsapi(prepayRequest("T910001", 100)); }).ok());
        o.platformKey = forger->publicKey();
    } else {
        const crypto::RsaPrivateKey genuine = platformKey();
        const QString keyId = platformKeyId();
        m_server->router().add(
            "GET", QStringLiteral("/fake/v3/pay/transactions/out-trade-no/{no}"),
            HandlerMode::Inline, [kind, genuine, keyId, forger](const HttpRequest &) {
                wechat::Transaction t;
                t.appId = TestAppId;
                t.mchId = MchId;
                t.outTradeNo = kind == QLatin1String("other-order") ? QStringLiteral("T2")
                                                                    : QStringLiteral("T910001");
                t.tradeState = TradeState::NotPay;
                t.total = 100;
                QByteArray body = compact(wechat::transactionToJson(t));
                int status = 200;
                if (kind == QLatin1String("unsigned404")) {
                    status = 404;
                    body = compact(
                        wechat::errorBody(QStringLiteral("ORDER_NOT_EXIST"), QStringLiteral("x")));
                }
                const qint64 now = QDateTime::currentSecsSinceEpoch();
                wechat::SignatureHeaders h = wechat::signAnswer(
                    kind == QLatin1String("forger") ? *forger : genuine,
                    kind == QLatin1String("serial") ? QStringLiteral("PUB_KEY_ID_0000") : keyId,
                    body, kind == QLatin1String("stale") ? now - 600 : now);
                if (kind == QLatin1String("signtest"))
                    h.signature = QStringLiteral("WECHATPAY/SIGNTEST/") + h.signature;
                if (kind == QLatin1String("tampered"))
                    body.replace("NOTPAY", "SUCCESS");
                HttpResponse r = HttpResponse::json(status, body);
                if (kind != QLatin1String("unsigned") && kind != QLatin1String("unsigned404"))
                    r.headers = wechat::toHeaderList(h);
                return r;
            });
        o.baseUrl = QUrl(base() + QStringLiteral("/fake"));
    }
    const WechatClient c(o);
    const auto q = onWorker([&] { return c.query(QStringLiteral("T910001")); });
    QVERIFY2(!q.ok(), "a forged answer must never become a result");
    QCOMPARE(q.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QVERIFY2(q.wechatCode.isEmpty(), qPrintable(q.wechatCode)); // not a business refusal
}

void TestWechatChannel::retriesAfterServerErrors()
{
    const WechatClient c = client();
    QCOMPARE(
        control("/simulate/fault", {{QStringLiteral("status"), 500}, {QStringLiteral("count"), 1}})
            .status,
        200);
    const auto q = onWorker([&] { return c.query(QStringLiteral("T920001")); });
    QVERIFY2(q.ok(), qPrintable(q.detail)); // the 500, then the genuine "not found"
    QVERIFY(!q.value->has_value());

    QCOMPARE(
        control("/simulate/fault", {{QStringLiteral("status"), 429}, {QStringLiteral("count"), 1}})
            .status,
        200);
    const auto prepay = onWorker([&] { return c.prepayJsapi(prepayRequest("T920002", 100)); });
    QVERIFY2(prepay.ok(), qPrintable(prepay.detail));
    QCOMPARE(m_sandbox->orderCount(), 1);

    // More failures than attempts: the last (signed) refusal is reported.
    QCOMPARE(
        control("/simulate/fault", {{QStringLiteral("status"), 500}, {QStringLiteral("count"), 5}})
            .status,
        200);
    const auto failed = onWorker([&] { return c.query(QStringLiteral("T920002")); });
    QVERIFY(!failed.ok());
    QCOMPARE(failed.httpStatus, 500);
    QCOMPARE(failed.wechatCode, QStringLiteral("SYSTEM_ERROR"));
    QCOMPARE(control("/simulate/fault", {{QStringLiteral("status"), 200}}).status, 400);
}

void TestWechatChannel::verifyNotification_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("genuine") << QStringLiteral("genuine") << true;
    QTest::newRow("body tampered") << QStringLiteral("tampered") << false;
    QTest::newRow("signed by another key") << QStringLiteral("forger") << false;
    QTest::newRow("wrong serial") << QStringLiteral("serial") << false;
    QTest::newRow("stale") << QStringLiteral("stale") << false;
    QTest::newRow("SIGNTEST") << QStringLiteral("signtest") << false;
    QTest::newRow("unsigned") << QStringLiteral("unsigned") << false;
    QTest::newRow("encrypted with another APIv3 key") << QStringLiteral("apiv3") << false;
    QTest::newRow("another merchant") << QStringLiteral("mchid") << false;
    QTest::newRow("unknown event") << QStringLiteral("event") << false;
    QTest::newRow("not JSON") << QStringLiteral("junk") << false;
}

void TestWechatChannel::verifyNotification()
{
    QFETCH(QString, kind);
    QFETCH(bool, accepted);
    const WechatClientOptions o = clientOptions();
    wechat::Transaction t;
    t.appId = TestAppId;
    t.mchId = kind == QLatin1String("mchid") ? QStringLiteral("1900000110") : MchId;
    t.outTradeNo = QStringLiteral("T930001");
    t.transactionId = QStringLiteral("4200000001");
    t.tradeType = QStringLiteral("JSAPI");
    t.tradeState = TradeState::Success;
    t.successTime = QDateTime::currentDateTimeUtc();
    t.total = 100;
    t.payerTotal = 100;
    wechat::NotificationEnvelope e;
    e.id = QStringLiteral("EV-1");
    e.createTime = wechat::formatTime(QDateTime::currentDateTimeUtc());
    e.eventType = kind == QLatin1String("event") ? QStringLiteral("TRANSACTION.MAYBE")
                                                 : QStringLiteral("TRANSACTION.SUCCESS");
    e.summary = QStringLiteral("支付成功");
    e.resource =
        wechat::encryptResource(kind == QLatin1String("apiv3") ? QByteArray(32, 'k') : o.apiV3Key,
                                compact(wechat::transactionToJson(t)),
                                QStringLiteral("transaction"), QStringLiteral("transaction"));
    QByteArray body =
        kind == QLatin1String("junk") ? QByteArray("id=1") : compact(wechat::envelopeToJson(e));
    const auto forger = m_forger;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    wechat::SignatureHeaders h = wechat::signAnswer(
        kind == QLatin1String("forger") ? *forger : platformKey(),
        kind == QLatin1String("serial") ? QStringLiteral("PUB_KEY_ID_1") : platformKeyId(), body,
        kind == QLatin1String("stale") ? now - 301 : now);
    if (kind == QLatin1String("signtest"))
        h.signature = QStringLiteral("WECHATPAY/SIGNTEST/") + h.signature;
    if (kind == QLatin1String("tampered"))
        body.replace("EV-1", "EV-2");
    const wechat::HeaderList headers =
        kind == QLatin1String("unsigned") ? wechat::HeaderList {} : wechat::toHeaderList(h);
    const auto n = WechatClient(o).verifyNotification(headers, body);
    QCOMPARE(n.has_value(), accepted);
    if (accepted) {
        QCOMPARE(n->id, QStringLiteral("EV-1"));
        QCOMPARE(n->transaction->transactionId, QStringLiteral("4200000001"));
    }
    QCOMPARE(object(WechatClient::notificationFailBody(QStringLiteral("x")))
                 .value(QStringLiteral("code"))
                 .toString(),
             QStringLiteral("FAIL"));
}

void TestWechatChannel::stateSurvivesRestart()
{
    stop();
    start([](WechatSandboxOptions &o) { o.notifyScheduleMs = {0, 600000}; });
    m_receiver.reset(1);
    WechatClient c = client();
    const auto paid = onWorker([&] { return c.prepayJsapi(prepayRequest("T940001", 1500)); });
    const WechatPrepayRequest unpaidRequest = prepayRequest("T940002", 10);
    const auto unpaid = onWorker([&] { return c.prepayJsapi(unpaidRequest); });
    QVERIFY(paid.ok() && unpaid.ok());
    QCOMPARE(simulatePay(*paid.value, "SUCCESS").status, 200);
    int attempts = 0;
    QVERIFY(waitUntil([&] {
        return m_receiver.hits() == 1
            && notificationState(QStringLiteral("T940001"), 0, &attempts)
            == QLatin1String("PENDING")
            && attempts == 1;
    }));
    const QString notificationId = m_sandbox->notifications(QStringLiteral("T940001")).first().id;
    const QString file = m_sandbox->stateFilePath();

    stop();
    QVERIFY(QFile::exists(file));
    start([](WechatSandboxOptions &o) { o.notifyScheduleMs = {0, 50}; });
    c = client();
    QVERIFY(waitUntil([&] {
        return notificationState(QStringLiteral("T940001"), 0, &attempts)
            == QLatin1String("DELIVERED");
    }));
    QCOMPARE(attempts, 2);
    const Delivery d = m_receiver.all().last();
    const auto n = c.verifyNotification(d.headers, d.body);
    QVERIFY(n.has_value());
    QCOMPARE(n->id, notificationId);

    const auto q1 = onWorker([&] { return c.query(QStringLiteral("T940001")); });
    QCOMPARE((*q1.value)->tradeState, TradeState::Success);
    const auto q2 = onWorker([&] { return c.query(QStringLiteral("T940002")); });
    QCOMPARE((*q2.value)->tradeState, TradeState::NotPay);
    const auto again = onWorker([&] { return c.prepayJsapi(unpaidRequest); });
    QVERIFY(again.ok());
    QCOMPARE(*again.value, *unpaid.value);

    // An unreadable state file is moved aside; the sandbox still comes up, empty.
    stop();
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{ torn");
    }
    start();
    QCOMPARE(m_sandbox->orderCount(), 0);
    QCOMPARE(QDir(QFileInfo(file).absolutePath())
                 .entryList({QStringLiteral("wechat.json.corrupt-*")})
                 .size(),
             1);
}

void TestWechatChannel::keysGeneratedOnceAndReused()
{
    const WechatSandboxKeyFiles files = m_sandbox->keyFiles();
    QCOMPARE(files.dir, m_dir->filePath(QStringLiteral("sandbox/wechat")));
    QVERIFY(files.complete());
    QMap<QString, QByteArray> before;
    for (const QString &p :
         {files.merchantPrivateKey, files.merchantCertificate, files.platformPrivateKey,
          files.platformPublicKey, files.platformKeyId, files.apiV3Key}) {
        before.insert(p, readAll(p));
        QVERIFY2(!before.value(p).isEmpty(), qPrintable(p));
        QCOMPARE(QFileInfo(p).permissions()
                     & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup
                        | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
    }
    const WechatClientOptions first = clientOptions();
    QCOMPARE(first.merchantSerial.size(), 40);
    QVERIFY(first.platformSerial.startsWith(QLatin1String("PUB_KEY_ID_")));
    QCOMPARE(first.apiV3Key.size(), 32);

    stop();
    start();
    QCOMPARE(wechatsandbox::ensureKeys(m_dir->path()).dir, files.dir);
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        QCOMPARE(readAll(it.key()), it.value());
    QCOMPARE(clientOptions().merchantSerial, first.merchantSerial);

    // A fresh directory gets its own keys.
    QTemporaryDir other;
    const WechatSandboxKeyFiles otherFiles = wechatsandbox::ensureKeys(other.path());
    QVERIFY(otherFiles.complete());
    QVERIFY(readAll(otherFiles.apiV3Key) != before.value(files.apiV3Key));
}

void TestWechatChannel::optionsFromConfig()
{
    const QString dataDir = m_dir->path();
    // Sandbox mode: empty key files and the sandbox module on.
    const Config sandboxed = Config::load({}, {}, {{QStringLiteral("server.data_dir"), dataDir}});
    const WechatClientOptions o = WechatClientOptions::fromConfig(sandboxed);
    QCOMPARE(o.merchantSerial, clientOptions().merchantSerial);
    QCOMPARE(o.mchId, QStringLiteral("1900000109"));
    QCOMPARE(o.baseUrl.toString(), QStringLiteral("http://127.0.0.1:8080/sandbox/wechat"));
    QVERIFY(WechatClientOptions::load(sandboxed));

    // Without the sandbox the keys are required, and named when missing.
    const Config production =
        Config::load({}, {},
                     {{QStringLiteral("server.data_dir"), dataDir},
                      {QStringLiteral("server.modules"), QStringLiteral("pay")}});
    try {
        WechatClientOptions::fromConfig(production);
        QFAIL("expected an error");
    } catch (const Error &e) {
        QCOMPARE(e.code(), ErrorCode::Internal);
        QVERIFY2(e.detail().contains(QLatin1String("wechat.merchant_key_file")),
                 qPrintable(e.detail()));
    }

    // Real-merchant configuration, using the sandbox's files as the merchant's.
    const WechatSandboxKeyFiles f = m_sandbox->keyFiles();
    const QString apiV3 = QString::fromLatin1(readAll(f.apiV3Key));
    QMap<QString, QString> values {
        {QStringLiteral("server.data_dir"), dataDir},
        {QStringLiteral("server.modules"), QStringLiteral("pay")},
        {QStringLiteral("channels.wechat_base_url"), sandboxUrl().toString()},
        {QStringLiteral("wechat.merchant_key_file"), f.merchantPrivateKey},
        {QStringLiteral("wechat.merchant_serial"), o.merchantSerial},
        {QStringLiteral("wechat.apiv3_key"), apiV3},
        {QStringLiteral("wechat.platform_public_key_file"), f.platformPublicKey},
        {QStringLiteral("wechat.platform_key_id"), o.platformSerial},
    };
    const WechatClientOptions real = WechatClientOptions::fromConfig(Config::load({}, {}, values));
    QCOMPARE(real.platformSerial, o.platformSerial);
    QCOMPARE(
        Config::load({}, {}, values).redactedValues().value(QStringLiteral("wechat.apiv3_key")),
        QStringLiteral("***"));
    const WechatClient c(real);
    QVERIFY(onWorker([&] { return c.prepayJsapi(prepayRequest("T950001", 100)); }).ok());

    // The current name of the key id, and the certificate mode (no public key: downloaded).
    QMap<QString, QString> renamed = values;
    renamed.remove(QStringLiteral("wechat.platform_key_id"));
    renamed.insert(QStringLiteral("wechat.platform_public_key_id"), o.platformSerial);
    QCOMPARE(WechatClientOptions::fromConfig(Config::load({}, {}, renamed)).platformSerial,
             o.platformSerial);
    QMap<QString, QString> certificateMode = renamed;
    certificateMode.remove(QStringLiteral("wechat.platform_public_key_file"));
    certificateMode.remove(QStringLiteral("wechat.platform_public_key_id"));
    const auto downloading = WechatClientOptions::load(Config::load({}, {}, certificateMode));
    QVERIFY(!downloading->platformKey);
    QVERIFY(downloading->downloadCertificates);
    QVERIFY(downloading->platformKeys);
    QVERIFY(!downloading->platformKeys->hasPublicKey());
    // A public key without its id: named.
    QMap<QString, QString> noId = renamed;
    noId.remove(QStringLiteral("wechat.platform_public_key_id"));
    try {
        WechatClientOptions::fromConfig(Config::load({}, {}, noId));
        QFAIL("expected an error");
    } catch (const Error &e) {
        QVERIFY2(e.detail().contains(QLatin1String("wechat.platform_public_key_id")),
                 qPrintable(e.detail()));
    }

    // A missing file is named, its content never.
    values.insert(QStringLiteral("wechat.merchant_key_file"),
                  dataDir + QStringLiteral("/nope.pem"));
    try {
        WechatClientOptions::fromConfig(Config::load({}, {}, values));
        QFAIL("expected an error");
    } catch (const Error &e) {
        QVERIFY(e.detail().contains(QLatin1String("nope.pem")));
    }
    values.insert(QStringLiteral("wechat.merchant_key_file"), f.apiV3Key); // not a PEM
    try {
        WechatClientOptions::fromConfig(Config::load({}, {}, values));
        QFAIL("expected an error");
    } catch (const Error &e) {
        QVERIFY(!e.detail().contains(apiV3));
    }
    // A malformed APIv3 key is a configuration error that does not echo it.
    values.insert(QStringLiteral("wechat.apiv3_key"), QStringLiteral("short-secret"));
    try {
        Config::load({}, {}, values);
        QFAIL("expected a ConfigError");
    } catch (const ConfigError &e) {
        QVERIFY(!e.message().contains(QLatin1String("short-secret")));
    }
}

void TestWechatChannel::timeoutAgainstSilentServer()
{
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    WechatClientOptions o = clientOptions(400);
    o.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort()));
    const WechatClient c(o);
    QElapsedTimer t;
    t.start();
    const auto q = onWorker([&] { return c.query(QStringLiteral("T960001")); });
    const qint64 elapsed = t.elapsed();
    QVERIFY(!q.ok());
    QCOMPARE(q.error, std::optional<ErrorCode>(ErrorCode::ChannelError));
    QVERIFY2(q.detail.contains(QLatin1String("timeout")), qPrintable(q.detail));
    QVERIFY2(elapsed >= 350 && elapsed < 2000, qPrintable(QString::number(elapsed)));
}

// The client against the sandbox in both key modes: an answer signed with an unknown platform
// certificate makes it download /v3/certificates (verified, decrypted) and accept; a rotation is
// followed; after the switch to the public key both keep verifying; without certificate download,
// or with the wrong APIv3 key (nothing decrypts), a certificate-signed answer is refused.
void TestWechatChannel::platformKeyModes()
{
    const WechatClient c = client();
    HttpResult r =
        control("/simulate/key-mode", {{QStringLiteral("mode"), QStringLiteral("certificate")}});
    QCOMPARE(r.status, 200);
    const QString first = r.json()[QStringLiteral("serial")].toString();
    QVERIFY(!c.platformKeys().knows(first));
    QVERIFY(onWorker([&] { return c.prepayJsapi(prepayRequest("T990001", 100)); }).ok());
    QVERIFY(c.platformKeys().knows(first));
    QCOMPARE(c.platformKeys().certificates().size(), 1);

    // Public key only (no download) and a client with another APIv3 key: refused.
    WechatClientOptions pinned = clientOptions();
    pinned.downloadCertificates = false;
    const WechatClient publicOnly(pinned);
    const auto refused = onWorker([&] { return publicOnly.query(QStringLiteral("T990001")); });
    QCOMPARE(refused.error, ErrorCode::ChannelError);
    QVERIFY2(refused.detail.contains(QLatin1String("answer rejected")), qPrintable(refused.detail));
    WechatClientOptions otherKey = clientOptions();
    otherKey.apiV3Key = QByteArrayLiteral("ZZZZ456789abcdefghijABCDEFGHIJ01");
    const WechatClient wrongKey(otherKey);
    QCOMPARE(onWorker([&] { return wrongKey.query(QStringLiteral("T990001")); }).error,
             ErrorCode::ChannelError);
    QVERIFY(wrongKey.platformKeys().certificates().isEmpty());
    const auto undecryptable = onWorker([&] { return wrongKey.refreshPlatformCertificates(); });
    QVERIFY(undecryptable.ok() && !undecryptable.value->ok);
    QVERIFY(undecryptable.value->error.contains(QLatin1String("decrypt")));

    // Rotation: the new certificate signs; the client refreshes and keeps the old one.
    r = control("/simulate/rotate-certificate", {});
    QCOMPARE(r.status, 200);
    const QString second = r.json()[QStringLiteral("serial")].toString();
    QVERIFY(onWorker([&] { return c.query(QStringLiteral("T990001")); }).ok());
    QVERIFY(c.platformKeys().knows(second));
    QVERIFY(c.platformKeys().knows(first));

    // Public key: verified with it; /v3/certificates 404 is no failure and drops nothing.
    QCOMPARE(control("/simulate/key-mode", {{QStringLiteral("mode"), QStringLiteral("public_key")}})
                 .status,
             200);
    QVERIFY(onWorker([&] { return c.query(QStringLiteral("T990001")); }).ok());
    QVERIFY(onWorker([&] { return publicOnly.query(QStringLiteral("T990001")); }).ok());
    const auto notFound = onWorker([&] { return c.refreshPlatformCertificates(); });
    QVERIFY(notFound.ok() && notFound.value->ok && notFound.value->notProvided);
    QCOMPARE(c.platformKeys().certificates().size(), 2);

    // The key mode and the rotated certificate survive a restart of the sandbox.
    QCOMPARE(
        control("/simulate/key-mode", {{QStringLiteral("mode"), QStringLiteral("certificate")}})
            .json()[QStringLiteral("serial")]
            .toString(),
        second);
    stop();
    start();
    const WechatClient restarted = client();
    const auto both = onWorker([&] { return restarted.refreshPlatformCertificates(); });
    QVERIFY(both.ok() && both.value->ok);
    QStringList added = both.value->added;
    added.sort();
    QStringList expected {first, second};
    expected.sort();
    QCOMPARE(added, expected);
    QVERIFY(onWorker([&] { return restarted.query(QStringLiteral("T990001")); }).ok());
}

QTEST_GUILESS_MAIN(TestWechatChannel)
#include "test_wechatchannel.moc"
