#include "httpserver.h"

#include "errorresponse.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QHttpServerRequest>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtConcurrent>

#include <chrono>

namespace pomelo {

namespace {

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QByteArrayLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QByteArrayLiteral("TRACE");
    default:
        return QByteArrayLiteral("UNKNOWN");
    }
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Status");
    }
}

QByteArray serializeResponse(const HttpResponse &response, const QString &traceId, bool keepAlive,
                             bool withBody)
{
    QByteArray out;
    out.reserve(256 + response.body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status)
        + "\r\n";
    if (!response.body.isEmpty() || response.status != 204)
        out += "Content-Type: " + response.contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    out += "X-Trace-Id: " + traceId.toLatin1() + "\r\n";
    for (const auto &h : response.headers)
        out += h.first + ": " + h.second + "\r\n";
    if (!keepAlive)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (withBody)
        out += response.body;
    return out;
}

HttpResponse runHandler(const HttpHandler &handler, const HttpRequest &request, Span &span)
{
    try {
        return handler(request);
    } catch (const HttpRefusal &refusal) {
        return refusal.response();
    } catch (const Error &e) {
        // Domain errors are expected outcomes: the client gets the catalog message, the log the
        // detail.
        if (static_cast<int>(e.code()) >= 5000)
            qCWarning(lcHttp).noquote()
                << "request failed:" << static_cast<int>(e.code()) << e.detail();
        span.setAttribute(QStringLiteral("error.code"), static_cast<int>(e.code()));
        return errorResponse(e, request);
    } catch (const std::exception &e) {
        qCCritical(lcHttp).noquote() << "unhandled exception in" << request.path << ":" << e.what();
        span.setError(QStringLiteral("unhandled exception"));
        return errorResponse(ErrorCode::Internal, request);
    }
}

} // namespace

HttpServer::HttpServer(Options options, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_options(options)
    , m_replyTarget(std::make_shared<ReplyTarget>())
{
    m_replyTarget->server = this;
}

HttpServer::Lane &HttpServer::laneFor(const QString &path)
{
    const QString name = path.section(u'/', 1, 1);
    const QMutexLocker lock(&m_lanesMutex);
    std::unique_ptr<Lane> &lane = m_lanes[name];
    if (!lane) {
        lane = std::make_unique<Lane>();
        lane->pool.setMaxThreadCount(std::max(1, m_options.workerThreads));
        // Worker threads live as long as the server: each keeps its own Redis and database
        // connection.
        lane->pool.setExpiryTimeout(-1);
        lane->pool.setObjectName(QStringLiteral("http-") + name);
    }
    return *lane;
}

void HttpServer::addWebSocketPath(const QString &path, UpgradeVerifier verify)
{
    m_webSocketPaths.insert(path, std::move(verify));
}

int HttpServer::inFlight() const
{
    const QMutexLocker lock(&m_lanesMutex);
    int n = 0;
    for (const auto &[name, lane] : m_lanes)
        n += lane->inFlight.load();
    return n;
}

QStringList HttpServer::lanes() const
{
    const QMutexLocker lock(&m_lanesMutex);
    QStringList names;
    for (const auto &[name, lane] : m_lanes)
        names.append(name);
    return names;
}

HttpServer::~HttpServer()
{
    {
        const QMutexLocker lock(&m_replyTarget->mutex);
        m_replyTarget->server = nullptr;
    }
    shutdown(5000);
}

void HttpServer::shutdown(int timeoutMs)
{
    const QList<QTcpServer *> tcpServers = servers();
    for (QTcpServer *s : tcpServers)
        s->close();
    const QMutexLocker lock(&m_lanesMutex);
    for (const auto &[name, lane] : m_lanes)
        lane->pool.waitForDone(timeoutMs);
}

quint16 HttpServer::listenGuarded(const QHostAddress &address, quint16 port,
                                  GuardedTcpServer::Limits limits)
{
    auto *tcp = new GuardedTcpServer(limits, this);
    tcp->setRejectWriter([](QTcpSocket *socket, HttpFramer::Verdict verdict) {
        // Refused before any handler: the request never reached the router, so it gets a trace
        // id of its own for the envelope and the log.
        HttpRequest req;
        req.traceId = TraceId::random().toString();
        ErrorCode code = ErrorCode::PayloadTooLarge;
        int status = 413;
        switch (verdict) {
        case HttpFramer::Verdict::HeadTooLarge:
            status = 431;
            break;
        case HttpFramer::Verdict::BodyTooLarge:
            break;
        case HttpFramer::Verdict::Malformed:
            code = ErrorCode::MalformedJson;
            status = 400;
            break;
        case HttpFramer::Verdict::Ok: // over the connection cap
            code = ErrorCode::DependencyUnavailable;
            status = 503;
            break;
        }
        HttpResponse r = errorResponse(code, req);
        r.status = status;
        socket->write(serializeResponse(r, req.traceId, false, true));
    });
    if (!tcp->listen(address, port)) {
        m_listenError = tcp->errorString();
        delete tcp;
        return 0;
    }
    bind(tcp);
    return tcp->serverPort();
}

/// What the server needs to finish a request after its handler ran (possibly on another thread).
struct HttpServer::Exchange
{
    HttpRequest request;
    QString route; ///< matched pattern, or "unmatched" — bounded label cardinality for metrics
    bool keepAlive = true;
    Span span;
    std::chrono::steady_clock::time_point start;
    QPointer<QTcpSocket> socket;
};

bool HttpServer::handleRequest(const QHttpServerRequest &qreq, QTcpSocket *socket)
{
    // Already answered (413/431/400) by the connection guard while the bytes arrived.
    if (socket->property(GuardedTcpServer::RejectedProperty).toBool())
        return true;
    const ExchangePtr ex = beginExchange(qreq, socket);
    const HttpRequest &req = ex->request;
    const Router::Match match = m_router.match(req.method, req.path);
    startSpan(*ex, match);

    // A WebSocket upgrade (QtHttpServer only asks us when newWebSocketConnection is connected).
    if (req.header("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0
        && req.header("Connection").toLower().contains("upgrade"))
        return upgradeWebSocket(ex, socket);

    if (!match.route) {
        if (match.pathKnown) {
            HttpResponse r = errorResponse(ErrorCode::MethodNotAllowed, req);
            r.headers.append({QByteArrayLiteral("Allow"), match.allowedMethods.join(", ")});
            finish(ex, std::move(r));
        } else {
            finish(ex, errorResponse(ErrorCode::NotFound, req));
        }
        return true;
    }
    ex->request.pathParams = match.params;
    dispatch(ex, *match.route);
    return true;
}

HttpServer::ExchangePtr HttpServer::beginExchange(const QHttpServerRequest &qreq,
                                                  QTcpSocket *socket) const
{
    auto ex = std::make_shared<Exchange>();
    ex->start = std::chrono::steady_clock::now();
    ex->socket = socket;
    HttpRequest &req = ex->request;
    req.method = methodName(qreq.method());
    req.path = qreq.url().path();
    req.query = qreq.query();
    req.headers = qreq.headers();
    req.body = qreq.body();
    req.remoteAddress = qreq.remoteAddress();
    req.clientAddress = clientAddress(req.remoteAddress, req.headers, m_trustedProxies);
    ex->keepAlive = !req.header("Connection").toLower().contains("close");
    return ex;
}

void HttpServer::startSpan(Exchange &ex, const Router::Match &match) const
{
    HttpRequest &req = ex.request;
    // An incoming traceparent continues the caller's trace; a malformed one is ignored (new root).
    const auto parent = SpanContext::fromTraceparent(req.header("traceparent"));
    ex.route = match.route ? match.route->pattern : QStringLiteral("unmatched");
    ex.span = Span(QString::fromLatin1(req.method) + u' ' + ex.route, SpanKind::Server,
                   parent.value_or(SpanContext {}));
    ex.span.setAttribute(QStringLiteral("http.method"), QString::fromLatin1(req.method));
    ex.span.setAttribute(QStringLiteral("http.route"), ex.route);
    ex.span.setAttribute(QStringLiteral("client.address"), req.clientAddress.toString());
    ex.span.setAttribute(QStringLiteral("network.peer.address"), req.remoteAddress.toString());
    req.traceId = ex.span.traceId().toString();
    req.traceparent = QString::fromLatin1(ex.span.context().toTraceparent());
}

void HttpServer::finish(const ExchangePtr &ex, HttpResponse response)
{
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ex->start).count();
    ex->span.setAttribute(QStringLiteral("http.status_code"), response.status);
    if (response.status >= 500)
        ex->span.setError(QStringLiteral("HTTP ") + QString::number(response.status));
    // The request's context, so the log line carries its trace and span ids as fields.
    ContextScope scope(ex->span.context());
    ex->span.end();
    qCInfo(lcHttp).noquote() << ex->request.method << ex->request.path << response.status
                             << QString::number(seconds * 1000.0, 'f', 2) + QStringLiteral("ms")
                             << ex->request.traceId << ex->request.clientAddress.toString();
    if (m_observer)
        m_observer(ex->request.method, ex->route, response.status, seconds);
    if (!ex->socket)
        return; // the client went away; the outcome is logged, nothing to write
    const QByteArray out = serializeResponse(response, ex->request.traceId, ex->keepAlive,
                                             ex->request.method != "HEAD");
    ex->socket->write(out);
    if (!ex->keepAlive)
        ex->socket->disconnectFromHost();
}

bool HttpServer::upgradeWebSocket(const ExchangePtr &ex, QTcpSocket *socket)
{
    // false makes QtHttpServer close the connection after our refusal.
    const HttpRequest &req = ex->request;
    ex->route = m_webSocketPaths.contains(req.path) ? req.path : QStringLiteral("unmatched");
    const auto verify = m_webSocketPaths.constFind(req.path);
    std::optional<HttpResponse> refusal;
    if (verify == m_webSocketPaths.cend()) {
        refusal = errorResponse(ErrorCode::NotFound, req);
    } else {
        ContextScope scope(ex->span.context());
        try {
            refusal = (*verify)(req);
        } catch (const Error &e) {
            refusal = errorResponse(e.code(), req);
        }
    }
    if (refusal) {
        ex->keepAlive = false;
        finish(ex, std::move(*refusal));
        return false;
    }
    GuardedTcpServer::releaseForUpgrade(socket);
    // The handshake's 101 is written by QWebSocketServer; here only the span, log and metric.
    ex->span.setAttribute(QStringLiteral("http.status_code"), 101);
    ContextScope scope(ex->span.context());
    ex->span.end();
    qCInfo(lcHttp).noquote() << req.method << req.path << 101 << "websocket" << req.traceId
                             << req.clientAddress.toString();
    if (m_observer)
        m_observer(req.method, ex->route, 101, 0.0);
    return true;
}

void HttpServer::complete(const ExchangePtr &ex, HttpResponse response)
{
    if (!response.deferred) {
        finish(ex, std::move(response));
        return;
    }
    const auto start = std::move(response.deferred);
    auto answered = std::make_shared<std::atomic<bool>>(false);
    HttpResponse::Reply reply = [target = m_replyTarget, ex, answered](HttpResponse late) {
        if (answered->exchange(true))
            return;
        const QMutexLocker lock(&target->mutex);
        if (HttpServer *server = target->server)
            QMetaObject::invokeMethod(
                server,
                [server, ex, late = std::move(late)]() mutable {
                    server->finish(ex, std::move(late));
                },
                Qt::QueuedConnection);
    };
    try {
        ContextScope scope(ex->span.context());
        start(std::move(reply));
    } catch (...) {
        if (!answered->exchange(true))
            finish(ex, errorResponse(ErrorCode::Internal, ex->request));
    }
}

void HttpServer::dispatch(const ExchangePtr &ex, const Route &route)
{
    if (route.mode == HandlerMode::Inline) {
        ContextScope scope(ex->span.context());
        complete(ex, runHandler(route.handler, ex->request, ex->span));
        return;
    }
    // Bounded twice: in memory by the queue's length (beyond it 503 at once) and in time by the
    // wait (a request that waited too long is answered 503 without running). Within both, a burst
    // waits its turn instead of being shed: the 08:00 rush is a burst, not an attack.
    Lane &lane = laneFor(ex->request.path);
    if (lane.inFlight.load() >= m_options.workerThreads + m_options.maxQueued) {
        finish(ex, errorResponse(ErrorCode::DependencyUnavailable, ex->request));
        return;
    }
    ++lane.inFlight;
    lane.pool.start([this, &lane, ex, handler = route.handler]() {
        HttpResponse response;
        const auto waited = std::chrono::steady_clock::now() - ex->start;
        if (waited > std::chrono::milliseconds(m_options.maxQueueWaitMs)) {
            response = errorResponse(ErrorCode::DependencyUnavailable, ex->request);
        } else {
            ContextScope scope(ex->span.context());
            response = runHandler(handler, ex->request, ex->span);
        }
        --lane.inFlight;
        QMetaObject::invokeMethod(
            this, [this, ex, response]() mutable { complete(ex, std::move(response)); },
            Qt::QueuedConnection);
    });
}

void HttpServer::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // handleRequest answers every request itself (404/405 included).
}

} // namespace pomelo
