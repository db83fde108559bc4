#pragma once

#include "clientaddress.h"
#include "connectionguard.h"
#include "router.h"

#include <QAbstractHttpServer>
#include <QMutex>
#include <QThreadPool>

#include <atomic>
#include <map>
#include <memory>
#include <optional>

namespace pomelo {

/// Observer of finished requests (metrics); called on the server's thread.
using RequestObserver =
    std::function<void(const QByteArray &method, const QString &route, int status, double seconds)>;

/// The HTTP front of pomelo-server on QtHttpServer 6.4. It owns the routing (QHttpServer's router
/// is not used: we need the matched *pattern* for metrics, 404 vs 405, and one error mapping),
/// runs Blocking handlers on a bounded pool, and gives every request a server span, an
/// `X-Trace-Id` and one log line.
class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    struct Options
    {
        int workerThreads = 4;
        /// Waiting Blocking requests of one lane beyond its busy workers → 503 at once (memory).
        int maxQueued = 4096;
        /// A queued request that waited longer for a worker → 503 with Retry-After, not run: a
        /// burst waits its turn, but never longer than this.
        int maxQueueWaitMs = 5000;
    };

    explicit HttpServer(Options options, QObject *parent = nullptr);
    ~HttpServer() override;

    Router &router() { return m_router; }

    /// Listens through a GuardedTcpServer (body/head limits, idle timeout, connection cap).
    /// Returns the port, or 0 (listenError() says why).
    quint16 listenGuarded(const QHostAddress &address, quint16 port,
                          GuardedTcpServer::Limits limits = {});
    QString listenError() const { return m_listenError; }
    void setRequestObserver(RequestObserver observer) { m_observer = std::move(observer); }
    /// Whose X-Forwarded-For gives HttpRequest::clientAddress (default: nobody's). Set before
    /// listening.
    void setTrustedProxies(TrustedProxies proxies) { m_trustedProxies = std::move(proxies); }

    /// Decides a WebSocket upgrade: nullopt accepts it, a response refuses it with that response.
    /// Runs on the server's thread: keep it short.
    using UpgradeVerifier = std::function<std::optional<HttpResponse>(const HttpRequest &)>;
    /// Lets WebSocket upgrades for @p path through (QtHttpServer 6.4 hands an accepted upgrade to
    /// its QWebSocketServer and emits newWebSocketConnection(), which must be connected; take the
    /// socket with nextPendingWebSocketConnection()). Upgrades for other paths get 404.
    void addWebSocketPath(const QString &path, UpgradeVerifier verify);

    /// Stops accepting connections and waits (bounded) for running handlers.
    void shutdown(int timeoutMs = 10000);

    /// Blocking requests running or queued, over every lane.
    int inFlight() const;
    /// The lanes created so far (tests, metrics).
    QStringList lanes() const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Exchange; ///< a request on its way through, with its span, until it is answered
    using ExchangePtr = std::shared_ptr<Exchange>;

    /// The request copied out of QtHttpServer's, with its socket and start time.
    ExchangePtr beginExchange(const QHttpServerRequest &request, QTcpSocket *socket) const;
    /// The server span of the matched route, continuing a valid incoming traceparent.
    void startSpan(Exchange &ex, const Router::Match &match) const;
    /// Logs, measures and writes @p response (on the server's thread).
    void finish(const ExchangePtr &ex, HttpResponse response);
    /// finish(), or for HttpResponse::later() hands out the Reply that finishes later.
    void complete(const ExchangePtr &ex, HttpResponse response);
    /// Answers a WebSocket upgrade: true hands the socket to its QWebSocketServer.
    bool upgradeWebSocket(const ExchangePtr &ex, QTcpSocket *socket);
    /// Runs the matched route inline or on its lane's pool.
    void dispatch(const ExchangePtr &ex, const Route &route);

    Options m_options;
    Router m_router;
    /// One bounded pool per top-level API (/api, /pay, /sandbox, /admin, …). A handler of one API
    /// may call another over HTTP in this very process (sign → /pay/v1/orders → /sandbox/ecard);
    /// with one shared pool, enough such calls at once would hold every thread while waiting for
    /// a thread (a self-deadlock until their timeouts). Separate lanes cannot starve each other.
    struct Lane
    {
        QThreadPool pool;
        std::atomic<int> inFlight {0};
    };
    Lane &laneFor(const QString &path);

    std::map<QString, std::unique_ptr<Lane>> m_lanes; // created on the server's thread only
    mutable QMutex m_lanesMutex;
    RequestObserver m_observer;
    TrustedProxies m_trustedProxies;
    QString m_listenError;
    QHash<QString, UpgradeVerifier> m_webSocketPaths;
    /// What a late Reply posts to: the server while it exists, null once it is being destroyed
    /// (a Reply may outlive the server; the mutex orders the two).
    struct ReplyTarget
    {
        QMutex mutex;
        HttpServer *server = nullptr;
    };
    std::shared_ptr<ReplyTarget> m_replyTarget;
};

} // namespace pomelo
