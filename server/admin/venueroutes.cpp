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
#include <QJsonArray>
#include <QTime>

namespace pomelo::admin {

namespace {

/// The venue board of one day: who holds which slot, with the users looked up once each.
class VenueBoard
{
public:
    VenueBoard(Database &db, const QString &date)
        : m_users(db)
    {
        const QList<SlotHolder> holders = BookingRepository(db).activeSlotsOfDay(date);
        for (const SlotHolder &h : holders)
            m_held.insert({h.venueId, h.slotStart}, h);
    }

    QJsonObject venueJson(const Venue &v)
    {
        QJsonArray slotList;
        const QTime to = QTime::fromString(v.openTo, QStringLiteral("HH:mm"));
        for (QTime t = QTime::fromString(v.openFrom, QStringLiteral("HH:mm"));
             t.isValid() && t < to && v.slotMinutes > 0;) {
            const QTime end = t.addSecs(v.slotMinutes * 60);
            slotList.append(slotJson(v.id, t.toString(QStringLiteral("HH:mm")), end));
            if (end <= t) // past midnight
                break;
            t = end;
        }
        return {{QStringLiteral("id"), v.id},
                {QStringLiteral("name"), v.name},
                {QStringLiteral("sport"), v.sport},
                {QStringLiteral("slots"), slotList}};
    }

private:
    QJsonObject slotJson(qint64 venueId, const QString &start, const QTime &end)
    {
        QJsonObject slot {{QStringLiteral("startTime"), start},
                          {QStringLiteral("endTime"), end.toString(QStringLiteral("HH:mm"))},
                          {QStringLiteral("state"), QStringLiteral("FREE")}};
        const auto it = m_held.constFind({venueId, start});
        if (it == m_held.cend())
            return slot;
        QString state = QStringLiteral("BOOKED");
        if (it->status == BookingStatus::PendingPayment)
            state = QStringLiteral("HELD");
        else if (it->status == BookingStatus::CheckedIn)
            state = QStringLiteral("CHECKED_IN");
        slot.insert(QStringLiteral("state"), state);
        slot.insert(QStringLiteral("bookingId"), snowflakeToString(it->bookingId));
        slot.insert(QStringLiteral("bookingStatus"), statusName(it->status));
        slot.insert(QStringLiteral("user"), userJson(it->userId));
        return slot;
    }

    QJsonObject userJson(qint64 userId)
    {
        if (!m_userCache.contains(userId))
            m_userCache.insert(userId, m_users.find(userId));
        QJsonObject user {{QStringLiteral("id"), QString::number(userId)}};
        if (const std::optional<User> &u = m_userCache[userId]) {
            user.insert(QStringLiteral("openId"), u->openId);
            user.insert(QStringLiteral("name"), u->name);
            user.insert(QStringLiteral("studentId"), u->studentId);
        }
        return user;
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
    VenueBoard board(ctx.db, date);
    QJsonArray venues;
    const QList<Venue> venueList = VenueRepository(ctx.db).list();
    for (const Venue &v : venueList)
        venues.append(board.venueJson(v));
    return HttpResponse::json(
        200, QJsonObject {{QStringLiteral("date"), date}, {QStringLiteral("venues"), venues}});
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
            return bookingJson(*BookingRepository(ctx.db).find(done.id), ctx.zone);
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
