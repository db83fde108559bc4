#include "outboxrepository.h"

#include "orderevent_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString From = QStringLiteral(" FROM order_events e JOIN pay_orders o ON o.id = e.order_id ");

QList<OrderEvent> readEvents(Statement &st)
{
    QList<OrderEvent> rows;
    while (st.next())
        rows.append(storage_detail::orderEventFrom(st));
    return rows;
}

} // namespace

QList<OrderEvent> OutboxRepository::fetchUnpublished(int limit) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + storage_detail::OrderEventColumns + From
                     + QStringLiteral("WHERE e.published_at IS NULL ORDER BY e.id LIMIT ?"));
    st.bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readEvents(st);
}

QList<OrderEvent> OutboxRepository::claimUnpublished(Transaction &tx, int limit) const
{
    QString sql = QStringLiteral("SELECT ") + storage_detail::OrderEventColumns + From
        + QStringLiteral("WHERE e.published_at IS NULL AND NOT EXISTS (SELECT 1 FROM order_events "
                         "p WHERE p.order_id = e.order_id AND p.published_at IS NULL AND p.id < "
                         "e.id) ORDER BY e.id LIMIT ?");
    if (tx.dialect() == Dialect::Postgres)
        sql += QStringLiteral(" FOR UPDATE OF e SKIP LOCKED");
    Statement st(tx, sql);
    st.bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readEvents(st);
}

int OutboxRepository::markPublished(Transaction &tx, const QList<qint64> &ids, qint64 now)
{
    if (ids.isEmpty())
        return 0;
    int changed = 0;
    const qint64 at = now ? now : nowMs();
    for (qsizetype start = 0; start < ids.size(); start += MaxPageSize) {
        const QList<qint64> chunk = ids.mid(start, MaxPageSize);
        const int size = storage_detail::bucketSize(int(chunk.size()));
        Statement st(tx,
                     QStringLiteral("UPDATE order_events SET published_at = ? WHERE "
                                    "published_at IS NULL AND id IN (")
                         + storage_detail::placeholders(size) + u')');
        st.bind(at);
        for (int i = 0; i < size; ++i)
            st.bind(chunk.at(std::min<qsizetype>(i, chunk.size() - 1)));
        st.exec();
        changed += st.rowsAffected();
    }
    return changed;
}

qint64 OutboxRepository::unpublishedCount() const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT COUNT(*) FROM order_events WHERE published_at IS NULL"));
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

std::optional<qint64> OutboxRepository::oldestUnpublishedAt() const
{
    // The smallest unpublished id comes from the partial index; its row gives the time.
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT created_at FROM order_events WHERE id = (SELECT MIN(id) "
                                "FROM order_events WHERE published_at IS NULL)"));
    st.exec();
    if (!st.next() || st.isNull(0))
        return std::nullopt;
    return st.int64(0);
}

QList<OrderEvent> OutboxRepository::after(qint64 afterId, int limit) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + storage_detail::OrderEventColumns + From
                     + QStringLiteral("WHERE e.id > ? ORDER BY e.id LIMIT ?"));
    st.bind(afterId).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readEvents(st);
}

} // namespace pomelo
