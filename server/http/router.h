#pragma once

#include "httptypes.h"

#include <functional>
#include <optional>

namespace pomelo {

using HttpHandler = std::function<HttpResponse(const HttpRequest &)>;

/// How a handler runs: Inline on the server's thread (cheap, never blocks: /healthz, /metrics),
/// or Blocking on the bounded worker pool (anything that touches Redis, a database or the network).
enum class HandlerMode { Inline, Blocking };

struct Route
{
    QByteArray method;
    QString pattern; ///< "/api/v1/bookings/{id}/sign"
    HandlerMode mode;
    HttpHandler handler;
    QStringList segments; ///< pattern split on '/'
};

/// Matches a method and a path against the registered patterns. `{name}` matches one non-empty
/// segment. A path that matches a pattern under another method is reported so the server can
/// answer 405 instead of 404.
class Router
{
public:
    void add(const QByteArray &method, const QString &pattern, HandlerMode mode,
             HttpHandler handler);

    struct Match
    {
        const Route *route = nullptr;
        QHash<QString, QString> params;
        bool pathKnown = false; ///< some route has this path (under another method)
        QByteArrayList allowedMethods;
    };
    Match match(const QByteArray &method, const QString &path) const;

private:
    QList<Route> m_routes;
};

} // namespace pomelo
