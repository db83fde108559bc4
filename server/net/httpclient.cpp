#include "httpclient.h"

#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThreadStorage>
#include <QTimer>

#include <chrono>
#include <memory>

namespace pomelo {

QByteArray HttpClientResponse::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

namespace {

QNetworkAccessManager *threadManager()
{
    // QThreadStorage rather than thread_local: Qt deletes it in QThread's own finish step, while
    // the thread's event data still exists. A thread_local QObject is destroyed after that, which
    // left the manager's internals behind (LeakSanitizer, intermittently).
    static QThreadStorage<QNetworkAccessManager *> managers;
    if (!managers.hasLocalData()) {
        auto *created = new QNetworkAccessManager;
        created->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        managers.setLocalData(created);
    }
    return managers.localData();
}

/// The QNetworkRequest of @p request: to the pinned address when there is one, with Host and the
/// TLS peer name of the URL's host, the caller's headers and the trace context.
QNetworkRequest networkRequest(const HttpClientRequest &request, const QByteArray &traceparent)
{
    QUrl target = request.url;
    if (!request.connectTo.isNull())
        target.setHost(request.connectTo.toString());
    QNetworkRequest req(target);
    if (!request.connectTo.isNull()) {
        const int defaultPort = request.url.scheme() == QLatin1String("https") ? 443 : 80;
        const int port = request.url.port(defaultPort);
        QByteArray authority = request.url.host(QUrl::FullyEncoded).toLatin1();
        if (port != defaultPort)
            authority += ':' + QByteArray::number(port);
        req.setRawHeader("Host", authority);
        req.setPeerVerifyName(request.url.host()); // TLS: SNI and certificate of the real name
    }
    req.setTransferTimeout(request.timeoutMs);
    req.setRawHeader("traceparent", traceparent);
    bool hasContentType = false;
    for (const auto &h : request.headers) {
        req.setRawHeader(h.first, h.second);
        hasContentType |= h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!request.body.isEmpty() && !hasContentType)
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return req;
}

/// Reads a reply's body as it arrives and aborts the reply once it announces or delivers more
/// than the limit: nobody gets to fill our memory with an answer.
class BoundedBody
{
public:
    BoundedBody(QNetworkReply *reply, qint64 maxBytes)
        : m_reply(reply)
        , m_max(maxBytes)
    {
        // Bounds what Qt buffers for us: it stops reading the socket past this.
        reply->setReadBufferSize(maxBytes + 1);
        QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [this] {
            const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
            if (length.isValid())
                cut(length.toLongLong());
        });
        // readyRead, not downloadProgress: Qt emits the latter at most every 300 ms, by which
        // time a fast sender has pushed tens of megabytes.
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [this] { take(); });
    }
    ~BoundedBody()
    {
        // Nothing the reply may still emit while it is torn down can reach this object.
        QObject::disconnect(m_reply, nullptr, nullptr, nullptr);
    }
    BoundedBody(const BoundedBody &) = delete;
    BoundedBody &operator=(const BoundedBody &) = delete;

    bool tooLarge() const { return m_tooLarge; }
    /// What arrived, the rest of it included; empty when it was cut off.
    QByteArray body()
    {
        if (m_reply->isOpen() && !m_tooLarge)
            take();
        return m_tooLarge ? QByteArray() : m_body;
    }

private:
    void take()
    {
        const QByteArray data = m_reply->readAll();
        m_received += data.size();
        if (m_received <= m_max)
            m_body += data;
        cut(m_received);
    }
    void cut(qint64 bytes)
    {
        if (bytes > m_max && !m_tooLarge) {
            m_tooLarge = true;
            m_reply->abort();
        }
    }

    QNetworkReply *m_reply;
    qint64 m_max;
    qint64 m_received = 0;
    QByteArray m_body;
    bool m_tooLarge = false;
};

} // namespace

HttpClientResponse HttpClient::send(const HttpClientRequest &request)
{
    Span span(request.spanName.isEmpty() ? QStringLiteral("HTTP ")
                      + QString::fromLatin1(request.method) + u' ' + request.url.host()
                                         : request.spanName,
              SpanKind::Client);
    span.setAttribute(QStringLiteral("http.method"), QString::fromLatin1(request.method));
    span.setAttribute(QStringLiteral("server.address"), request.url.host());
    span.setAttribute(QStringLiteral("url.path"), request.url.path());

    const auto start = std::chrono::steady_clock::now();
    // Deleted here, not with deleteLater(): a pool thread may never run an event loop again.
    const std::unique_ptr<QNetworkReply> reply(threadManager()->sendCustomRequest(
        networkRequest(request, span.context().toTraceparent()), request.method, request.body));
    BoundedBody bounded(reply.get(), request.maxResponseBytes);
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, reply.get(), &QNetworkReply::abort);
    guard.start(request.timeoutMs
                + 250); // transferTimeout covers stalls; this covers everything else
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);

    HttpClientResponse r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = bounded.body();
    r.headers = reply->rawHeaderPairs();
    if (bounded.tooLarge()) {
        r.status = 0;
        r.error =
            QStringLiteral("answer larger than %1 bytes: cut off").arg(request.maxResponseBytes);
    } else if (r.status == 0) {
        r.timedOut = reply->error() == QNetworkReply::OperationCanceledError
            || reply->error() == QNetworkReply::TimeoutError;
        r.error = r.timedOut ? QStringLiteral("timeout after %1 ms").arg(request.timeoutMs)
                             : reply->errorString();
    }

    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    span.setAttribute(QStringLiteral("http.status_code"), r.status);
    // OpenTelemetry's HTTP conventions: a client span is an error from 400 up (the caller's
    // request failed), a server span only from 500.
    if (r.status == 0 || r.status >= 400)
        span.setError(r.status == 0 ? r.error
                                    : QStringLiteral("HTTP ") + QString::number(r.status));
    qCInfo(lcHttp).noquote() << "outgoing" << request.method
                             << request.url.host() + request.url.path()
                             << (r.status ? QString::number(r.status) : r.error)
                             << QString::number(ms, 'f', 1) + QStringLiteral("ms");
    return r;
}

} // namespace pomelo
