#include "router.h"

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

void Router::add(const QByteArray &method, const QString &pattern, HandlerMode mode,
                 HttpHandler handler)
{
    m_routes.append(Route {method, pattern, mode, std::move(handler), pattern.split(u'/')});
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
