#include "clientaddress.h"

namespace pomelo {

namespace {

/// One X-Forwarded-For entry as nginx and common proxies write it: a bare IP address. Ports,
/// "unknown", obfuscated identifiers and empty entries are malformed (null address).
QHostAddress parseEntry(const QByteArray &entry)
{
    const QByteArray text = entry.trimmed();
    QHostAddress address;
    if (text.isEmpty() || !address.setAddress(QString::fromLatin1(text)))
        return {};
    return normalizedAddress(address);
}

} // namespace

QHostAddress normalizedAddress(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        bool isV4 = false;
        const quint32 v4 = address.toIPv4Address(&isV4);
        if (isV4)
            return QHostAddress(v4);
    }
    return address;
}

std::optional<TrustedProxies> TrustedProxies::parse(const QString &list, QString *error)
{
    TrustedProxies proxies;
    if (list.trimmed().isEmpty())
        return proxies;
    for (const QString &raw : list.split(u',')) {
        const QString entry = raw.trimmed();
        QPair<QHostAddress, int> subnet;
        if (entry.contains(u'/')) {
            subnet = QHostAddress::parseSubnet(entry);
        } else {
            QHostAddress address;
            if (address.setAddress(entry) && address.scopeId().isEmpty()) {
                address = normalizedAddress(address);
                subnet = {address, address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
            }
        }
        if (subnet.first.isNull() || subnet.second < 0) {
            if (error)
                *error = entry.isEmpty()
                    ? QStringLiteral("empty entry")
                    : QStringLiteral("'%1' is not an IP address or CIDR subnet").arg(entry);
            return std::nullopt;
        }
        proxies.m_subnets.append(subnet);
    }
    return proxies;
}

bool TrustedProxies::contains(const QHostAddress &address) const
{
    const QHostAddress a = normalizedAddress(address);
    for (const auto &subnet : m_subnets) {
        if (a.isInSubnet(subnet))
            return true;
    }
    return false;
}

QHostAddress clientAddress(const QHostAddress &peer,
                           const QList<QPair<QByteArray, QByteArray>> &headers,
                           const TrustedProxies &trusted)
{
    QHostAddress current = normalizedAddress(peer);
    if (!trusted.contains(current))
        return current;
    // Several X-Forwarded-For headers are one list, in the order received (RFC 9110 §5.3).
    QList<QByteArray> entries;
    for (const auto &h : headers) {
        if (h.first.compare("X-Forwarded-For", Qt::CaseInsensitive) == 0)
            entries += h.second.split(',');
    }
    for (auto it = entries.crbegin(); it != entries.crend(); ++it) {
        const QHostAddress hop = parseEntry(*it);
        if (hop.isNull())
            return current; // what a trusted hop received from is unknown: stop at that hop
        current = hop;
        if (!trusted.contains(hop))
            return hop;
    }
    return current;
}

} // namespace pomelo
