// The blocking client as worker threads use it, against real sockets.
#include "http/httpserver.h"
#include "net/httpclient.h"
#include "telemetry/trace.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QtConcurrent>

using namespace pomelo;
using namespace pomelo::test;

class TestHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void carriesTraceparentAndBody();
    void timeoutIsBounded();
    void refusedIsAnError();
    void redirectsAreNotFollowed();
    void hugeAnswersAreCutOff_data();
    void hugeAnswersAreCutOff();
    void connectsToThePinnedAddress();

private:
    // Our own pool (as the server has), destroyed with the test object while the application
    // still exists, so each worker's per-thread network manager is torn down cleanly.
    QThreadPool m_pool;

    /// Runs @p call on a pool thread (as handlers do) while this thread keeps serving.
    HttpClientResponse onWorker(const HttpClientRequest &request, const SpanContext &context = {})
    {
        QFuture<HttpClientResponse> f = QtConcurrent::run(&m_pool, [request, context] {
            ContextScope scope(context);
            return HttpClient::send(request);
        });
        waitUntil([&] { return f.isFinished(); }, 20000);
        return f.result();
    }
};

void TestHttpClient::carriesTraceparentAndBody()
{
    HttpServer server({2, 4});
    QByteArray seenTraceparent, seenBody;
    server.router().add("POST", QStringLiteral("/in"), HandlerMode::Inline,
                        [&](const HttpRequest &r) {
                            seenTraceparent = r.header("traceparent");
                            seenBody = r.body;
                            return HttpResponse::json(202, "{\"ok\":true}");
                        });
    const quint16 port = server.listenGuarded(QHostAddress::LocalHost, 0);
    const SpanContext parent =
        *SpanContext::fromTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    HttpClientRequest req;
    req.method = "POST";
    req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/in").arg(port));
    req.body = "{\"x\":1}";
    const HttpClientResponse r = onWorker(req, parent);
    QCOMPARE(r.status, 202);
    QCOMPARE(r.body, QByteArray("{\"ok\":true}"));
    QCOMPARE(seenBody, req.body);
    // Same trace, a new (client) span.
    QVERIFY2(seenTraceparent.startsWith("00-0af7651916cd43dd8448eb211c80319c-"),
             seenTraceparent.constData());
    QVERIFY(!seenTraceparent.contains("b7ad6b7169203331"));
}

void TestHttpClient::timeoutIsBounded()
{
    QTcpServer silent; // accepts, never answers
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    HttpClientRequest req;
    req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/hang").arg(silent.serverPort()));
    req.timeoutMs = 300;
    QElapsedTimer t;
    t.start();
    const HttpClientResponse r = onWorker(req);
    QCOMPARE(r.status, 0);
    QVERIFY(r.timedOut);
    QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
}

void TestHttpClient::refusedIsAnError()
{
    HttpClientRequest req;
    req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(freeLoopbackPort()));
    const HttpClientResponse r = onWorker(req);
    QCOMPARE(r.status, 0);
    QVERIFY(!r.timedOut);
    QVERIFY(!r.error.isEmpty());
}

void TestHttpClient::redirectsAreNotFollowed()
{
    HttpServer server({2, 4});
    int targetHits = 0;
    server.router().add("POST", QStringLiteral("/notify"), HandlerMode::Inline,
                        [](const HttpRequest &) {
                            HttpResponse r = HttpResponse::text(302, "moved");
                            r.headers.append({QByteArray("Location"), QByteArray("/internal")});
                            return r;
                        });
    server.router().add("POST", QStringLiteral("/internal"), HandlerMode::Inline,
                        [&](const HttpRequest &) {
                            ++targetHits;
                            return HttpResponse::text(200, "SUCCESS");
                        });
    const quint16 port = server.listenGuarded(QHostAddress::LocalHost, 0);
    HttpClientRequest req;
    req.method = "POST";
    req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/notify").arg(port));
    req.body = "{}";
    const HttpClientResponse r = onWorker(req);
    QCOMPARE(r.status, 302);
    QVERIFY(!r.ok());
    QCOMPARE(targetHits, 0);
}

void TestHttpClient::hugeAnswersAreCutOff_data()
{
    QTest::addColumn<bool>("announced"); // Content-Length, or read until the close
    QTest::newRow("Content-Length: 100 MB") << true;
    QTest::newRow("100 MB until the close") << false;
}

void TestHttpClient::hugeAnswersAreCutOff()
{
    QFETCH(bool, announced);
    constexpr qint64 total = 100LL * 1024 * 1024;
    const QByteArray chunk(1024 * 1024, 'x');
    QTcpServer merchant;
    QVERIFY(merchant.listen(QHostAddress::LocalHost, 0));
    qint64 sent = 0;
    connect(&merchant, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *socket = merchant.nextPendingConnection();
        const auto more = [socket, &sent, &chunk] {
            // One chunk at a time, as the client reads: the sender's memory stays small too.
            if (socket->bytesToWrite() < chunk.size() && sent < total
                && socket->state() == QAbstractSocket::ConnectedState) {
                socket->write(chunk);
                sent += chunk.size();
            }
        };
        connect(socket, &QTcpSocket::readyRead, socket, [socket, announced, more] {
            socket->readAll();
            socket->write(announced ? QByteArray("HTTP/1.1 200 OK\r\nContent-Length: ")
                                  + QByteArray::number(total) + "\r\n\r\n"
                                    : QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"));
            more();
        });
        connect(socket, &QTcpSocket::bytesWritten, socket, more);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    });
    HttpClientRequest req;
    req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/huge").arg(merchant.serverPort()));
    req.timeoutMs = 15000;
    const HttpClientResponse r = onWorker(req);
    QCOMPARE(r.status, 0);
    QVERIFY(r.body.isEmpty());
    QVERIFY2(r.error.contains(QLatin1String("larger than 65536")), qPrintable(r.error));
    QVERIFY2(sent < 16 * chunk.size(), qPrintable(QString::number(sent))); // stopped early
}

void TestHttpClient::connectsToThePinnedAddress()
{
    // The URL's name does not resolve at all: only the pinned address can be reached, and the
    // server still sees the name in Host.
    HttpServer server({2, 4});
    QByteArray host;
    server.router().add("GET", QStringLiteral("/in"), HandlerMode::Inline,
                        [&](const HttpRequest &r) {
                            host = r.header("Host");
                            return HttpResponse::text(200, "SUCCESS");
                        });
    const quint16 port = server.listenGuarded(QHostAddress::LocalHost, 0);
    HttpClientRequest req;
    req.url = QUrl(QStringLiteral("http://merchant.invalid:%1/in").arg(port));
    req.connectTo = QHostAddress(QHostAddress::LocalHost);
    const HttpClientResponse r = onWorker(req);
    QCOMPARE(r.status, 200);
    QCOMPARE(host, QByteArray("merchant.invalid:") + QByteArray::number(port));
    req.connectTo = QHostAddress();
    QCOMPARE(onWorker(req).status, 0); // unpinned, the name leads nowhere
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "test_httpclient.moc"
