#pragma once

#include "database.h"
#include "domain/statemachine.h"
#include "pagination.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo {

/// A venue booking of one or more consecutive slots.
struct Booking
{
    qint64 id = 0; ///< Snowflake
    qint64 userId = 0;
    qint64 venueId = 0;
    QString date; ///< "YYYY-MM-DD"
    QString startTime; ///< "HH:MM"
    QString endTime; ///< "HH:MM"
    qint64 amount = 0; ///< cents
    BookingStatus status = BookingStatus::PendingPayment;
    std::optional<qint64> payOrderId;
    int version = 0;
    qint64 expiresAt = 0; ///< Unix ms: cancelled if not signed by then
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
    /// W3C traceparent of the span that created it: later steps continue this trace.
    QString traceparent;
};

/// An active slot row and the booking that holds it.
struct SlotHolder
{
    qint64 venueId = 0;
    QString date;
    QString slotStart; ///< "HH:MM"
    qint64 bookingId = 0;
    qint64 userId = 0;
    BookingStatus status = BookingStatus::PendingPayment;
};

class BookingRepository
{
public:
    explicit BookingRepository(Database &db)
        : m_db(db)
    { }

    /// Inserts @p booking (its status, normally PENDING_PAYMENT) and one active slot row per entry
    /// of @p slotStarts. Throws Error(SlotAlreadyBooked) when a slot is active in another
    /// booking — decided by the partial unique index, whatever any lock or check did before; the
    /// transaction is then failed and must be rolled back. Duplicate slot starts or an empty list:
    /// Error(Internal).
    void insert(Transaction &tx, const Booking &booking, const QStringList &slotStarts);

    std::optional<Booking> find(qint64 id) const;
    std::optional<Booking> find(Transaction &tx, qint64 id, RowLock lock = RowLock::None) const;
    std::optional<Booking> findByPayOrder(qint64 payOrderId) const;

    /// Who holds any of @p slotStarts of a venue on a date (empty: all free).
    QList<SlotHolder> holders(qint64 venueId, const QString &date,
                              const QStringList &slotStarts) const;
    QList<SlotHolder> holders(Transaction &tx, qint64 venueId, const QString &date,
                              const QStringList &slotStarts) const;
    /// Every active slot of a venue on a date, by slot start (slot states FREE/HELD/BOOKED).
    QList<SlotHolder> activeSlots(qint64 venueId, const QString &date) const;
    /// Every active slot of a date, all venues, by venue and slot (the venue board).
    QList<SlotHolder> activeSlotsOfDay(const QString &date) const;

    /// Compare-and-set: applies only if the booking is still at (@p from, @p expectedVersion);
    /// bumps the version. Going to CANCELLED or REFUNDED frees the slots in the same transaction.
    /// false when not applied (changed meanwhile, or no such booking). An illegal transition of
    /// the state machine throws Error(Internal).
    bool transition(Transaction &tx, qint64 id, int expectedVersion, BookingStatus from,
                    BookingStatus to, qint64 now = 0);
    /// Records the pay order (compare-and-set on the version, which it bumps).
    bool setPayOrder(Transaction &tx, qint64 id, int expectedVersion, qint64 payOrderId,
                     qint64 now = 0);

    /// A user's bookings, newest first (keyset on created_at, id).
    Page<Booking> listByUser(qint64 userId, const std::optional<PageCursor> &after,
                             int limit) const;
    /// The bookings of a date (of one venue, or all), by venue and start time.
    QList<Booking> listByDate(const QString &date, std::optional<qint64> venueId = {}) const;
    /// The bookings a user holds (PENDING_PAYMENT, PAID, CHECKED_IN) dated @p fromDate to
    /// @p toDate (inclusive), counted in @p tx after locking the user's row (PostgreSQL
    /// `FOR UPDATE`; SQLite's write transaction is exclusive), so that two bookings of one user
    /// are counted one after the other (booking.max_per_day / max_per_week).
    int countHeldByUser(Transaction &tx, qint64 userId, const QString &fromDate,
                        const QString &toDate);
    /// The active bookings (PENDING_PAYMENT, PAID, REFUNDING, CHECKED_IN) of a venue dated
    /// @p fromDate to @p toDate (inclusive), by date and start time (the bookings a closure
    /// covers).
    QList<Booking> activeOfVenue(qint64 venueId, const QString &fromDate,
                                 const QString &toDate) const;
    /// PENDING_PAYMENT bookings whose expiresAt is at or before @p now, oldest expiry first.
    QList<Booking> expiredPending(qint64 now, int limit) const;

private:
    Database &m_db;
};

} // namespace pomelo
