// The socket-level guard: HTTP framing across reads, and the limits it enforces before
// QtHttpServer buffers anything.
#include "http/connectionguard.h"
#include "http/httpserver.h"
#include "serverprocess.h"

#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

using namespace pomelo;
using namespace pomelo::test;
using Verdict = HttpFramer::Verdict;

Q_DECLARE_METATYPE(Verdict)

namespace {

constexpr qint64 kBody = 64 * 1024;
constexpr qint64 kHead = 16 * 1024;

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
    QTest::newRow("body at limit") << post(kBody, QByteArray(kBody, 'a')) << Verdict::Ok;
    QTest::newRow("announced over limit") << post(kBody + 1) << Verdict::BodyTooLarge;
    QTest::newRow("huge announced") << post(300'000'000) << Verdict::BodyTooLarge;
    QTest::newRow("second request over limit")
        << post(5, "hello") + post(kBody + 1) << Verdict::BodyTooLarge;
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
    QTest::newRow("chunked at limit") << chunkedHead + chunk(kBody / 2) + chunk(kBody / 2)
            + "0\r\n\r\n" << Verdict::Ok;
    QTest::newRow("chunked over limit")
        << chunkedHead + chunk(kBody / 2) + chunk(kBody / 2 + 1) << Verdict::BodyTooLarge;
    QTest::newRow("chunked many small over limit")
        << chunkedHead + chunk(1000).repeated(66) << Verdict::BodyTooLarge;
    QTest::newRow("bad chunk size") << chunkedHead + "zz\r\n" << Verdict::Malformed;
    QTest::newRow("endless chunk size line")
        << chunkedHead + QByteArray(5000, '1') << Verdict::Malformed;
    QTest::newRow("head at limit") << "GET / HTTP/1.1\r\nX: " + QByteArray(kHead - 23, 'h')
            + "\r\n\r\n" << Verdict::Ok;
    QTest::newRow("head over limit") << "GET / HTTP/1.1\r\nX: " + QByteArray(kHead, 'h')
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
        HttpFramer framer(kHead, kBody);
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
        port = server.listenGuarded(QHostAddress::LocalHost, 0, limits);
    }
};

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
    const QByteArray body(kBody, 'b');
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo").arg(f.port)), body);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().object().value(QStringLiteral("len")).toInt(), kBody);
    // Head and body sent at once: the refusal must still reach the client (no reset that loses it).
    const QByteArray over = rawHttpExchange(f.port, post(kBody + 1, body + 'b'), 5000);
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

QTEST_GUILESS_MAIN(TestConnectionGuard)
#include "test_connectionguard.moc"
