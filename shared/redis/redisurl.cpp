#include "redisurl.h"

#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

namespace pomelo {

namespace {

std::optional<RedisUrl> fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

std::optional<int> parseDatabase(const QString &text)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0 || text.startsWith(u'+'))
        return std::nullopt;
    return db;
}

QString percentEncoded(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString userInfo(const RedisUrl &url, bool maskPassword)
{
    if (url.username.isEmpty() && url.password.isEmpty())
        return {};
    const QString password = maskPassword ? QStringLiteral("***") : percentEncoded(url.password);
    if (url.password.isEmpty())
        return percentEncoded(url.username) + u'@';
    return percentEncoded(url.username) + u':' + password + u'@';
}

QString format(const RedisUrl &url, bool maskPassword)
{
    if (url.transport == RedisUrl::Transport::Unix) {
        QStringList items;
        if (url.database != 0)
            items << QStringLiteral("db=") + QString::number(url.database);
        if (!url.username.isEmpty())
            items << QStringLiteral("user=") + percentEncoded(url.username);
        if (!url.password.isEmpty())
            items << QStringLiteral("password=")
                    + (maskPassword ? QStringLiteral("***") : percentEncoded(url.password));
        const QString q = items.join(u'&');
        return QStringLiteral("unix://")
            + QString::fromLatin1(QUrl::toPercentEncoding(url.socketPath, "/"))
            + (q.isEmpty() ? QString() : u'?' + q);
    }
    const QString host = url.host.contains(u':') ? u'[' + url.host + u']' : url.host;
    return QStringLiteral("redis://") + userInfo(url, maskPassword) + host + u':'
        + QString::number(url.port) + u'/' + QString::number(url.database);
}

/// `redis://[user:password@]host[:port][/db]`
std::optional<RedisUrl> parseTcp(const QUrl &url, QString *error)
{
    if (url.host().isEmpty())
        return fail(error, QStringLiteral("Redis URL without a host"));
    if (url.hasQuery() || url.hasFragment())
        return fail(error, QStringLiteral("unexpected query or fragment in a redis:// URL"));
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return fail(error, QStringLiteral("Redis port out of range (1-65535)"));
    RedisUrl result;
    result.transport = RedisUrl::Transport::Tcp;
    result.host = url.host();
    result.port = static_cast<quint16>(port);
    result.username = url.userName(QUrl::FullyDecoded);
    result.password = url.password(QUrl::FullyDecoded);
    // `user:@` too: with an empty password the client sends no AUTH at all, and would
    // silently connect as the default user instead of the one named.
    if (!result.username.isEmpty() && result.password.isEmpty())
        return fail(error,
                    QStringLiteral("Redis URL names a user without a password; write a "
                                   "password alone as redis://:PASSWORD@host"));
    QString path = url.path();
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (path.isEmpty())
        return result;
    const auto db = parseDatabase(path);
    if (!db)
        return fail(error,
                    QStringLiteral("Redis database must be a number (redis://host:"
                                   "port/DB), got '%1'")
                        .arg(path));
    result.database = *db;
    return result;
}

/// Applies one query item of a unix:// URL to @p url; returns what is wrong with it, or nothing.
QString applyQueryItem(RedisUrl *url, const QString &key, const QString &value)
{
    if (key == QLatin1String("db")) {
        const auto db = parseDatabase(value);
        if (!db)
            return QStringLiteral("Redis database must be a number, got '%1'").arg(value);
        url->database = *db;
    } else if (key == QLatin1String("user")) {
        url->username = value;
    } else if (key == QLatin1String("password")) {
        url->password = value;
    } else {
        return QStringLiteral("unknown query item '%1' in unix:// URL (db, user, password)")
            .arg(key);
    }
    return {};
}

/// `unix:///path/to/redis.sock[?db=N][&user=U][&password=P]`
std::optional<RedisUrl> parseUnix(const QUrl &url, QString *error)
{
    if (!url.host().isEmpty() || url.port() != -1)
        return fail(error,
                    QStringLiteral("unix:// URL must be unix:///absolute/path (three "
                                   "slashes)"));
    if (!url.userInfo().isEmpty())
        return fail(error,
                    QStringLiteral("unix:// URL takes the user and password as query "
                                   "items: unix:///path?user=U&password=P"));
    RedisUrl result = RedisUrl::unixSocket(url.path(QUrl::FullyDecoded));
    if (!result.socketPath.startsWith(u'/') || result.socketPath.size() < 2)
        return fail(error, QStringLiteral("unix:// URL needs an absolute socket path"));
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        const QString problem = applyQueryItem(&result, key, value);
        if (!problem.isEmpty())
            return fail(error, problem);
    }
    if (!result.username.isEmpty() && result.password.isEmpty())
        return fail(error, QStringLiteral("Redis URL names a user without a password"));
    return result;
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return fail(error, QStringLiteral("empty Redis URL"));
    if (isEmbedded(trimmed))
        return fail(error,
                    QStringLiteral("'embedded' is resolved by starting the embedded Redis, "
                                   "not parsed as a URL"));
    // QUrl's own error strings quote the whole input, password included: never pass them on.
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("rediss"))
        return fail(error,
                    QStringLiteral("rediss:// (TLS) is not supported; use redis:// or "
                                   "unix://"));
    if (!url.isValid())
        return fail(error,
                    QStringLiteral("malformed Redis URL (expected redis://[user:password@]"
                                   "host:port/db or unix:///path)"));

    if (scheme == QLatin1String("redis"))
        return parseTcp(url, error);
    if (scheme == QLatin1String("unix"))
        return parseUnix(url, error);
    return fail(error,
                QStringLiteral("unsupported Redis URL scheme '%1' (redis:// or unix://)")
                    .arg(url.scheme()));
}

bool RedisUrl::isEmbedded(const QString &url)
{
    return url.trimmed().compare(QLatin1String("embedded"), Qt::CaseInsensitive) == 0;
}

RedisUrl RedisUrl::tcp(const QString &host, quint16 port)
{
    RedisUrl url;
    url.host = host;
    url.port = port;
    return url;
}

RedisUrl RedisUrl::unixSocket(const QString &path)
{
    RedisUrl url;
    url.transport = Transport::Unix;
    url.host.clear();
    url.port = 0;
    url.socketPath = path;
    return url;
}

QString RedisUrl::toDisplayString() const
{
    return format(*this, true);
}

QString RedisUrl::toString() const
{
    return format(*this, false);
}

} // namespace pomelo
