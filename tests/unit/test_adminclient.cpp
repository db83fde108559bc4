// shared/api/adminclient.* and admintypes.* against a fake admin API on a loopback socket: what is
// sent (paths, query, bearer token, JSON bodies), how answers map to structs, the error envelope,
// a lost session, an unreachable server and its recovery.
#include "api/adminclient.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

using namespace pomelo;
using namespace pomelo::api;

namespace {

struct Recorded
{
    QByteArray method;
    QString path;
    QUrlQuery query;
    QByteArray authorization;
    QByteArray body;
};

/// Answers every request with the next canned (status, body); records what came.
class FakeServer : public QObject
{
public:
    FakeServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection())
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
        });
    }
    QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }
    void reply(int status, const QByteArray &body) { m_replies.append({status, body}); }
    void close() { m_server.close(); }

    QList<Recorded> requests;
    QList<Recorded> liveRequests;

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buffer = m_buffers[s];
        buffer += s->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        qsizetype length = 0;
        Recorded r;
        for (const QByteArray &l : lines) {
            const QByteArray line = l.trimmed();
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
            if (line.toLower().startsWith("authorization:"))
                r.authorization = line.mid(14).trimmed();
        }
        if (buffer.size() < end + 4 + length)
            return;
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        r.method = requestLine.value(0);
        const QUrl target(QString::fromLatin1(requestLine.value(1)));
        r.path = target.path(QUrl::FullyEncoded);
        r.query = QUrlQuery(target);
        r.body = buffer.mid(end + 4, length);
        m_buffers.remove(s);
        if (r.path == QLatin1String("/admin/v1/live")) {
            // The live feed's upgrade: left unanswered, so that it neither takes a canned reply
            // nor fails (a failure would start the health probes).
            liveRequests.append(r);
            return;
        }
        requests.append(r);
        const auto [status, body] =
            m_replies.isEmpty() ? std::pair<int, QByteArray> {500, "{}"} : m_replies.takeFirst();
        s->write("HTTP/1.1 " + QByteArray::number(status)
                 + " X\r\nContent-Type: application/json\r\n"
                   "Content-Length: "
                 + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QList<std::pair<int, QByteArray>> m_replies;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

const QByteArray LoginOk =
    R"({"token":"tok-123456789012345678901234567890","role":"staff","username":"s1","expiresIn":28800})";

} // namespace

class TestAdminClient : public QObject
{
    Q_OBJECT

private slots:
    void loginKeepsTheSession();
    void ordersQueryAndParsing();
    void errorEnvelope_data();
    void errorEnvelope();
    void unauthorizedExpiresTheSession();
    void actionsSendReasonAndAmount();
    void boardAndQueuesParsing();
    void dashboardParsing();
    void paymentExceptionParsing_data();
    void paymentExceptionParsing();
    void paymentExceptionCalls();
    void venueAndClosureCalls();
    void topupCalls();
    void livePaymentMessagesParsing();
    void callbackDroppedWhenContextIsGone();
    void unreachableServerIsProbedUntilBack();
    void displayTimeKeepsServerOffset();
};

void TestAdminClient::dashboardParsing()
{
    FakeServer server;
    server.reply(200, LoginOk);
    const QJsonObject orders {{QStringLiteral("INIT"), 3}, {QStringLiteral("PAID"), 2}};
    // A staff answer: no infrastructure part.
    server.reply(200,
                 json({{QStringLiteral("date"), QStringLiteral("2025-01-02")},
                       {QStringLiteral("orders"), orders},
                       {QStringLiteral("ordersTotal"), 5},
                       {QStringLiteral("paidAmount"), Q_INT64_C(9007199254740)}}));
    // An admin answer; an unknown lag is null.
    server.reply(
        200,
        json({{QStringLiteral("date"), QStringLiteral("2025-01-02")},
              {QStringLiteral("orders"), orders},
              {QStringLiteral("ordersTotal"), 5},
              {QStringLiteral("paidAmount"), 1500},
              {QStringLiteral("stream"),
               QJsonObject {{QStringLiteral("length"), 40},
                            {QStringLiteral("lag"), QJsonValue::Null},
                            {QStringLiteral("pending"), 2},
                            {QStringLiteral("deadLetterLength"), 1}}},
              {QStringLiteral("queues"),
               QJsonObject {{QStringLiteral("order-timeout"),
                             QJsonObject {{QStringLiteral("scheduled"), 4},
                                          {QStringLiteral("processing"), 1}}},
                            {QStringLiteral("booking-expiry"),
                             QJsonObject {{QStringLiteral("scheduled"), 6},
                                          {QStringLiteral("processing"), 0}}}}},
              {QStringLiteral("notifications"),
               QJsonObject {{QStringLiteral("PENDING"), 7}, {QStringLiteral("FAILED"), 8}}},
              {QStringLiteral("paymentExceptions"),
               QJsonObject {{QStringLiteral("REFUNDING"), 1},
                            {QStringLiteral("REFUND_FAILED"), 2},
                            {QStringLiteral("REFUNDED"), 0}}}}));
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);

    std::optional<DashboardSummary> d;
    client.dashboard(this, [&](const DashboardSummary &r) { d = r; });
    QTRY_VERIFY(d.has_value());
    QCOMPARE(server.requests.last().method, QByteArray("GET"));
    QCOMPARE(server.requests.last().path, QStringLiteral("/admin/v1/dashboard"));
    QCOMPARE(d->date, QStringLiteral("2025-01-02"));
    QCOMPARE(d->orders.value(QStringLiteral("INIT")), 3);
    QCOMPARE(d->orders.value(QStringLiteral("PAID")), 2);
    QCOMPARE(d->ordersTotal, 5);
    QCOMPARE(d->paidAmount, Q_INT64_C(9007199254740)); // cents, no rounding
    QVERIFY(!d->hasInfrastructure);

    d.reset();
    client.dashboard(this, [&](const DashboardSummary &r) { d = r; });
    QTRY_VERIFY(d.has_value());
    QVERIFY(d->hasInfrastructure);
    QCOMPARE(d->paidAmount, 1500);
    QCOMPARE(d->streamLength, 40);
    QCOMPARE(d->streamLag, -1);
    QCOMPARE(d->streamPending, 2);
    QCOMPARE(d->deadLetterLength, 1);
    QCOMPARE(d->queuedScheduled, 10);
    QCOMPARE(d->queuedProcessing, 1);
    QCOMPARE(d->notificationsPending, 7);
    QCOMPARE(d->notificationsFailed, 8);
    QCOMPARE(d->paymentExceptions.size(), 3);
    QCOMPARE(d->paymentExceptions.value(QStringLiteral("REFUND_FAILED")), 2);
    QCOMPARE(d->paymentExceptions.value(QStringLiteral("REFUNDING")), 1);
}

void TestAdminClient::paymentExceptionParsing_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("orderId");
    QTest::addColumn<qint64>("orderAmount"); // -1: absent
    QTest::addColumn<QString>("state");
    QTest::addColumn<bool>("resolvable");
    QTest::addColumn<QString>("resolvedBy");
    QTest::addColumn<QString>("refundedAt");

    QTest::newRow("late, refunded")
        << QByteArray(R"({"id":"7212345678901234567","channel":"ECARD","channelTradeNo":"T1",)"
                      R"("outTradeNo":"7212345678901234000","orderId":"7212345678901234000",)"
                      R"("paidAmount":9007199254740,"orderAmount":1500,"currency":"CNY",)"
                      R"("reason":"LATE","detail":"order CLOSED","state":"REFUNDED",)"
                      R"("refundAttempts":1,"channelRefundNo":"R1",)"
                      R"("createdAt":"2025-01-02T10:00:00+08:00",)"
                      R"("updatedAt":"2025-01-02T10:00:01+08:00",)"
                      R"("refundedAt":"2025-01-02T10:00:01+08:00"})")
        << QStringLiteral("7212345678901234000") << Q_INT64_C(1500) << QStringLiteral("REFUNDED")
        << true << QString() << QStringLiteral("2025-01-02T10:00:01+08:00");
    // A payment naming no order of ours: no orderId, no orderAmount.
    QTest::newRow("unknown order, refunding")
        << QByteArray(R"({"id":"8","channel":"WECHAT_JSAPI","outTradeNo":"nope",)"
                      R"("paidAmount":1,"currency":"CNY","reason":"UNKNOWN_ORDER",)"
                      R"("state":"REFUNDING","refundAttempts":3,)"
                      R"("nextRefundAt":"2025-01-02T11:00:00+08:00","lastError":"timeout"})")
        << QString() << Q_INT64_C(-1) << QStringLiteral("REFUNDING") << false << QString()
        << QString();
    QTest::newRow("refund refused")
        << QByteArray(R"({"id":"9","paidAmount":200,"orderAmount":0,"reason":"DUPLICATE",)"
                      R"("state":"REFUND_FAILED","lastError":"the channel refused the refund"})")
        << QString() << Q_INT64_C(0) << QStringLiteral("REFUND_FAILED") << true << QString()
        << QString();
    QTest::newRow("resolved") << QByteArray(
        R"({"id":"10","paidAmount":200,"reason":"AMOUNT_MISMATCH",)"
        R"("state":"RESOLVED","resolvedBy":"admin","resolution":"settled",)"
        R"("resolvedAt":"2025-01-03T09:00:00+08:00"})")
                              << QString() << Q_INT64_C(-1) << QStringLiteral("RESOLVED") << false
                              << QStringLiteral("admin") << QString();
}

void TestAdminClient::paymentExceptionParsing()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, orderId);
    QFETCH(qint64, orderAmount);
    QFETCH(QString, state);
    QFETCH(bool, resolvable);
    QFETCH(QString, resolvedBy);
    QFETCH(QString, refundedAt);
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    QVERIFY(!o.isEmpty());
    const PaymentExceptionItem e = PaymentExceptionItem::fromJson(o);
    QCOMPARE(e.id, o.value(QStringLiteral("id")).toString());
    QCOMPARE(e.orderId, orderId);
    QCOMPARE(e.orderAmount.has_value(), orderAmount >= 0);
    if (orderAmount >= 0)
        QCOMPARE(*e.orderAmount, orderAmount);
    QCOMPARE(e.paidAmount, o.value(QStringLiteral("paidAmount")).toInteger()); // no rounding
    QCOMPARE(e.reason, o.value(QStringLiteral("reason")).toString());
    QCOMPARE(e.state, state);
    QCOMPARE(e.isResolvable(), resolvable);
    QCOMPARE(e.resolvedBy, resolvedBy);
    QCOMPARE(e.refundedAt, refundedAt);
    QCOMPARE(e.lastError, o.value(QStringLiteral("lastError")).toString());
    QCOMPARE(e.nextRefundAt, o.value(QStringLiteral("nextRefundAt")).toString());
    QCOMPARE(e.refundAttempts, o.value(QStringLiteral("refundAttempts")).toInt());
}

void TestAdminClient::paymentExceptionCalls()
{
    FakeServer server;
    server.reply(200, LoginOk);
    server.reply(200,
                 R"({"items":[{"id":"5","state":"REFUND_FAILED","paidAmount":300},)"
                 R"({"id":"4","state":"REFUND_FAILED","paidAmount":100}],"nextCursor":"c2=="})");
    server.reply(200, R"({"items":[]})");
    server.reply(200,
                 R"({"id":"5","state":"RESOLVED","paidAmount":300,"resolvedBy":"s1",)"
                 R"("resolution":"核对完毕"})");
    server.reply(409, R"({"code":4090,"message":"当前状态不允许此操作","traceId":"t9"})");
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);

    std::optional<Page<PaymentExceptionItem>> page;
    client.paymentExceptions(QStringLiteral("REFUND_FAILED"), QStringLiteral("c1+/="), this,
                             [&](const Page<PaymentExceptionItem> &p) { page = p; });
    QTRY_VERIFY(page.has_value());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items.at(0).id, QStringLiteral("5"));
    QCOMPARE(page->items.at(1).paidAmount, 100);
    QCOMPARE(page->nextCursor, QStringLiteral("c2=="));
    const Recorded &list = server.requests.at(1);
    QCOMPARE(list.method, QByteArray("GET"));
    QCOMPARE(list.path, QStringLiteral("/admin/v1/payment-exceptions"));
    QCOMPARE(list.authorization, QByteArray("Bearer tok-123456789012345678901234567890"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("state")), QStringLiteral("REFUND_FAILED"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded),
             QStringLiteral("c1+/=")); // a cursor is base64: `+` must not become a space
    QCOMPARE(list.query.queryItemValue(QStringLiteral("limit")), QStringLiteral("200"));

    // Every state, first page: neither item is sent.
    page.reset();
    client.paymentExceptions({}, {}, this, [&](const Page<PaymentExceptionItem> &p) { page = p; });
    QTRY_VERIFY(page.has_value());
    QVERIFY(page->items.isEmpty());
    QVERIFY(page->nextCursor.isEmpty());
    QVERIFY(!server.requests.at(2).query.hasQueryItem(QStringLiteral("state")));
    QVERIFY(!server.requests.at(2).query.hasQueryItem(QStringLiteral("cursor")));

    std::optional<PaymentExceptionItem> resolved;
    client.resolvePaymentException(QStringLiteral("5"), QStringLiteral("核对完毕"), this,
                                   [&](const PaymentExceptionItem &e) { resolved = e; });
    QTRY_VERIFY(resolved.has_value());
    QCOMPARE(resolved->state, QStringLiteral("RESOLVED"));
    QCOMPARE(resolved->resolution, QStringLiteral("核对完毕"));
    QVERIFY(!resolved->isResolvable());
    const Recorded &post = server.requests.at(3);
    QCOMPARE(post.method, QByteArray("POST"));
    QCOMPARE(post.path, QStringLiteral("/admin/v1/payment-exceptions/5/resolve"));
    QCOMPARE(QJsonDocument::fromJson(post.body)[QStringLiteral("reason")].toString(),
             QStringLiteral("核对完毕"));

    // Resolved already: the envelope's code reaches the caller.
    std::optional<ApiError> error;
    client.resolvePaymentException(QStringLiteral("5"), QStringLiteral("again"), this, {},
                                   [&](const ApiError &e) { error = e; });
    QTRY_VERIFY(error.has_value());
    QCOMPARE(error->httpStatus, 409);
    QCOMPARE(error->code, 4090);
    QCOMPARE(error->traceId, QStringLiteral("t9"));
}

void TestAdminClient::venueAndClosureCalls()
{
    FakeServer server;
    server.reply(200, LoginOk);
    server.reply(200,
                 R"({"venues":[{"id":7,"name":"网球场","sport":"tennis","openFrom":"08:00",)"
                 R"("openTo":"22:00","slotMinutes":60,"pricePerSlot":3000,"active":false}]})");
    server.reply(201,
                 R"({"id":8,"name":"新馆","sport":"squash","openFrom":"09:00",)"
                 R"("openTo":"21:00","slotMinutes":45,"pricePerSlot":1200,"active":true})");
    server.reply(200,
                 R"({"id":8,"name":"新馆","sport":"squash","openFrom":"09:00",)"
                 R"("openTo":"21:00","slotMinutes":45,"pricePerSlot":1500,"active":false})");
    server.reply(201,
                 R"({"id":4,"affectedBookings":1,"closure":{"id":4,"venueId":8,)"
                 R"("state":"PENDING_CONFIRMATION","reason":"校运会"},)"
                 R"("bookings":[{"bookingId":"99","status":"PAID","amount":1500}]})");
    server.reply(200, R"({"closures":[{"id":4,"venueId":8,"days":[3,5]}]})");
    server.reply(200,
                 R"({"closure":{"id":4,"state":"CONFIRMED"},)"
                 R"("results":[{"bookingId":"99","outcome":"REFUNDED","status":"REFUNDED"}]})");
    server.reply(200, R"({"id":4})");
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);

    std::optional<QList<AdminVenue>> venues;
    client.venues(this, [&](const QList<AdminVenue> &v) { venues = v; });
    QTRY_VERIFY(venues.has_value());
    QCOMPARE(venues->size(), 1);
    QCOMPARE(venues->first().active, false);
    QCOMPARE(server.requests.at(1).path, QStringLiteral("/admin/v1/venues"));

    VenueInput input {QStringLiteral("新馆"),
                      QStringLiteral("squash"),
                      QStringLiteral("09:00"),
                      QStringLiteral("21:00"),
                      45,
                      1200,
                      true,
                      {}};
    std::optional<AdminVenue> created;
    client.createVenue(input, this, [&](const AdminVenue &v) { created = v; });
    QTRY_VERIFY(created.has_value());
    QCOMPARE(created->id, 8);
    const Recorded &post = server.requests.at(2);
    QCOMPARE(post.method, QByteArray("POST"));
    QVERIFY(!QJsonDocument::fromJson(post.body).object().contains(QStringLiteral("active")));
    QCOMPARE(QJsonDocument::fromJson(post.body)[QStringLiteral("slotMinutes")].toInt(), 45);

    input.pricePerSlot = 1500;
    input.active = false;
    input.reason = QStringLiteral("调价");
    std::optional<AdminVenue> updated;
    client.updateVenue(8, input, this, [&](const AdminVenue &v) { updated = v; });
    QTRY_VERIFY(updated.has_value());
    QCOMPARE(updated->pricePerSlot, 1500);
    const Recorded &put = server.requests.at(3);
    QCOMPARE(put.method, QByteArray("PUT"));
    QCOMPARE(put.path, QStringLiteral("/admin/v1/venues/8"));
    QCOMPARE(QJsonDocument::fromJson(put.body)[QStringLiteral("active")].toBool(true), false);
    QCOMPARE(QJsonDocument::fromJson(put.body)[QStringLiteral("reason")].toString(),
             QStringLiteral("调价"));

    std::optional<ClosureDetail> closure;
    client.createClosure(8,
                         {QStringLiteral("2026-12-10T00:00:00+08:00"),
                          QStringLiteral("2026-12-12T00:00:00+08:00"),
                          {},
                          {},
                          {},
                          QStringLiteral("校运会")},
                         this, [&](const ClosureDetail &c) { closure = c; });
    QTRY_VERIFY(closure.has_value());
    QCOMPARE(closure->closure.state, QStringLiteral("PENDING_CONFIRMATION"));
    QCOMPARE(closure->bookings.size(), 1);
    QCOMPARE(closure->bookings.first().amount, 1500);
    QCOMPARE(server.requests.at(4).path, QStringLiteral("/admin/v1/venues/8/closures"));

    std::optional<QList<VenueClosure>> list;
    client.closures(8, true, this, [&](const QList<VenueClosure> &l) { list = l; });
    QTRY_VERIFY(list.has_value());
    QCOMPARE(list->first().days, (QList<int> {3, 5}));
    QCOMPARE(server.requests.at(5).query.queryItemValue(QStringLiteral("past")),
             QStringLiteral("true"));

    std::optional<ClosureConfirmResult> confirmed;
    client.confirmClosure(8, 4, QStringLiteral("已通知"), this,
                          [&](const ClosureConfirmResult &r) { confirmed = r; });
    QTRY_VERIFY(confirmed.has_value());
    QCOMPARE(confirmed->results.first().outcome, QStringLiteral("REFUNDED"));
    QCOMPARE(server.requests.at(6).path, QStringLiteral("/admin/v1/venues/8/closures/4/confirm"));
    QCOMPARE(
        QJsonDocument::fromJson(server.requests.at(6).body)[QStringLiteral("reason")].toString(),
        QStringLiteral("已通知"));

    bool deleted = false;
    client.deleteClosure(8, 4, QStringLiteral("改期"), this, [&](bool ok) { deleted = ok; });
    QTRY_VERIFY(deleted);
    QCOMPARE(server.requests.at(7).method, QByteArray("DELETE"));
    QCOMPARE(server.requests.at(7).path, QStringLiteral("/admin/v1/venues/8/closures/4"));
    QCOMPARE(
        server.requests.at(7).query.queryItemValue(QStringLiteral("reason"), QUrl::FullyDecoded),
        QStringLiteral("改期"));
}

void TestAdminClient::topupCalls()
{
    FakeServer server;
    server.reply(200, LoginOk);
    server.reply(200,
                 R"({"items":[{"id":"9","status":"DELIVERY_FAILED","amount":2000,"attempts":3,)"
                 R"("utility":"WATER","lastError":"3001 busy"}],"nextCursor":"c2=="})");
    server.reply(200, R"({"items":[]})");
    server.reply(200,
                 R"({"id":"9","status":"DELIVERY_FAILED","amount":2000,"student":{"userId":"4",)"
                 R"("name":"张三","studentId":"T1"},"events":[{"at":"t","kind":"ATTEMPT",)"
                 R"("actor":"system","detail":"3001 busy"}]})");
    server.reply(200, R"({"id":"9","status":"PAID","amount":2000,"attempts":0})");
    server.reply(403, R"({"code":4030,"message":"需要管理员权限","traceId":"t3"})");
    server.reply(200,
                 R"({"roomId":"ZY1-101","building":"竹园1栋","room":"101","electricity":5000,)"
                 R"("water":3000,"powerOn":true,"students":[],"topups":[{"id":"9"}]})");
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);

    TopupQuery query;
    query.status = QStringLiteral("DELIVERY_FAILED");
    query.roomId = QStringLiteral("ZY1-101");
    query.userId = QStringLiteral("4");
    query.from = QStringLiteral("2026-12-01");
    query.to = QStringLiteral("2026-12-07");
    query.cursor = QStringLiteral("c1+/=");
    query.limit = 50;
    std::optional<Page<Topup>> page;
    client.topups(query, this, [&](const Page<Topup> &p) { page = p; });
    QTRY_VERIFY(page.has_value());
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.at(0).utility, QStringLiteral("WATER"));
    QCOMPARE(page->items.at(0).attempts, 3);
    QVERIFY(page->items.at(0).canRedeliver());
    QCOMPARE(page->nextCursor, QStringLiteral("c2=="));
    const Recorded &list = server.requests.at(1);
    QCOMPARE(list.method, QByteArray("GET"));
    QCOMPARE(list.path, QStringLiteral("/admin/v1/topups"));
    QCOMPARE(list.authorization, QByteArray("Bearer tok-123456789012345678901234567890"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("status")),
             QStringLiteral("DELIVERY_FAILED"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("roomId")), QStringLiteral("ZY1-101"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("userId")), QStringLiteral("4"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("from")), QStringLiteral("2026-12-01"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("to")), QStringLiteral("2026-12-07"));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded),
             QStringLiteral("c1+/="));
    QCOMPARE(list.query.queryItemValue(QStringLiteral("limit")), QStringLiteral("50"));

    // No filter: only the limit is sent.
    page.reset();
    client.topups({}, this, [&](const Page<Topup> &p) { page = p; });
    QTRY_VERIFY(page.has_value());
    QVERIFY(page->items.isEmpty());
    QCOMPARE(server.requests.at(2).query.queryItems().size(), 1);
    QCOMPARE(server.requests.at(2).query.queryItemValue(QStringLiteral("limit")),
             QStringLiteral("100"));

    std::optional<TopupDetail> detail;
    client.topupDetail(QStringLiteral("9"), this, [&](const TopupDetail &d) { detail = d; });
    QTRY_VERIFY(detail.has_value());
    QCOMPARE(server.requests.at(3).path, QStringLiteral("/admin/v1/topups/9"));
    QCOMPARE(detail->topup.status, QStringLiteral("DELIVERY_FAILED"));
    QVERIFY(detail->student.has_value());
    QCOMPARE(detail->student->name, QStringLiteral("张三"));
    QCOMPARE(detail->events.size(), 1);
    QCOMPARE(detail->events.at(0).detail, QStringLiteral("3001 busy"));

    std::optional<Topup> after;
    client.redeliverTopup(QStringLiteral("9"), QStringLiteral("学生来电"), this,
                          [&](const Topup &t) { after = t; });
    QTRY_VERIFY(after.has_value());
    QCOMPARE(after->status, QStringLiteral("PAID"));
    const Recorded &redeliver = server.requests.at(4);
    QCOMPARE(redeliver.method, QByteArray("POST"));
    QCOMPARE(redeliver.path, QStringLiteral("/admin/v1/topups/9/redeliver"));
    QCOMPARE(QJsonDocument::fromJson(redeliver.body)[QStringLiteral("reason")].toString(),
             QStringLiteral("学生来电"));

    // A staff account may not refund: the envelope's code reaches the caller.
    std::optional<ApiError> error;
    client.refundTopup(QStringLiteral("9"), QStringLiteral("宿舍停用"), this, {},
                       [&](const ApiError &e) { error = e; });
    QTRY_VERIFY(error.has_value());
    QCOMPARE(server.requests.at(5).path, QStringLiteral("/admin/v1/topups/9/refund"));
    QCOMPARE(
        QJsonDocument::fromJson(server.requests.at(5).body)[QStringLiteral("reason")].toString(),
        QStringLiteral("宿舍停用"));
    QCOMPARE(error->httpStatus, 403);
    QCOMPARE(error->code, 4030);

    std::optional<RoomDetail> room;
    client.room(QStringLiteral("ZY1-101"), this, [&](const RoomDetail &r) { room = r; });
    QTRY_VERIFY(room.has_value());
    QCOMPARE(server.requests.at(6).method, QByteArray("GET"));
    QCOMPARE(server.requests.at(6).path, QStringLiteral("/admin/v1/rooms/ZY1-101"));
    QCOMPARE(room->electricity, 5000);
    QCOMPARE(room->powerOn, true);
    QCOMPARE(room->topups.size(), 1);
    QCOMPARE(room->topups.at(0).id, QStringLiteral("9"));
}

void TestAdminClient::livePaymentMessagesParsing()
{
    const LivePaymentException e = LivePaymentException::fromJson(
        QJsonDocument::fromJson(
            R"({"type":"payment-exception","id":"7212345678901234567","reason":"LATE",)"
            R"("channel":"ECARD","paidAmount":1500,"orderId":"7212345678901234000"})")
            .object());
    QCOMPARE(e.id, QStringLiteral("7212345678901234567"));
    QCOMPARE(e.reason, QStringLiteral("LATE"));
    QCOMPARE(e.channel, QStringLiteral("ECARD"));
    QCOMPARE(e.paidAmount, 1500);
    QCOMPARE(e.orderId, QStringLiteral("7212345678901234000"));
    const LivePaymentException unknown = LivePaymentException::fromJson(
        QJsonDocument::fromJson(R"({"type":"payment-exception","id":"3","paidAmount":1})")
            .object());
    QVERIFY(unknown.orderId.isEmpty());

    const LiveStats s = LiveStats::fromJson(
        QJsonDocument::fromJson(
            R"({"type":"stats","notifications":{"FAILED":2},)"
            R"("paymentExceptions":{"REFUNDING":0,"REFUND_FAILED":4,"REFUNDED":1}})")
            .object());
    QCOMPARE(s.notificationsFailed, 2);
    QCOMPARE(s.paymentExceptions.size(), 3);
    QCOMPARE(s.paymentExceptions.value(QStringLiteral("REFUND_FAILED")), 4);
    QCOMPARE(s.paymentExceptions.value(QStringLiteral("REFUNDED")), 1);
    // An older server without the counts: none, rather than made-up zeros.
    QVERIFY(LiveStats::fromJson(QJsonObject {{QStringLiteral("type"), QStringLiteral("stats")}})
                .paymentExceptions.isEmpty());
}

void TestAdminClient::loginKeepsTheSession()
{
    FakeServer server;
    server.reply(200, LoginOk);
    AdminClient client;
    client.setBaseUrl(server.url());
    QSignalSpy loggedIn(&client, &AdminClient::loggedIn);
    std::optional<LoginResult> result;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), this,
                 [&](const LoginResult &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QCOMPARE(result->role, QStringLiteral("staff"));
    QVERIFY(!result->isAdmin());
    QCOMPARE(result->expiresIn, 28800);
    QCOMPARE(loggedIn.size(), 1);
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(server.requests.first().method, QByteArray("POST"));
    QCOMPARE(server.requests.first().path, QStringLiteral("/admin/v1/login"));
    const QJsonObject body = QJsonDocument::fromJson(server.requests.first().body).object();
    QCOMPARE(body.value(QStringLiteral("username")).toString(), QStringLiteral("s1"));
    QCOMPARE(body.value(QStringLiteral("password")).toString(), QStringLiteral("pw"));
    QVERIFY(server.requests.first().authorization.isEmpty());
    // Staff get the live feed too (order events), with the session's token.
    QTRY_COMPARE(server.liveRequests.size(), 1);
    QCOMPARE(server.liveRequests.first().authorization,
             QByteArray("Bearer tok-123456789012345678901234567890"));
    QCOMPARE(server.requests.size(), 1);
}

void TestAdminClient::ordersQueryAndParsing()
{
    FakeServer server;
    server.reply(200, LoginOk);
    const QJsonObject order {
        {QStringLiteral("orderId"), QStringLiteral("7212345678901234567")},
        {QStringLiteral("appId"), QStringLiteral("venue-booking")},
        {QStringLiteral("amount"), 100000000},
        {QStringLiteral("refundedAmount"), 5},
        {QStringLiteral("status"), QStringLiteral("PAID")},
        {QStringLiteral("subject"), QStringLiteral("羽毛球场 1 号")},
        {QStringLiteral("createdAt"), QStringLiteral("2025-01-02T10:00:00+08:00")}};
    server.reply(200,
                 json({{QStringLiteral("items"), QJsonArray {order}},
                       {QStringLiteral("nextCursor"), QStringLiteral("abc==")}}));
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);
    OrderQuery q;
    q.status = QStringLiteral("PAID");
    q.q = QStringLiteral("a b&c");
    q.from = QStringLiteral("2025-01-01");
    q.limit = 50;
    std::optional<Page<AdminOrder>> page;
    client.orders(q, this, [&](const Page<AdminOrder> &p) { page = p; });
    QTRY_VERIFY(page.has_value());
    QCOMPARE(page->items.size(), 1);
    // Ids stay strings (no double rounding), amounts integer cents.
    QCOMPARE(page->items.first().orderId, QStringLiteral("7212345678901234567"));
    QCOMPARE(page->items.first().amount, 100000000);
    QCOMPARE(page->items.first().refundedAmount, 5);
    QCOMPARE(page->items.first().subject, QStringLiteral("羽毛球场 1 号"));
    QCOMPARE(page->nextCursor, QStringLiteral("abc=="));
    const Recorded &r = server.requests.at(1);
    QCOMPARE(r.path, QStringLiteral("/admin/v1/orders"));
    QCOMPARE(r.authorization, QByteArray("Bearer tok-123456789012345678901234567890"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("status")), QStringLiteral("PAID"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded),
             QStringLiteral("a b&c"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("from")), QStringLiteral("2025-01-01"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("limit")), QStringLiteral("50"));
    QVERIFY(!r.query.hasQueryItem(QStringLiteral("appId")));
}

void TestAdminClient::errorEnvelope_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("envelope") << 409
                              << QByteArray(
                                     R"({"code":2007,"message":"订单已结束","traceId":"abc"})")
                              << 2007 << QStringLiteral("订单已结束");
    QTest::newRow("not json") << 502 << QByteArray("<html>bad gateway</html>") << 0 << QString();
    QTest::newRow("empty") << 500 << QByteArray() << 0 << QString();
}

void TestAdminClient::errorEnvelope()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(int, code);
    QFETCH(QString, message);
    FakeServer server;
    server.reply(status, body);
    AdminClient client;
    client.setBaseUrl(server.url());
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    std::optional<ApiError> error;
    client.locks(this, {}, [&](const ApiError &e) { error = e; });
    QTRY_VERIFY(error.has_value());
    QCOMPARE(error->httpStatus, status);
    QCOMPARE(error->code, code);
    QVERIFY(!error->isNetworkError());
    if (!message.isEmpty())
        QCOMPARE(error->message, message);
    else
        QVERIFY(!error->message.isEmpty()); // something to show
    QCOMPARE(failed.size(), 1);
    QVERIFY(client.isServerReachable());
}

void TestAdminClient::unauthorizedExpiresTheSession()
{
    FakeServer server;
    server.reply(200, LoginOk);
    server.reply(401, R"({"code":4010,"message":"unauthorized","traceId":"t"})");
    server.reply(401, R"({"code":4010,"message":"unauthorized","traceId":"t"})");
    AdminClient client;
    client.setBaseUrl(server.url());
    bool in = false;
    client.login(QStringLiteral("s1"), QStringLiteral("pw"), nullptr,
                 [&](const LoginResult &) { in = true; });
    QTRY_VERIFY(in);
    QSignalSpy expired(&client, &AdminClient::sessionExpired);
    int failures = 0;
    client.venueBoard({}, this, {}, [&](const ApiError &) { ++failures; });
    client.venueBoard({}, this, {}, [&](const ApiError &) { ++failures; });
    QTRY_COMPARE(failures, 2);
    QCOMPARE(expired.size(), 1); // once, not per request
}

void TestAdminClient::actionsSendReasonAndAmount()
{
    FakeServer server;
    server.reply(200,
                 json({{QStringLiteral("order"),
                        QJsonObject {{QStringLiteral("orderId"), QStringLiteral("42")},
                                     {QStringLiteral("status"), QStringLiteral("REFUNDED")}}},
                       {QStringLiteral("refund"), QJsonObject {}}}));
    server.reply(200, json({{QStringLiteral("cancelled"), true}}));
    server.reply(200, json({{QStringLiteral("count"), 3}}));
    AdminClient client;
    client.setBaseUrl(server.url());
    std::optional<AdminOrder> refunded;
    client.refundOrder(QStringLiteral("42"), 1250, QStringLiteral("重复支付"), this,
                       [&](const AdminOrder &o) { refunded = o; });
    QTRY_VERIFY(refunded.has_value());
    QCOMPARE(refunded->status, QStringLiteral("REFUNDED"));
    QCOMPARE(server.requests.at(0).path, QStringLiteral("/admin/v1/orders/42/refund"));
    const QByteArray body = server.requests.at(0).body;
    QVERIFY2(body.contains("\"amount\":1250"), body.constData()); // an integer, never 12.5
    QCOMPARE(QJsonDocument::fromJson(body)[QStringLiteral("reason")].toString(),
             QStringLiteral("重复支付"));

    std::optional<bool> cancelled;
    client.cancelQueueItem(QStringLiteral("order-timeout"), QStringLiteral("a/b c"),
                           QStringLiteral("stuck"), this, [&](bool c) { cancelled = c; });
    QTRY_VERIFY(cancelled.has_value());
    QVERIFY(*cancelled);
    QCOMPARE(server.requests.at(1).method, QByteArray("DELETE"));
    QCOMPARE(server.requests.at(1).path,
             QStringLiteral("/admin/v1/queues/order-timeout/items/a%2Fb%20c"));
    QCOMPARE(server.requests.at(1).query.queryItemValue(QStringLiteral("reason")),
             QStringLiteral("stuck"));

    std::optional<int> count;
    client.resendFailed(QStringLiteral("utility-topup"), {}, this, [&](int n) { count = n; });
    QTRY_VERIFY(count.has_value());
    QCOMPARE(*count, 3);
    const QJsonObject resend = QJsonDocument::fromJson(server.requests.at(2).body).object();
    QCOMPARE(resend.value(QStringLiteral("appId")).toString(), QStringLiteral("utility-topup"));
    QVERIFY(!resend.contains(QStringLiteral("reason")));
}

void TestAdminClient::boardAndQueuesParsing()
{
    const QJsonObject board {
        {QStringLiteral("date"), QStringLiteral("2025-03-01")},
        {QStringLiteral("venues"),
         QJsonArray {QJsonObject {
             {QStringLiteral("id"), 3},
             {QStringLiteral("name"), QStringLiteral("篮球场 1 号")},
             {QStringLiteral("slots"),
              QJsonArray {
                  QJsonObject {{QStringLiteral("startTime"), QStringLiteral("08:00")},
                               {QStringLiteral("endTime"), QStringLiteral("09:00")},
                               {QStringLiteral("state"), QStringLiteral("FREE")}},
                  QJsonObject {
                      {QStringLiteral("startTime"), QStringLiteral("09:00")},
                      {QStringLiteral("endTime"), QStringLiteral("10:00")},
                      {QStringLiteral("state"), QStringLiteral("BOOKED")},
                      {QStringLiteral("bookingId"), QStringLiteral("99")},
                      {QStringLiteral("user"),
                       QJsonObject {{QStringLiteral("name"), QStringLiteral("Bob")},
                                    {QStringLiteral("studentId"), QStringLiteral("S1")}}}}}}}}}};
    const VenueBoard b = VenueBoard::fromJson(board);
    QCOMPARE(b.venues.size(), 1);
    QCOMPARE(b.venues.first().id, 3);
    QCOMPARE(b.venues.first().timeSlots.size(), 2);
    QCOMPARE(b.venues.first().timeSlots.at(1).userName, QStringLiteral("Bob"));
    QCOMPARE(b.venues.first().timeSlots.at(1).bookingId, QStringLiteral("99"));

    const QJsonObject queues {
        {QStringLiteral("queues"),
         QJsonArray {QJsonObject {
             {QStringLiteral("name"), QStringLiteral("order-timeout")},
             {QStringLiteral("scheduled"), 1},
             {QStringLiteral("processing"), 1},
             {QStringLiteral("items"),
              QJsonArray {QJsonObject {{QStringLiteral("member"), QStringLiteral("m1")},
                                       {QStringLiteral("state"), QStringLiteral("SCHEDULED")},
                                       {QStringLiteral("dueAt"),
                                        QStringLiteral("2025-03-01T10:00:00+08:00")}},
                          QJsonObject {{QStringLiteral("member"), QStringLiteral("m2")},
                                       {QStringLiteral("state"), QStringLiteral("PROCESSING")},
                                       {QStringLiteral("visibleAgainAt"),
                                        QStringLiteral("2025-03-01T10:05:00+08:00")},
                                       {QStringLiteral("attempts"), 2}}}}}}}};
    const QList<DelayedQueueInfo> q = queuesFromJson(queues);
    QCOMPARE(q.size(), 1);
    QCOMPARE(q.first().items.size(), 2);
    QCOMPARE(q.first().items.at(0).queue, QStringLiteral("order-timeout"));
    QCOMPARE(q.first().items.at(1).dueAt, QStringLiteral("2025-03-01T10:05:00+08:00"));
    QCOMPARE(q.first().items.at(1).attempts, 2);

    StreamInfo s = StreamInfo::fromJson(
        QJsonDocument::fromJson(
            R"({"stream":"pomelo:order-events","length":5,"groups":[{"name":"a","lag":3},{"name":"b","lag":7}],"deadLetter":{"length":1,"entries":[{"id":"1-0","fields":{"orderId":"9"}}]}})")
            .object());
    QCOMPARE(s.maxLag(), 7);
    QCOMPARE(s.deadLetters.size(), 1);
    QCOMPARE(s.deadLetters.first().fields.value(QStringLiteral("orderId")).toString(),
             QStringLiteral("9"));
    s.groups.append({QStringLiteral("c"), 0, 0, -1, {}}); // Redis could not tell
    QCOMPARE(s.maxLag(), -1);

    const LiveOrderEvent e = LiveOrderEvent::fromJson(
        QJsonDocument::fromJson(
            R"({"type":"order-event","orderId":"5","status":"PAID","prevStatus":"PAYING","amount":1500})")
            .object());
    QCOMPARE(e.orderId, QStringLiteral("5"));
    QCOMPARE(e.prevStatus, QStringLiteral("PAYING"));
    QCOMPARE(e.amount, 1500);
}

void TestAdminClient::callbackDroppedWhenContextIsGone()
{
    FakeServer server;
    server.reply(503, R"({"code":5030,"message":"down","traceId":"t"})");
    AdminClient client;
    client.setBaseUrl(server.url());
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    bool called = false;
    auto *context = new QObject;
    client.locks(context, {}, [&](const ApiError &) { called = true; });
    delete context;
    // requestFailed comes after the (skipped) callback: the answer did arrive.
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(!called);
}

void TestAdminClient::unreachableServerIsProbedUntilBack()
{
    const quint16 port = test::freeLoopbackPort();
    AdminClient client;
    client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QSignalSpy reachable(&client, &AdminClient::serverReachableChanged);
    std::optional<ApiError> error;
    client.streams(this, {}, [&](const ApiError &e) { error = e; });
    QTRY_VERIFY(error.has_value());
    QVERIFY(error->isNetworkError());
    QVERIFY(!client.isServerReachable());
    QCOMPARE(reachable.size(), 1);
    QCOMPARE(reachable.first().first().toBool(), false);

    // The server comes up on that port: the health probe notices without any other request.
    QTcpServer health;
    QVERIFY(health.listen(QHostAddress::LocalHost, port));
    connect(&health, &QTcpServer::newConnection, &health, [&health] {
        while (QTcpSocket *s = health.nextPendingConnection()) {
            connect(s, &QTcpSocket::readyRead, s, [s] {
                s->readAll();
                s->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                s->disconnectFromHost();
            });
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(client.isServerReachable(), 15000);
    QCOMPARE(reachable.size(), 2);
}

void TestAdminClient::displayTimeKeepsServerOffset()
{
    QCOMPARE(displayTime(QStringLiteral("2025-01-02T03:04:05+08:00")),
             QStringLiteral("2025-01-02 03:04:05"));
    QCOMPARE(displayTime(QString()), QString());
    QVERIFY(!parseTime(QStringLiteral("garbage")).isValid());
}

QTEST_GUILESS_MAIN(TestAdminClient)
#include "test_adminclient.moc"
