#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace pomelo {

struct HttpClientResponse
{
    int status = 0; ///< 0: no HTTP answer (see error)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error; ///< transport problem (refused, timeout, TLS); empty when an answer came
    bool timedOut = false;

    bool ok() const { return status >= 200 && status < 300; }
    QByteArray header(const QByteArray &name) const;
};

struct HttpClientRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    int timeoutMs = 5000;
    QString spanName; ///< defaults to "HTTP <method> <host>"
    /// When set, the connection goes to this address, not to whatever the URL's host resolves to
    /// now (the address an SSRF check approved); Host and the TLS peer name stay the URL's.
    QHostAddress connectTo;
    /// A longer answer is cut off: status 0 and an error. Merchants and channels answer in a few
    /// hundred bytes; nobody gets to fill our memory.
    qint64 maxResponseBytes = 64 * 1024;
};

/// A blocking HTTP client for worker threads (never the server's thread): each thread keeps its
/// own QNetworkAccessManager (connection reuse per thread), the call runs a local event loop
/// bounded by the timeout. Every call is a client span, carries `traceparent`, and is logged
/// with method, host, path, status and duration — never the query string or the body, which may
/// hold secrets. Redirects are never followed (a 3xx is the answer).
class HttpClient
{
public:
    static HttpClientResponse send(const HttpClientRequest &request);
};

} // namespace pomelo
