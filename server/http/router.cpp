#include "router.h"

#include <stdexcept>

namespace pomelo {

namespace {

bool matchSegments(const QStringList &pattern, const QStringList &path,
                   QHash<QString, QString> *params)
{
    if (pattern.size() != path.size())
        return false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QString &p = pattern.at(i);
        if (p.startsWith(u'{') && p.endsWith(u'}')) {
            if (path.at(i).isEmpty())
                return false;
            if (params)
                params->insert(p.mid(1, p.size() - 2), path.at(i));
        } else if (p != path.at(i)) {
            return false;
        }
    }
    return true;
}

} // namespace

QString Access::checkerName() const
{
    switch (kind) {
    case Kind::Public:
        return QStringLiteral("public");
    case Kind::Student:
        return QStringLiteral("student");
    case Kind::Staff:
    case Kind::Admin: // one check: the console session, then the role
        return QStringLiteral("staff");
    case Kind::SignedApp:
        return QStringLiteral("app");
    case Kind::Channel:
        return QStringLiteral("channel:") + channel;
    }
    return {};
}

void Router::add(const QByteArray &method, const QString &pattern, HandlerMode mode,
                 HttpHandler handler)
{
    m_routes.append(
        Route {method, pattern, mode, std::move(handler), pattern.split(u'/'), Access::anyone()});
}

void Router::add(const QByteArray &method, const QString &pattern, const Access &access,
                 GuardedHandler handler)
{
    // The check is resolved now, once: a request pays for the check itself, not for finding it.
    Authenticator check = [](const Access &, const HttpRequest &) -> Principal {
        return Anonymous {};
    };
    if (access.kind != Access::Kind::Public) {
        check = m_authenticators.value(access.checkerName());
        if (!check)
            throw std::logic_error(
                qPrintable(QStringLiteral("%1 %2: nobody checks access '%3'")
                               .arg(QString::fromLatin1(method), pattern, access.checkerName())));
    }
    HttpHandler guarded = [access, check = std::move(check),
                           handler = std::move(handler)](const HttpRequest &r) {
        return handler(r, check(access, r));
    };
    m_routes.append(Route {method, pattern, HandlerMode::Blocking, std::move(guarded),
                           pattern.split(u'/'), access});
}

void Router::setAuthenticator(Access::Kind kind, Authenticator authenticator,
                              const QString &channel)
{
    m_authenticators.insert(Access {kind, {}, channel, false}.checkerName(),
                            std::move(authenticator));
}

Router::Match Router::match(const QByteArray &method, const QString &path) const
{
    Match m;
    const QStringList segments = path.split(u'/');
    for (const Route &r : m_routes) {
        QHash<QString, QString> params;
        if (!matchSegments(r.segments, segments, &params))
            continue;
        // HEAD is served by the GET handler (the server drops the body).
        if (r.method == method || (method == "HEAD" && r.method == "GET")) {
            m.route = &r;
            m.params = std::move(params);
            return m;
        }
        m.pathKnown = true;
        m.allowedMethods.append(r.method);
    }
    return m;
}

} // namespace pomelo
