#pragma once

#include <QString>

#include <optional>

namespace pomelo {

/// Where a Redis server is and how to log in: the parsed form of the `redis.url` setting.
///
/// Accepted forms:
/// - `redis://[user:password@]host[:port][/db]` (port 6379, db 0 by default; `:password@` alone
///   authenticates with the legacy `requirepass`, `user:password@` with an ACL user; user and
///   password are percent-decoded; IPv6 hosts in brackets);
/// - `unix:///path/to/redis.sock[?db=N][&user=U][&password=P]`.
/// `embedded` is not a URL: the caller resolves it (see EmbeddedRedis) before parsing.
struct RedisUrl
{
    enum class Transport { Tcp, Unix };

    Transport transport = Transport::Tcp;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString socketPath;
    QString username;
    QString password;
    int database = 0;

    /// Parses @p url; on failure returns nothing and sets @p error to a message that never
    /// contains the password.
    static std::optional<RedisUrl> parse(const QString &url, QString *error = nullptr);
    /// True for the `embedded` setting (case-insensitive, surrounding spaces ignored).
    static bool isEmbedded(const QString &url);

    static RedisUrl tcp(const QString &host, quint16 port);
    static RedisUrl unixSocket(const QString &path);

    /// The URL for logs and error messages: a password is shown as `***`.
    QString toDisplayString() const;
    /// The full URL, password included (for handing to another process; never log it).
    QString toString() const;

    friend bool operator==(const RedisUrl &, const RedisUrl &) = default;
};

} // namespace pomelo
