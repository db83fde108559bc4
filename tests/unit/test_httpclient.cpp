// The blocking client as worker threads use it, against real sockets.
#include "http/httpclient.h"
#include "http/httpserver.h"
#include "telemetry/trace.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTcpServer>
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

QTEST_GUILESS_MAIN(TestHttpClient)
#include "test_httpclient.moc"
