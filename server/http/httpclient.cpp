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

HttpClientResponse HttpClient::send(const HttpClientRequest &request)
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
    QNetworkAccessManager *nam = managers.localData();

    Span span(request.spanName.isEmpty() ? QStringLiteral("HTTP ")
                      + QString::fromLatin1(request.method) + u' ' + request.url.host()
                                         : request.spanName,
              SpanKind::Client);
    span.setAttribute(QStringLiteral("http.method"), QString::fromLatin1(request.method));
    span.setAttribute(QStringLiteral("server.address"), request.url.host());
    span.setAttribute(QStringLiteral("url.path"), request.url.path());

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
    req.setRawHeader("traceparent", span.context().toTraceparent());
    bool hasContentType = false;
    for (const auto &h : request.headers) {
        req.setRawHeader(h.first, h.second);
        hasContentType |= h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!request.body.isEmpty() && !hasContentType)
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));

    const auto start = std::chrono::steady_clock::now();
    // Deleted here, not with deleteLater(): a pool thread may never run an event loop again.
    const std::unique_ptr<QNetworkReply> reply(
        nam->sendCustomRequest(req, request.method, request.body));
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // Bounds what Qt buffers for us: it stops reading the socket past this, so the check below
    // sees the overflow before the memory does.
    reply->setReadBufferSize(request.maxResponseBytes + 1);
    bool tooLarge = false;
    const auto cut = [&](qint64 bytes) {
        if (bytes > request.maxResponseBytes && !tooLarge) {
            tooLarge = true;
            reply->abort();
        }
    };
    QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, reply.get(), [&] {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid())
            cut(length.toLongLong());
    });
    // readyRead, not downloadProgress: Qt emits the latter at most every 300 ms, by which time a
    // fast sender has pushed tens of megabytes.
    qint64 received = 0;
    QByteArray body;
    QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&] {
        const QByteArray data = reply->readAll();
        received += data.size();
        if (received <= request.maxResponseBytes)
            body += data;
        cut(received);
    });
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, reply.get(), &QNetworkReply::abort);
    guard.start(request.timeoutMs
                + 250); // transferTimeout covers stalls; this covers everything else
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);

    HttpClientResponse r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->isOpen() && !tooLarge)
        body += reply->readAll();
    if (!tooLarge)
        r.body = body;
    if (tooLarge) {
        r.status = 0;
        r.error =
            QStringLiteral("answer larger than %1 bytes: cut off").arg(request.maxResponseBytes);
    }
    r.headers = reply->rawHeaderPairs();
    // The lambdas above capture locals that go before the reply does: nothing the reply may
    // still emit while it is torn down can reach them.
    QObject::disconnect(reply.get(), nullptr, nullptr, nullptr);
    if (r.status == 0 && !tooLarge) {
        r.timedOut = reply->error() == QNetworkReply::OperationCanceledError
            || reply->error() == QNetworkReply::TimeoutError;
        r.error = r.timedOut ? QStringLiteral("timeout after %1 ms").arg(request.timeoutMs)
                             : reply->errorString();
    }

    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    span.setAttribute(QStringLiteral("http.status_code"), r.status);
    if (r.status == 0 || r.status >= 500)
        span.setError(r.status == 0 ? r.error
                                    : QStringLiteral("HTTP ") + QString::number(r.status));
    qCInfo(lcHttp).noquote() << "outgoing" << request.method
                             << request.url.host() + request.url.path()
                             << (r.status ? QString::number(r.status) : r.error)
                             << QString::number(ms, 'f', 1) + QStringLiteral("ms");
    return r;
}

} // namespace pomelo
