#include "bookingservice.h"

#include "domain/bookingrules.h"
#include "domain/errors.h"
#include "domain/money.h"
#include "domain/snowflake.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"
#include "storage/closurerepository.h"
#include "storage/database.h"
#include "storage/userrepository.h"
#include "telemetry/continuedspan.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"
#include "workers/pushnotifier.h"

#include <QDateTime>
#include <QJsonObject>

#include <chrono>

namespace pomelo {

namespace {

VenueHours hoursOf(const Venue &v)
{
    return VenueHours {parseClockTime(v.openFrom),
                       v.openTo == QLatin1String("24:00") ? 24 * 60 : parseClockTime(v.openTo),
                       v.slotMinutes};
}

Venue requireVenue(Database &db, qint64 venueId)
{
    const std::optional<Venue> venue = VenueRepository(db).find(venueId);
    if (!venue)
        throw Error(ErrorCode::InvalidBookingInput,
                    QStringLiteral("unknown venue %1").arg(venueId));
    if (!venue->active)
        throw Error(ErrorCode::VenueInactive, QStringLiteral("venue %1 inactive").arg(venueId));
    return *venue;
}

qint64 dayInstantMs(const QDate &date, int minutes, const QTimeZone &zone)
{
    return QDateTime(date, QTime(0, 0), zone).addSecs(qint64(minutes) * 60).toMSecsSinceEpoch();
}

/// Error(VenueClosed) with the closure's reason when one of @p closures covers the range.
void refuseIfClosed(const QList<VenueClosure> &closures, const BookingRange &range,
                    const QTimeZone &zone)
{
    for (const VenueClosure &c : closures) {
        if (closureCovers(c.times, range.date, range.startMinutes, range.endMinutes, zone))
            throw Error(ErrorCode::VenueClosed, QStringLiteral("closure %1").arg(c.id), {c.reason});
    }
}

QStringList unitNames(const BookingRange &range)
{
    QStringList names;
    const QList<int> units = slotUnits(range.startMinutes, range.endMinutes);
    for (const int u : units)
        names.append(formatClockTime(u));
    return names;
}

QString slotState(BookingStatus status)
{
    return status == BookingStatus::PendingPayment ? QStringLiteral("HELD")
                                                   : QStringLiteral("BOOKED");
}

} // namespace

BookingService::BookingService(const ServerContext &context, DelayedQueue &expiryQueue)
    : m_ctx(context)
    , m_expiryQueue(expiryQueue)
    , m_payPlatform(context)
{
    const Config &config = context.config;
    m_window.daysAhead = config.value(QStringLiteral("booking.days_ahead")).toInt();
    m_window.openTimeMinutes = parseClockTime(config.value(QStringLiteral("booking.open_time")));
    m_limits.maxPerDay = config.value(QStringLiteral("booking.max_per_day")).toInt();
    m_limits.maxPerWeek = config.value(QStringLiteral("booking.max_per_week")).toInt();
}

QList<Venue> BookingService::venues() const
{
    return VenueRepository(m_ctx.db).list();
}

QList<SlotView> BookingService::daySlots(qint64 venueId, const QString &date) const
{
    const Venue venue = requireVenue(m_ctx.db, venueId);
    const QDate day = parseIsoDate(date);
    if (!day.isValid())
        throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("date is not YYYY-MM-DD"));
    const VenueHours hours = hoursOf(venue);
    // Held 5-minute units: a slot of today's grid may meet bookings made on an earlier grid.
    QHash<int, BookingStatus> held;
    const QList<SlotHolder> holders = BookingRepository(m_ctx.db).activeSlots(venueId, date);
    for (const SlotHolder &h : holders)
        held.insert(parseClockTime(h.slotStart), h.status);
    const QList<VenueClosure> closures = ClosureRepository(m_ctx.db).overlapping(
        venueId, dayInstantMs(day, 0, m_ctx.zone), dayInstantMs(day, 24 * 60, m_ctx.zone));
    QList<SlotView> out;
    for (const int start : slotStartsOfDay(hours)) {
        const int end = start + hours.slotMinutes;
        QString state = QStringLiteral("FREE");
        for (const VenueClosure &c : closures) {
            if (closureCovers(c.times, day, start, end, m_ctx.zone))
                state = QStringLiteral("CLOSED");
        }
        for (int u = start; u < end && state != QLatin1String("CLOSED"); u += SlotUnitMinutes) {
            const auto it = held.constFind(u);
            if (it != held.cend() && state != QLatin1String("BOOKED"))
                state = slotState(*it);
        }
        out.append({formatClockTime(start), formatClockTime(end), state});
    }
    return out;
}

Booking BookingService::create(qint64 userId, const CreateBookingInput &input,
                               std::optional<QDateTime> clock)
{
    ScopedSpan span(QStringLiteral("booking.create"));
    span.setAttribute(QStringLiteral("venue.id"), input.venueId);
    const Venue venue = requireVenue(m_ctx.db, input.venueId);
    const QDateTime now = clock.value_or(QDateTime::currentDateTimeUtc());
    const BookingRange range =
        validateBookingRange(hoursOf(venue), input.date, input.startTime, input.endTime, now,
                             m_ctx.zone, m_window.daysAhead);
    checkBookingWindow(m_window, range.date, now, m_ctx.zone);
    const qint64 amount = venue.pricePerSlot * range.slotCount();
    if (!isValidAmount(amount))
        throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("amount out of range"));
    const qint64 rangeFromMs = dayInstantMs(range.date, range.startMinutes, m_ctx.zone);
    const qint64 rangeToMs = dayInstantMs(range.date, range.endMinutes, m_ctx.zone);
    // The polite answers before the lock; the transaction below decides.
    refuseIfClosed(ClosureRepository(m_ctx.db).overlapping(venue.id, rangeFromMs, rangeToMs), range,
                   m_ctx.zone);

    // One row per 5-minute unit (bookingpolicy.h): the unique index then refuses any overlap.
    const QStringList slotStarts = unitNames(range);

    const QByteArray lockKey = m_ctx.keys.venueBookingLock(QString::number(venue.id), input.date,
                                                           input.startTime, input.endTime);
    // LockGuard makes the lock.acquire and lock.release spans.
    LockGuard lock = LockGuard::tryAcquire(m_ctx.locks, lockKey, std::chrono::seconds(5));
    if (!lock) {
        qCInfo(lcBooking).noquote() << "lock busy:" << lockKey << "user" << userId;
        throw Error(ErrorCode::VenueSlotBusy, QString::fromUtf8(lockKey));
    }

    Booking booking;
    booking.id = m_ctx.ids.next();
    booking.userId = userId;
    booking.venueId = venue.id;
    booking.date = input.date;
    booking.startTime = input.startTime;
    booking.endTime = input.endTime;
    booking.amount = amount;
    booking.status = BookingStatus::PendingPayment;
    booking.createdAt = now.toMSecsSinceEpoch();
    booking.updatedAt = booking.createdAt;
    booking.expiresAt = booking.createdAt + qint64(m_ctx.config.bookingExpirySeconds()) * 1000;
    span.setAttribute(QStringLiteral("booking.id"), QString::number(booking.id));
    // Signing, the pay platform's verdict and the merchant notification continue this trace.
    booking.traceparent = QString::fromLatin1(span.context().toTraceparent());

    {
        Transaction tx(m_ctx.db);
        BookingRepository bookings(m_ctx.db);
        // The venue as this transaction sees it, share-locked: a closure or a change of the venue
        // waits for this booking, or this booking sees it.
        const std::optional<Venue> current =
            VenueRepository(m_ctx.db).find(tx, venue.id, VenueRepository::Lock::ForShare);
        if (!current || !current->active)
            throw Error(ErrorCode::VenueInactive, QStringLiteral("venue inactive meanwhile"));
        if (current->openFrom != venue.openFrom || current->openTo != venue.openTo
            || current->slotMinutes != venue.slotMinutes)
            validateBookingRange(hoursOf(*current), input.date, input.startTime, input.endTime, now,
                                 m_ctx.zone, m_window.daysAhead);
        refuseIfClosed(
            ClosureRepository(m_ctx.db).overlapping(tx, venue.id, rangeFromMs, rangeToMs), range,
            m_ctx.zone);
        if (m_limits.maxPerDay > 0 || m_limits.maxPerWeek > 0) {
            const QDate monday = weekStart(range.date);
            const int onDay = bookings.countHeldByUser(tx, userId, input.date, input.date);
            const int inWeek = m_limits.maxPerWeek > 0
                ? bookings.countHeldByUser(tx, userId, monday.toString(Qt::ISODate),
                                           monday.addDays(6).toString(Qt::ISODate))
                : 0;
            checkBookingLimits(m_limits, onDay, inWeek);
        }
        // The check is the polite answer; the unique index in insert() is the guarantee.
        if (!bookings.holders(tx, venue.id, input.date, slotStarts).isEmpty())
            throw Error(ErrorCode::SlotAlreadyBooked, QStringLiteral("slot held"));
        bookings.insert(tx, booking, slotStarts);
        tx.commit();
    }
    lock.unlock();

    // After the commit: a booking never signed is cancelled when this fires. If Redis fails right
    // here, sweepExpired() finds the booking by its expires_at.
    try {
        const int expiry = m_ctx.config.bookingExpirySeconds();
        m_expiryQueue.schedule(QByteArray::number(booking.id), QByteArray::number(booking.id),
                               std::chrono::seconds(expiry));
        // The reminder: 5 minutes before, or halfway for expiries shorter than 10 minutes.
        const qint64 remindMs = expiry > 600 ? (expiry - 300) * 1000LL : expiry * 500LL;
        m_expiryQueue.schedule(reminderId(booking.id), reminderId(booking.id),
                               std::chrono::milliseconds(remindMs));
    } catch (const Error &e) {
        qCWarning(lcBooking).noquote()
            << "booking" << booking.id
            << "expiry not scheduled, the sweep will catch it:" << e.detail();
    }
    qCInfo(lcBooking) << "booking" << booking.id << "created: venue" << venue.id << input.date
                      << input.startTime << "-" << input.endTime << "amount" << amount;
    return booking;
}

Booking BookingService::get(qint64 userId, qint64 bookingId) const
{
    const std::optional<Booking> b = BookingRepository(m_ctx.db).find(bookingId);
    if (!b)
        throw Error(ErrorCode::BookingNotFound, QString::number(bookingId));
    if (b->userId != userId)
        throw Error(ErrorCode::BookingOfAnotherUser, QString::number(bookingId));
    return *b;
}

Page<Booking> BookingService::list(qint64 userId, const std::optional<PageCursor> &after,
                                   int limit) const
{
    return BookingRepository(m_ctx.db).listByUser(userId, after, limit);
}

Booking BookingService::cancel(qint64 userId, qint64 bookingId)
{
    // Unpaid: cancelled here. Paid: refunded through the pay platform first.
    const std::optional<Booking> b = BookingRepository(m_ctx.db).find(bookingId);
    const bool paid =
        b && (b->status == BookingStatus::Paid || b->status == BookingStatus::Refunding);
    return paid ? cancelPaid(userId, bookingId) : cancelUnpaid(userId, bookingId);
}

Booking BookingService::cancelUnpaid(qint64 userId, qint64 bookingId)
{
    ScopedSpan span(QStringLiteral("booking.cancel"));
    span.setAttribute(QStringLiteral("booking.id"), QString::number(bookingId));
    Transaction tx(m_ctx.db);
    BookingRepository bookings(m_ctx.db);
    std::optional<Booking> b = bookings.find(tx, bookingId, RowLock::ForUpdate);
    if (!b)
        throw Error(ErrorCode::BookingNotFound, QString::number(bookingId));
    if (b->userId != userId)
        throw Error(ErrorCode::BookingOfAnotherUser, QString::number(bookingId));
    // A signed booking has a pay order whose closing belongs to the pay flow; paid ones are
    // refunded.
    if (b->status != BookingStatus::PendingPayment || b->payOrderId)
        throw Error(ErrorCode::BookingStateConflict, statusName(b->status));
    if (!bookings.transition(tx, b->id, b->version, b->status, BookingStatus::Cancelled))
        throw Error(ErrorCode::BookingStateConflict, QStringLiteral("changed meanwhile"));
    tx.commit();
    try {
        m_expiryQueue.cancel(QByteArray::number(bookingId));
        m_expiryQueue.cancel(reminderId(bookingId));
    } catch (const Error &) {
        // Harmless: expire() finds it cancelled.
    }
    b->status = BookingStatus::Cancelled;
    b->version += 1;
    qCInfo(lcBooking) << "booking" << bookingId << "cancelled by its user";
    return *b;
}

Booking BookingService::cancelPaid(qint64 userId, qint64 bookingId)
{
    BookingRepository bookings(m_ctx.db);
    std::optional<Booking> b = bookings.find(bookingId);
    if (!b)
        throw Error(ErrorCode::BookingNotFound, QStringLiteral("no such booking"));
    if (b->userId != userId)
        throw Error(ErrorCode::BookingOfAnotherUser, QStringLiteral("booking of another user"));
    if ((b->status != BookingStatus::Paid && b->status != BookingStatus::Refunding)
        || !b->payOrderId)
        throw Error(ErrorCode::BookingStateConflict,
                    QStringLiteral("booking is ") + statusName(b->status));
    if (b->status == BookingStatus::Paid) {
        const QDateTime start(QDate::fromString(b->date, Qt::ISODate),
                              QTime::fromString(b->startTime, QStringLiteral("HH:mm")), m_ctx.zone);
        const qint64 cutoffMs = qint64(m_ctx.config.refundCutoffMinutes()) * 60 * 1000;
        if (QDateTime::currentMSecsSinceEpoch() + cutoffMs > start.toMSecsSinceEpoch())
            throw Error(ErrorCode::RefundCutoffPassed,
                        QStringLiteral("too late to cancel with a refund"),
                        {QString::number(m_ctx.config.refundCutoffMinutes())});
        const bool moved = m_ctx.db.transact([&](Transaction &tx) {
            return bookings.transition(tx, b->id, b->version, b->status, BookingStatus::Refunding);
        });
        if (!moved)
            throw Error(ErrorCode::BookingStateConflict, QStringLiteral("changed meanwhile"));
        qCInfo(lcBooking) << "booking" << b->id << "cancelled by its user: refunding";
    }
    // REFUNDING already (a retry after an error): the same outRefundNo asks for the same refund;
    // on an error the booking stays REFUNDING and cancelling again retries.
    if (m_payPlatform.requestRefund(*b) == QLatin1String("REFUNDED"))
        markRefunded(b->id);
    return bookings.find(b->id).value_or(*b);
}

ClosureCancelOutcome BookingService::cancelForClosure(qint64 bookingId, const QString &venueName,
                                                      const QString &reason)
{
    ScopedSpan span(QStringLiteral("booking.cancel_for_closure"));
    span.setAttribute(QStringLiteral("booking.id"), QString::number(bookingId));
    BookingRepository bookings(m_ctx.db);
    std::optional<Booking> b = bookings.find(bookingId);
    if (!b)
        return {QStringLiteral("UNCHANGED"), BookingStatus::Cancelled, 0};
    const auto afterwards = [&](const QString &outcome) {
        const std::optional<Booking> now = bookings.find(bookingId);
        return ClosureCancelOutcome {outcome, now ? now->status : b->status, 0};
    };
    if (b->status == BookingStatus::PendingPayment && b->payOrderId)
        return closeSignedForClosure(*b, venueName, reason);
    if (b->status == BookingStatus::PendingPayment) {
        const bool moved = m_ctx.db.transact([&](Transaction &tx) {
            return bookings.transition(tx, b->id, b->version, b->status, BookingStatus::Cancelled);
        });
        if (!moved) // signed or paid meanwhile: the caller confirms again
            return afterwards(QStringLiteral("UNCHANGED"));
        forgetExpiry(bookingId);
        qCInfo(lcBooking) << "booking" << bookingId << "cancelled: venue closed";
        tellClosure(*b, venueName, reason, QStringLiteral("CANCELLED"));
        return afterwards(QStringLiteral("CANCELLED"));
    }
    if ((b->status != BookingStatus::Paid && b->status != BookingStatus::Refunding)
        || !b->payOrderId)
        return {QStringLiteral("UNCHANGED"), b->status, 0};
    if (b->status == BookingStatus::Paid) {
        const bool moved = m_ctx.db.transact([&](Transaction &tx) {
            return bookings.transition(tx, b->id, b->version, b->status, BookingStatus::Refunding);
        });
        if (!moved)
            return afterwards(QStringLiteral("UNCHANGED"));
        qCInfo(lcBooking) << "booking" << bookingId << "refunding: venue closed";
    }
    return refundForClosure(*b, venueName, reason);
}

ClosureCancelOutcome BookingService::closeSignedForClosure(const Booking &b,
                                                           const QString &venueName,
                                                           const QString &reason)
{
    BookingRepository bookings(m_ctx.db);
    const auto afterwards = [&](const QString &outcome, int code = 0) {
        const std::optional<Booking> now = bookings.find(b.id);
        return ClosureCancelOutcome {outcome, now ? now->status : b.status, code};
    };
    // The student may be at the cashier: the pay order is closed first (at the channel too), so
    // that nobody pays for a closed venue; only then is the booking cancelled.
    QString orderStatus;
    try {
        orderStatus = m_payPlatform.closeOrder(b);
    } catch (const Error &e) {
        qCWarning(lcBooking).noquote()
            << "booking" << b.id << "pay order not closed for a closure:" << int(e.code())
            << e.detail();
        return afterwards(QStringLiteral("FAILED"), static_cast<int>(e.code()));
    }
    if (orderStatus == QLatin1String("CLOSED") || orderStatus == QLatin1String("FAILED")) {
        // The pay platform's CLOSED notification may have cancelled it already: either is fine.
        const bool cancelled = m_ctx.db.transact([&](Transaction &tx) {
            const std::optional<Booking> now = bookings.find(tx, b.id, RowLock::ForUpdate);
            if (!now)
                return false;
            if (now->status == BookingStatus::Cancelled)
                return true;
            return now->status == BookingStatus::PendingPayment
                && bookings.transition(tx, now->id, now->version, now->status,
                                       BookingStatus::Cancelled);
        });
        if (!cancelled)
            return afterwards(QStringLiteral("UNCHANGED"));
        forgetExpiry(b.id);
        qCInfo(lcBooking).noquote()
            << "booking" << b.id << "cancelled, pay order" << orderStatus << ": venue closed";
        tellClosure(b, venueName, reason, QStringLiteral("CANCELLED"));
        return afterwards(QStringLiteral("CANCELLED"));
    }
    if (orderStatus != QLatin1String("PAID")) {
        // REFUNDING/REFUNDED: refunded by someone else (an admin); the notification finishes it.
        qCWarning(lcBooking).noquote() << "booking" << b.id << "pay order is" << orderStatus
                                       << "when closing it for a closure";
        return afterwards(QStringLiteral("UNCHANGED"));
    }
    // Paid before the close (the race): the booking follows its order to PAID, whether or not
    // the PAID notification came yet, and then takes the refund path of paid bookings.
    const std::optional<Booking> refunding = m_ctx.db.transact([&](Transaction &tx) {
        std::optional<Booking> now = bookings.find(tx, b.id, RowLock::ForUpdate);
        const auto step = [&](BookingStatus to) {
            if (!bookings.transition(tx, now->id, now->version, now->status, to))
                return false;
            now->status = to;
            now->version += 1;
            return true;
        };
        if (!now)
            return now;
        if (now->status == BookingStatus::PendingPayment && !step(BookingStatus::Paid))
            return std::optional<Booking> {};
        if (now->status == BookingStatus::Paid && !step(BookingStatus::Refunding))
            return std::optional<Booking> {};
        if (now->status != BookingStatus::Refunding)
            return std::optional<Booking> {};
        return now;
    });
    if (!refunding)
        return afterwards(QStringLiteral("UNCHANGED"));
    qCInfo(lcBooking) << "booking" << b.id << "paid while closing its order: refunding";
    return refundForClosure(*refunding, venueName, reason);
}

ClosureCancelOutcome BookingService::refundForClosure(const Booking &b, const QString &venueName,
                                                      const QString &reason)
{
    BookingRepository bookings(m_ctx.db);
    const auto afterwards = [&](const QString &outcome) {
        const std::optional<Booking> now = bookings.find(b.id);
        return ClosureCancelOutcome {outcome, now ? now->status : b.status, 0};
    };
    // The refund of a user's cancel: outRefundNo cancel-<id>, so asking again never refunds twice.
    try {
        if (m_payPlatform.requestRefund(b, QStringLiteral("场地关闭: ") + reason)
            == QLatin1String("REFUNDED"))
            markRefunded(b.id);
    } catch (const Error &e) {
        qCWarning(lcBooking).noquote()
            << "booking" << b.id << "refund for a closure failed:" << int(e.code()) << e.detail();
        ClosureCancelOutcome failed = afterwards(QStringLiteral("FAILED"));
        failed.code = static_cast<int>(e.code());
        return failed;
    }
    ClosureCancelOutcome done = afterwards(QStringLiteral("REFUNDING"));
    if (done.status == BookingStatus::Refunded)
        done.outcome = QStringLiteral("REFUNDED");
    tellClosure(b, venueName, reason, done.outcome);
    return done;
}

void BookingService::forgetExpiry(qint64 bookingId)
{
    try {
        m_expiryQueue.cancel(QByteArray::number(bookingId));
        m_expiryQueue.cancel(reminderId(bookingId));
    } catch (const Error &) {
        // Harmless: expire() and remind() find it cancelled.
    }
}

void BookingService::tellClosure(const Booking &b, const QString &venueName, const QString &reason,
                                 const QString &outcome) const
{
    const std::optional<User> user = UserRepository(m_ctx.db).find(b.userId);
    if (!user)
        return;
    const QString when = QStringLiteral("%1 %2-%3").arg(b.date, b.startTime, b.endTime);
    QString title;
    QString body;
    if (outcome == QLatin1String("CANCELLED")) {
        title = QStringLiteral("场地关闭，预订已取消");
        body = QStringLiteral("因%1关闭（%2），您预订的 %3 已取消").arg(venueName, reason, when);
    } else if (outcome == QLatin1String("REFUNDED")) {
        title = QStringLiteral("场地关闭，预订已退款");
        body = QStringLiteral("因%1关闭（%2），您预订的 %3 已取消，%4 元已原路退回")
                   .arg(venueName, reason, when, formatYuan(b.amount));
    } else {
        title = QStringLiteral("场地关闭，预订退款中");
        body = QStringLiteral("因%1关闭（%2），您预订的 %3 已取消，%4 元将原路退回")
                   .arg(venueName, reason, when, formatYuan(b.amount));
    }
    const QJsonObject message {
        {QStringLiteral("title"), title},
        {QStringLiteral("body"), body},
        {QStringLiteral("bookingId"), QString::number(b.id)},
        {QStringLiteral("at"),
         QDateTime::currentDateTime().toTimeZone(m_ctx.zone).toString(Qt::ISODate)},
    };
    try {
        PushNotifier::deliver(m_ctx.redis, m_ctx.keys, user->openId,
                              QByteArrayLiteral("venue-closure:") + outcome.toLatin1() + ':'
                                  + QByteArray::number(b.id),
                              message);
    } catch (const Error &e) {
        qCWarning(lcBooking).noquote()
            << "booking" << b.id << "closure message not delivered:" << e.detail();
    }
}

bool BookingService::markRefunded(qint64 bookingId)
{
    BookingRepository bookings(m_ctx.db);
    return m_ctx.db.transact([&](Transaction &tx) {
        std::optional<Booking> b = bookings.find(tx, bookingId, RowLock::ForUpdate);
        if (!b || b->status == BookingStatus::Refunded)
            return false;
        // REFUNDED overtook a PAID notification still being retried: the order was paid, then
        // refunded, so the booking takes both steps now, in the order's sequence; the late PAID
        // then finds it REFUNDED and changes nothing.
        const auto step = [&](BookingStatus to) {
            if (!bookings.transition(tx, b->id, b->version, b->status, to))
                return false;
            b->status = to;
            b->version += 1;
            return true;
        };
        if (b->status == BookingStatus::PendingPayment && !step(BookingStatus::Paid))
            return false;
        // PAID: refunded by an admin, no cancel came first.
        if (b->status == BookingStatus::Paid && !step(BookingStatus::Refunding))
            return false;
        if (b->status != BookingStatus::Refunding || !step(BookingStatus::Refunded))
            return false;
        qCInfo(lcBooking) << "booking" << bookingId << "refunded: slots freed";
        return true;
    });
}

PayNotifyOutcome BookingService::applyPayResult(qint64 orderId, const QString &outTradeNo,
                                                const QString &status, qint64 amount)
{
    BookingRepository repo(m_ctx.db);
    std::optional<Booking> booking = repo.findByPayOrder(orderId);
    if (!booking)
        booking = repo.find(snowflakeOr(outTradeNo, ErrorCode::BookingNotFound));
    if (!booking)
        throw Error(ErrorCode::BookingNotFound,
                    QStringLiteral("pay-notify: no booking for order %1").arg(orderId));
    const qint64 bookingId = booking->id;
    ContinuedSpan span(QStringLiteral("booking.pay_notify"), booking->traceparent);
    if (span.span().span().isRecording()) {
        span.setAttribute(QStringLiteral("booking.id"), QString::number(bookingId));
        span.setAttribute(QStringLiteral("venue.id"), booking->venueId);
        span.setAttribute(QStringLiteral("order.id"), snowflakeToString(orderId));
        span.setAttribute(QStringLiteral("order.status"), status);
    }

    BookingStatus target;
    if (status == QLatin1String("PAID")) {
        if (amount != booking->amount)
            throw Error(ErrorCode::InvalidAmount,
                        QStringLiteral("pay-notify: order %1 paid %2, booking %3 costs %4")
                            .arg(orderId)
                            .arg(amount)
                            .arg(bookingId)
                            .arg(booking->amount));
        target = BookingStatus::Paid;
    } else if (status == QLatin1String("REFUNDED")) {
        if (!markRefunded(bookingId))
            return PayNotifyOutcome::AlreadyDone;
        notifyStatusChange(bookingId);
        return PayNotifyOutcome::Applied;
    } else if (status == QLatin1String("CLOSED") || status == QLatin1String("FAILED")) {
        target = BookingStatus::Cancelled;
    } else {
        qCInfo(lcBooking).noquote()
            << "pay-notify: order" << orderId << "status" << status << "not followed by bookings";
        return PayNotifyOutcome::Ignored;
    }

    const PayNotifyOutcome outcome = m_ctx.db.transact([&](Transaction &tx) {
        const std::optional<Booking> b = repo.find(tx, bookingId, RowLock::ForUpdate);
        if (!b)
            throw Error(ErrorCode::BookingNotFound, QStringLiteral("pay-notify: booking gone"));
        if (b->status == target)
            return PayNotifyOutcome::AlreadyDone;
        if (b->status == BookingStatus::PendingPayment) {
            if (!repo.transition(tx, b->id, b->version, b->status, target))
                throw Error(ErrorCode::BookingStateConflict,
                            QStringLiteral("pay-notify: booking changed meanwhile"));
            qCInfo(lcBooking).noquote()
                << "booking" << b->id << "->" << statusName(target) << "by pay order" << orderId;
            return PayNotifyOutcome::Applied;
        }
        if (target == BookingStatus::Paid) {
            if (b->status == BookingStatus::CheckedIn || b->status == BookingStatus::Refunding
                || b->status == BookingStatus::Refunded)
                return PayNotifyOutcome::AlreadyDone; // paid earlier, moved on since
            // Cancelled meanwhile but paid: refuse, so the notification ends FAILED for admins.
            qCWarning(lcBooking).noquote()
                << "pay-notify: order" << orderId << "PAID for booking" << b->id << "in state"
                << statusName(b->status) << "- needs a refund";
            throw Error(ErrorCode::BookingStateConflict,
                        QStringLiteral("pay-notify: paid order for a %1 booking")
                            .arg(statusName(b->status)));
        }
        // CLOSED/FAILED for a booking that is paid or beyond: the later state wins.
        qCWarning(lcBooking).noquote()
            << "pay-notify: order" << orderId << status << "ignored for booking" << b->id
            << "in state" << statusName(b->status);
        return PayNotifyOutcome::Ignored;
    });
    if (outcome == PayNotifyOutcome::Applied)
        notifyStatusChange(bookingId);
    return outcome;
}

void BookingService::notifyStatusChange(qint64 bookingId) const
{
    if (m_statusObserver)
        m_statusObserver(bookingId);
}

bool BookingService::expire(qint64 bookingId)
{
    Span span(QStringLiteral("booking.expire"));
    span.setAttribute(QStringLiteral("booking.id"), QString::number(bookingId));
    Transaction tx(m_ctx.db);
    BookingRepository bookings(m_ctx.db);
    const std::optional<Booking> b = bookings.find(tx, bookingId, RowLock::ForUpdate);
    if (!b || b->status != BookingStatus::PendingPayment || b->payOrderId)
        return true; // paid, cancelled, or signed (the pay order's timeout decides): nothing to do
    if (bookings.transition(tx, b->id, b->version, b->status, BookingStatus::Cancelled)) {
        tx.commit();
        qCInfo(lcBooking) << "booking" << bookingId << "expired unsigned: cancelled, slots freed";
    }
    return true;
}

QByteArray BookingService::reminderId(qint64 bookingId)
{
    return QByteArrayLiteral("remind:") + QByteArray::number(bookingId);
}

bool BookingService::remind(qint64 bookingId)
{
    const std::optional<Booking> b = BookingRepository(m_ctx.db).find(bookingId);
    if (!b || b->status != BookingStatus::PendingPayment)
        return true; // paid or cancelled meanwhile: nothing to say
    const std::optional<User> user = UserRepository(m_ctx.db).find(b->userId);
    if (!user)
        return true;
    const QJsonObject message {
        {QStringLiteral("title"), QStringLiteral("预订即将过期")},
        {QStringLiteral("body"),
         QStringLiteral("您预订的场地（%1 %2-%3）将于 %4 过期，请尽快支付")
             .arg(b->date, b->startTime, b->endTime,
                  QDateTime::fromMSecsSinceEpoch(b->expiresAt, m_ctx.zone)
                      .toString(QStringLiteral("HH:mm")))},
        {QStringLiteral("bookingId"), QString::number(b->id)},
        {QStringLiteral("at"),
         QDateTime::currentDateTime().toTimeZone(m_ctx.zone).toString(Qt::ISODate)},
    };
    PushNotifier::deliver(m_ctx.redis, m_ctx.keys, user->openId,
                          QByteArrayLiteral("booking-reminder:") + QByteArray::number(b->id),
                          message);
    return true;
}

int BookingService::sweepExpired(int limit)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int n = 0;
    const QList<Booking> overdue = BookingRepository(m_ctx.db).expiredPending(now, limit);
    for (const Booking &b : overdue) {
        // Give the queue a minute of grace: normally it fires on time and this finds nothing.
        if (b.expiresAt + 60000 > now || b.payOrderId)
            continue;
        expire(b.id);
        ++n;
    }
    return n;
}

} // namespace pomelo
