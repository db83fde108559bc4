// The HTTP layer in process, on a real socket: blocking handlers on the pool, the bounded queue,
// typed errors mapped in one place, and clients that leave before their answer.
#include "domain/errors.h"
#include "http/httpserver.h"
#include "net/httpclient.h"
#include "serverprocess.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QSemaphore>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <thread>

using namespace pomelo;
using namespace pomelo::test;

namespace {

/// GET /slow, a Blocking route whose handler holds its worker until released. Declared after the
/// server, it releases every held worker when it goes (the server's destructor waits for them),
/// whatever a test's failure left behind.
struct HeldRoute
{
    QSemaphore entered;
    QSemaphore release;
    std::atomic<int> finished {0};

    explicit HeldRoute(HttpServer &server)
    {
        server.router().add("GET", QStringLiteral("/slow"), HandlerMode::Blocking,
                            [this](const HttpRequest &) {
                                entered.release();
                                release.acquire();
                                ++finished;
                                return HttpResponse::json(200, "{}");
                            });
    }
    ~HeldRoute() { release.release(8); }
};

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void blockingHandlerRunsOffTheServerThread();
    void domainErrorIsMappedOnce_data();
    void domainErrorIsMappedOnce();
    void unexpectedExceptionLeaksNothing();
    void fullQueueAnswers503AtOnce();
    void burstWaitsItsTurn();
    void waitBeyondTheBoundAnswers503WithoutRunning();
    void clientGoneBeforeAnswer();
    void laterAnswersHoldNoThread();
    void lateReplyOutlivesTheServer();
    void callsBetweenApisOfOneServerDoNotStarve();

private:
    quint16 listen(HttpServer &server)
    {
        auto *tcp = new QTcpServer(&server);
        if (!tcp->listen(QHostAddress::LocalHost, 0))
            return 0;
        server.bind(tcp);
        return tcp->serverPort();
    }
};

void TestHttpServer::blockingHandlerRunsOffTheServerThread()
{
    HttpServer server({2, 4});
    QThread *serverThread = QThread::currentThread();
    std::atomic<bool> offThread {false};
    server.router().add("POST", QStringLiteral("/echo/{id}"), HandlerMode::Blocking,
                        [&](const HttpRequest &r) {
                            offThread = QThread::currentThread() != serverThread;
                            return HttpResponse::json(
                                201,
                                "{\"id\":\"" + r.pathParams.value(QStringLiteral("id")).toUtf8()
                                    + "\",\"len\":" + QByteArray::number(r.body.size()) + "}");
                        });
    const quint16 port = listen(server);
    QVERIFY(port);
    const HttpResult r =
        httpRequest("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/echo/7").arg(port)), "abc");
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json().object().value(QStringLiteral("id")).toString(), QStringLiteral("7"));
    QCOMPARE(r.json().object().value(QStringLiteral("len")).toInt(), 3);
    QVERIFY(offThread.load());
    QCOMPARE(r.header("X-Trace-Id").size(), 32);
}

void TestHttpServer::domainErrorIsMappedOnce_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("status");
    QTest::newRow("1001") << 1001 << 429;
    QTest::newRow("1002") << 1002 << 409;
    QTest::newRow("2003") << 2003 << 401;
    QTest::newRow("3001") << 3001 << 502;
    QTest::newRow("5030") << 5030 << 503;
}

void TestHttpServer::domainErrorIsMappedOnce()
{
    QFETCH(int, code);
    QFETCH(int, status);
    HttpServer server({2, 4});
    server.router().add("GET", QStringLiteral("/fail"), HandlerMode::Blocking,
                        [code](const HttpRequest &) -> HttpResponse {
                            throw Error(*errorCodeFromInt(code),
                                        QStringLiteral("internal detail: SELECT * FROM secrets"));
                        });
    const quint16 port = listen(server);
    const HttpResult r =
        httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/fail").arg(port)), {},
                    {{"Accept-Language", "en"}});
    QCOMPARE(r.status, status);
    const QJsonObject o = r.json().object();
    QCOMPARE(o.value(QStringLiteral("code")).toInt(), code);
    QCOMPARE(o.value(QStringLiteral("message")).toString(),
             errorMessage(*errorCodeFromInt(code), Language::English));
    QCOMPARE(o.value(QStringLiteral("traceId")).toString().toLatin1(), r.header("X-Trace-Id"));
    QVERIFY(!r.body.contains("SELECT"));
    if (code == 1001 || code == 5030)
        QVERIFY(!r.header("Retry-After").isEmpty());
}

void TestHttpServer::unexpectedExceptionLeaksNothing()
{
    HttpServer server({2, 4});
    server.router().add("GET", QStringLiteral("/boom"), HandlerMode::Blocking,
                        [](const HttpRequest &) -> HttpResponse {
                            throw std::runtime_error("/etc/pomelo/secret.pem: permission denied");
                        });
    const quint16 port = listen(server);
    const HttpResult r =
        httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/boom").arg(port)));
    QCOMPARE(r.status, 500);
    QCOMPARE(r.json().object().value(QStringLiteral("code")).toInt(), 5000);
    QVERIFY(!r.body.contains("secret.pem"));
}

void TestHttpServer::fullQueueAnswers503AtOnce()
{
    // One worker and a queue of one: the third concurrent request must be refused immediately.
    HttpServer server({1, 1});
    HeldRoute slow(server);
    const quint16 port = listen(server);
    const QByteArray req = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    QTcpSocket a, b;
    a.connectToHost(QHostAddress::LocalHost, port);
    b.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(waitUntil([&] {
        return a.state() == QAbstractSocket::ConnectedState
            && b.state() == QAbstractSocket::ConnectedState;
    }));
    a.write(req);
    b.write(req);
    QVERIFY(waitUntil([&] { return slow.entered.available() == 1 && server.inFlight() == 2; }));
    const QByteArray third = rawHttpExchange(port, req, 5000);
    QVERIFY2(third.startsWith("HTTP/1.1 503"), third.constData());
    QVERIFY(third.contains("\"code\":5030"));
    slow.release.release(2);
    QVERIFY(waitUntil([&] { return server.inFlight() == 0; }));
    QVERIFY(waitUntil([&] { return a.bytesAvailable() > 0 && b.bytesAvailable() > 0; }));
    QVERIFY(a.readAll().startsWith("HTTP/1.1 200"));
    QVERIFY(b.readAll().startsWith("HTTP/1.1 200"));
}

void TestHttpServer::burstWaitsItsTurn()
{
    // One worker, 40 requests at once on their own connections: every one is answered 200 in turn
    // (the queue holds them), none is shed.
    HttpServer server({1, 64});
    std::atomic<int> ran {0};
    server.router().add("GET", QStringLiteral("/work"), HandlerMode::Blocking,
                        [&](const HttpRequest &) {
                            std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the work
                            ++ran;
                            return HttpResponse::json(200, "{}");
                        });
    const quint16 port = listen(server);
    constexpr int n = 40;
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<QTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, port);
    }
    QVERIFY(waitUntil([&] {
        return std::all_of(clients.begin(), clients.end(), [](const auto &c) {
            return c->state() == QAbstractSocket::ConnectedState;
        });
    }));
    for (auto &c : clients)
        c->write("GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QVERIFY(waitUntil([&] { return ran.load() == n && server.inFlight() == 0; }, 10000));
    for (auto &c : clients) {
        QVERIFY(waitUntil([&] { return c->bytesAvailable() > 0; }));
        const QByteArray answer = c->readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    }
}

void TestHttpServer::waitBeyondTheBoundAnswers503WithoutRunning()
{
    // One worker held by A; B waits in the queue past the 200 ms bound: when the worker comes
    // free, B is answered 503 with Retry-After and its handler never runs.
    HttpServer server({1, 8, 200});
    HeldRoute slow(server);
    const quint16 port = listen(server);
    const QByteArray req = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    QTcpSocket a, b;
    a.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(waitUntil([&] { return a.state() == QAbstractSocket::ConnectedState; }));
    a.write(req);
    QVERIFY(waitUntil([&] { return slow.entered.available() == 1; }));
    b.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(waitUntil([&] { return b.state() == QAbstractSocket::ConnectedState; }));
    b.write(req);
    QVERIFY(waitUntil([&] { return server.inFlight() == 2; }));
    // The bound is time itself: B must have waited past it before the worker is released.
    QElapsedTimer queued;
    queued.start();
    QVERIFY(waitUntil([&] { return queued.elapsed() > 400; }));
    slow.release.release();
    QVERIFY(waitUntil([&] { return server.inFlight() == 0; }));
    QVERIFY(waitUntil([&] { return a.bytesAvailable() > 0 && b.bytesAvailable() > 0; }));
    QVERIFY(a.readAll().startsWith("HTTP/1.1 200"));
    const QByteArray late = b.readAll();
    QVERIFY2(late.startsWith("HTTP/1.1 503"), late.constData());
    QVERIFY(late.contains("Retry-After: 1"));
    QVERIFY(late.contains("\"code\":5030"));
    QCOMPARE(slow.finished.load(), 1);
    QCOMPARE(slow.entered.available(), 1); // B's handler never ran
}

void TestHttpServer::clientGoneBeforeAnswer()
{
    HttpServer server({1, 4});
    HeldRoute slow(server);
    const quint16 port = listen(server);
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
        s.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(waitUntil([&] { return slow.entered.available() == 1; }));
        QCOMPARE(server.servers().first()->findChildren<QTcpSocket *>().size(), 1);
        s.abort();
    }
    // The server must notice the disconnect before the handler finishes: the answer has nowhere to
    // go.
    QVERIFY(waitUntil([&] {
        const QList<QTcpServer *> tcp = server.servers();
        return !tcp.isEmpty() && tcp.first()->findChildren<QTcpSocket *>().isEmpty();
    }));
    slow.release.release();
    QVERIFY(waitUntil([&] { return slow.finished.load() == 1 && server.inFlight() == 0; }));
    // Still serving.
    server.router().add("GET", QStringLiteral("/ok"), HandlerMode::Inline,
                        [](const HttpRequest &) { return HttpResponse::json(200, "{}"); });
    QCOMPARE(httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/ok").arg(port))).status,
             200);
}

void TestHttpServer::laterAnswersHoldNoThread()
{
    // One worker: three long polls are parked at once (none holds the worker), each answered from
    // another thread; only the first reply of each counts; an ordinary request is served meanwhile.
    HttpServer server({1, 1});
    QMutex mutex;
    QList<HttpResponse::Reply> parked;
    server.router().add("GET", QStringLiteral("/wait/{n}"), HandlerMode::Blocking,
                        [&](const HttpRequest &r) {
                            const QByteArray n = r.pathParams.value(QStringLiteral("n")).toUtf8();
                            return HttpResponse::later([&, n](HttpResponse::Reply reply) {
                                const QMutexLocker lock(&mutex);
                                parked.append([reply, n](HttpResponse) {
                                    reply(HttpResponse::json(200, QByteArray("{\"n\":" + n + "}")));
                                    reply(HttpResponse::json(500, "{}")); // ignored
                                });
                            });
                        });
    server.router().add("GET", QStringLiteral("/ok"), HandlerMode::Blocking,
                        [](const HttpRequest &) { return HttpResponse::json(200, "{}"); });
    const quint16 port = listen(server);
    QTcpSocket sockets[3];
    for (int i = 0; i < 3; ++i) {
        sockets[i].connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(waitUntil([&] { return sockets[i].state() == QAbstractSocket::ConnectedState; }));
        sockets[i].write("GET /wait/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    QVERIFY(waitUntil([&] {
        const QMutexLocker lock(&mutex);
        return parked.size() == 3;
    }));
    QCOMPARE(server.inFlight(), 0);
    QCOMPARE(httpRequest("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/ok").arg(port))).status,
             200);
    QVERIFY(sockets[1].bytesAvailable() == 0);
    std::thread replier([&] {
        const QMutexLocker lock(&mutex);
        for (const auto &r : std::as_const(parked))
            r({});
    });
    replier.join();
    for (int i = 0; i < 3; ++i) {
        QVERIFY(waitUntil([&] { return sockets[i].bytesAvailable() > 0; }));
        const QByteArray answer = sockets[i].readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        QVERIFY2(answer.endsWith(QByteArray("{\"n\":" + QByteArray::number(i) + "}")),
                 answer.constData());
    }
}

void TestHttpServer::lateReplyOutlivesTheServer()
{
    // A reply kept past the server's end (a watcher that was not stopped) does nothing.
    HttpResponse::Reply kept;
    {
        HttpServer server({1, 1});
        server.router().add("GET", QStringLiteral("/wait"), HandlerMode::Inline,
                            [&](const HttpRequest &) {
                                return HttpResponse::later(
                                    [&](HttpResponse::Reply reply) { kept = std::move(reply); });
                            });
        const quint16 port = listen(server);
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(waitUntil([&] { return s.state() == QAbstractSocket::ConnectedState; }));
        s.write("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(waitUntil([&] { return bool(kept); }));
    }
    kept(HttpResponse::json(200, "{}"));
    QCoreApplication::processEvents();
}

void TestHttpServer::callsBetweenApisOfOneServerDoNotStarve()
{
    // One worker per lane. /front's handler calls /back on this same server over HTTP (as sign
    // calls /pay/v1/orders): with one shared pool every /front would wait for a thread that only
    // a finished /front could free.
    HttpServer server({1, 16});
    quint16 port = 0;
    server.router().add(
        "GET", QStringLiteral("/back/ping"), HandlerMode::Blocking,
        [](const HttpRequest &) { return HttpResponse::json(200, "{\"pong\":true}"); });
    server.router().add(
        "GET", QStringLiteral("/front/call"), HandlerMode::Blocking, [&port](const HttpRequest &) {
            HttpClientRequest req;
            req.url = QUrl(QStringLiteral("http://127.0.0.1:%1/back/ping").arg(port));
            req.timeoutMs = 3000;
            const HttpClientResponse r = HttpClient::send(req);
            return HttpResponse::json(r.status == 200 ? 200 : 502, "{}");
        });
    port = server.listenGuarded(QHostAddress::LocalHost, 0);
    QVERIFY(port);
    QList<QByteArray> answers(4);
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 4; ++i) {
        auto s = std::make_unique<QTcpSocket>();
        QTcpSocket *raw = s.get();
        connect(raw, &QTcpSocket::connected, raw, [raw] {
            raw->write("GET /front/call HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        });
        connect(raw, &QTcpSocket::readyRead, raw,
                [raw, &answers, i] { answers[i] += raw->readAll(); });
        raw->connectToHost(QHostAddress::LocalHost, port);
        sockets.push_back(std::move(s));
    }
    // A starved /front would get 502 after its 3 s timeout: every one must get 200.
    QVERIFY(waitUntil(
        [&] {
            return std::all_of(answers.cbegin(), answers.cend(),
                               [](const QByteArray &a) { return a.contains("\r\n\r\n"); });
        },
        15000));
    for (const QByteArray &a : std::as_const(answers))
        QVERIFY2(a.startsWith("HTTP/1.1 200"), a.constData());
    QCOMPARE(server.lanes(), (QStringList {QStringLiteral("back"), QStringLiteral("front")}));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "test_httpserver.moc"
