// Tests server/workers/merchantnotifier.* and server/booking/paynotify.*: signed merchant
// notifications, the retry schedule (compressed), FAILED after the last attempt, the notify-host
// check, and the booking app's own POST /api/v1/pay-notify as the receiving merchant — against
// an in-process HttpServer, on SQLite and PostgreSQL.
#include "booking/paynotify.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "http/httpserver.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"
#include "redisserver.h"
#include "storage/notificationrepository.h"
#include "storagetest.h"
#include "telemetry/exporters.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"
#include "testsupport.h"
#include "workers/merchantnotifier.h"

#include <QFile>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent>

#include <mutex>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking"); // DemoData::venueBookingAppId()
const QByteArray Secret = QByteArrayLiteral("secret-of-venue-booking"); // storagetest.h addApp()

struct Merchant
{
    std::mutex mutex;
    int failuresLeft = 0;
    int hits = 0;
    int badSignatures = 0;
    QList<QJsonObject> received;
    QList<QByteArray> traceparents; ///< of every request, in order
};

} // namespace

class TestMerchantNotifier : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase() { m_server.reset(); }

    void deliveredAfterRetries_data() { backendRows(); }
    void deliveredAfterRetries();
    void failedAfterLastAttempt_data() { backendRows(); }
    void failedAfterLastAttempt();
    void hostNotAllowed_data() { backendRows(); }
    void hostNotAllowed();
    void neverInwardOutsideDevelopment_data() { backendRows(); }
    void neverInwardOutsideDevelopment();
    void acknowledgement_data();
    void acknowledgement();
    void payNotifyMovesBookings_data() { backendRows(); }
    void payNotifyMovesBookings();
    void payNotifyRefusesBadSignature_data() { backendRows(); }
    void payNotifyRefusesBadSignature();
    void payNotifyRefundedOvertakingPaid_data() { backendRows(); }
    void payNotifyRefundedOvertakingPaid();
    void requestCarriesTheEventTrace_data() { backendRows(); }
    void requestCarriesTheEventTrace();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    QString url(const char *path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(QLatin1String(path));
    }
    /// An order of @p status (INIT → PAYING → status) and its notification to @p notifyUrl.
    qint64 notificationFor(qint64 orderId, OrderStatus status, const QString &notifyUrl,
                           const QString &outTradeNo = {}, const QString &traceparent = {});
    MerchantNotifierOptions options(QList<int> schedule) const
    {
        MerchantNotifierOptions o;
        o.scheduleSeconds = schedule;
        o.timeoutMs = 2000;
        o.maxIdleMs = 200;
        o.development = true; // the test merchant listens on loopback
        return o;
    }
    /// deliverDue() off this thread, which must keep serving the merchant's routes.
    static int deliverOnWorker(MerchantNotifier &notifier)
    {
        QFuture<int> f = QtConcurrent::run([&notifier] { return notifier.deliverDue(); });
        waitUntil([&] { return f.isFinished(); }, 30000);
        return f.result();
    }
    NotificationState stateOf(qint64 id) const
    {
        return NotificationRepository(*m_db).find(id)->state;
    }

    StorageBackends m_backends;
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
    Merchant m_merchant;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<RedisPool> m_pool;
    std::unique_ptr<RedisLockService> m_locks;
    std::unique_ptr<SnowflakeGenerator> m_ids;
    std::unique_ptr<ServerContext> m_context;
    Config m_config;
    RedisKeys m_keys;
    qint64 m_nextId = 7000;
};

void TestMerchantNotifier::initTestCase()
{
    QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString()));
    m_redis = std::make_unique<RedisServer>();
    QVERIFY(m_redis->start());
    const RedisOptions ro = redisOptionsFor(*m_redis, 2000); // the RedisOptions defaults
    m_pool = std::make_unique<RedisPool>(ro);
    m_locks = std::make_unique<RedisLockService>(*m_pool, m_keys);
    m_ids = std::make_unique<SnowflakeGenerator>(1);

    m_server = std::make_unique<HttpServer>(HttpServer::Options {4, 64});
    m_port = m_server->listenGuarded(QHostAddress::LocalHost, 0);
    QVERIFY2(m_port, qPrintable(m_server->listenError()));
    m_server->router().add("POST", QStringLiteral("/merchant/notify"), HandlerMode::Inline,
                           [this](const HttpRequest &r) {
                               std::lock_guard lock(m_merchant.mutex);
                               ++m_merchant.hits;
                               m_merchant.traceparents.append(r.header("traceparent"));
                               const QJsonObject body = QJsonDocument::fromJson(r.body).object();
                               if (!signing::verify(signing::Target::notify(), body, Secret))
                                   ++m_merchant.badSignatures;
                               if (m_merchant.failuresLeft > 0) {
                                   --m_merchant.failuresLeft;
                                   return HttpResponse::text(500, "busy");
                               }
                               m_merchant.received.append(body);
                               return HttpResponse::text(200, "SUCCESS");
                           });
}

void TestMerchantNotifier::init()
{
    {
        std::lock_guard lock(m_merchant.mutex);
        m_merchant.failuresLeft = 0;
        m_merchant.hits = 0;
        m_merchant.badSignatures = 0;
        m_merchant.received.clear();
        m_merchant.traceparents.clear();
    }
    if (qstrcmp(QTest::currentTestFunction(), "acknowledgement") == 0)
        return; // no database
    QFETCH(QString, backend);
    m_db = migratedDatabase(m_backends, backend);
    QVERIFY(m_db);
    addApp(*m_db, AppId);
    m_context.reset(new ServerContext {m_config, *m_pool, m_keys, *m_locks, *m_db, *m_ids,
                                       QTimeZone::systemTimeZone(), testSecretBox()});
}

void TestMerchantNotifier::cleanup()
{
    m_context.reset();
    m_db.reset();
}

qint64 TestMerchantNotifier::notificationFor(qint64 orderId, OrderStatus status,
                                             const QString &notifyUrl, const QString &outTradeNo,
                                             const QString &traceparent)
{
    PayOrder o = sampleOrder(
        orderId, AppId, outTradeNo.isEmpty() ? QStringLiteral("N-%1").arg(orderId) : outTradeNo);
    o.notifyUrl = notifyUrl;
    addOrder(*m_db, o);
    return m_db->transact([&](Transaction &tx) {
        OrderRepository orders(*m_db);
        OrderTransition t;
        t.orderId = orderId;
        t.expectedVersion = 0;
        t.from = OrderStatus::Init;
        t.to = OrderStatus::Paying;
        t.changes.channel = QStringLiteral("ECARD");
        orders.transition(tx, t);
        t.expectedVersion = 1;
        t.from = OrderStatus::Paying;
        t.to = status;
        t.changes = {};
        t.traceparent = traceparent; // of the notified event
        if (status == OrderStatus::Paid) {
            t.changes.paidAt = nowMs();
            t.changes.channelTradeNo = QStringLiteral("EC-%1").arg(orderId);
        }
        const TransitionResult r = *orders.transition(tx, t);
        MerchantNotification n;
        n.orderId = orderId;
        n.appId = AppId;
        n.eventId = r.eventId;
        n.orderStatus = statusName(status);
        n.url = notifyUrl;
        NotificationRepository(*m_db).enqueue(tx, n);
        return n.id;
    });
}

void TestMerchantNotifier::deliveredAfterRetries()
{
    const qint64 id = notificationFor(++m_nextId, OrderStatus::Paid, url("/merchant/notify"),
                                      QStringLiteral("B-1"));
    m_merchant.failuresLeft = 3;
    MerchantNotifier notifier(*m_db, testSecretBox(), options({1, 1, 1}));
    notifier.start();
    QVERIFY(waitUntil([&] { return stateOf(id) == NotificationState::Delivered; }, 20000));
    notifier.stop();

    std::lock_guard lock(m_merchant.mutex);
    QCOMPARE(m_merchant.hits, 4);
    QCOMPARE(m_merchant.badSignatures, 0);
    QCOMPARE(m_merchant.received.size(), 1);
    const QJsonObject body = m_merchant.received.first();
    QCOMPARE(body.value(QStringLiteral("appId")).toString(), AppId);
    QCOMPARE(body.value(QStringLiteral("orderId")).toString(), snowflakeToString(m_nextId));
    QCOMPARE(body.value(QStringLiteral("outTradeNo")).toString(), QStringLiteral("B-1"));
    QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("PAID"));
    QCOMPARE(body.value(QStringLiteral("amount")).toInteger(), 2000);
    QCOMPARE(body.value(QStringLiteral("channel")).toString(), QStringLiteral("ECARD"));
    QCOMPARE(body.value(QStringLiteral("channelTradeNo")).toString(),
             QStringLiteral("EC-%1").arg(m_nextId));
    QVERIFY(!body.value(QStringLiteral("paidAt")).toString().isEmpty());
    QVERIFY(signing::isValidNonce(body.value(QStringLiteral("nonce")).toString()));
    // Tampering is detected by the receiver.
    QJsonObject tampered = body;
    tampered.insert(QStringLiteral("amount"), 1);
    QVERIFY(!signing::verify(signing::Target::notify(), tampered, Secret));

    const QList<NotificationAttempt> attempts = NotificationRepository(*m_db).attempts(id);
    QCOMPARE(attempts.size(), 4);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(attempts.at(i).httpStatus, std::optional<int>(500));
    QCOMPARE(attempts.at(3).httpStatus, std::optional<int>(200));
    // The schedule was respected: about a second between attempts.
    for (int i = 1; i < 4; ++i)
        QVERIFY(attempts.at(i).at - attempts.at(i - 1).at >= 900);
    QCOMPARE(notifier.deliveredCount(), quint64(1));
}

void TestMerchantNotifier::failedAfterLastAttempt()
{
    const qint64 id = notificationFor(++m_nextId, OrderStatus::Closed, url("/merchant/notify"));
    m_merchant.failuresLeft = 1000;
    MerchantNotifier notifier(*m_db, testSecretBox(), options({0, 0}));
    notifier.start();
    QVERIFY(waitUntil([&] { return stateOf(id) == NotificationState::Failed; }, 15000));
    notifier.stop();
    QCOMPARE(NotificationRepository(*m_db).attempts(id).size(), 3);
    {
        std::lock_guard lock(m_merchant.mutex);
        QCOMPARE(m_merchant.hits, 3);
        m_merchant.failuresLeft = 0;
    }
    QVERIFY(!NotificationRepository(*m_db).nextDueAt());

    // An admin re-send starts a new round, which the state in the database carries.
    QVERIFY(m_db->transact(
        [&](Transaction &tx) { return NotificationRepository(*m_db).resend(tx, id, nowMs()); }));
    MerchantNotifier again(*m_db, testSecretBox(), options({0, 0}));
    QCOMPARE(deliverOnWorker(again), 1);
    QCOMPARE(stateOf(id), NotificationState::Delivered);
}

void TestMerchantNotifier::hostNotAllowed()
{
    const QString foreign = QStringLiteral("http://localhost:%1/merchant/notify").arg(m_port);
    const qint64 id = notificationFor(++m_nextId, OrderStatus::Paid, foreign);
    MerchantNotifier notifier(*m_db, testSecretBox(), options({0, 0, 0}));
    QCOMPARE(deliverOnWorker(notifier), 1);
    const MerchantNotification n = *NotificationRepository(*m_db).find(id);
    QCOMPARE(n.state, NotificationState::Failed);
    QVERIFY2(n.lastError.contains(QLatin1String("not allowed")), qPrintable(n.lastError));
    std::lock_guard lock(m_merchant.mutex);
    QCOMPARE(m_merchant.hits, 0);
}

void TestMerchantNotifier::neverInwardOutsideDevelopment()
{
    // The same internal app and URL as the delivered cases, but a production notifier: loopback
    // is never a target there, so nothing is sent.
    const qint64 id = notificationFor(++m_nextId, OrderStatus::Paid, url("/merchant/notify"));
    MerchantNotifierOptions production = options({0, 0});
    production.development = false;
    MerchantNotifier notifier(*m_db, testSecretBox(), production);
    QCOMPARE(deliverOnWorker(notifier), 1);
    MerchantNotification n = *NotificationRepository(*m_db).find(id);
    QCOMPARE(n.state, NotificationState::Failed);
    QVERIFY2(n.lastError.contains(QLatin1String("loopback")), qPrintable(n.lastError));
    {
        std::lock_guard lock(m_merchant.mutex);
        QCOMPARE(m_merchant.hits, 0);
    }
    // An app that is not internal may not name loopback nor a port of its own: it fails at once.
    addApp(*m_db, QStringLiteral("outside-app"), false);
    PayOrder o = sampleOrder(++m_nextId, QStringLiteral("outside-app"), QStringLiteral("O-1"));
    o.notifyUrl = url("/merchant/notify");
    addOrder(*m_db, o);
    const qint64 outside = m_db->transact([&](Transaction &tx) {
        OrderTransition t;
        t.orderId = o.id;
        t.from = OrderStatus::Init;
        t.to = OrderStatus::Closed;
        const TransitionResult r = *OrderRepository(*m_db).transition(tx, t);
        MerchantNotification mn;
        mn.orderId = o.id;
        mn.appId = o.appId;
        mn.eventId = r.eventId;
        mn.orderStatus = QStringLiteral("CLOSED");
        mn.url = o.notifyUrl;
        NotificationRepository(*m_db).enqueue(tx, mn);
        return mn.id;
    });
    MerchantNotifier dev(*m_db, testSecretBox(), options({0, 0}));
    QCOMPARE(deliverOnWorker(dev), 1);
    n = *NotificationRepository(*m_db).find(outside);
    QCOMPARE(n.state, NotificationState::Failed);
    QVERIFY2(n.lastError.contains(QLatin1String("not allowed for the app")),
             qPrintable(n.lastError));
    std::lock_guard lock(m_merchant.mutex);
    QCOMPARE(m_merchant.hits, 0);
}

void TestMerchantNotifier::acknowledgement_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << QByteArray("SUCCESS") << true;
    QTest::newRow("newline") << QByteArray("SUCCESS\n") << true;
    QTest::newRow("json") << QByteArray(R"({"code":"SUCCESS"})") << true;
    QTest::newRow("json fail") << QByteArray(R"({"code":"FAIL"})") << false;
    QTest::newRow("lower") << QByteArray("success") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("other") << QByteArray("OK") << false;
}

void TestMerchantNotifier::acknowledgement()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, ok);
    QCOMPARE(isMerchantAcknowledgement(body), ok);
}

void TestMerchantNotifier::payNotifyMovesBookings()
{
    // A server of its own: the route refers to this test's context.
    HttpServer bookingServer(HttpServer::Options {2, 16});
    const quint16 bookingPort = bookingServer.listenGuarded(QHostAddress::LocalHost, 0);
    QVERIFY(bookingPort);
    registerPayNotifyRoute(bookingServer.router(), *m_context, testSecretBox());
    const qint64 venue = addVenue(*m_db);
    const qint64 user = addUser(*m_db);
    const auto book = [&](const QString &start, const QString &end) {
        const qint64 bookingId = ++m_nextId;
        m_db->transact([&](Transaction &tx) {
            BookingRepository(*m_db).insert(
                tx, sampleBooking(bookingId, user, venue, QStringLiteral("2099-06-01"), start, end),
                {start});
        });
        return bookingId;
    };
    const qint64 paidBooking = book(QStringLiteral("10:00"), QStringLiteral("11:00"));
    const qint64 closedBooking = book(QStringLiteral("11:00"), QStringLiteral("12:00"));
    const QString notifyUrl =
        QStringLiteral("http://127.0.0.1:%1/api/v1/pay-notify").arg(bookingPort);
    const qint64 paidNotification =
        notificationFor(++m_nextId, OrderStatus::Paid, notifyUrl, snowflakeToString(paidBooking));
    const qint64 paidOrder = m_nextId;
    m_db->transact([&](Transaction &tx) {
        BookingRepository(*m_db).setPayOrder(tx, paidBooking, 0, paidOrder);
    });
    // The closed one is found by outTradeNo (its pay order not recorded on the booking).
    const qint64 closedNotification = notificationFor(++m_nextId, OrderStatus::Closed, notifyUrl,
                                                      snowflakeToString(closedBooking));

    MerchantNotifier notifier(*m_db, testSecretBox(), options({0, 0}));
    notifier.start();
    QVERIFY(waitUntil(
        [&] {
            return stateOf(paidNotification) == NotificationState::Delivered
                && stateOf(closedNotification) == NotificationState::Delivered;
        },
        15000));
    notifier.stop();
    BookingRepository bookings(*m_db);
    QCOMPARE(bookings.find(paidBooking)->status, BookingStatus::Paid);
    QCOMPARE(bookings.find(closedBooking)->status, BookingStatus::Cancelled);
    const QList<SlotHolder> held = bookings.activeSlots(venue, QStringLiteral("2099-06-01"));
    QCOMPARE(held.size(), 1); // the cancelled booking's slot is free again
    QCOMPARE(held.first().bookingId, paidBooking);

    // Repeated notifications are harmless.
    for (const qint64 id : {paidNotification, closedNotification}) {
        QVERIFY(m_db->transact([&](Transaction &tx) {
            return NotificationRepository(*m_db).resend(tx, id, nowMs(), true);
        }));
    }
    QCOMPARE(deliverOnWorker(notifier), 2);
    QCOMPARE(stateOf(paidNotification), NotificationState::Delivered);
    QCOMPARE(stateOf(closedNotification), NotificationState::Delivered);
    QCOMPARE(bookings.find(paidBooking)->status, BookingStatus::Paid);
    QCOMPARE(bookings.find(closedBooking)->status, BookingStatus::Cancelled);
}

void TestMerchantNotifier::payNotifyRefusesBadSignature()
{
    const qint64 venue = addVenue(*m_db);
    const qint64 user = addUser(*m_db);
    const qint64 bookingId = ++m_nextId;
    m_db->transact([&](Transaction &tx) {
        BookingRepository(*m_db).insert(
            tx,
            sampleBooking(bookingId, user, venue, QStringLiteral("2099-06-01"),
                          QStringLiteral("10:00"), QStringLiteral("11:00")),
            {QStringLiteral("10:00")});
    });
    QJsonObject n {
        {QStringLiteral("appId"), AppId},
        {QStringLiteral("orderId"), snowflakeToString(bookingId + 1)},
        {QStringLiteral("outTradeNo"), snowflakeToString(bookingId)},
        {QStringLiteral("status"), QStringLiteral("PAID")},
        {QStringLiteral("amount"), 2000},
        {QStringLiteral("nonce"), signing::generateNonce()},
        {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()},
    };
    const auto codeOf = [&](const QJsonObject &o) {
        try {
            handlePayNotify(*m_context, testSecretBox(), o);
            return 0;
        } catch (const Error &e) {
            return int(e.code());
        }
    };
    QCOMPARE(codeOf(signing::withSignature(signing::Target::notify(), n, "another secret")),
             int(ErrorCode::InvalidSignature));
    QJsonObject forged = signing::withSignature(signing::Target::notify(), n, Secret);
    forged.insert(QStringLiteral("status"), QStringLiteral("CLOSED"));
    QCOMPARE(codeOf(forged), int(ErrorCode::InvalidSignature));
    QCOMPARE(codeOf(n), int(ErrorCode::InvalidSignature)); // unsigned
    QCOMPARE(BookingRepository(*m_db).find(bookingId)->status, BookingStatus::PendingPayment);
    QJsonObject wrongAmount = n;
    wrongAmount.insert(QStringLiteral("amount"), 1);
    QCOMPARE(codeOf(signing::withSignature(signing::Target::notify(), wrongAmount, Secret)),
             int(ErrorCode::InvalidAmount));
    // Its nonce is spent: the same nonce again is a replay, whatever the body.
    QCOMPARE(codeOf(signing::withSignature(signing::Target::notify(), n, Secret)),
             int(ErrorCode::RequestExpiredOrReplayed));
    QCOMPARE(BookingRepository(*m_db).find(bookingId)->status, BookingStatus::PendingPayment);
    n.insert(QStringLiteral("nonce"), signing::generateNonce());
    const QJsonObject genuine = signing::withSignature(signing::Target::notify(), n, Secret);
    QCOMPARE(codeOf(genuine), 0);
    QCOMPARE(BookingRepository(*m_db).find(bookingId)->status, BookingStatus::Paid);
    QCOMPARE(codeOf(genuine), int(ErrorCode::RequestExpiredOrReplayed)); // replayed
    QCOMPARE(BookingRepository(*m_db).find(bookingId)->status, BookingStatus::Paid);
}

void TestMerchantNotifier::payNotifyRefundedOvertakingPaid()
{
    // PAID failed at first and is retried; the order is refunded meanwhile and REFUNDED arrives
    // first. The booking must end REFUNDED with its slot free, whatever order they come in.
    const qint64 venue = addVenue(*m_db);
    const qint64 user = addUser(*m_db);
    const qint64 bookingId = ++m_nextId;
    m_db->transact([&](Transaction &tx) {
        BookingRepository(*m_db).insert(
            tx,
            sampleBooking(bookingId, user, venue, QStringLiteral("2099-06-02"),
                          QStringLiteral("10:00"), QStringLiteral("11:00")),
            {QStringLiteral("10:00")});
    });
    const auto notice = [&](const char *status) {
        return signing::withSignature(
            signing::Target::notify(),
            QJsonObject {{QStringLiteral("appId"), AppId},
                         {QStringLiteral("orderId"), snowflakeToString(bookingId + 1)},
                         {QStringLiteral("outTradeNo"), snowflakeToString(bookingId)},
                         {QStringLiteral("status"), QString::fromLatin1(status)},
                         {QStringLiteral("amount"), 2000},
                         {QStringLiteral("nonce"), signing::generateNonce()},
                         {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()}},
            Secret);
    };
    QCOMPARE(handlePayNotify(*m_context, testSecretBox(), notice("REFUNDED")),
             PayNotifyOutcome::Applied);
    BookingRepository bookings(*m_db);
    QCOMPARE(bookings.find(bookingId)->status, BookingStatus::Refunded);
    QVERIFY(bookings.activeSlots(venue, QStringLiteral("2099-06-02")).isEmpty());
    QCOMPARE(handlePayNotify(*m_context, testSecretBox(), notice("PAID")),
             PayNotifyOutcome::AlreadyDone);
    QCOMPARE(bookings.find(bookingId)->status, BookingStatus::Refunded);
    QVERIFY(bookings.activeSlots(venue, QStringLiteral("2099-06-02")).isEmpty());
}

// Every attempt runs in a merchant.notify span, a child of the event's traceparent; the HTTP
// request it makes carries a traceparent of that trace (the merchant joins it), and the
// notifier's log line about a failed attempt carries the trace id.
void TestMerchantNotifier::requestCarriesTheEventTrace()
{
    auto exporter = std::make_shared<InMemorySpanExporter>();
    Tracer::instance().setExporters({exporter});
    const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString logPath = dir.filePath(QStringLiteral("log.jsonl"));

    const SpanContext request {TraceId::random(), SpanId::random()};
    const qint64 orderId = ++m_nextId;
    const qint64 id = notificationFor(orderId, OrderStatus::Paid, url("/merchant/notify"), {},
                                      QString::fromLatin1(request.toTraceparent()));
    m_merchant.failuresLeft = 1;
    MerchantNotifier notifier(*m_db, testSecretBox(), options({0, 0}));
    QVERIFY(installLogHandler(LogFormat::JsonLines, logPath));
    auto uninstall = qScopeGuard([] { uninstallLogHandler(); });
    QCOMPARE(deliverOnWorker(notifier), 1); // HTTP 500: retried
    uninstall.dismiss();
    uninstallLogHandler();
    QCOMPARE(deliverOnWorker(notifier), 1);
    QCOMPARE(stateOf(id), NotificationState::Delivered);

    QList<SpanData> notifies, clients;
    for (const SpanData &s : exporter->spans()) {
        if (s.name == QLatin1String("merchant.notify"))
            notifies << s;
        else if (s.name == QLatin1String("merchant notify"))
            clients << s;
    }
    QCOMPARE(notifies.size(), 2);
    QCOMPARE(clients.size(), 2);
    for (int i = 0; i < 2; ++i) {
        const SpanData &n = notifies.at(i);
        QCOMPARE(n.traceId, request.traceId);
        QCOMPARE(n.parentSpanId, request.spanId);
        QCOMPARE(n.attributes.value(QStringLiteral("order.id")).toString(),
                 QString::number(orderId));
        QCOMPARE(n.attributes.value(QStringLiteral("app.id")).toString(), AppId);
        QCOMPARE(n.attributes.value(QStringLiteral("notification.id")).toString(),
                 QString::number(id));
        QCOMPARE(n.attributes.value(QStringLiteral("notification.attempt")).toInt(), i + 1);
        QCOMPARE(n.status, i == 0 ? SpanStatus::Error : SpanStatus::Unset);
        QCOMPARE(clients.at(i).parentSpanId, n.spanId);
    }
    {
        std::lock_guard lock(m_merchant.mutex);
        QCOMPARE(m_merchant.traceparents.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const std::optional<SpanContext> sent =
                SpanContext::fromTraceparent(m_merchant.traceparents.at(i));
            QVERIFY2(sent, m_merchant.traceparents.at(i).constData());
            QCOMPARE(sent->traceId, request.traceId);
            QCOMPARE(sent->spanId, clients.at(i).spanId);
        }
    }

    QFile file(logPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject failed;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(raw).object();
        if (o.value(QStringLiteral("message"))
                .toString()
                .contains(QLatin1String("attempt 1 failed")))
            failed = o;
    }
    QVERIFY(!failed.isEmpty());
    QCOMPARE(failed.value(QStringLiteral("traceId")).toString(), request.traceId.toString());
    QCOMPARE(failed.value(QStringLiteral("spanId")).toString(), notifies.first().spanId.toString());
}

QTEST_GUILESS_MAIN(TestMerchantNotifier)
#include "test_merchantnotifier.moc"
