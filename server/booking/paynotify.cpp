#include "paynotify.h"

#include "domain/errors.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "redis/delayedqueue.h"
#include "redis/replayguard.h"
#include "storage/apprepository.h"

#include <QDateTime>

namespace pomelo {

void verifyPayNotify(const ServerContext &context, const SecretBox &box,
                     const QJsonObject &notification)
{
    const QString appId = context.config.bookingAppId();
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
}

PayNotifyOutcome applyPayNotify(const ServerContext &context, const QJsonObject &notification,
                                const std::function<void(qint64)> &onChanged)
{
    const qint64 orderId = snowflakeOr(notification.value(QStringLiteral("orderId")).toString(),
                                       ErrorCode::BookingNotFound);
    // Applying a verdict never touches the expiry queue; the service only needs one to exist.
    DelayedQueue expiryQueue(context.redis, context.keys.bookingExpiryQueue());
    BookingService bookings(context, expiryQueue);
    bookings.setStatusObserver(onChanged);
    return bookings.applyPayResult(orderId,
                                   notification.value(QStringLiteral("outTradeNo")).toString(),
                                   notification.value(QStringLiteral("status")).toString(),
                                   notification.value(QStringLiteral("amount")).toInteger(-1));
}

PayNotifyOutcome handlePayNotify(const ServerContext &context, const SecretBox &box,
                                 const QJsonObject &notification)
{
    verifyPayNotify(context, box, notification);
    return applyPayNotify(context, notification);
}

void registerPayNotifyRoute(Router &router, const ServerContext &context, const SecretBox &box,
                            std::function<void(qint64)> onChanged)
{
    const ServerContext *ctx = &context;
    const SecretBox *secrets = &box;
    const QString channel = QStringLiteral("POMELO_PAY");
    // The pay platform is the booking app's payment channel: its notification is signed with the
    // app's secret.
    router.setAuthenticator(
        Access::Kind::Channel,
        [ctx, secrets, channel](const Access &, const HttpRequest &r) -> Principal {
            QJsonObject notification = parseJsonObject(r);
            verifyPayNotify(*ctx, *secrets, notification);
            return ChannelPrincipal {channel, std::move(notification)};
        },
        channel);
    router.add("POST", QStringLiteral("/api/v1/pay-notify"), Access::channelCallback(channel),
               Router::as<ChannelPrincipal>([ctx, onChanged = std::move(onChanged)](
                                                const HttpRequest &, const ChannelPrincipal &p) {
                   applyPayNotify(*ctx, std::any_cast<const QJsonObject &>(p.message), onChanged);
                   return HttpResponse::json(200, QByteArrayLiteral(R"({"code":"SUCCESS"})"));
               }));
}

} // namespace pomelo
