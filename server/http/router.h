#pragma once

#include "httptypes.h"
#include "principal.h"

#include <functional>
#include <optional>

namespace pomelo {

using HttpHandler = std::function<HttpResponse(const HttpRequest &)>;
/// A handler behind an access check: called with the principal the check established.
using GuardedHandler = std::function<HttpResponse(const HttpRequest &, const Principal &)>;
/// Establishes who calls (a principal of the route's access kind) or throws the Error to answer
/// (e.g. Unauthorized) or an HttpRefusal. Runs on the request's worker thread.
using Authenticator = std::function<Principal(const Access &, const HttpRequest &)>;

/// How a handler runs: Inline on the server's thread (cheap, never blocks: /healthz, /metrics),
/// or Blocking on the bounded worker pool (anything that touches Redis, a database or the network).
enum class HandlerMode { Inline, Blocking };

struct Route
{
    QByteArray method;
    QString pattern; ///< "/api/v1/bookings/{id}/sign"
    HandlerMode mode;
    HttpHandler handler; ///< the access check, then the route's handler
    QStringList segments; ///< pattern split on '/'
    Access access;
};

/// Matches a method and a path against the registered patterns. `{name}` matches one non-empty
/// segment. A path that matches a pattern under another method is reported so the server can
/// answer 405 instead of 404.
///
/// Every route declares who may call it. The router runs the check before the handler, once, and
/// hands the handler the typed principal; a handler never authenticates by itself. The modules
/// that know a kind of caller install its Authenticator before they add routes of that kind;
/// adding a route whose access nobody checks is a programming error (std::logic_error at start).
/// Routes and authenticators are set up before the server listens and only read afterwards.
class Router
{
public:
    /// A public route (no access check).
    void add(const QByteArray &method, const QString &pattern, HandlerMode mode,
             HttpHandler handler);
    /// A blocking route that @p access may call.
    void add(const QByteArray &method, const QString &pattern, const Access &access,
             GuardedHandler handler);

    /// Installs the check of @p kind (Channel: of the channel @p channel).
    void setAuthenticator(Access::Kind kind, Authenticator authenticator,
                          const QString &channel = {});

    /// Adapts a handler of one principal type, e.g.
    /// `Router::as<StudentPrincipal>([](const HttpRequest &r, const StudentPrincipal &who) {…})`.
    template<typename P, typename F> static GuardedHandler as(F handler)
    {
        return [handler = std::move(handler)](const HttpRequest &r, const Principal &who) {
            return handler(r, std::get<P>(who));
        };
    }

    struct Match
    {
        const Route *route = nullptr;
        QHash<QString, QString> params;
        bool pathKnown = false; ///< some route has this path (under another method)
        QByteArrayList allowedMethods;
    };
    Match match(const QByteArray &method, const QString &path) const;
    const QList<Route> &routes() const { return m_routes; }

private:
    QList<Route> m_routes;
    /// By Access::checkerName(); a route takes a copy of its check when it is added.
    QHash<QString, Authenticator> m_authenticators;
};

} // namespace pomelo
