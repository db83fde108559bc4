#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace pomelo {

/// A third-party app of the pay API (the venue booking backend, the utility top-up backend, …).
struct App
{
    QString appId;
    QString name;
    /// The HMAC-SHA256 key (sealed by a SecretBox in the database). A secret: never log it.
    QByteArray secret;
    /// Hosts allowed in the notifyUrl of its orders (no open SSRF): `host` (ports 80 and 443) or
    /// `host:port`.
    QStringList notifyHosts;
    /// A campus service on the intranet: its notifyUrl may resolve to private addresses (and to
    /// loopback in development). Any other app is notified on public addresses only.
    bool internal = false;
    bool active = true;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
};

} // namespace pomelo
