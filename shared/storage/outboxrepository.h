#pragma once

#include "database.h"
#include "orderrepository.h"

#include <QList>

namespace pomelo {

/// The reading side of the transactional outbox (order_events), for the relay that appends the
/// events to the Redis stream, and for the console.
///
/// Ordering guarantee: the events of one order are published in the order of their commits.
/// Every event is written in the transaction of its status change, after that transaction
/// updated (PostgreSQL: row-locked) the order, so a later event of the same order gets a larger
/// id and becomes visible only after the earlier one committed; the relay publishes by id and
/// never skips an unpublished id. Across different orders there is no guarantee (an id taken
/// earlier may commit later). Delivery is at least once: a relay that dies after publishing and
/// before markPublished() committed publishes again; consumers are idempotent.
class OutboxRepository
{
public:
    explicit OutboxRepository(Database &db)
        : m_db(db)
    { }

    /// Unpublished events, oldest id first — for one relay at a time (embedded mode, SQLite).
    QList<OrderEvent> fetchUnpublished(int limit) const;
    /// For several relays at once (instances sharing PostgreSQL): in @p tx, locks and returns up
    /// to @p limit unpublished events that no other relay holds (FOR UPDATE SKIP LOCKED), keeping
    /// the order guarantee: only the earliest unpublished event of each order is eligible, so
    /// another relay cannot take a later event of an order while an earlier one is in flight.
    /// Publish them, markPublished() in the same @p tx, commit. (SQLite: the same query; its
    /// write transaction already excludes other relays.)
    QList<OrderEvent> claimUnpublished(Transaction &tx, int limit) const;
    /// Sets published_at of @p ids that are still unpublished; returns how many changed.
    int markPublished(Transaction &tx, const QList<qint64> &ids, qint64 now = 0);
    qint64 unpublishedCount() const;
    /// When the oldest unpublished event was committed (Unix ms), if any: how far the relay is
    /// behind, for the metrics collector.
    std::optional<qint64> oldestUnpublishedAt() const;
    /// Events with an id above @p afterId, oldest first (the console's event stream).
    QList<OrderEvent> after(qint64 afterId, int limit) const;

private:
    Database &m_db;
};

} // namespace pomelo
