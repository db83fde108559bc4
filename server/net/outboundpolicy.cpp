#include "outboundpolicy.h"

#include <QHostInfo>

#include <algorithm>

namespace pomelo {

namespace {

bool inV4(quint32 a, quint32 net, int bits)
{
    const quint32 mask = bits == 0 ? 0 : ~quint32(0) << (32 - bits);
    return (a & mask) == (net & mask);
}

constexpr quint32 v4(int a, int b, int c, int d)
{
    return (quint32(a) << 24) | (quint32(b) << 16) | (quint32(c) << 8) | quint32(d);
}

AddressClass classifyV4(quint32 a)
{
    if (inV4(a, v4(127, 0, 0, 0), 8))
        return AddressClass::Loopback;
    if (inV4(a, v4(0, 0, 0, 0), 8))
        return AddressClass::Unspecified;
    if (inV4(a, v4(169, 254, 0, 0), 16))
        return AddressClass::LinkLocal;
    if (inV4(a, v4(10, 0, 0, 0), 8) || inV4(a, v4(172, 16, 0, 0), 12)
        || inV4(a, v4(192, 168, 0, 0), 16) || inV4(a, v4(100, 64, 0, 0), 10))
        return AddressClass::Private;
    if (inV4(a, v4(224, 0, 0, 0), 4))
        return AddressClass::Multicast;
    if (inV4(a, v4(240, 0, 0, 0), 4) || inV4(a, v4(192, 0, 0, 0), 24)
        || inV4(a, v4(192, 0, 2, 0), 24) || inV4(a, v4(198, 18, 0, 0), 15)
        || inV4(a, v4(198, 51, 100, 0), 24) || inV4(a, v4(203, 0, 113, 0), 24))
        return AddressClass::Reserved;
    return AddressClass::Public;
}

/// "host" or "host:port" of an allowed-hosts entry; port 0 when none is named.
std::pair<QString, int> splitEntry(const QString &entry)
{
    const qsizetype colon = entry.lastIndexOf(u':');
    if (colon > 0 && !entry.contains(u']') && entry.count(u':') == 1) {
        bool ok = false;
        const int port = entry.mid(colon + 1).toInt(&ok);
        if (ok && port > 0 && port < 65536)
            return {entry.left(colon).toLower(), port};
    }
    return {entry.toLower(), 0};
}

QString className(AddressClass c)
{
    switch (c) {
    case AddressClass::Public:
        return QStringLiteral("public");
    case AddressClass::Private:
        return QStringLiteral("private");
    case AddressClass::Loopback:
        return QStringLiteral("loopback");
    case AddressClass::LinkLocal:
        return QStringLiteral("link-local");
    case AddressClass::Unspecified:
        return QStringLiteral("unspecified");
    case AddressClass::Multicast:
        return QStringLiteral("multicast");
    case AddressClass::Reserved:
        return QStringLiteral("reserved");
    }
    return {};
}

} // namespace

AddressClass classifyAddress(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return classifyV4(address.toIPv4Address());
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return AddressClass::Reserved;
    bool mapped = false;
    const quint32 v4Address = address.toIPv4Address(&mapped);
    if (mapped)
        return classifyV4(v4Address);
    const Q_IPV6ADDR a = address.toIPv6Address();
    const bool zeroPrefix = std::all_of(a.c, a.c + 12, [](quint8 b) { return b == 0; });
    if (zeroPrefix) {
        const quint32 tail = (quint32(a[12]) << 24) | (quint32(a[13]) << 16) | (quint32(a[14]) << 8)
            | quint32(a[15]);
        if (tail == 0)
            return AddressClass::Unspecified;
        if (tail == 1)
            return AddressClass::Loopback;
        return AddressClass::Reserved; // IPv4-compatible (deprecated): a way around the v4 rules
    }
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return AddressClass::LinkLocal;
    if ((a[0] & 0xfe) == 0xfc)
        return AddressClass::Private;
    if (a[0] == 0xff)
        return AddressClass::Multicast;
    // 64:ff9b::/96 (NAT64) carries an IPv4 address that reaches wherever that one does.
    static constexpr quint8 nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::equal(a.c, a.c + 12, nat64))
        return classifyV4((quint32(a[12]) << 24) | (quint32(a[13]) << 16) | (quint32(a[14]) << 8)
                          | quint32(a[15]));
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return AddressClass::Reserved; // documentation
    return AddressClass::Public;
}

bool OutboundPolicy::allows(const QHostAddress &address) const
{
    switch (classifyAddress(address)) {
    case AddressClass::Public:
        return true;
    case AddressClass::Private:
        return internal;
    case AddressClass::Loopback:
        return internal && allowLoopback;
    case AddressClass::LinkLocal:
    case AddressClass::Unspecified:
    case AddressClass::Multicast:
    case AddressClass::Reserved:
        break;
    }
    return false;
}

QString OutboundPolicy::checkUrl(const QUrl &url) const
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("not an absolute URL");
    const bool https = url.scheme() == QLatin1String("https");
    if (!https && url.scheme() != QLatin1String("http"))
        return QStringLiteral("not http or https");
    if (!url.userInfo().isEmpty())
        return QStringLiteral("user info in the URL");
    const QString host = url.host().toLower();
    const int port = url.port(https ? 443 : 80);
    const bool listed =
        std::any_of(allowedHosts.cbegin(), allowedHosts.cend(), [&](const QString &e) {
            const auto [entryHost, entryPort] = splitEntry(e);
            if (entryHost != host)
                return false;
            if (entryPort)
                return entryPort == port;
            return internal || port == 80 || port == 443;
        });
    if (!listed)
        return QStringLiteral("host or port not among the app's notify hosts");
    const QHostAddress literal(host);
    if (!literal.isNull()) {
        if (!internal)
            return QStringLiteral("an IP address (only internal apps may name one)");
        if (!allows(literal))
            return QStringLiteral("a %1 address").arg(className(classifyAddress(literal)));
    }
    return {};
}

std::optional<QHostAddress> OutboundPolicy::resolve(const QUrl &url, QString *why,
                                                    bool *unresolved) const
{
    if (unresolved)
        *unresolved = false;
    const QString host = url.host();
    QList<QHostAddress> addresses;
    const QHostAddress literal(host);
    if (!literal.isNull()) {
        addresses.append(literal);
    } else {
        const QHostInfo info = QHostInfo::fromName(host);
        addresses = info.addresses();
        if (addresses.isEmpty()) {
            if (unresolved)
                *unresolved = true;
            if (why)
                *why = QStringLiteral("%1 does not resolve: %2").arg(host, info.errorString());
            return std::nullopt;
        }
    }
    for (const QHostAddress &a : std::as_const(addresses)) {
        if (allows(a))
            return a;
    }
    if (why)
        *why = QStringLiteral("%1 resolves to %2 addresses only")
                   .arg(host, className(classifyAddress(addresses.constFirst())));
    return std::nullopt;
}

} // namespace pomelo
