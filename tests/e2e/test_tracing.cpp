// One trace per payment (issue #14): a real pomelo-server writes its spans as JSON lines (and as
// OTLP to a local collector); the test reads them back and checks the tree of one booking's
// payment, its refund and an unpaid order's timeout — on SQLite and on PostgreSQL.
#include "bookingclient.h"
#include "payclient.h"

#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

using namespace pomelo::test;

namespace {

/// One span as an exporter wrote it (OTLP/JSON field names).
struct SpanRecord
{
    QString traceId;
    QString spanId;
    QString parentSpanId;
    QString name;
    int kind = 0;
    qint64 start = 0;
    qint64 end = 0;
    int status = 0;
    QVariantMap attributes;
    QList<QPair<QString, QString>> links; ///< (traceId, spanId)

    QString attr(const QString &key) const { return attributes.value(key).toString(); }
    bool has(const QString &key) const { return attributes.contains(key); }
};

QVariant anyValue(const QJsonObject &v)
{
    if (v.contains(QStringLiteral("stringValue")))
        return v.value(QStringLiteral("stringValue")).toString();
    if (v.contains(QStringLiteral("intValue")))
        return v.value(QStringLiteral("intValue")).toVariant().toString().toLongLong();
    if (v.contains(QStringLiteral("boolValue")))
        return v.value(QStringLiteral("boolValue")).toBool();
    if (v.contains(QStringLiteral("doubleValue")))
        return v.value(QStringLiteral("doubleValue")).toDouble();
    return QJsonDocument(v).toJson(QJsonDocument::Compact);
}

QVariantMap attributesOf(const QJsonArray &attributes)
{
    QVariantMap out;
    for (const QJsonValue &a : attributes)
        out.insert(a[QStringLiteral("key")].toString(),
                   anyValue(a[QStringLiteral("value")].toObject()));
    return out;
}

SpanRecord spanFrom(const QJsonObject &o)
{
    SpanRecord s;
    s.traceId = o[QStringLiteral("traceId")].toString();
    s.spanId = o[QStringLiteral("spanId")].toString();
    s.parentSpanId = o[QStringLiteral("parentSpanId")].toString();
    s.name = o[QStringLiteral("name")].toString();
    s.kind = o[QStringLiteral("kind")].toInt();
    s.start = o[QStringLiteral("startTimeUnixNano")].toVariant().toString().toLongLong();
    s.end = o[QStringLiteral("endTimeUnixNano")].toVariant().toString().toLongLong();
    s.status = o[QStringLiteral("status")][QStringLiteral("code")].toInt();
    s.attributes = attributesOf(o[QStringLiteral("attributes")].toArray());
    for (const QJsonValue &l : o[QStringLiteral("links")].toArray())
        s.links.append(
            {l[QStringLiteral("traceId")].toString(), l[QStringLiteral("spanId")].toString()});
    return s;
}

QList<SpanRecord> readSpanFile(const QString &path)
{
    QFile f(path);
    QList<SpanRecord> spans;
    if (!f.open(QIODevice::ReadOnly))
        return spans;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (!o.isEmpty())
            spans.append(spanFrom(o));
    }
    return spans;
}

/// The spans of one trace, with the questions the tests ask of its tree.
class Trace
{
public:
    Trace(const QList<SpanRecord> &all, const QString &traceId)
    {
        for (const SpanRecord &s : all) {
            m_byId.insert(s.spanId, s);
            if (s.traceId == traceId)
                m_spans.append(s);
        }
    }

    const QList<SpanRecord> &spans() const { return m_spans; }

    /// The spans named @p name whose attribute @p key is @p value (any when @p key is empty).
    QList<SpanRecord> named(const QString &name, const QString &key = {},
                            const QString &value = {}) const
    {
        QList<SpanRecord> out;
        for (const SpanRecord &s : m_spans) {
            if (s.name == name && (key.isEmpty() || s.attr(key) == value))
                out.append(s);
        }
        return out;
    }
    std::optional<SpanRecord> first(const QString &name, const QString &key = {},
                                    const QString &value = {}) const
    {
        const QList<SpanRecord> all = named(name, key, value);
        return all.isEmpty() ? std::nullopt : std::optional<SpanRecord>(all.first());
    }
    QList<SpanRecord> where(const std::function<bool(const SpanRecord &)> &pred) const
    {
        QList<SpanRecord> out;
        for (const SpanRecord &s : m_spans) {
            if (pred(s))
                out.append(s);
        }
        return out;
    }

    /// True when @p ancestorId is @p s's parent, grandparent, … within the file.
    bool descends(const SpanRecord &s, const QString &ancestorId) const
    {
        QString parent = s.parentSpanId;
        for (int depth = 0; !parent.isEmpty() && depth < 64; ++depth) {
            if (parent == ancestorId)
                return true;
            parent = m_byId.value(parent).parentSpanId;
        }
        return false;
    }

    /// Spans whose parent was never exported: a parent still open, or lost.
    QStringList dangling() const
    {
        QStringList out;
        for (const SpanRecord &s : m_spans) {
            if (!s.parentSpanId.isEmpty() && !m_byId.contains(s.parentSpanId))
                out.append(s.name);
        }
        return out;
    }

    QList<SpanRecord> roots() const
    {
        return where([](const SpanRecord &s) { return s.parentSpanId.isEmpty(); });
    }

    std::optional<SpanRecord> span(const QString &spanId) const
    {
        return m_byId.contains(spanId) ? std::optional<SpanRecord>(m_byId.value(spanId))
                                       : std::nullopt;
    }

private:
    QList<SpanRecord> m_spans;
    QHash<QString, SpanRecord> m_byId;
};

/// Waits until the trace in @p path holds what @p complete asks and no span waits for its parent.
Trace waitForTrace(const QString &path, const QString &traceId,
                   const std::function<bool(const Trace &)> &complete, int timeoutMs = 20000)
{
    Trace trace({}, traceId);
    waitUntil(
        [&] {
            trace = Trace(readSpanFile(path), traceId);
            return complete(trace) && trace.dangling().isEmpty();
        },
        timeoutMs, 50);
    return trace;
}

/// Minimal OTLP/HTTP collector: keeps every POSTed body, answers 200.
class Collector : public QObject
{
public:
    Collector()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] { read(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    QList<SpanRecord> spans() const { return m_spans; }
    QSet<QString> paths() const { return m_paths; }
    QSet<QString> serviceNames() const { return m_serviceNames; }

private:
    void read(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        for (;;) {
            const qsizetype headerEnd = buf.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const QByteArray head = buf.left(headerEnd).toLower();
            const qsizetype cl = head.indexOf("content-length:");
            const qsizetype length = cl < 0
                ? 0
                : head.mid(cl + 15, head.indexOf("\r\n", cl) - cl - 15).trimmed().toLongLong();
            if (buf.size() < headerEnd + 4 + length)
                return;
            m_paths.insert(QString::fromLatin1(head.split(' ').value(1)));
            take(QJsonDocument::fromJson(buf.mid(headerEnd + 4, length)).object());
            buf.remove(0, headerEnd + 4 + length);
            s->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        }
    }
    void take(const QJsonObject &request)
    {
        for (const QJsonValue &rs : request[QStringLiteral("resourceSpans")].toArray()) {
            const QVariantMap resource = attributesOf(
                rs[QStringLiteral("resource")][QStringLiteral("attributes")].toArray());
            m_serviceNames.insert(resource.value(QStringLiteral("service.name")).toString());
            for (const QJsonValue &ss : rs[QStringLiteral("scopeSpans")].toArray()) {
                for (const QJsonValue &span : ss[QStringLiteral("spans")].toArray())
                    m_spans.append(spanFrom(span.toObject()));
            }
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<SpanRecord> m_spans;
    QSet<QString> m_paths;
    QSet<QString> m_serviceNames;
};

// Planted in the student's profile: none of them may reach any span.
const QString PlantedStudentId = QStringLiteral("T47110815");
const QString PlantedPhone = QStringLiteral("13912345678");
const QString PlantedName = QStringLiteral("追踪者");

/// A student with a profile, a booking signed and taken to the e-card cashier.
struct SignedBooking
{
    QString traceId; ///< of POST /api/v1/bookings: the payment's trace
    QString bookingId;
    QString orderId;
    QString prepayId;
    qint64 venueId = 0;
};

std::optional<SignedBooking> bookSignAndOpenCashier(ServerProcess &server, MiniProgramUser &user,
                                                    const QString &start, const QString &end)
{
    const QByteArray profile =
        QJsonDocument(QJsonObject {{QStringLiteral("studentId"), PlantedStudentId},
                                   {QStringLiteral("name"), PlantedName},
                                   {QStringLiteral("phone"), PlantedPhone}})
            .toJson(QJsonDocument::Compact);
    if (user.put(QStringLiteral("/api/v1/me"), profile).status != 200)
        return std::nullopt;
    SignedBooking b;
    b.venueId = user.get(QStringLiteral("/api/v1/venues"))
                    .json()
                    .array()
                    .first()[QStringLiteral("id")]
                    .toInteger();
    HttpResult r = user.book(b.venueId, tomorrow(), start, end);
    if (r.status != 201)
        return std::nullopt;
    b.traceId = QString::fromLatin1(r.header("X-Trace-Id"));
    b.bookingId = r.json()[QStringLiteral("id")].toString();
    r = user.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(b.bookingId), {});
    if (r.status != 200)
        return std::nullopt;
    b.orderId = r.json()[QStringLiteral("payOrderId")].toString();
    QJsonObject cashier = r.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    r = server.post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    if (r.status != 200)
        return std::nullopt;
    b.prepayId = r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    return b;
}

QString bookingStatus(const MiniProgramUser &user, const QString &bookingId)
{
    return user.get(QStringLiteral("/api/v1/bookings/") + bookingId)
        .json()[QStringLiteral("status")]
        .toString();
}

QString dbSystem(const QString &backend)
{
    return backend == QLatin1String("postgres") ? QStringLiteral("postgresql")
                                                : QStringLiteral("sqlite");
}

bool isMessaging(const SpanRecord &s, const QString &operation)
{
    return s.attr(QStringLiteral("messaging.system")) == QLatin1String("redis")
        && s.attr(QStringLiteral("messaging.operation")) == operation;
}

/// The pay-notify of @p status reached the booking module, and both stream groups processed the
/// event of @p status.
bool notifiedAndConsumed(const Trace &t, const QString &status)
{
    if (t.named(QStringLiteral("booking.pay_notify"), QStringLiteral("order.status"), status)
            .isEmpty())
        return false;
    const QList<SpanRecord> processed = t.where([&](const SpanRecord &s) {
        return isMessaging(s, QStringLiteral("process"))
            && s.has(QStringLiteral("messaging.consumer.group.name"))
            && s.attr(QStringLiteral("order.status")) == status;
    });
    QSet<QString> groups;
    for (const SpanRecord &s : processed)
        groups.insert(s.attr(QStringLiteral("messaging.consumer.group.name")));
    return groups.size() >= 2;
}

} // namespace

class TestTracing : public QObject
{
    Q_OBJECT

private slots:
    void paidAndRefundedBookingIsOneTrace_data() { addBackendRows(); }
    void paidAndRefundedBookingIsOneTrace();
    void timeoutIsOneTrace_data() { addBackendRows(); }
    void timeoutIsOneTrace();
    void otlpCarriesAttributesAndLinks();
    void unsampledTracesAreDroppedWhole();

private:
    void checkPaidTree(const Trace &t, const SignedBooking &b, const QString &backend);
    void checkNoValues(const QString &path, const QList<SpanRecord> &spans, const SignedBooking &b);
};

void TestTracing::paidAndRefundedBookingIsOneTrace()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("spans.jsonl"));
    auto server = BookingHarness::startServer(
        backend, {}, {QStringLiteral("POMELO_TELEMETRY_TRACE_FILE=") + path});
    QVERIFY(server);
    MiniProgramUser tracy(*server, QStringLiteral("tracy"));
    QVERIFY(tracy.loggedIn());
    const std::optional<SignedBooking> b =
        bookSignAndOpenCashier(*server, tracy, QStringLiteral("10:00"), QStringLiteral("11:00"));
    QVERIFY(b);
    QCOMPARE(b->traceId.size(), 32);
    QCOMPARE(simulatePay(*server, b->prepayId).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(bookingStatus(tracy, b->bookingId), QStringLiteral("PAID"), 15000);

    Trace t = waitForTrace(path, b->traceId, [](const Trace &tr) {
        return notifiedAndConsumed(tr, QStringLiteral("PAID"));
    });
    QVERIFY2(notifiedAndConsumed(t, QStringLiteral("PAID")),
             "the PAID notification never joined the trace");
    QVERIFY2(t.dangling().isEmpty(), qPrintable(t.dangling().join(u',')));
    checkPaidTree(t, *b, backend);

    // The student cancels the paid booking: a request of its own, whose refund continues the
    // payment's trace down to the REFUNDED notification.
    HttpResult r = tracy.post(QStringLiteral("/api/v1/bookings/%1/cancel").arg(b->bookingId), {});
    QCOMPARE(r.status, 200);
    const QString cancelTrace = QString::fromLatin1(r.header("X-Trace-Id"));
    QVERIFY(cancelTrace != b->traceId);
    t = waitForTrace(path, b->traceId, [](const Trace &tr) {
        return notifiedAndConsumed(tr, QStringLiteral("REFUNDED"));
    });
    QVERIFY2(notifiedAndConsumed(t, QStringLiteral("REFUNDED")),
             "the refund never joined the trace");
    const std::optional<SpanRecord> refund = t.first(QStringLiteral("pay.refund"));
    QVERIFY(refund);
    QCOMPARE(refund->attr(QStringLiteral("order.id")), b->orderId);
    QVERIFY2(std::any_of(refund->links.cbegin(), refund->links.cend(),
                         [&](const auto &l) { return l.first == cancelTrace; }),
             "pay.refund links the refund request of the cancel's trace");
    for (const QString &status : {QStringLiteral("REFUNDING"), QStringLiteral("REFUNDED")}) {
        const std::optional<SpanRecord> change =
            t.first(QStringLiteral("order.transition"), QStringLiteral("order.status"), status);
        QVERIFY2(change, qPrintable(status));
        QVERIFY(t.descends(*change, refund->spanId));
    }
    QCOMPARE(t.roots().size(), 1);
    QVERIFY2(t.dangling().isEmpty(), qPrintable(t.dangling().join(u',')));
    checkNoValues(path, t.spans(), *b);
}

void TestTracing::checkPaidTree(const Trace &t, const SignedBooking &b, const QString &backend)
{
    // One root: the student's tap.
    const QList<SpanRecord> roots = t.roots();
    QCOMPARE(roots.size(), 1);
    QCOMPARE(roots.first().name, QStringLiteral("POST /api/v1/bookings"));
    QCOMPARE(roots.first().kind, 2);
    for (const SpanRecord &s : t.spans())
        QVERIFY2(s.end >= s.start && s.start > 0, qPrintable(s.name));

    // The booking: its span, the venue lock and the database statements under it.
    const std::optional<SpanRecord> create = t.first(QStringLiteral("booking.create"));
    QVERIFY(create);
    QCOMPARE(create->attr(QStringLiteral("booking.id")), b.bookingId);
    QCOMPARE(create->attr(QStringLiteral("venue.id")), QString::number(b.venueId));
    const QList<SpanRecord> locks = t.named(QStringLiteral("lock.acquire"));
    const auto lockOf = [&](const QString &prefix) {
        return std::find_if(locks.cbegin(), locks.cend(), [&](const SpanRecord &s) {
            return s.attr(QStringLiteral("lock.key")).contains(prefix);
        });
    };
    for (const QString &prefix : {QStringLiteral("venue_booking:"), QStringLiteral("paying:")}) {
        const auto lock = lockOf(prefix);
        QVERIFY2(lock != locks.cend(), qPrintable(prefix));
        QVERIFY(lock->has(QStringLiteral("lock.wait_ms")));
        QVERIFY(lock->attributes.value(QStringLiteral("lock.fencing_token")).toLongLong() > 0);
    }
    QVERIFY(t.descends(*lockOf(QStringLiteral("venue_booking:")), create->spanId));
    QVERIFY(!t.named(QStringLiteral("lock.release")).isEmpty());
    const QList<SpanRecord> statements =
        t.where([](const SpanRecord &s) { return s.has(QStringLiteral("db.system")); });
    QVERIFY(statements.size() >= 10);
    for (const SpanRecord &s : statements) {
        QCOMPARE(s.attr(QStringLiteral("db.system")), dbSystem(backend));
        QVERIFY2(!s.attr(QStringLiteral("db.operation")).isEmpty(), qPrintable(s.name));
        QVERIFY2(!s.attr(QStringLiteral("db.statement")).isEmpty(), qPrintable(s.name));
        QCOMPARE(s.kind, 3);
    }
    QVERIFY(std::any_of(statements.cbegin(), statements.cend(), [&](const SpanRecord &s) {
        return s.attr(QStringLiteral("db.statement"))
                   .startsWith(QStringLiteral("INSERT INTO bookings"))
            && t.descends(s, create->spanId);
    }));

    // Signing (a request of its own, continuing the booking's trace) creates the pay order.
    const std::optional<SpanRecord> sign = t.first(QStringLiteral("booking.sign"));
    QVERIFY(sign);
    QCOMPARE(sign->attr(QStringLiteral("booking.id")), b.bookingId);
    QCOMPARE(sign->links.size(), 1);
    QVERIFY(sign->links.first().first != b.traceId);
    const std::optional<SpanRecord> createOrder =
        t.first(QStringLiteral("pay.createOrder"), QStringLiteral("order.id"), b.orderId);
    QVERIFY(createOrder);
    QVERIFY(t.descends(*createOrder, sign->spanId));
    const std::optional<SpanRecord> payServer = t.first(QStringLiteral("POST /pay/v1/orders"));
    QVERIFY2(payServer, "the pay platform's request joins through traceparent");
    QVERIFY(t.descends(*createOrder, payServer->spanId));

    // The cashier and its channel call.
    const std::optional<SpanRecord> cashier = t.first(QStringLiteral("pay.cashier"));
    QVERIFY(cashier);
    QCOMPARE(cashier->attr(QStringLiteral("order.id")), b.orderId);
    QCOMPARE(cashier->attr(QStringLiteral("pay.channel")), QStringLiteral("ECARD"));
    QCOMPARE(cashier->links.size(), 1);
    const QList<SpanRecord> channelCalls = t.where([&](const SpanRecord &s) {
        return s.kind == 3 && s.has(QStringLiteral("http.method"))
            && t.descends(s, cashier->spanId);
    });
    QVERIFY(!channelCalls.isEmpty());
    QVERIFY(channelCalls.first().has(QStringLiteral("http.status_code")));

    // The channel's callback continues the order's trace; PAID is its transition.
    const std::optional<SpanRecord> callback = t.first(QStringLiteral("pay.callback"));
    QVERIFY(callback);
    QCOMPARE(callback->attr(QStringLiteral("order.id")), b.orderId);
    QCOMPARE(callback->links.size(), 1);
    const std::optional<SpanRecord> paid = t.first(
        QStringLiteral("order.transition"), QStringLiteral("order.status"), QStringLiteral("PAID"));
    QVERIFY(paid);
    QVERIFY(t.descends(*paid, callback->spanId));
    QCOMPARE(paid->attr(QStringLiteral("order.id")), b.orderId);

    // The outbox relay publishes the PAID event as a child of its transition; both groups
    // process it.
    const QList<SpanRecord> publishes = t.where([&](const SpanRecord &s) {
        return isMessaging(s, QStringLiteral("publish")) && s.parentSpanId == paid->spanId;
    });
    QCOMPARE(publishes.size(), 1);
    QCOMPARE(publishes.first().kind, 4);
    QVERIFY(!publishes.first().attr(QStringLiteral("messaging.destination.name")).isEmpty());
    const QList<SpanRecord> processed = t.where([&](const SpanRecord &s) {
        return isMessaging(s, QStringLiteral("process")) && t.descends(s, publishes.first().spanId);
    });
    QSet<QString> groups;
    for (const SpanRecord &s : processed)
        groups.insert(s.attr(QStringLiteral("messaging.consumer.group.name")));
    QCOMPARE(groups.size(), 2);
    QVERIFY(!t.where([&](const SpanRecord &s) {
                  return isMessaging(s, QStringLiteral("receive"))
                      && t.descends(s, publishes.first().spanId);
              }).isEmpty());

    // The merchant notification continues the PAID transition and sends traceparent: the
    // booking module's pay-notify request and its handling are in the same trace.
    const std::optional<SpanRecord> notify =
        t.first(QStringLiteral("merchant.notify"), QStringLiteral("order.id"), b.orderId);
    QVERIFY(notify);
    QVERIFY(t.descends(*notify, paid->spanId));
    const std::optional<SpanRecord> payNotify =
        t.first(QStringLiteral("booking.pay_notify"), QStringLiteral("order.status"),
                QStringLiteral("PAID"));
    QVERIFY(payNotify);
    QVERIFY(t.descends(*payNotify, notify->spanId));
    QCOMPARE(payNotify->attr(QStringLiteral("booking.id")), b.bookingId);
    QCOMPARE(payNotify->attr(QStringLiteral("venue.id")), QString::number(b.venueId));
    QVERIFY(!t.named(QStringLiteral("POST /api/v1/pay-notify")).isEmpty());
}

void TestTracing::checkNoValues(const QString &path, const QList<SpanRecord> &spans,
                                const SignedBooking &b)
{
    // The student's data never reaches a span (raw file: attributes, events, names, links).
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray raw = f.readAll();
    for (const QString &planted : {PlantedStudentId, PlantedPhone, PlantedName})
        QVERIFY2(!raw.contains(planted.toUtf8()), qPrintable(planted));
    // Statements are templates: no id of this payment in any of them.
    for (const SpanRecord &s : spans) {
        const QString statement = s.attr(QStringLiteral("db.statement"));
        QVERIFY2(!statement.contains(b.bookingId) && !statement.contains(b.orderId),
                 qPrintable(statement));
    }
}

void TestTracing::timeoutIsOneTrace()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("spans.jsonl"));
    auto server =
        BookingHarness::startServer(backend, {},
                                    {QStringLiteral("POMELO_TELEMETRY_TRACE_FILE=") + path,
                                     QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=2")});
    QVERIFY(server);
    MiniProgramUser tim(*server, QStringLiteral("tim"));
    QVERIFY(tim.loggedIn());
    const std::optional<SignedBooking> b =
        bookSignAndOpenCashier(*server, tim, QStringLiteral("14:00"), QStringLiteral("15:00"));
    QVERIFY(b);
    // Never paid: the delayed queue fires, the channel is asked and the order closed.
    QTRY_COMPARE_WITH_TIMEOUT(bookingStatus(tim, b->bookingId), QStringLiteral("CANCELLED"), 30000);
    const Trace t = waitForTrace(path, b->traceId, [](const Trace &tr) {
        return notifiedAndConsumed(tr, QStringLiteral("CLOSED"));
    });
    QVERIFY2(notifiedAndConsumed(t, QStringLiteral("CLOSED")),
             "the timeout never joined the trace");
    QCOMPARE(t.roots().size(), 1);

    const std::optional<SpanRecord> timeout = t.first(QStringLiteral("pay.timeout"));
    QVERIFY(timeout);
    QCOMPARE(timeout->attr(QStringLiteral("order.id")), b->orderId);
    // pay.timeout runs inside the queue's process span, which continues the schedule's publish.
    const QList<SpanRecord> fired = t.where([&](const SpanRecord &s) {
        return isMessaging(s, QStringLiteral("process")) && timeout->parentSpanId == s.spanId;
    });
    QCOMPARE(fired.size(), 1);
    const std::optional<SpanRecord> scheduled = t.span(fired.first().parentSpanId);
    QVERIFY(scheduled);
    QVERIFY(isMessaging(*scheduled, QStringLiteral("publish")));
    QCOMPARE(scheduled->attr(QStringLiteral("messaging.destination.name")),
             fired.first().attr(QStringLiteral("messaging.destination.name")));
    // The channel is queried (and closed) from the timeout; CLOSED is its transition.
    QVERIFY(!t.where([&](const SpanRecord &s) {
                  return s.kind == 3 && s.has(QStringLiteral("http.method"))
                      && t.descends(s, timeout->spanId);
              }).isEmpty());
    const std::optional<SpanRecord> closed =
        t.first(QStringLiteral("order.transition"), QStringLiteral("order.status"),
                QStringLiteral("CLOSED"));
    QVERIFY(closed);
    QVERIFY(t.descends(*closed, timeout->spanId));
    const std::optional<SpanRecord> payNotify =
        t.first(QStringLiteral("booking.pay_notify"), QStringLiteral("order.status"),
                QStringLiteral("CLOSED"));
    QVERIFY(payNotify);
    QVERIFY(t.descends(*payNotify, closed->spanId));
    QVERIFY2(t.dangling().isEmpty(), qPrintable(t.dangling().join(u',')));
    checkNoValues(path, t.spans(), *b);
}

void TestTracing::otlpCarriesAttributesAndLinks()
{
    Collector collector;
    QVERIFY(collector.listen());
    auto server = BookingHarness::startServer(
        QStringLiteral("sqlite"), {},
        {QStringLiteral("POMELO_TELEMETRY_OTLP_ENDPOINT=http://127.0.0.1:%1")
             .arg(collector.port())});
    QVERIFY(server);
    MiniProgramUser otto(*server, QStringLiteral("otto"));
    QVERIFY(otto.loggedIn());
    const std::optional<SignedBooking> b =
        bookSignAndOpenCashier(*server, otto, QStringLiteral("16:00"), QStringLiteral("17:00"));
    QVERIFY(b);
    QCOMPARE(simulatePay(*server, b->prepayId).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(bookingStatus(otto, b->bookingId), QStringLiteral("PAID"), 15000);
    // Batches leave every 2 s at the latest.
    QTRY_VERIFY_WITH_TIMEOUT(
        notifiedAndConsumed(Trace(collector.spans(), b->traceId), QStringLiteral("PAID")), 20000);
    const Trace t(collector.spans(), b->traceId);
    QCOMPARE(collector.paths(), QSet<QString> {QStringLiteral("/v1/traces")});
    QVERIFY(collector.serviceNames().contains(QStringLiteral("pomelo-server")));
    const std::optional<SpanRecord> callback = t.first(QStringLiteral("pay.callback"));
    QVERIFY(callback);
    QCOMPARE(callback->links.size(), 1);
    QCOMPARE(callback->links.first().second.size(), 16);
    QVERIFY(!t.where([](const SpanRecord &s) {
                  return s.attr(QStringLiteral("db.system")) == QLatin1String("sqlite")
                      && s.attr(QStringLiteral("db.statement")).contains(u'?');
              }).isEmpty());
    QVERIFY(!t.where([](const SpanRecord &s) {
                  return isMessaging(s, QStringLiteral("publish"));
              }).isEmpty());
}

void TestTracing::unsampledTracesAreDroppedWhole()
{
    // sample_ratio 0: no trace is kept; a span that ends in an error still is.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("spans.jsonl"));
    auto server = BookingHarness::startServer(
        QStringLiteral("sqlite"),
        {QStringLiteral("--modules"), QStringLiteral("booking,sandbox,workers")},
        {QStringLiteral("POMELO_TELEMETRY_TRACE_FILE=") + path,
         QStringLiteral("POMELO_TELEMETRY_SAMPLE_RATIO=0")});
    QVERIFY(server);
    MiniProgramUser sam(*server, QStringLiteral("sam"));
    QVERIFY(sam.loggedIn());
    HttpResult r = sam.book(3, tomorrow(), QStringLiteral("12:00"), QStringLiteral("13:00"));
    QCOMPARE(r.status, 201);
    const QString booked = QString::fromLatin1(r.header("X-Trace-Id"));
    // No pay module here: signing fails (3001) at the call to the pay platform.
    r = sam.post(
        QStringLiteral("/api/v1/bookings/%1/sign").arg(r.json()[QStringLiteral("id")].toString()),
        {});
    QCOMPARE(r.status, 502);
    QTRY_VERIFY(!readSpanFile(path).isEmpty());
    const QList<SpanRecord> spans = readSpanFile(path);
    for (const SpanRecord &s : spans) {
        QCOMPARE(s.status, 2); // only errors, e.g. the failed call to the pay platform
        QVERIFY2(s.name != QLatin1String("booking.create"), "the booking succeeded: not kept");
    }
    // The failed sign continues the booking's (unsampled) trace: its error is kept there.
    QVERIFY(std::any_of(spans.cbegin(), spans.cend(),
                        [&](const SpanRecord &s) { return s.traceId == booked; }));
}

QTEST_GUILESS_MAIN(TestTracing)
#include "test_tracing.moc"
