#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace pomelo {

/// The reverse proxies whose X-Forwarded-For this server believes (`server.trusted_proxies`).
/// Empty trusts nobody: the header is then ignored, whatever it says.
class TrustedProxies
{
public:
    TrustedProxies() = default;

    /// Parses a comma-separated list of IP addresses and CIDR subnets ("10.0.0.0/8, ::1").
    /// nullopt when an entry is neither; @p error then names the entry. Empty text: nobody.
    static std::optional<TrustedProxies> parse(const QString &list, QString *error = nullptr);

    bool isEmpty() const { return m_subnets.isEmpty(); }
    bool contains(const QHostAddress &address) const;

private:
    QList<QPair<QHostAddress, int>> m_subnets; ///< a single address is a /32 or /128
};

/// One address of a list: an IPv4-mapped IPv6 address becomes its IPv4 address, so that
/// "127.0.0.1" matches a peer seen on a dual-stack socket as "::ffff:127.0.0.1".
QHostAddress normalizedAddress(const QHostAddress &address);

/// The address of the client that sent a request: the TCP peer, unless the peer is a trusted
/// proxy; then X-Forwarded-For (every such header, in order, as one list) is walked from the
/// right (the entry the nearest proxy appended) and the first address that is not a trusted proxy
/// is the client. Entries left of it were written by whoever the client is and are never believed.
/// A malformed entry stops the walk at the last trusted hop, as does a list of trusted proxies
/// only (then the leftmost of them).
QHostAddress clientAddress(const QHostAddress &peer,
                           const QList<QPair<QByteArray, QByteArray>> &headers,
                           const TrustedProxies &trusted);

} // namespace pomelo
