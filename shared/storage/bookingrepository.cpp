#include "bookingrepository.h"

#include "sql_p.h"

#include <QSet>

namespace pomelo {

using storage_detail::Connection;
using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, user_id, venue_id, date, start_time, end_time, amount, status, pay_order_id, "
    "version, expires_at, created_at, updated_at, traceparent FROM bookings ");

BookingStatus statusFrom(const QString &name)
{
    const auto status = bookingStatusFromName(name);
    if (!status)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("unknown booking status in the database: ") + name);
    return *status;
}

Booking bookingFrom(const Statement &st)
{
    Booking b;
    b.id = st.int64(0);
    b.userId = st.int64(1);
    b.venueId = st.int64(2);
    b.date = st.text(3);
    b.startTime = st.text(4);
    b.endTime = st.text(5);
    b.amount = st.int64(6);
    b.status = statusFrom(st.text(7));
    b.payOrderId = st.optionalInt64(8);
    b.version = st.int32(9);
    b.expiresAt = st.int64(10);
    b.createdAt = st.int64(11);
    b.updatedAt = st.int64(12);
    b.traceparent = st.text(13);
    return b;
}

QList<Booking> readBookings(Statement &st)
{
    QList<Booking> rows;
    while (st.next())
        rows.append(bookingFrom(st));
    return rows;
}

const QString SelectHolders =
    QStringLiteral("SELECT s.venue_id, s.date, s.slot_start, s.booking_id, b.user_id, b.status "
                   "FROM booking_slots s JOIN bookings b ON b.id = s.booking_id ");

QList<SlotHolder> readHolders(Statement &st)
{
    QList<SlotHolder> rows;
    while (st.next())
        rows.append({st.int64(0), st.text(1), st.text(2), st.int64(3), st.int64(4),
                     statusFrom(st.text(5))});
    return rows;
}

QList<SlotHolder> holdersOn(Connection &connection, qint64 venueId, const QString &date,
                            const QStringList &slotStarts)
{
    if (slotStarts.isEmpty())
        return {};
    const int size = storage_detail::bucketSize(int(slotStarts.size()));
    Statement st(connection,
                 SelectHolders
                     + QStringLiteral("WHERE s.venue_id = ? AND s.date = ? AND s.active AND "
                                      "s.slot_start IN (")
                     + storage_detail::placeholders(size)
                     + QStringLiteral(") ORDER BY s.slot_start"));
    st.bind(venueId).bind(date);
    for (int i = 0; i < size; ++i)
        st.bind(slotStarts.at(std::min<qsizetype>(i, slotStarts.size() - 1)));
    st.exec();
    return readHolders(st);
}

std::optional<Booking> findOn(Connection &connection, const QString &sql, qint64 id)
{
    Statement st(connection, sql);
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return bookingFrom(st);
}

} // namespace

void BookingRepository::insert(Transaction &tx, const Booking &b, const QStringList &slotStarts)
{
    if (slotStarts.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("a booking without slots"));
    if (QSet<QString>(slotStarts.begin(), slotStarts.end()).size() != slotStarts.size())
        throw Error(ErrorCode::Internal, QStringLiteral("a booking with a slot twice"));
    const qint64 created = b.createdAt ? b.createdAt : nowMs();
    Statement(tx,
              QStringLiteral("INSERT INTO bookings (id, user_id, venue_id, date, start_time, "
                             "end_time, amount, status, pay_order_id, version, expires_at, "
                             "created_at, updated_at, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, "
                             "?, ?, ?, ?, ?, ?, ?)"))
        .bind(b.id)
        .bind(b.userId)
        .bind(b.venueId)
        .bind(b.date)
        .bind(b.startTime)
        .bind(b.endTime)
        .bind(b.amount)
        .bind(statusName(b.status))
        .bindOptional(b.payOrderId)
        .bind(b.version)
        .bind(b.expiresAt)
        .bind(created)
        .bind(b.updatedAt ? b.updatedAt : created)
        .bindNullable(b.traceparent)
        .exec();

    QString sql = QStringLiteral(
        "INSERT INTO booking_slots (booking_id, venue_id, date, slot_start, active) VALUES ");
    for (qsizetype i = 0; i < slotStarts.size(); ++i)
        sql += (i ? QStringLiteral(", ") : QString()) + QStringLiteral("(?, ?, ?, ?, TRUE)");
    Statement slotRows(tx, sql);
    for (const QString &start : slotStarts)
        slotRows.bind(b.id).bind(b.venueId).bind(b.date).bind(start);
    try {
        slotRows.exec();
    } catch (const UniqueViolation &e) {
        // The partial unique index over active slots: another booking holds one of them.
        throw Error(ErrorCode::SlotAlreadyBooked, e.detail());
    }
}

std::optional<Booking> BookingRepository::find(qint64 id) const
{
    return findOn(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"), id);
}

std::optional<Booking> BookingRepository::find(Transaction &tx, qint64 id, RowLock lock) const
{
    return findOn(tx.connection(),
                  Select + QStringLiteral("WHERE id = ?")
                      + storage_detail::lockClause(tx.dialect(), lock),
                  id);
}

std::optional<Booking> BookingRepository::findByPayOrder(qint64 payOrderId) const
{
    return findOn(m_db.threadConnection(), Select + QStringLiteral("WHERE pay_order_id = ?"),
                  payOrderId);
}

QList<SlotHolder> BookingRepository::holders(qint64 venueId, const QString &date,
                                             const QStringList &slotStarts) const
{
    return holdersOn(m_db.threadConnection(), venueId, date, slotStarts);
}

QList<SlotHolder> BookingRepository::holders(Transaction &tx, qint64 venueId, const QString &date,
                                             const QStringList &slotStarts) const
{
    return holdersOn(tx.connection(), venueId, date, slotStarts);
}

QList<SlotHolder> BookingRepository::activeSlots(qint64 venueId, const QString &date) const
{
    Statement st(m_db.threadConnection(),
                 SelectHolders
                     + QStringLiteral("WHERE s.venue_id = ? AND s.date = ? AND s.active "
                                      "ORDER BY s.slot_start"));
    st.bind(venueId).bind(date).exec();
    return readHolders(st);
}

QList<SlotHolder> BookingRepository::activeSlotsOfDay(const QString &date) const
{
    Statement st(m_db.threadConnection(),
                 SelectHolders
                     + QStringLiteral("WHERE s.date = ? AND s.active "
                                      "ORDER BY s.venue_id, s.slot_start"));
    st.bind(date).exec();
    return readHolders(st);
}

bool BookingRepository::transition(Transaction &tx, qint64 id, int expectedVersion,
                                   BookingStatus from, BookingStatus to, qint64 now)
{
    if (!isLegalTransition(from, to))
        throw Error(ErrorCode::Internal,
                    QStringLiteral("illegal booking transition %1 -> %2")
                        .arg(statusName(from), statusName(to)));
    Statement st(tx,
                 QStringLiteral("UPDATE bookings SET status = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ? AND version = ? AND status = ?"));
    st.bind(statusName(to))
        .bind(now ? now : nowMs())
        .bind(id)
        .bind(expectedVersion)
        .bind(statusName(from))
        .exec();
    if (st.rowsAffected() != 1)
        return false;
    if (to == BookingStatus::Cancelled || to == BookingStatus::Refunded) {
        Statement(tx,
                  QStringLiteral("UPDATE booking_slots SET active = FALSE WHERE booking_id = ? "
                                 "AND active"))
            .bind(id)
            .exec();
    }
    return true;
}

bool BookingRepository::setPayOrder(Transaction &tx, qint64 id, int expectedVersion,
                                    qint64 payOrderId, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE bookings SET pay_order_id = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ? AND version = ?"));
    st.bind(payOrderId).bind(now ? now : nowMs()).bind(id).bind(expectedVersion).exec();
    return st.rowsAffected() == 1;
}

Page<Booking> BookingRepository::listByUser(qint64 userId, const std::optional<PageCursor> &after,
                                            int limit) const
{
    return KeysetList(Select)
        .where(QStringLiteral("user_id = ?"), {QVariant::fromValue(userId)})
        .page<Booking>(
            m_db.threadConnection(), after, limit, [](Statement &st) { return readBookings(st); },
            [](const Booking &b) {
                return PageCursor {b.createdAt, b.id};
            });
}

QList<Booking> BookingRepository::listByDate(const QString &date,
                                             std::optional<qint64> venueId) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE date = ?")
                     + (venueId ? QStringLiteral(" AND venue_id = ?") : QString())
                     + QStringLiteral(" ORDER BY venue_id, start_time, id"));
    st.bind(date);
    if (venueId)
        st.bind(*venueId);
    st.exec();
    return readBookings(st);
}

int BookingRepository::countHeldByUser(Transaction &tx, qint64 userId, const QString &fromDate,
                                       const QString &toDate)
{
    Statement lock(tx,
                   QStringLiteral("SELECT id FROM users WHERE id = ?")
                       + storage_detail::lockClause(tx.connection().dialect(), RowLock::ForUpdate));
    lock.bind(userId).exec();
    Statement st(tx,
                 QStringLiteral("SELECT COUNT(*) FROM bookings WHERE user_id = ? AND "
                                "date >= ? AND date <= ? AND status IN ('PENDING_PAYMENT', "
                                "'PAID', 'CHECKED_IN')"));
    st.bind(userId).bind(fromDate).bind(toDate).exec();
    return st.next() ? st.int32(0) : 0;
}

QList<Booking> BookingRepository::activeOfVenue(qint64 venueId, const QString &fromDate,
                                                const QString &toDate) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE venue_id = ? AND date >= ? AND date <= ? AND status "
                                      "IN ('PENDING_PAYMENT', 'PAID', 'REFUNDING', 'CHECKED_IN') "
                                      "ORDER BY date, start_time, id"));
    st.bind(venueId).bind(fromDate).bind(toDate).exec();
    return readBookings(st);
}

QList<Booking> BookingRepository::expiredPending(qint64 now, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE status = 'PENDING_PAYMENT' AND expires_at <= ? "
                                      "ORDER BY expires_at LIMIT ?"));
    st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readBookings(st);
}

} // namespace pomelo
