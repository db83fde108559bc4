#include "venuerepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString Columns = QStringLiteral(
    "id, name, sport, open_from, open_to, slot_minutes, price_per_slot, active, created_at");

Venue venueFrom(const Statement &st)
{
    Venue v;
    v.id = st.int64(0);
    v.name = st.text(1);
    v.sport = st.text(2);
    v.openFrom = st.text(3);
    v.openTo = st.text(4);
    v.slotMinutes = st.int32(5);
    v.pricePerSlot = st.int64(6);
    v.active = st.boolean(7);
    v.createdAt = st.int64(8);
    return v;
}

} // namespace

QList<Venue> VenueRepository::list(bool activeOnly) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + Columns + QStringLiteral(" FROM venues")
                     + (activeOnly ? QStringLiteral(" WHERE active") : QString())
                     + QStringLiteral(" ORDER BY id"));
    st.exec();
    QList<Venue> venues;
    while (st.next())
        venues.append(venueFrom(st));
    return venues;
}

std::optional<Venue> VenueRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + Columns + QStringLiteral(" FROM venues WHERE id = ?"));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return venueFrom(st);
}

std::optional<Venue> VenueRepository::find(Transaction &tx, qint64 id, Lock lock) const
{
    QString clause;
    if (tx.connection().dialect() == Dialect::Postgres && lock != Lock::None)
        clause =
            lock == Lock::ForShare ? QStringLiteral(" FOR SHARE") : QStringLiteral(" FOR UPDATE");
    Statement st(tx,
                 QStringLiteral("SELECT ") + Columns + QStringLiteral(" FROM venues WHERE id = ?")
                     + clause);
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return venueFrom(st);
}

qint64 VenueRepository::count() const
{
    Statement st(m_db.threadConnection(), QStringLiteral("SELECT COUNT(*) FROM venues"));
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

qint64 VenueRepository::insert(Transaction &tx, const Venue &v)
{
    Statement st(tx,
                 QStringLiteral("INSERT INTO venues (name, sport, open_from, open_to, "
                                "slot_minutes, price_per_slot, active, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    st.bind(v.name)
        .bind(v.sport)
        .bind(v.openFrom)
        .bind(v.openTo)
        .bind(v.slotMinutes)
        .bind(v.pricePerSlot)
        .bind(v.active)
        .bind(v.createdAt ? v.createdAt : nowMs())
        .exec();
    if (!st.next())
        throw Error(ErrorCode::Internal, QStringLiteral("venue insert returned no id"));
    return st.int64(0);
}

bool VenueRepository::update(Transaction &tx, const Venue &v)
{
    Statement st(tx,
                 QStringLiteral("UPDATE venues SET name = ?, sport = ?, open_from = ?, "
                                "open_to = ?, slot_minutes = ?, price_per_slot = ?, "
                                "active = ? WHERE id = ?"));
    st.bind(v.name)
        .bind(v.sport)
        .bind(v.openFrom)
        .bind(v.openTo)
        .bind(v.slotMinutes)
        .bind(v.pricePerSlot)
        .bind(v.active)
        .bind(v.id)
        .exec();
    return st.rowsAffected() == 1;
}

} // namespace pomelo
