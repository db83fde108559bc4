#include "paynotify.h"

#include "authservice.h"
#include "domain/errors.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "redis/redisclient.h"
#include "redis/replayguard.h"
#include "signservice.h"
#include "storage/apprepository.h"
#include "storage/bookingrepository.h"
#include "storage/demodata.h"
#include "storage/userrepository.h"
#include "telemetry/logging.h"
#include "workers/workerkeys.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <memory>

namespace pomelo {

namespace {

qint64 idField(const QJsonObject &o, const char *key)
{
    const std::optional<qint64> id = snowflakeFromString(o.value(QLatin1String(key)).toString());
    if (!id)
        throw Error(ErrorCode::BookingNotFound,
                    QStringLiteral("pay-notify: malformed %1").arg(QLatin1String(key)));
    return *id;
}

} // namespace

PayNotifyOutcome handlePayNotify(const ServerContext &context, const SecretBox &box,
                                 const QJsonObject &notification)
{
    const QString appId = DemoData::venueBookingAppId();
    const std::optional<App> app = AppRepository(context.db, box).find(appId);
    if (!app)
        throw Error(ErrorCode::Internal, QStringLiteral("pay-notify: booking app missing"));
    signing::checkSignedRequest(signing::Target::notify(), notification, app->secret,
                                QDateTime::currentSecsSinceEpoch());
    if (notification.value(QStringLiteral("appId")).toString() != appId)
        throw Error(ErrorCode::InvalidSignature, QStringLiteral("pay-notify: another app"));
    // Every delivery attempt of the notifier is signed afresh, so a nonce seen before is a
    // replay: refused, even though applying it again would change nothing.
    if (!ReplayGuard(context.redis, context.keys)
             .claimNonce(appId, notification.value(QStringLiteral("nonce")).toString(), 600))
        throw Error(ErrorCode::RequestExpiredOrReplayed,
                    QStringLiteral("pay-notify: nonce reused"));

    const qint64 orderId = idField(notification, "orderId");
    const QString status = notification.value(QStringLiteral("status")).toString();
    const qint64 amount = notification.value(QStringLiteral("amount")).toInteger(-1);

    BookingRepository repo(context.db);
    std::optional<Booking> booking = repo.findByPayOrder(orderId);
    if (!booking)
        booking = repo.find(idField(notification, "outTradeNo"));
    if (!booking)
        throw Error(ErrorCode::BookingNotFound,
                    QStringLiteral("pay-notify: no booking for order %1").arg(orderId));
    const qint64 bookingId = booking->id;

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
        return SignService::markRefunded(context, bookingId) ? PayNotifyOutcome::Applied
                                                             : PayNotifyOutcome::AlreadyDone;
    } else if (status == QLatin1String("CLOSED") || status == QLatin1String("FAILED")) {
        target = BookingStatus::Cancelled;
    } else {
        qCInfo(lcBooking).noquote()
            << "pay-notify: order" << orderId << "status" << status << "not followed by bookings";
        return PayNotifyOutcome::Ignored;
    }

    return context.db.transact([&](Transaction &tx) {
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
}

void registerPayNotifyRoute(Router &router, const ServerContext &context, const SecretBox &box)
{
    const ServerContext *ctx = &context;
    const SecretBox *secrets = &box;
    router.add("POST", QStringLiteral("/api/v1/pay-notify"), HandlerMode::Blocking,
               [ctx, secrets](const HttpRequest &r) {
                   handlePayNotify(*ctx, *secrets, parseJsonObject(r));
                   return HttpResponse::json(200, QByteArrayLiteral(R"({"code":"SUCCESS"})"));
               });

    auto auth = std::make_shared<AuthService>(context);
    router.add("GET", QStringLiteral("/api/v1/me/messages"), HandlerMode::Blocking,
               [ctx, auth](const HttpRequest &r) {
                   const qint64 userId = auth->authenticate(r);
                   const std::optional<User> user = UserRepository(ctx->db).find(userId);
                   if (!user)
                       throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));
                   const RedisReply reply =
                       ctx->redis.command({"LRANGE", workerkeys::inbox(ctx->keys, user->openId),
                                           "0", QByteArray::number(workerkeys::InboxCapacity - 1)},
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
}

} // namespace pomelo
