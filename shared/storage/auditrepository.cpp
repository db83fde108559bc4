#include "auditrepository.h"

#include "sql_p.h"

namespace pomelo {

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
    limit = std::clamp(limit, 1, MaxPageSize);
    QStringList where;
    QVariantList values;
    if (!filter.actor.isEmpty()) {
        where << QStringLiteral("actor = ?");
        values << filter.actor;
    }
    if (!filter.action.isEmpty()) {
        where << QStringLiteral("action = ?");
        values << filter.action;
    }
    if (!filter.target.isEmpty()) {
        where << QStringLiteral("target = ?");
        values << filter.target;
    }
    if (filter.from) {
        where << QStringLiteral("at >= ?");
        values << QVariant::fromValue(*filter.from);
    }
    if (filter.before) {
        where << QStringLiteral("at < ?");
        values << QVariant::fromValue(*filter.before);
    }
    if (after) {
        where << QStringLiteral("(at, id) < (?, ?)");
        values << QVariant::fromValue(after->key) << QVariant::fromValue(after->id);
    }
    QString sql = QStringLiteral("SELECT id, at, actor, action, target, reason, remote_address, "
                                 "details FROM audit_log ");
    if (!where.isEmpty())
        sql += QStringLiteral("WHERE ") + where.join(QLatin1String(" AND "));
    sql += QStringLiteral(" ORDER BY at DESC, id DESC LIMIT ?");
    Statement st(m_db.threadConnection(), sql);
    for (const QVariant &v : std::as_const(values))
        st.bind(v);
    st.bind(limit + 1).exec();
    Page<AuditEntry> page;
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
        page.items.append(e);
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.next = PageCursor {page.items.last().at, page.items.last().id};
    }
    return page;
}

} // namespace pomelo
