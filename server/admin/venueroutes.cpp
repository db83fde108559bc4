#include "venueroutes.h"

#include "adminjson.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "storage/bookingrepository.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"

#include <QDateTime>
#include <QTime>

namespace pomelo::admin {

namespace {

/// The venue board of one day: who holds which slot, with the users looked up once each.
class BoardBuilder
{
public:
    BoardBuilder(Database &db, const QString &date)
        : m_users(db)
    {
        const QList<SlotHolder> holders = BookingRepository(db).activeSlotsOfDay(date);
        for (const SlotHolder &h : holders)
            m_held.insert({h.venueId, h.slotStart}, h);
    }

    api::BoardVenue venue(const Venue &v)
    {
        api::BoardVenue out {v.id, v.name, v.sport, {}};
        const QTime to = QTime::fromString(v.openTo, QStringLiteral("HH:mm"));
        for (QTime t = QTime::fromString(v.openFrom, QStringLiteral("HH:mm"));
             t.isValid() && t < to && v.slotMinutes > 0;) {
            const QTime end = t.addSecs(v.slotMinutes * 60);
            out.timeSlots.append(slotAt(v.id, t.toString(QStringLiteral("HH:mm")), end));
            if (end <= t) // past midnight
                break;
            t = end;
        }
        return out;
    }

private:
    api::BoardSlot slotAt(qint64 venueId, const QString &start, const QTime &end)
    {
        api::BoardSlot out;
        out.startTime = start;
        out.endTime = end.toString(QStringLiteral("HH:mm"));
        out.state = QStringLiteral("FREE");
        const auto it = m_held.constFind({venueId, start});
        if (it == m_held.cend())
            return out;
        out.state = QStringLiteral("BOOKED");
        if (it->status == BookingStatus::PendingPayment)
            out.state = QStringLiteral("HELD");
        else if (it->status == BookingStatus::CheckedIn)
            out.state = QStringLiteral("CHECKED_IN");
        out.bookingId = snowflakeToString(it->bookingId);
        out.bookingStatus = statusName(it->status);
        out.userId = QString::number(it->userId);
        if (const std::optional<User> &u = user(it->userId)) {
            out.openId = u->openId;
            out.userName = u->name;
            out.studentId = u->studentId;
        }
        return out;
    }

    const std::optional<User> &user(qint64 userId)
    {
        if (!m_userCache.contains(userId))
            m_userCache.insert(userId, m_users.find(userId));
        return m_userCache[userId];
    }

    QHash<QPair<qint64, QString>, SlotHolder> m_held;
    UserRepository m_users;
    QHash<qint64, std::optional<User>> m_userCache;
};

QString todayIn(const QTimeZone &zone)
{
    return QDateTime::currentDateTime().toTimeZone(zone).date().toString(Qt::ISODate);
}

HttpResponse venueBoard(const ServerContext &ctx, const HttpRequest &r)
{
    QString date = queryValue(r, QStringLiteral("date"));
    if (date.isEmpty())
        date = todayIn(ctx.zone);
    dayStartMs(date, ctx.zone); // validates
    BoardBuilder builder(ctx.db, date);
    api::VenueBoard board {date, {}};
    const QList<Venue> venueList = VenueRepository(ctx.db).list();
    for (const Venue &v : venueList)
        board.venues.append(builder.venue(v));
    return HttpResponse::json(200, board.toJson());
}

/// A PAID booking of today becomes CHECKED_IN (4091 otherwise, also when it changed meanwhile).
Booking checkIn(const ServerContext &ctx, qint64 id)
{
    BookingRepository bookings(ctx.db);
    const QString today = todayIn(ctx.zone);
    return ctx.db.transact([&](Transaction &tx) {
        const std::optional<Booking> b = bookings.find(tx, id, RowLock::ForUpdate);
        if (!b)
            throw Error(ErrorCode::BookingNotFound, QStringLiteral("no booking"));
        if (b->status != BookingStatus::Paid || b->date != today)
            throw Error(ErrorCode::BookingStateConflict,
                        QStringLiteral("check-in of a %1 booking of %2")
                            .arg(statusName(b->status), b->date));
        if (!bookings.transition(tx, b->id, b->version, BookingStatus::Paid,
                                 BookingStatus::CheckedIn))
            throw Error(ErrorCode::BookingStateConflict,
                        QStringLiteral("booking changed meanwhile"));
        return *b;
    });
}

HttpResponse checkInRoute(const ServerContext &ctx, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id =
        snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::BookingNotFound);
    const std::optional<QString> reason = optionalReason(optionalBody(r), r);
    return Audited(ctx.db, who, r, QStringLiteral("booking.check_in"),
                   QStringLiteral("booking:") + snowflakeToString(id), reason.value_or(QString()))
        .run([&](QJsonObject &) {
            const Booking done = checkIn(ctx, id);
            return toApi(*BookingRepository(ctx.db).find(done.id), ctx.zone).toJson();
        });
}

} // namespace

void registerVenueRoutes(const AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    routes.add("GET", "/admin/v1/venues/board", StaffRole::Staff,
               [ctx](const HttpRequest &r, const StaffPrincipal &) { return venueBoard(*ctx, r); });
    routes.add("POST", "/admin/v1/bookings/{id}/check-in", StaffRole::Staff,
               [ctx](const HttpRequest &r, const StaffPrincipal &who) {
                   return checkInRoute(*ctx, r, who);
               });
}

} // namespace pomelo::admin
