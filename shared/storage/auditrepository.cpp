#include "auditrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::KeysetList;
using storage_detail::Statement;

qint64 AuditRepository::append(Transaction &tx, const AuditEntry &e)
{
    Statement st(tx,
                 QStringLiteral("INSERT INTO audit_log (at, actor, action, target, reason, "
                                "remote_address, details) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                "RETURNING id"));
    st.bind(e.at ? e.at : nowMs())
        .bind(e.actor)
        .bind(e.action)
        .bindNullable(e.target)
        .bindNullable(e.reason)
        .bindNullable(e.remoteAddress)
        .bindNullable(QString::fromUtf8(e.details))
        .exec();
    if (!st.next())
        throw Error(ErrorCode::Internal, QStringLiteral("audit insert returned no id"));
    return st.int64(0);
}

qint64 AuditRepository::append(const AuditEntry &entry)
{
    return m_db.transact([&](Transaction &tx) { return append(tx, entry); });
}

Page<AuditEntry> AuditRepository::list(const AuditFilter &filter,
                                       const std::optional<PageCursor> &after, int limit) const
{
    KeysetList query(QStringLiteral("SELECT id, at, actor, action, target, reason, remote_address, "
                                    "details FROM audit_log "),
                     QStringLiteral("at"));
    if (!filter.actor.isEmpty())
        query.where(QStringLiteral("actor = ?"), {filter.actor});
    if (!filter.action.isEmpty())
        query.where(QStringLiteral("action = ?"), {filter.action});
    if (!filter.target.isEmpty())
        query.where(QStringLiteral("target = ?"), {filter.target});
    if (filter.from)
        query.where(QStringLiteral("at >= ?"), {QVariant::fromValue(*filter.from)});
    if (filter.before)
        query.where(QStringLiteral("at < ?"), {QVariant::fromValue(*filter.before)});
    const auto read = [](Statement &st) {
        QList<AuditEntry> rows;
        while (st.next()) {
            AuditEntry e;
            e.id = st.int64(0);
            e.at = st.int64(1);
            e.actor = st.text(2);
            e.action = st.text(3);
            e.target = st.text(4);
            e.reason = st.text(5);
            e.remoteAddress = st.text(6);
            e.details = st.text(7).toUtf8();
            rows.append(e);
        }
        return rows;
    };
    return query.page<AuditEntry>(m_db.threadConnection(), after, limit, read,
                                  [](const AuditEntry &e) {
                                      return PageCursor {e.at, e.id};
                                  });
}

} // namespace pomelo
