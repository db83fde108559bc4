#pragma once

#include <QHostAddress>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace pomelo {

/// What an outbound address is, for the SSRF rules of merchant notifications.
enum class AddressClass {
    Public,
    Private, ///< 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7
    Loopback, ///< 127/8, ::1
    LinkLocal, ///< 169.254/16 (cloud metadata lives there), fe80::/10
    Unspecified, ///< 0/8, ::
    Multicast, ///< 224/4, ff00::/8
    Reserved, ///< 240/4, broadcast, documentation and benchmark ranges, IPv4-compatible IPv6
};

/// IPv4-mapped IPv6 addresses are classified as the IPv4 address they carry.
AddressClass classifyAddress(const QHostAddress &address);

/// Where an app's notifications may go (API.md, issue "outbound calls cannot be turned inward").
struct OutboundPolicy
{
    /// `host` (then only ports 80 and 443) or `host:port`, compared case-insensitively.
    QStringList allowedHosts;
    /// A campus service on the intranet: private addresses and IP literals allowed, any port of
    /// a listed host.
    bool internal = false;
    /// Loopback too (internal apps in development only).
    bool allowLoopback = false;

    bool allows(const QHostAddress &address) const;
    /// The static part: http(s), no user info, a listed host and an allowed port, and an IP
    /// literal only for an internal app and of an allowed class. Empty when fine, else why.
    QString checkUrl(const QUrl &url) const;
    /// Resolves @p url's host (an IP literal as it is) and returns the first allowed address:
    /// the one to connect to, so that what was checked is what is used (no DNS rebinding in
    /// between). nullopt, with @p why, when it does not resolve (@p unresolved set) or resolves
    /// to forbidden addresses only. Blocking: worker threads only.
    std::optional<QHostAddress> resolve(const QUrl &url, QString *why = nullptr,
                                        bool *unresolved = nullptr) const;
};

} // namespace pomelo
