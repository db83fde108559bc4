#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QTimeZone>
#include <QUrlQuery>

#include <exception>
#include <functional>

namespace pomelo {

/// A request as the HTTP layer hands it to a handler: plain data, copied out of QtHttpServer's
/// request so that it can cross to a worker thread.
struct HttpRequest
{
    QByteArray method; ///< "GET", "POST", …
    QString path; ///< decoded path, no query
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QHostAddress remoteAddress; ///< the TCP peer: a reverse proxy's address behind one
    /// Who sent the request (clientaddress.h: the peer, or X-Forwarded-For of trusted proxies).
    /// For logs, audit and the login throttle only; the header is the client's word where no
    /// trusted proxy wrote it, so limits of the connection itself stay on remoteAddress.
    QHostAddress clientAddress;
    QHash<QString, QString> pathParams; ///< "{id}" segments of the matched route
    QString traceId; ///< 32 hex, set by the server before the handler runs
    QString traceparent; ///< W3C header of the request's server span

    /// Case-insensitive header lookup; empty when absent.
    QByteArray header(const QByteArray &name) const;
    /// The token of `Authorization: Bearer <token>`; empty when there is none.
    QString bearerToken() const;
};

/// A response built by a handler; the server adds X-Trace-Id, Content-Length and logs it.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    static HttpResponse json(int status, const QByteArray &compactJson);
    /// Compact JSON, `application/json; charset=utf-8`.
    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    static HttpResponse
    text(int status, const QByteArray &body,
         const QByteArray &contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    /// Answers a request that was answered later (HttpResponse::later). Callable from any thread;
    /// only the first call counts, and one after the client left or the server stopped is dropped.
    using Reply = std::function<void(HttpResponse)>;
    /// A long poll: the handler cannot answer yet and holds no thread meanwhile. The server calls
    /// @p start with the Reply (on its own thread, after the handler returned); the request's span
    /// and log line wait for the answer. @p start must not block.
    static HttpResponse later(std::function<void(Reply)> start);
    /// Set by later(): the rest of this response is not used.
    std::function<void(Reply)> deferred;
};

/// Thrown where the answer must be a given response rather than the API's error envelope: a
/// payment channel expects its own refusal body and status.
class HttpRefusal : public std::exception
{
public:
    explicit HttpRefusal(HttpResponse response)
        : m_response(std::move(response))
    { }
    const HttpResponse &response() const { return m_response; }
    const char *what() const noexcept override { return "request refused"; }

private:
    HttpResponse m_response;
};

/// An API time (API.md: RFC 3339 with the offset of @p zone, milliseconds): Unix ms → text.
QString rfc3339(qint64 unixMs, const QTimeZone &zone);

} // namespace pomelo
