// Tests server/pay/payservice.* in process, against a real redis-server, both databases (SQLite,
// PostgreSQL) and the e-card sandbox served by an HttpServer on a free loopback port: the road
// to PAID and its money checks, payment exceptions recorded once, refund arithmetic.
#include "channels/ecardclient.h"
#include "domain/snowflake.h"
#include "http/httpserver.h"
#include "net/httpclient.h"
#include "pay/ecardstrategy.h"
#include "pay/payservice.h"
#include "redis/delayedqueue.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"
#include "redisserver.h"
#include "sandbox/ecardsandbox.h"
#include "storage/paymentexceptionrepository.h"
#include "storagetest.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtConcurrent>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");
const QString Partner = QStringLiteral("payservice-test");
const QByteArray TestKey("payservice-test-partner-key");
const QString TestStudent = QStringLiteral("B21040199");

} // namespace

class TestPayService : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void exactPaymentMakesThePaidOrder_data() { backendRows(); }
    void exactPaymentMakesThePaidOrder();
    void mismatchIsAnExceptionOnce_data() { backendRows(); }
    void mismatchIsAnExceptionOnce();
    void refundArithmetic_data() { backendRows(); }
    void refundArithmetic();
    void orderNeverCashieredClosesAtItsTimeout_data() { backendRows(); }
    void orderNeverCashieredClosesAtItsTimeout();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    /// Runs @p f on a pool thread while this one serves the sandbox (the service calls it).
    template<typename F> auto onWorker(F f)
    {
        auto future = QtConcurrent::run(&m_pool, std::move(f));
        waitUntil([&] { return future.isFinished(); }, 30000);
        return future.result();
    }
    /// A new order of @p amount, cashiered on the e-card: its id.
    qint64 payingOrder(const QString &outTradeNo, qint64 amount);
    ChannelResult exact(qint64 orderId, qint64 amount, const QString &tradeNo) const;

    QThreadPool m_pool;
    StorageBackends m_backends;
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<RedisPool> m_redisPool;
    RedisKeys m_keys;
    std::unique_ptr<RedisLockService> m_locks;
    std::unique_ptr<SnowflakeGenerator> m_ids;
    std::unique_ptr<HttpServer> m_server;
    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<EcardSandbox> m_sandbox;
    QMap<QString, QString> m_settings;
    Config m_config;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<ServerContext> m_context;
    PaymentStrategyRegistry m_strategies;
    std::unique_ptr<DelayedQueue> m_queue;
    std::unique_ptr<PayService> m_service;
};

void TestPayService::initTestCase()
{
    QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString()));
    m_redis = std::make_unique<RedisServer>();
    QVERIFY(m_redis->start());
    const RedisOptions ro = redisOptionsFor(*m_redis, 2000); // the RedisOptions defaults
    m_redisPool = std::make_unique<RedisPool>(ro);
    m_locks = std::make_unique<RedisLockService>(*m_redisPool, m_keys);
    m_ids = std::make_unique<SnowflakeGenerator>(3);

    m_server = std::make_unique<HttpServer>(HttpServer::Options {4, 64});
    const quint16 port = m_server->listenGuarded(QHostAddress::LocalHost, 0);
    QVERIFY2(port, qPrintable(m_server->listenError()));
    m_dir.emplace();
    EcardSandboxOptions options;
    options.partnerId = Partner;
    options.partnerKey = TestKey;
    options.notifyScheduleMs = {}; // nobody listens for notifications: the service is asked
    m_sandbox = std::make_unique<EcardSandbox>(options);
    m_sandbox->registerRoutes(m_server->router());

    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(port);
    m_settings = {
        {QStringLiteral("server.public_base_url"), base},
        {QStringLiteral("channels.ecard_base_url"), base + QStringLiteral("/sandbox/ecard")},
        {QStringLiteral("ecard.partner_id"), Partner},
        {QStringLiteral("ecard.partner_key"), QString::fromLatin1(TestKey)},
        {QStringLiteral("pay.channels"), QStringLiteral("ECARD")}};
    m_config = Config::load({}, {}, m_settings);
    m_strategies.add(std::make_unique<EcardStrategy>(m_config));
}

void TestPayService::cleanupTestCase()
{
    m_server.reset();
    m_sandbox.reset();
}

void TestPayService::init()
{
    QFETCH(QString, backend);
    m_db = migratedDatabase(m_backends, backend);
    QVERIFY(m_db);
    addApp(*m_db, AppId);
    m_context.reset(new ServerContext {m_config, *m_redisPool, m_keys, *m_locks, *m_db, *m_ids,
                                       QTimeZone::systemTimeZone(), testSecretBox()});
    m_queue = std::make_unique<DelayedQueue>(*m_redisPool, m_keys.orderTimeoutQueue());
    m_service = std::make_unique<PayService>(*m_context, testSecretBox(), m_strategies, *m_queue);
}

void TestPayService::cleanup()
{
    m_service.reset();
    m_queue.reset();
    m_context.reset();
    m_db.reset();
}

qint64 TestPayService::payingOrder(const QString &outTradeNo, qint64 amount)
{
    const App app = *AppRepository(*m_db, testSecretBox()).find(AppId);
    CreateOrderInput in;
    in.appId = AppId;
    in.outTradeNo = outTradeNo;
    in.amount = amount;
    in.subject = QStringLiteral("羽毛球场 1号");
    in.openId = QStringLiteral("o-tester");
    in.studentId = TestStudent;
    in.notifyUrl = QStringLiteral("http://127.0.0.1/api/v1/pay-notify");
    const qint64 id = m_service->createOrder(app, in).order.id;
    CashierInput c;
    c.appId = AppId;
    c.orderId = id;
    c.amount = amount;
    c.channel = QStringLiteral("ECARD");
    onWorker([&] { return m_service->cashier(c).order.id; });
    return id;
}

ChannelResult TestPayService::exact(qint64 orderId, qint64 amount, const QString &tradeNo) const
{
    ChannelResult r;
    r.notifyId = QStringLiteral("N-") + tradeNo;
    r.success = true;
    r.payment.channel = QStringLiteral("ECARD");
    r.payment.tradeNo = tradeNo;
    r.payment.outTradeNo = snowflakeToString(orderId);
    r.payment.amount = amount;
    r.payment.currency = QStringLiteral("CNY");
    r.payment.merchantId = Partner;
    r.payload = "{}";
    return r;
}

void TestPayService::exactPaymentMakesThePaidOrder()
{
    const qint64 id = payingOrder(QStringLiteral("P-1"), 2000);
    QCOMPARE(OrderRepository(*m_db).find(id)->status, OrderStatus::Paying);
    m_service->applyChannelResult(exact(id, 2000, QStringLiteral("ET-1")));
    const PayOrder o = *OrderRepository(*m_db).find(id);
    QCOMPARE(o.status, OrderStatus::Paid);
    QCOMPARE(o.channelTradeNo, QStringLiteral("ET-1"));
    // The same payment again (another delivery id): no news, no exception.
    ChannelResult again = exact(id, 2000, QStringLiteral("ET-1"));
    again.notifyId = QStringLiteral("N-again");
    m_service->applyChannelResult(again);
    QCOMPARE(OrderRepository(*m_db).find(id)->version, o.version);
    QVERIFY(PaymentExceptionRepository(*m_db).ofOrder(id).isEmpty());
    QCOMPARE(OrderRepository(*m_db).events(id).size(), 3); // INIT, PAYING, PAID
}

void TestPayService::mismatchIsAnExceptionOnce()
{
    const qint64 id = payingOrder(QStringLiteral("P-2"), 5000);
    ChannelResult oneFen = exact(id, 1, QStringLiteral("ET-2"));
    // The refund that follows goes to the sandbox, which has no such payment: off this thread.
    onWorker([&] {
        m_service->applyChannelResult(oneFen);
        oneFen.notifyId = QStringLiteral("N-repeat");
        m_service->applyChannelResult(oneFen); // reported again, under another delivery id
        return 0;
    });
    QCOMPARE(OrderRepository(*m_db).find(id)->status, OrderStatus::Paying);
    const QList<PaymentException> found = PaymentExceptionRepository(*m_db).ofOrder(id);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().reason, PaymentExceptionReason::AmountMismatch);
    QCOMPARE(found.first().paidAmount, 1);
    // The card center keeps no paid trade under the order: nothing is refunded blindly.
    QCOMPARE(found.first().state, PaymentExceptionState::RefundFailed);
    QCOMPARE(OrderRepository(*m_db).events(id).size(), 2); // INIT, PAYING
}

void TestPayService::refundArithmetic()
{
    const qint64 id = payingOrder(QStringLiteral("P-3"), 1500);
    // The student pays at the card center; the service learns it by asking (admin verify).
    const PayOrder paying = *OrderRepository(*m_db).find(id);
    const HttpClientResponse paid = onWorker([&] {
        HttpClientRequest request;
        request.method = "POST";
        request.url = QUrl(m_config.ecardBaseUrl() + QStringLiteral("/simulate/pay"));
        request.body =
            QJsonDocument(QJsonObject {{QStringLiteral("prepayId"), paying.prepayId},
                                       {QStringLiteral("result"), QStringLiteral("SUCCESS")}})
                .toJson(QJsonDocument::Compact);
        return HttpClient::send(request);
    });
    QCOMPARE(paid.status, 200);
    const auto [after, channel] = onWorker([&] { return m_service->verifyWithChannel(id); });
    QCOMPARE(after.status, OrderStatus::Paid);
    QCOMPARE(channel.payment.amount, 1500);
    const auto refund = [&](const QString &no, qint64 amount) -> int {
        RefundInput in;
        in.appId = AppId;
        in.orderId = id;
        in.outRefundNo = no;
        in.amount = amount;
        return onWorker([&] {
            try {
                m_service->refund(in);
                return 0;
            } catch (const Error &e) {
                return int(e.code());
            }
        });
    };
    QCOMPARE(refund(QStringLiteral("R-1"), 500), 0);
    PayOrder o = *OrderRepository(*m_db).find(id);
    QCOMPARE(o.status, OrderStatus::Paid);
    QCOMPARE(o.refundedAmount, 500);
    QCOMPARE(refund(QStringLiteral("R-2"), 1001), int(ErrorCode::InvalidAmount)); // 1000 left
    QCOMPARE(refund(QStringLiteral("R-1"), 499), int(ErrorCode::OutTradeNoReused));
    QCOMPARE(refund(QStringLiteral("R-1"), 500), 0); // the same request: the same refund
    QCOMPARE(refund(QStringLiteral("R-3"), 1000), 0);
    o = *OrderRepository(*m_db).find(id);
    QCOMPARE(o.status, OrderStatus::Refunded);
    QCOMPARE(o.refundedAmount, 1500);
    QCOMPARE(m_sandbox->balance(TestStudent), std::optional<qint64>(50000));
    QCOMPARE(refund(QStringLiteral("R-4"), 1), int(ErrorCode::OrderFinished));
}

void TestPayService::orderNeverCashieredClosesAtItsTimeout()
{
    // An order the student never takes to the cashier: its timeout is scheduled when it is
    // created, so it closes when it expires, not at the next one-minute sweep (none runs here).
    QMap<QString, QString> settings = m_settings;
    settings.insert(QStringLiteral("pay.order_timeout_seconds"), QStringLiteral("2"));
    const Config config = Config::load({}, {}, settings);
    const ServerContext context {
        config,         *m_redisPool, m_keys, *m_locks, *m_db, *m_ids, QTimeZone::systemTimeZone(),
        testSecretBox()};
    PayService service(context, testSecretBox(), m_strategies, *m_queue);

    const App app = *AppRepository(*m_db, testSecretBox()).find(AppId);
    CreateOrderInput in;
    in.appId = AppId;
    in.outTradeNo = QStringLiteral("T-never");
    in.amount = 1500;
    in.subject = QStringLiteral("羽毛球场 2号");
    in.openId = QStringLiteral("o-tester");
    in.studentId = TestStudent;
    in.notifyUrl = QStringLiteral("http://127.0.0.1/api/v1/pay-notify");
    const PayOrder created = service.createOrder(app, in).order;
    QCOMPARE(created.status, OrderStatus::Init);
    QCOMPARE(created.expiresAt - created.createdAt, 2000);
    const QByteArray item = snowflakeToString(created.id).toLatin1();
    // In the queue, due at the order's expiry (Redis' clock: within a second of ours).
    const qint64 due =
        m_redisPool->command({"ZSCORE", m_keys.orderTimeoutQueue(), item}).toInteger();
    QVERIFY2(std::abs(due - created.expiresAt) < 1000,
             qPrintable(QStringLiteral("%1 vs %2").arg(due).arg(created.expiresAt)));

    DelayedQueueWorker worker(*m_redisPool, m_keys.orderTimeoutQueue(), [&](const DelayedItem &i) {
        return service.handleTimeout(*snowflakeFromString(QString::fromLatin1(i.payload)));
    });
    worker.start();
    QTRY_VERIFY_WITH_TIMEOUT(OrderRepository(*m_db).find(created.id)->status == OrderStatus::Closed,
                             10000);
    worker.stop();
    const PayOrder closed = *OrderRepository(*m_db).find(created.id);
    QVERIFY(closed.closedAt.has_value());
    // At its expiry (not before, and not a sweep period later).
    QVERIFY2(*closed.closedAt >= created.expiresAt - 1000
                 && *closed.closedAt < created.expiresAt + 5000,
             qPrintable(QString::number(*closed.closedAt - created.expiresAt)));
    QVERIFY(!m_queue->cancel(item)); // done: neither scheduled nor in processing

    // Idempotent: the sweep (or a second delivery) finds nothing left to do.
    QVERIFY(service.handleTimeout(created.id));
    QCOMPARE(service.sweepExpired(), 0);
    QCOMPARE(OrderRepository(*m_db).find(created.id)->version, closed.version);
    QCOMPARE(OrderRepository(*m_db).events(created.id).size(), 2); // INIT, CLOSED
}

QTEST_GUILESS_MAIN(TestPayService)
#include "test_payservice.moc"
