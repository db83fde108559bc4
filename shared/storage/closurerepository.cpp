#include "closurerepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString Columns = QStringLiteral(
    "id, venue_id, starts_at, ends_at, days, daily_from, daily_to, reason, state, created_by, "
    "created_at, confirmed_by, confirmed_at, confirm_reason");

VenueClosure closureFrom(const Statement &st)
{
    VenueClosure c;
    c.id = st.int64(0);
    c.venueId = st.int64(1);
    c.times.startsAtMs = st.int64(2);
    c.times.endsAtMs = st.int64(3);
    c.times.days = st.int32(4);
    c.times.dailyFromMinutes = st.optionalInt32(5).value_or(-1);
    c.times.dailyToMinutes = st.optionalInt32(6).value_or(-1);
    c.reason = st.text(7);
    c.state = st.text(8) == QLatin1String("CONFIRMED") ? ClosureState::Confirmed
                                                       : ClosureState::PendingConfirmation;
    c.createdBy = st.text(9);
    c.createdAt = st.int64(10);
    c.confirmedBy = st.text(11);
    c.confirmedAt = st.optionalInt64(12);
    c.confirmReason = st.text(13);
    return c;
}

QList<VenueClosure> readAll(Statement &st)
{
    QList<VenueClosure> out;
    while (st.next())
        out.append(closureFrom(st));
    return out;
}

std::optional<int> minutesOrNull(int minutes)
{
    return minutes < 0 ? std::nullopt : std::optional<int>(minutes);
}

const QString OverlapSql =
    QStringLiteral(" FROM venue_closures WHERE venue_id = ? AND starts_at < ? "
                   "AND ends_at > ? ORDER BY starts_at, id");

} // namespace

QString closureStateName(ClosureState state)
{
    return state == ClosureState::Confirmed ? QStringLiteral("CONFIRMED")
                                            : QStringLiteral("PENDING_CONFIRMATION");
}

qint64 ClosureRepository::insert(Transaction &tx, const VenueClosure &c)
{
    Statement st(tx,
                 QStringLiteral("INSERT INTO venue_closures (venue_id, starts_at, ends_at, days, "
                                "daily_from, daily_to, reason, state, created_by, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING_CONFIRMATION', ?, ?) "
                                "RETURNING id"));
    st.bind(c.venueId)
        .bind(c.times.startsAtMs)
        .bind(c.times.endsAtMs)
        .bind(c.times.days)
        .bindOptional(minutesOrNull(c.times.dailyFromMinutes))
        .bindOptional(minutesOrNull(c.times.dailyToMinutes))
        .bind(c.reason)
        .bind(c.createdBy)
        .bind(c.createdAt ? c.createdAt : nowMs())
        .exec();
    if (!st.next())
        throw Error(ErrorCode::Internal, QStringLiteral("closure insert returned no id"));
    return st.int64(0);
}

std::optional<VenueClosure> ClosureRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + Columns
                     + QStringLiteral(" FROM venue_closures WHERE id = ?"));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return closureFrom(st);
}

std::optional<VenueClosure> ClosureRepository::find(Transaction &tx, qint64 id, RowLock lock) const
{
    Statement st(tx,
                 QStringLiteral("SELECT ") + Columns
                     + QStringLiteral(" FROM venue_closures WHERE id = ?")
                     + storage_detail::lockClause(tx.connection().dialect(), lock));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return closureFrom(st);
}

QList<VenueClosure> ClosureRepository::listByVenue(qint64 venueId, qint64 endingAfterMs) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT ") + Columns
                     + QStringLiteral(" FROM venue_closures WHERE venue_id = ? AND ends_at > ? "
                                      "ORDER BY starts_at, id"));
    st.bind(venueId).bind(endingAfterMs).exec();
    return readAll(st);
}

QList<VenueClosure> ClosureRepository::overlapping(qint64 venueId, qint64 fromMs, qint64 toMs) const
{
    Statement st(m_db.threadConnection(), QStringLiteral("SELECT ") + Columns + OverlapSql);
    st.bind(venueId).bind(toMs).bind(fromMs).exec();
    return readAll(st);
}

QList<VenueClosure> ClosureRepository::overlapping(Transaction &tx, qint64 venueId, qint64 fromMs,
                                                   qint64 toMs) const
{
    Statement st(tx, QStringLiteral("SELECT ") + Columns + OverlapSql);
    st.bind(venueId).bind(toMs).bind(fromMs).exec();
    return readAll(st);
}

bool ClosureRepository::confirm(Transaction &tx, qint64 id, const QString &by,
                                const QString &reason, qint64 at)
{
    Statement st(tx,
                 QStringLiteral("UPDATE venue_closures SET state = 'CONFIRMED', "
                                "confirmed_by = ?, confirmed_at = ?, confirm_reason = ? "
                                "WHERE id = ? AND state = 'PENDING_CONFIRMATION'"));
    st.bind(by).bind(at).bindNullable(reason).bind(id).exec();
    return st.rowsAffected() == 1;
}

bool ClosureRepository::remove(Transaction &tx, qint64 id)
{
    Statement st(tx, QStringLiteral("DELETE FROM venue_closures WHERE id = ?"));
    st.bind(id).exec();
    return st.rowsAffected() == 1;
}

} // namespace pomelo
