// The socket-level guard: HTTP framing across reads, and the limits it enforces before
// QtHttpServer buffers anything.
#include "http/connectionguard.h"
#include "http/httpserver.h"
#include "serverprocess.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <vector>

using namespace pomelo;
using namespace pomelo::test;
using Verdict = HttpFramer::Verdict;

Q_DECLARE_METATYPE(Verdict)

namespace {

constexpr qint64 SampleBody = 64 * 1024;
constexpr qint64 SampleHead = 16 * 1024;

QByteArray post(qint64 length, const QByteArray &body = {})
{
    return "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: " + QByteArray::number(length)
        + "\r\n\r\n" + body;
}

QByteArray chunk(qint64 size)
{
    return QByteArray::number(size, 16) + "\r\n" + QByteArray(size, 'x') + "\r\n";
}

} // namespace

class TestConnectionGuard : public QObject
{
    Q_OBJECT

private slots:
    void framer_data();
    void framer();
    void oversizedBodyRefusedBeforeItArrives();
    void chunkedBodyCountedAsItArrives();
    void bodyAtTheLimitIsServed();
    void idleConnectionIsClosed();
    void connectionCap();
    void trickledHeadIsCut();
    void headDeadlineForEachRequest();
    void perAddressCap();
    void loopbackPeersNotCappedByDefault();
    void slowClientCannotTakeEverySlot();
};

void TestConnectionGuard::framer_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<Verdict>("expected");

    const QByteArray get = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
    QTest::newRow("get") << get << Verdict::Ok;
    QTest::newRow("pipelined gets") << get + get + get << Verdict::Ok;
    QTest::newRow("leading blank lines") << "\r\n\r\n" + get << Verdict::Ok;
    QTest::newRow("body") << post(5, "hello") << Verdict::Ok;
    QTest::newRow("body then get") << post(5, "hello") + get << Verdict::Ok;
    QTest::newRow("body at limit") << post(SampleBody, QByteArray(SampleBody, 'a')) << Verdict::Ok;
    QTest::newRow("announced over limit") << post(SampleBody + 1) << Verdict::BodyTooLarge;
    QTest::newRow("huge announced") << post(300'000'000) << Verdict::BodyTooLarge;
    QTest::newRow("second request over limit")
        << post(5, "hello") + post(SampleBody + 1) << Verdict::BodyTooLarge;
    // A body that contains something looking like a head must not be parsed as one.
    QTest::newRow("head-like body")
        << post(60, "GET / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n" + QByteArray(15, 'z'))
            + get
        << Verdict::Ok;
    QTest::newRow("length not a number")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n") << Verdict::Malformed;
    QTest::newRow("negative length")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") << Verdict::Malformed;
    QTest::newRow("two different lengths")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        << Verdict::Malformed;
    QTest::newRow("length and chunked")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        << Verdict::Malformed;
    QTest::newRow("unknown coding")
        << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") << Verdict::Malformed;
    const QByteArray chunkedHead = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    QTest::newRow("chunked") << chunkedHead + chunk(10) + chunk(20) + "0\r\n\r\n" + get
                             << Verdict::Ok;
    QTest::newRow("chunked with extension and trailer")
        << chunkedHead + "5;name=v\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n" + get << Verdict::Ok;
    QTest::newRow("chunked at limit") << chunkedHead + chunk(SampleBody / 2) + chunk(SampleBody / 2)
            + "0\r\n\r\n" << Verdict::Ok;
    QTest::newRow("chunked over limit")
        << chunkedHead + chunk(SampleBody / 2) + chunk(SampleBody / 2 + 1) << Verdict::BodyTooLarge;
    QTest::newRow("chunked many small over limit")
        << chunkedHead + chunk(1000).repeated(66) << Verdict::BodyTooLarge;
    QTest::newRow("bad chunk size") << chunkedHead + "zz\r\n" << Verdict::Malformed;
    QTest::newRow("negative chunk size") << chunkedHead + "-1\r\n" << Verdict::Malformed;
    QTest::newRow("chunk size of 16 digits") << chunkedHead + "0000000000000001\r\n"
                                             << Verdict::Malformed;
    QTest::newRow("chunk size in spaces")
        << chunkedHead + " 5 \r\nhello\r\n0\r\n\r\n" + get << Verdict::Ok;
    QTest::newRow("trailer over head limit")
        << chunkedHead + "0\r\nX: " + QByteArray(SampleHead, 't') + "\r\n\r\n"
        << Verdict::HeadTooLarge;
    QTest::newRow("zero length then get") << post(0) + get << Verdict::Ok;
    QTest::newRow("endless chunk size line")
        << chunkedHead + QByteArray(5000, '1') << Verdict::Malformed;
    QTest::newRow("head at limit") << "GET / HTTP/1.1\r\nX: " + QByteArray(SampleHead - 23, 'h')
            + "\r\n\r\n" << Verdict::Ok;
    QTest::newRow("head over limit") << "GET / HTTP/1.1\r\nX: " + QByteArray(SampleHead, 'h')
            + "\r\n\r\n" << Verdict::HeadTooLarge;
    QTest::newRow("endless head") << "GET / HTTP/1.1\r\n" + QByteArray(100000, 'h')
                                  << Verdict::HeadTooLarge;
}

void TestConnectionGuard::framer()
{
    QFETCH(QByteArray, stream);
    QFETCH(Verdict, expected);
    // Whole, in 7-byte pieces, and byte by byte: the verdict never depends on how TCP split it.
    for (const qsizetype piece : {stream.size(), qsizetype(7), qsizetype(1)}) {
        HttpFramer framer(SampleHead, SampleBody);
        for (qsizetype i = 0; i < stream.size() && framer.verdict() == Verdict::Ok; i += piece)
            framer.feed(QByteArrayView(stream).sliced(i, std::min(piece, stream.size() - i)));
        QCOMPARE(framer.verdict(), expected);
    }
}

namespace {

struct Fixture
{
    HttpServer server {HttpServer::Options {2, 8}};
    quint16 port = 0;
    std::atomic<int> handled {0};

    explicit Fixture(GuardedTcpServer::Limits limits = {})
    {
        server.router().add("POST", QStringLiteral("/echo"), HandlerMode::Inline,
                            [this](const HttpRequest &r) {
                                ++handled;
                                return HttpResponse::json(
                                    200, "{\"len\":" + QByteArray::number(r.body.size()) + "}");
                            });
        server.router().add("GET", QStringLiteral("/ping"), HandlerMode::Inline,
                            [](const HttpRequest &) { return HttpResponse::text(200, "pong"); });
        port = server.listenGuarded(QHostAddress::LocalHost, 0, limits);
    }
    GuardedTcpServer &tcp() { return *qobject_cast<GuardedTcpServer *>(server.servers().first()); }
};

/// A client socket connecting from @p from (any 127/8 address: Linux routes all of it to lo).
std::unique_ptr<QTcpSocket> connectFrom(const QString &from, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->bind(QHostAddress(from), 0))
        return nullptr;
    socket->connectToHost(QHostAddress::LocalHost, port);
    return socket;
}

const QByteArray Ping = "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n";

} // namespace

void TestConnectionGuard::oversizedBodyRefusedBeforeItArrives()
{
    Fixture f;
    QVERIFY(f.port);
    // Announce 300 MB and send only the head: the answer must come without waiting for the body.
    const QByteArray response = rawHttpExchange(
        f.port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 300000000\r\n\r\n", 5000);
    QVERIFY2(response.startsWith("HTTP/1.1 413"), response.constData());
    QVERIFY(response.contains("\"code\":4130"));
    QVERIFY(response.contains("X-Trace-Id: "));
    QCOMPARE(f.handled.load(), 0);
}

void TestConnectionGuard::chunkedBodyCountedAsItArrives()
{
    Fixture f;
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, f.port);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
    s.write("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    QByteArray received;
    // Keep streaming 8 KiB chunks, never ending the body; the refusal must come after ~64 KiB.
    qint64 sent = 0;
    QVERIFY(waitUntil(
        [&] {
            if (s.state() == QAbstractSocket::ConnectedState && sent < 4 * 1024 * 1024) {
                s.write(chunk(8192));
                sent += 8192;
            }
            received += s.readAll();
            return received.contains("\r\n\r\n{");
        },
        10000));
    QVERIFY2(received.startsWith("HTTP/1.1 413"), received.constData());
    QVERIFY(sent <= 1024 * 1024); // refused early, not after megabytes
    QCOMPARE(f.handled.load(), 0);
}

void TestConnectionGuard::bodyAtTheLimitIsServed()
{
    Fixture f;
    // Delivered in several TCP reads: the guard must count each byte once.
    const QByteArray body(SampleBody, 'b');
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo").arg(f.port)), body);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().object().value(QStringLiteral("len")).toInt(), SampleBody);
    // Head and body sent at once: the refusal must still reach the client (no reset that loses it).
    const QByteArray over = rawHttpExchange(f.port, post(SampleBody + 1, body + 'b'), 5000);
    QVERIFY2(over.startsWith("HTTP/1.1 413"), over.left(200).constData());
    QCOMPARE(f.handled.load(), 1);
}

void TestConnectionGuard::idleConnectionIsClosed()
{
    GuardedTcpServer::Limits limits;
    limits.idleTimeoutMs = 200;
    Fixture f(limits);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, f.port);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
    s.write("GET /ech"); // a half-sent head, then silence
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::UnconnectedState; }, 5000));
}

void TestConnectionGuard::connectionCap()
{
    GuardedTcpServer::Limits limits;
    limits.maxConnections = 2;
    Fixture f(limits);
    QTcpSocket a, b;
    a.connectToHost(QHostAddress::LocalHost, f.port);
    b.connectToHost(QHostAddress::LocalHost, f.port);
    QVERIFY(waitUntil([&] {
        const auto *tcp = qobject_cast<GuardedTcpServer *>(f.server.servers().first());
        return tcp->openConnections() == 2;
    }));
    const QByteArray third = rawHttpExchange(f.port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", 5000);
    QVERIFY2(third.startsWith("HTTP/1.1 503"), third.constData());
    a.abort();
    QVERIFY(waitUntil([&] {
        const auto *tcp = qobject_cast<GuardedTcpServer *>(f.server.servers().first());
        return tcp->openConnections() == 1;
    }));
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo").arg(f.port)), "x");
    QCOMPARE(r.status, 200);
}

void TestConnectionGuard::trickledHeadIsCut()
{
    // A head sent a byte every 20 ms: the idle timer (a minute here) restarts on every byte and
    // would never fire; the head deadline cuts it whatever the pace.
    GuardedTcpServer::Limits limits;
    limits.idleTimeoutMs = 60000;
    limits.headTimeoutMs = 300;
    Fixture f(limits);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, f.port);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
    QElapsedTimer clock;
    clock.start();
    s.write("GET /ping HTTP/1.1\r\nX-Slow: ");
    int trickled = 0;
    QTimer trickle;
    QObject::connect(&trickle, &QTimer::timeout, &s, [&] {
        if (s.state() == QAbstractSocket::ConnectedState) {
            s.write("a");
            ++trickled;
        }
    });
    trickle.start(20);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::UnconnectedState; }, 10000));
    // Not cut by something else first (Qt's coarse timers may fire up to 5 % early).
    QVERIFY2(clock.elapsed() >= 270, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(trickled >= 5); // it was still sending when cut
    QVERIFY(s.readAll().isEmpty());
    QCOMPARE(f.handled.load(), 0);
    QTRY_COMPARE(f.tcp().openConnections(), 0);
}

void TestConnectionGuard::headDeadlineForEachRequest()
{
    GuardedTcpServer::Limits limits;
    limits.idleTimeoutMs = 60000;
    limits.headTimeoutMs = 300;
    Fixture f(limits);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, f.port);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
    QByteArray received;
    const auto answered = [&](int n) {
        return waitUntil([&] {
            received += s.readAll();
            return received.count("HTTP/1.1 200") >= n;
        });
    };
    // Whole heads, pipelined or one after the other: served on the same connection.
    s.write(Ping + Ping);
    QVERIFY(answered(2));
    // Silence between requests is the idle timer's business, not the head deadline's: not an
    // event to wait for, so this one waits a fixed time, twice the deadline, for nothing to happen.
    QTest::qWait(2 * limits.headTimeoutMs);
    QCOMPARE(s.state(), QAbstractSocket::ConnectedState);
    s.write(Ping);
    QVERIFY(answered(3));
    // The next head on this keep-alive connection is timed from its own first byte.
    s.write("GET /ping HTTP/1.1\r\n");
    QElapsedTimer clock;
    clock.start();
    QTimer trickle;
    QObject::connect(&trickle, &QTimer::timeout, &s, [&] {
        if (s.state() == QAbstractSocket::ConnectedState)
            s.write("X");
    });
    trickle.start(20);
    QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::UnconnectedState; }, 10000));
    QVERIFY(clock.elapsed() >= limits.headTimeoutMs * 9 / 10); // coarse timers: 5 % early
    QCOMPARE(received.count("HTTP/1.1 200"), 3);
}

void TestConnectionGuard::perAddressCap()
{
    GuardedTcpServer::Limits limits;
    limits.maxConnectionsPerAddress = 3;
    limits.capLoopbackPeers = true; // the test's only addresses are loopback ones
    Fixture f(limits);
    const QHostAddress greedy(QStringLiteral("127.0.0.2"));
    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(connectFrom(greedy.toString(), f.port));
        QVERIFY(held.back());
    }
    QTRY_COMPARE(f.tcp().openConnections(greedy), 3);

    // One more from that address: closed at once, without an answer.
    auto extra = connectFrom(greedy.toString(), f.port);
    QVERIFY(extra);
    extra->write(Ping);
    QVERIFY(waitUntil([&] { return extra->state() == QAbstractSocket::UnconnectedState; }));
    QVERIFY(extra->readAll().isEmpty());
    QCOMPARE(f.tcp().openConnections(greedy), 3);
    QCOMPARE(f.handled.load(), 0);

    // Another address is not affected.
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo").arg(f.port)), "x");
    QCOMPARE(r.status, 200);

    // Once one of the three is gone, the address may connect again.
    held.front()->abort();
    QTRY_COMPARE(f.tcp().openConnections(greedy), 2);
    auto again = connectFrom(greedy.toString(), f.port);
    QVERIFY(again);
    again->write(Ping);
    QByteArray answer;
    QVERIFY(waitUntil([&] {
        answer += again->readAll();
        return answer.contains("pong");
    }));
    QVERIFY(answer.startsWith("HTTP/1.1 200"));
}

void TestConnectionGuard::loopbackPeersNotCappedByDefault()
{
    // A reverse proxy on this host comes from one loopback address with every client behind it.
    GuardedTcpServer::Limits limits;
    limits.maxConnectionsPerAddress = 2;
    Fixture f(limits);
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 5; ++i) {
        sockets.push_back(connectFrom(QStringLiteral("127.0.0.2"), f.port));
        QVERIFY(sockets.back());
        sockets.back()->write(Ping);
    }
    QTRY_COMPARE(f.tcp().openConnections(QHostAddress(QStringLiteral("127.0.0.2"))), 5);
    for (const auto &s : sockets) {
        QByteArray answer;
        QVERIFY(waitUntil([&] {
            answer += s->readAll();
            return answer.contains("pong");
        }));
    }
}

void TestConnectionGuard::slowClientCannotTakeEverySlot()
{
    // The server has 8 slots. One client opens 8 connections and trickles a head on each: without
    // the per-address cap it would hold every slot and everyone else would get 503 until its heads
    // ran out of time.
    GuardedTcpServer::Limits limits;
    limits.maxConnections = 8;
    limits.maxConnectionsPerAddress = 4;
    limits.capLoopbackPeers = true; // the test's only addresses are loopback ones
    limits.idleTimeoutMs = 60000;
    limits.headTimeoutMs = 3000;
    Fixture f(limits);
    const QHostAddress slow(QStringLiteral("127.0.0.2"));
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 8; ++i) {
        sockets.push_back(connectFrom(slow.toString(), f.port));
        QVERIFY(sockets.back());
        sockets.back()->write("GET /ping HTTP/1.1\r\nX-Slow: ");
    }
    QTimer trickle;
    QObject::connect(&trickle, &QTimer::timeout, [&] {
        for (const auto &s : sockets) {
            if (s->state() == QAbstractSocket::ConnectedState)
                s->write("a");
        }
    });
    trickle.start(25);
    const auto connected = [&] {
        return std::count_if(sockets.cbegin(), sockets.cend(), [](const auto &s) {
            return s->state() == QAbstractSocket::ConnectedState;
        });
    };
    // Four were closed at once; four hold their slots, trickling.
    QVERIFY(waitUntil([&] { return connected() == 4 && f.tcp().openConnections(slow) == 4; }));

    // Meanwhile a client from another address is served.
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo").arg(f.port)), "x");
    QCOMPARE(r.status, 200);
    QCOMPARE(f.handled.load(), 1);
    // It was served while the slow client still held its four slots, not after they were cut.
    QCOMPARE(f.tcp().openConnections(slow), 4);

    // And the slow heads are cut by their deadline although bytes kept coming.
    QVERIFY(waitUntil([&] { return connected() == 0; }, 10000));
    QTRY_COMPARE(f.tcp().openConnections(), 0);
    QCOMPARE(f.handled.load(), 1);
}

QTEST_GUILESS_MAIN(TestConnectionGuard)
#include "test_connectionguard.moc"
