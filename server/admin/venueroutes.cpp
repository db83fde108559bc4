#include "venueroutes.h"

#include "adminjson.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "booking/venueservice.h"
#include "domain/bookingpolicy.h"
#include "domain/bookingrules.h"
#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"
#include "storage/bookingrepository.h"
#include "storage/closurerepository.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTime>

namespace pomelo::admin {

namespace {

/// The venue board of one day: who holds which slot, with the users looked up once each.
class BoardBuilder
{
public:
    BoardBuilder(Database &db, const QString &date, const QTimeZone &zone)
        : m_users(db)
        , m_db(db)
        , m_day(parseIsoDate(date))
        , m_zone(zone)
    {
        // Slot rows are 5-minute units (bookingpolicy.h): a slot is held by the first unit held.
        const QList<SlotHolder> holders = BookingRepository(db).activeSlotsOfDay(date);
        for (const SlotHolder &h : holders)
            m_held.insert({h.venueId, parseClockTime(h.slotStart)}, h);
    }

    api::BoardVenue venue(const Venue &v)
    {
        api::BoardVenue out {v.id, v.name, v.sport, {}};
        const QDateTime dayStart(m_day, QTime(0, 0), m_zone);
        const QList<VenueClosure> closures = ClosureRepository(m_db).overlapping(
            v.id, dayStart.toMSecsSinceEpoch(), dayStart.addDays(1).toMSecsSinceEpoch());
        const int to = v.openTo == QLatin1String("24:00") ? 24 * 60 : parseClockTime(v.openTo);
        const int from = parseClockTime(v.openFrom);
        for (int t = from; from >= 0 && v.slotMinutes > 0 && t + v.slotMinutes <= to;
             t += v.slotMinutes) {
            api::BoardSlot slot = slotAt(v.id, t, t + v.slotMinutes);
            if (slot.state == QLatin1String("FREE")) {
                for (const VenueClosure &c : closures) {
                    if (closureCovers(c.times, m_day, t, t + v.slotMinutes, m_zone))
                        slot.state = QStringLiteral("CLOSED");
                }
            }
            out.timeSlots.append(slot);
        }
        return out;
    }

private:
    api::BoardSlot slotAt(qint64 venueId, int start, int end)
    {
        api::BoardSlot out;
        out.startTime = formatClockTime(start);
        out.endTime = end >= 24 * 60 ? QStringLiteral("24:00") : formatClockTime(end);
        out.state = QStringLiteral("FREE");
        auto it = m_held.constEnd();
        for (int u = start; u < end && it == m_held.constEnd(); u += SlotUnitMinutes)
            it = m_held.constFind({venueId, u});
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

    QHash<QPair<qint64, int>, SlotHolder> m_held;
    UserRepository m_users;
    Database &m_db;
    QDate m_day;
    QTimeZone m_zone;
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
    BoardBuilder builder(ctx.db, date, ctx.zone);
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

// ---- Venues and closures ----

api::AdminVenue toApi(const Venue &v, const QTimeZone &zone)
{
    return {v.id,           v.name,   v.sport,
            v.openFrom,     v.openTo, v.slotMinutes,
            v.pricePerSlot, v.active, v.createdAt ? rfc3339(v.createdAt, zone) : QString()};
}

QString minutesText(int minutes)
{
    return minutes >= 24 * 60 ? QStringLiteral("24:00") : formatClockTime(minutes);
}

api::VenueClosure toApi(const VenueClosure &c, const QTimeZone &zone)
{
    api::VenueClosure out;
    out.id = c.id;
    out.venueId = c.venueId;
    out.from = rfc3339(c.times.startsAtMs, zone);
    out.to = rfc3339(c.times.endsAtMs, zone);
    out.days = daysList(c.times.days);
    if (c.times.dailyFromMinutes >= 0) {
        out.dailyFrom = minutesText(c.times.dailyFromMinutes);
        out.dailyTo = minutesText(c.times.dailyToMinutes);
    }
    out.reason = c.reason;
    out.state = closureStateName(c.state);
    out.createdBy = c.createdBy;
    out.createdAt = rfc3339(c.createdAt, zone);
    out.confirmedBy = c.confirmedBy;
    out.confirmedAt = c.confirmedAt ? rfc3339(*c.confirmedAt, zone) : QString();
    out.confirmReason = c.confirmReason;
    return out;
}

api::ClosureDetail toApi(Database &db, const ClosureView &view, const QTimeZone &zone)
{
    api::ClosureDetail out {toApi(view.closure, zone), {}};
    UserRepository users(db);
    for (const Booking &b : view.bookings) {
        const std::optional<User> u = users.find(b.userId);
        out.bookings.append({snowflakeToString(b.id), QString::number(b.userId),
                             u ? u->openId : QString(), b.date, b.startTime, b.endTime,
                             statusName(b.status), b.amount});
    }
    return out;
}

qint64 idParam(const HttpRequest &r, const QString &name)
{
    bool ok = false;
    const qint64 id = r.pathParams.value(name).toLongLong(&ok);
    if (!ok || id <= 0)
        throw Error(ErrorCode::NotFound, QStringLiteral("no such %1").arg(name));
    return id;
}

/// An RFC 3339 time with its offset (API.md "Times"), as Unix ms; 4001 otherwise.
qint64 instantField(const QJsonObject &body, const QString &key)
{
    static const QRegularExpression form(QStringLiteral(
        "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$"));
    const QString text = JsonFields {body, ErrorCode::InvalidParameter}.string(key, 40);
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!form.match(text).hasMatch() || !t.isValid())
        throw Error(ErrorCode::InvalidParameter,
                    QStringLiteral("%1 is not an RFC 3339 time with offset").arg(key));
    return t.toMSecsSinceEpoch();
}

VenueDraft venueDraft(const QJsonObject &body, bool withActive)
{
    const JsonFields f {body, ErrorCode::InvalidParameter};
    VenueDraft d;
    d.name = f.string(QStringLiteral("name"), 64);
    d.sport = f.string(QStringLiteral("sport"), 32);
    d.openFrom = f.string(QStringLiteral("openFrom"), 5);
    d.openTo = f.string(QStringLiteral("openTo"), 5);
    d.slotMinutes = int(f.integer(QStringLiteral("slotMinutes"), 5, 720));
    d.pricePerSlot = f.integer(QStringLiteral("pricePerSlot"), 1, 100000000);
    if (body.contains(QStringLiteral("active"))) {
        if (!withActive || !body.value(QStringLiteral("active")).isBool())
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("active is not a boolean"));
        d.active = body.value(QStringLiteral("active")).toBool();
    }
    return d;
}

ClosureDraft closureDraft(const QJsonObject &body)
{
    const JsonFields f {body, ErrorCode::InvalidParameter};
    ClosureDraft d;
    d.startsAtMs = instantField(body, QStringLiteral("from"));
    d.endsAtMs = instantField(body, QStringLiteral("to"));
    d.reason = f.string(QStringLiteral("reason"), 200);
    if (body.contains(QStringLiteral("days"))) {
        const QJsonValue days = body.value(QStringLiteral("days"));
        if (!days.isArray() || days.toArray().isEmpty())
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("days is not a list"));
        const QJsonArray list = days.toArray();
        for (const QJsonValue &v : list) {
            if (!v.isDouble() || v.toDouble() != double(v.toInt()))
                throw Error(ErrorCode::InvalidParameter, QStringLiteral("days: not integers"));
            d.days.append(v.toInt());
        }
    }
    const bool daily =
        body.contains(QStringLiteral("dailyFrom")) || body.contains(QStringLiteral("dailyTo"));
    if (daily) {
        d.dailyFrom = f.string(QStringLiteral("dailyFrom"), 5);
        d.dailyTo = f.string(QStringLiteral("dailyTo"), 5);
    }
    return d;
}

QJsonObject venueDetails(const api::AdminVenue &v)
{
    QJsonObject o = v.toJson();
    o.remove(QStringLiteral("createdAt"));
    return o;
}

HttpResponse created(HttpResponse response)
{
    response.status = 201;
    return response;
}

HttpResponse listVenues(const ServerContext &ctx)
{
    QJsonArray items;
    const QList<Venue> venues = VenueService(ctx.db, ctx.zone).list();
    for (const Venue &v : venues)
        items.append(toApi(v, ctx.zone).toJson());
    return HttpResponse::json(200, QJsonObject {{QStringLiteral("venues"), items}});
}

HttpResponse createVenue(const ServerContext &ctx, const HttpRequest &r, const StaffPrincipal &who)
{
    const QJsonObject body = parseJsonObject(r);
    const std::optional<QString> reason = optionalReason(body, r);
    return created(Audited(ctx.db, who, r, QStringLiteral("venue.create"),
                           QStringLiteral("venue:new"), reason.value_or(QString()))
                       .run([&](QJsonObject &details) {
                           const Venue v =
                               VenueService(ctx.db, ctx.zone).create(venueDraft(body, false));
                           const api::AdminVenue out = toApi(v, ctx.zone);
                           details.insert(QStringLiteral("venueId"), v.id);
                           details.insert(QStringLiteral("after"), venueDetails(out));
                           return out.toJson();
                       }));
}

HttpResponse updateVenue(const ServerContext &ctx, const HttpRequest &r, const StaffPrincipal &who)
{
    const qint64 id = idParam(r, QStringLiteral("id"));
    const QJsonObject body = parseJsonObject(r);
    const std::optional<QString> reason = optionalReason(body, r);
    return Audited(ctx.db, who, r, QStringLiteral("venue.update"),
                   QStringLiteral("venue:%1").arg(id), reason.value_or(QString()))
        .run([&](QJsonObject &details) {
            VenueService venues(ctx.db, ctx.zone);
            const VenueDraft draft = venueDraft(body, true);
            details.insert(QStringLiteral("before"), venueDetails(toApi(venues.get(id), ctx.zone)));
            const api::AdminVenue out = toApi(venues.update(id, draft), ctx.zone);
            details.insert(QStringLiteral("after"), venueDetails(out));
            return out.toJson();
        });
}

HttpResponse listClosures(const ServerContext &ctx, const HttpRequest &r)
{
    const qint64 id = idParam(r, QStringLiteral("id"));
    const QString past = queryValue(r, QStringLiteral("past"));
    if (!past.isEmpty() && past != QLatin1String("true") && past != QLatin1String("false"))
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("past"));
    QJsonArray items;
    const QList<VenueClosure> list =
        VenueService(ctx.db, ctx.zone)
            .closures(id, past == QLatin1String("true"), QDateTime::currentDateTimeUtc());
    for (const VenueClosure &c : list)
        items.append(toApi(c, ctx.zone).toJson());
    return HttpResponse::json(200, QJsonObject {{QStringLiteral("closures"), items}});
}

HttpResponse getClosure(const ServerContext &ctx, const HttpRequest &r)
{
    const ClosureView view =
        VenueService(ctx.db, ctx.zone)
            .closure(idParam(r, QStringLiteral("id")), idParam(r, QStringLiteral("closureId")),
                     QDateTime::currentDateTimeUtc());
    return HttpResponse::json(200, toApi(ctx.db, view, ctx.zone).toJson());
}

HttpResponse createClosure(const ServerContext &ctx, const HttpRequest &r,
                           const StaffPrincipal &who)
{
    const qint64 id = idParam(r, QStringLiteral("id"));
    const QJsonObject body = parseJsonObject(r);
    const QString reason = body.value(QStringLiteral("reason")).toString();
    return created(Audited(ctx.db, who, r, QStringLiteral("venue.closure.create"),
                           QStringLiteral("venue:%1").arg(id), reason.left(MaxReasonLength))
                       .run([&](QJsonObject &details) {
                           const ClosureView view =
                               VenueService(ctx.db, ctx.zone)
                                   .createClosure(id, closureDraft(body), who.username,
                                                  QDateTime::currentDateTimeUtc());
                           const api::ClosureDetail out = toApi(ctx.db, view, ctx.zone);
                           details.insert(QStringLiteral("closureId"), view.closure.id);
                           details.insert(QStringLiteral("closure"), out.closure.toJson());
                           details.insert(QStringLiteral("affectedBookings"), out.bookings.size());
                           return out.toJson();
                       }));
}

HttpResponse deleteClosure(const ServerContext &ctx, const HttpRequest &r,
                           const StaffPrincipal &who)
{
    const qint64 id = idParam(r, QStringLiteral("id"));
    const qint64 closureId = idParam(r, QStringLiteral("closureId"));
    const std::optional<QString> reason = optionalReason(optionalBody(r), r);
    return Audited(ctx.db, who, r, QStringLiteral("venue.closure.delete"),
                   QStringLiteral("venue:%1").arg(id), reason.value_or(QString()))
        .run([&](QJsonObject &details) {
            const VenueClosure gone = VenueService(ctx.db, ctx.zone).deleteClosure(id, closureId);
            const api::VenueClosure out = toApi(gone, ctx.zone);
            details.insert(QStringLiteral("closureId"), closureId);
            details.insert(QStringLiteral("closure"), out.toJson());
            return out.toJson();
        });
}

HttpResponse confirmClosure(const ServerContext &ctx, const HttpRequest &r,
                            const StaffPrincipal &who)
{
    const qint64 id = idParam(r, QStringLiteral("id"));
    const qint64 closureId = idParam(r, QStringLiteral("closureId"));
    const QString reason = requiredReason(parseJsonObject(r), r);
    return Audited(ctx.db, who, r, QStringLiteral("venue.closure.confirm"),
                   QStringLiteral("venue:%1").arg(id), reason)
        .run([&](QJsonObject &details) {
            // BookingService makes every booking transition; it needs only the shared
            // infrastructure (the booking module may run elsewhere).
            DelayedQueue expiry(ctx.redis, ctx.keys.bookingExpiryQueue());
            BookingService bookings(ctx, expiry);
            const ClosureConfirmation done =
                VenueService(ctx.db, ctx.zone)
                    .confirmClosure(id, closureId, who.username, reason, bookings,
                                    QDateTime::currentDateTimeUtc());
            api::ClosureConfirmResult out {toApi(done.closure, ctx.zone), {}};
            for (const auto &[bookingId, o] : done.outcomes)
                out.results.append(
                    {snowflakeToString(bookingId), o.outcome, statusName(o.status), o.code});
            details.insert(QStringLiteral("closureId"), closureId);
            details.insert(QStringLiteral("results"), api::detail::toJsonArray(out.results));
            return out.toJson();
        });
}

void registerVenueManagement(const AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    using R = const HttpRequest &;
    using P = const StaffPrincipal &;
    routes.add("GET", "/admin/v1/venues", StaffRole::Staff,
               [ctx](R, P) { return listVenues(*ctx); });
    routes.add("POST", "/admin/v1/venues", StaffRole::Staff,
               [ctx](R r, P who) { return createVenue(*ctx, r, who); });
    routes.add("PUT", "/admin/v1/venues/{id}", StaffRole::Staff,
               [ctx](R r, P who) { return updateVenue(*ctx, r, who); });
    routes.add("GET", "/admin/v1/venues/{id}/closures", StaffRole::Staff,
               [ctx](R r, P) { return listClosures(*ctx, r); });
    routes.add("GET", "/admin/v1/venues/{id}/closures/{closureId}", StaffRole::Staff,
               [ctx](R r, P) { return getClosure(*ctx, r); });
    routes.add("POST", "/admin/v1/venues/{id}/closures", StaffRole::Staff,
               [ctx](R r, P who) { return createClosure(*ctx, r, who); });
    routes.add("DELETE", "/admin/v1/venues/{id}/closures/{closureId}", StaffRole::Staff,
               [ctx](R r, P who) { return deleteClosure(*ctx, r, who); });
    // Cancels and refunds bookings: admins only.
    routes.add("POST", "/admin/v1/venues/{id}/closures/{closureId}/confirm", StaffRole::Admin,
               [ctx](R r, P who) { return confirmClosure(*ctx, r, who); });
}

} // namespace

void registerVenueRoutes(const AdminRoutes &routes)
{
    registerVenueManagement(routes);
    const ServerContext *ctx = routes.ctx;
    routes.add("GET", "/admin/v1/venues/board", StaffRole::Staff,
               [ctx](const HttpRequest &r, const StaffPrincipal &) { return venueBoard(*ctx, r); });
    routes.add("POST", "/admin/v1/bookings/{id}/check-in", StaffRole::Staff,
               [ctx](const HttpRequest &r, const StaffPrincipal &who) {
                   return checkInRoute(*ctx, r, who);
               });
}

} // namespace pomelo::admin
