#include "bookingmodule.h"

#include "bookingwatch.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "domain/statemachine.h"
#include "http/errorresponse.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "http/studentroute.h"
#include "paynotify.h"
#include "periodictask.h"
#include "queuedtask.h"
#include "redis/delayedqueue.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "signservice.h"
#include "storage/database.h"
#include "storage/userrepository.h"
#include "telemetry/logging.h"
#include "workers/statustracker.h"
#include "workers/workerkeys.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <functional>

namespace pomelo {

namespace {

QJsonObject bookingJson(const Booking &b, const QTimeZone &zone)
{
    QJsonObject o {
        {QStringLiteral("id"), snowflakeToString(b.id)},
        {QStringLiteral("status"), statusName(b.status)},
        {QStringLiteral("venueId"), b.venueId},
        {QStringLiteral("date"), b.date},
        {QStringLiteral("startTime"), b.startTime},
        {QStringLiteral("endTime"), b.endTime},
        {QStringLiteral("amount"), b.amount},
        {QStringLiteral("expiresAt"), rfc3339(b.expiresAt, zone)},
        {QStringLiteral("createdAt"), rfc3339(b.createdAt, zone)},
    };
    if (b.payOrderId)
        o.insert(QStringLiteral("payOrderId"), snowflakeToString(*b.payOrderId));
    return o;
}

QJsonObject userJson(const User &u)
{
    return {{QStringLiteral("openId"), u.openId},
            {QStringLiteral("studentId"), u.studentId},
            {QStringLiteral("name"), u.name},
            {QStringLiteral("phone"), u.phone}};
}

qint64 bookingIdParam(const HttpRequest &r)
{
    return snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::BookingNotFound);
}

struct LongPoll
{
    QString whileStatus;
    std::chrono::milliseconds timeout;
};

/// `?waitWhile=STATUS&waitSeconds=N` of GET /api/v1/bookings/{id}; nullopt without waitWhile.
std::optional<LongPoll> parseLongPoll(const HttpRequest &r)
{
    if (!r.query.hasQueryItem(QStringLiteral("waitWhile"))) {
        if (r.query.hasQueryItem(QStringLiteral("waitSeconds")))
            throw Error(ErrorCode::InvalidBookingInput,
                        QStringLiteral("waitSeconds needs waitWhile"));
        return std::nullopt;
    }
    const QString status = r.query.queryItemValue(QStringLiteral("waitWhile"));
    if (!bookingStatusFromName(status))
        throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("waitWhile: unknown status"));
    int seconds = 20;
    if (r.query.hasQueryItem(QStringLiteral("waitSeconds"))) {
        bool ok = false;
        seconds = r.query.queryItemValue(QStringLiteral("waitSeconds")).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 20)
            throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("waitSeconds is 1..20"));
    }
    return LongPoll {status, std::chrono::seconds(seconds)};
}

} // namespace

BookingModule::BookingModule(const ServerContext &context, bool runWorkers)
    : m_ctx(context)
    , m_runWorkers(runWorkers)
    , m_auth(context)
    , m_expiryQueue(
          std::make_unique<DelayedQueue>(context.redis, context.keys.bookingExpiryQueue()))
    , m_bookings(std::make_unique<BookingService>(context, *m_expiryQueue))
    , m_watch(std::make_unique<BookingWatch>())
{
    m_bookings->setStatusObserver([watch = m_watch.get()](qint64 id) { watch->notify(id); });
}

BookingModule::~BookingModule()
{
    stop();
}

void BookingModule::start()
{
    if (!m_runWorkers)
        return;
    m_tasks.addWorker(m_ctx.redis, m_ctx.keys.bookingExpiryQueue(), lcBooking, "booking expiry",
                      [this](const DelayedItem &item) {
                          const bool reminder = item.payload.startsWith("remind:");
                          bool ok = false;
                          const qint64 id =
                              (reminder ? item.payload.mid(7) : item.payload).toLongLong(&ok);
                          if (!ok)
                              return true; // not ours to understand: drop rather than retry forever
                          return reminder ? m_bookings->remind(id) : m_bookings->expire(id);
                      });
    // Safety net for expiries that never reached the queue.
    m_tasks.addSweep(std::chrono::minutes(1), lcBooking, "expiry sweep", [this] {
        if (const int n = m_bookings->sweepExpired())
            qCInfo(lcBooking) << "sweep cancelled" << n << "overdue bookings";
    });
}

void BookingModule::stop()
{
    m_tasks.stop();
    m_watch->stop();
}

void BookingModule::registerRoutes(Router &router)
{
    router.setAuthenticator(Access::Kind::Student,
                            [this](const Access &, const HttpRequest &r) -> Principal {
                                return StudentPrincipal {m_auth.authenticate(r.bearerToken())};
                            });
    registerProfileRoutes(router);
    registerVenueRoutes(router);
    registerBookingRoutes(router);
    // The booking app is a merchant of the pay platform: its notifyUrl.
    registerPayNotifyRoute(router, m_ctx, m_ctx.secrets,
                           [watch = m_watch.get()](qint64 id) { watch->notify(id); });
}

/// Login, the student's profile and inbox.
void BookingModule::registerProfileRoutes(Router &router)
{
    router.add("POST", QStringLiteral("/api/v1/auth/login"), HandlerMode::Blocking,
               [this](const HttpRequest &r) {
                   const QJsonObject body = parseJsonObject(r);
                   const QString code = JsonFields {body, ErrorCode::MalformedJson}.string(
                       QStringLiteral("code"), 128);
                   const LoginResult result = m_auth.login(code);
                   return HttpResponse::json(
                       200,
                       QJsonObject {{QStringLiteral("token"), result.token},
                                    {QStringLiteral("openId"), result.openId},
                                    {QStringLiteral("expiresIn"), result.expiresIn}});
               });

    studentRoute(router, "GET", QStringLiteral("/api/v1/me"),
                 [this](qint64 userId, const HttpRequest &) {
                     const std::optional<User> user = UserRepository(m_ctx.db).find(userId);
                     if (!user)
                         throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));
                     return HttpResponse::json(200, userJson(*user));
                 });

    studentRoute(router, "GET", QStringLiteral("/api/v1/me/messages"),
                 [this](qint64 userId, const HttpRequest &) {
                     const std::optional<User> user = UserRepository(m_ctx.db).find(userId);
                     if (!user)
                         throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));
                     // The caller's inbox, newest first.
                     const RedisReply reply =
                         m_ctx.redis.command({"LRANGE", m_ctx.keys.inbox(user->openId), "0",
                                              QByteArray::number(workerkeys::InboxCapacity - 1)},
                                             Idempotent::Yes);
                     reply.throwIfError("inbox read");
                     QJsonArray messages;
                     for (const RedisReply &item : reply.elements())
                         messages.append(QJsonDocument::fromJson(item.toByteArray()).object());
                     HttpResponse response = HttpResponse::json(
                         200, QJsonDocument(messages).toJson(QJsonDocument::Compact));
                     response.contentType = QByteArrayLiteral("application/json; charset=utf-8");
                     return response;
                 });

    studentRoute(
        router, "PUT", QStringLiteral("/api/v1/me"), [this](qint64 userId, const HttpRequest &r) {
            const QJsonObject body = parseJsonObject(r);
            const JsonFields f {body, ErrorCode::InvalidProfile};
            const QString studentId = f.string(QStringLiteral("studentId"), 20);
            const QString name = f.string(QStringLiteral("name"), 32);
            const QString phone = f.string(QStringLiteral("phone"), 11);
            static const QRegularExpression studentRe(QStringLiteral("^[A-Za-z0-9]{4,20}$"));
            static const QRegularExpression phoneRe(QStringLiteral("^1[3-9][0-9]{9}$"));
            if (!studentRe.match(studentId).hasMatch() || !phoneRe.match(phone).hasMatch()
                || name.trimmed() != name)
                throw Error(ErrorCode::InvalidProfile, QStringLiteral("profile format"));
            UserRepository users(m_ctx.db);
            m_ctx.db.transact(
                [&](Transaction &tx) { users.updateProfile(tx, userId, studentId, name, phone); });
            return HttpResponse::json(200, userJson(*users.find(userId)));
        });
}

/// The venues and their slots of a day.
void BookingModule::registerVenueRoutes(Router &router)
{
    studentRoute(router, "GET", QStringLiteral("/api/v1/venues"),
                 [this](qint64, const HttpRequest &) {
                     QJsonArray out;
                     const QList<Venue> venues = m_bookings->venues();
                     for (const Venue &v : venues) {
                         out.append(QJsonObject {{QStringLiteral("id"), v.id},
                                                 {QStringLiteral("name"), v.name},
                                                 {QStringLiteral("sport"), v.sport},
                                                 {QStringLiteral("openFrom"), v.openFrom},
                                                 {QStringLiteral("openTo"), v.openTo},
                                                 {QStringLiteral("slotMinutes"), v.slotMinutes},
                                                 {QStringLiteral("pricePerSlot"), v.pricePerSlot}});
                     }
                     return HttpResponse::json(200, out);
                 });

    studentRoute(
        router, "GET", QStringLiteral("/api/v1/venues/{id}/slots"),
        [this](qint64, const HttpRequest &r) {
            bool ok = false;
            const QString idText = r.pathParams.value(QStringLiteral("id"));
            const qint64 venueId = idText.toLongLong(&ok);
            if (!ok || venueId <= 0 || idText.startsWith(u'+') || idText.startsWith(u'0'))
                throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("malformed venue id"));
            QJsonArray out;
            const QList<SlotView> daySlots =
                m_bookings->daySlots(venueId, r.query.queryItemValue(QStringLiteral("date")));
            for (const SlotView &s : daySlots)
                out.append(QJsonObject {{QStringLiteral("startTime"), s.startTime},
                                        {QStringLiteral("endTime"), s.endTime},
                                        {QStringLiteral("state"), s.state}});
            return HttpResponse::json(200, out);
        });
}

/// A student's bookings: create, list, read, sign for payment, cancel.
void BookingModule::registerBookingRoutes(Router &router)
{
    const QTimeZone zone = m_ctx.zone;

    studentRoute(router, "POST", QStringLiteral("/api/v1/bookings"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     const QJsonObject body = parseJsonObject(r);
                     const JsonFields f {body, ErrorCode::InvalidBookingInput};
                     CreateBookingInput input;
                     input.venueId =
                         f.integer(QStringLiteral("venueId"), 1, std::numeric_limits<int>::max());
                     input.date = f.string(QStringLiteral("date"), 10);
                     input.startTime = f.string(QStringLiteral("startTime"), 5);
                     input.endTime = f.string(QStringLiteral("endTime"), 5);
                     return HttpResponse::json(
                         201, bookingJson(m_bookings->create(userId, input), zone));
                 });

    studentRoute(
        router, "GET", QStringLiteral("/api/v1/bookings"),
        [this, zone](qint64 userId, const HttpRequest &r) {
            int limit = 20;
            if (r.query.hasQueryItem(QStringLiteral("limit"))) {
                bool ok = false;
                limit = r.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
                if (!ok || limit < 1 || limit > 100)
                    throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("limit is 1..100"));
            }
            std::optional<PageCursor> after;
            if (r.query.hasQueryItem(QStringLiteral("cursor"))) {
                after = PageCursor::fromToken(r.query.queryItemValue(QStringLiteral("cursor")));
                if (!after)
                    throw Error(ErrorCode::InvalidBookingInput, QStringLiteral("malformed cursor"));
            }
            const Page<Booking> page = m_bookings->list(userId, after, limit);
            QJsonArray items;
            for (const Booking &b : page.items)
                items.append(bookingJson(b, zone));
            QJsonObject out {{QStringLiteral("items"), items}};
            if (page.next)
                out.insert(QStringLiteral("nextCursor"), page.next->toToken());
            return HttpResponse::json(200, out);
        });

    // ?waitWhile=STATUS[&waitSeconds=N]: a long poll, see getBooking().
    studentRoute(router, "GET", QStringLiteral("/api/v1/bookings/{id}"),
                 [this](qint64 userId, const HttpRequest &r) { return getBooking(userId, r); });

    studentRoute(
        router, "POST", QStringLiteral("/api/v1/bookings/{id}/sign"),
        [this, signer = std::make_shared<SignService>(m_ctx)](qint64 userId, const HttpRequest &r) {
            const SignResult result = signer->sign(userId, bookingIdParam(r));
            return HttpResponse::json(
                200,
                QJsonObject {{QStringLiteral("payOrderId"), snowflakeToString(result.payOrderId)},
                             {QStringLiteral("cashier"), result.cashier}});
        });

    studentRoute(router, "POST", QStringLiteral("/api/v1/bookings/{id}/cancel"),
                 [this, zone](qint64 userId, const HttpRequest &r) {
                     return HttpResponse::json(
                         200, bookingJson(m_bookings->cancel(userId, bookingIdParam(r)), zone));
                 });
}

HttpResponse BookingModule::bookingAnswer(const Booking &booking) const
{
    QJsonObject out = bookingJson(booking, m_ctx.zone);
    // The pay order's live status as the status tracker last saw it on the event stream (a fast
    // read for the front end waiting after payment).
    if (booking.payOrderId) {
        if (const auto tracked = StatusTracker::read(m_ctx.redis, m_ctx.keys, *booking.payOrderId))
            out.insert(QStringLiteral("payStatus"), tracked->status);
    }
    return HttpResponse::json(200, out);
}

HttpResponse BookingModule::getBooking(qint64 userId, const HttpRequest &r)
{
    // With ?waitWhile=STATUS a long poll (BookingWatch): answered as soon as the status is another
    // one, or after waitSeconds (default and most 20, under the connection's 30-second idle
    // timeout) with the booking as it is then.
    const qint64 id = bookingIdParam(r);
    const std::optional<LongPoll> poll = parseLongPoll(r);
    const Booking booking = m_bookings->get(userId, id);
    if (!poll || statusName(booking.status) != poll->whileStatus)
        return bookingAnswer(booking);
    const auto check = [this, r, userId, id, poll](bool final) -> std::optional<HttpResponse> {
        try {
            const Booking b = m_bookings->get(userId, id);
            if (!final && statusName(b.status) == poll->whileStatus)
                return std::nullopt;
            return bookingAnswer(b);
        } catch (const Error &e) {
            return errorResponse(e.code(), r);
        } catch (...) {
            return errorResponse(ErrorCode::Internal, r);
        }
    };
    return HttpResponse::later(
        [this, id, timeout = poll->timeout, check](HttpResponse::Reply reply) {
            m_watch->wait(id, timeout, check, std::move(reply));
        });
}

} // namespace pomelo
