#pragma once

#include "database.h"
#include "pagination.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace pomelo {

/// One entry of the audit log: who did what to what, when, why and from where.
struct AuditEntry
{
    qint64 id = 0;
    qint64 at = 0; ///< Unix ms; 0 = now on append
    QString actor; ///< staff username, or "system"
    QString action; ///< login, login_failed, order.close, order.refund, notification.resend, …
    QString target; ///< e.g. "order:123", "notification:7"
    QString reason;
    QString remoteAddress;
    QByteArray details; ///< JSON object (no secrets)
};

struct AuditFilter
{
    QString actor;
    QString action;
    QString target;
    std::optional<qint64> from; ///< inclusive, Unix ms
    std::optional<qint64> before; ///< exclusive, Unix ms
};

class AuditRepository
{
public:
    explicit AuditRepository(Database &db)
        : m_db(db)
    { }

    /// In @p tx: the intervention and its entry commit together. Returns the id.
    qint64 append(Transaction &tx, const AuditEntry &entry);
    /// In its own transaction (logins, failed logins).
    qint64 append(const AuditEntry &entry);
    /// Newest first, keyset pagination on (at, id).
    Page<AuditEntry> list(const AuditFilter &filter, const std::optional<PageCursor> &after,
                          int limit) const;

private:
    Database &m_db;
};

} // namespace pomelo
