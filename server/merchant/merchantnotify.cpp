#include "merchantnotify.h"

#include "domain/errors.h"
#include "domain/signing.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "redis/replayguard.h"
#include "storage/apprepository.h"

#include <QDateTime>

namespace pomelo {

void verifyMerchantNotify(const ServerContext &context, const QString &appId,
                          const QJsonObject &notification)
{
    const std::optional<App> app = AppRepository(context.db, context.secrets).find(appId);
    if (!app)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("merchant notify: the app %1 is not registered").arg(appId));
    signing::checkSignedRequest(signing::Target::notify(), notification, app->secret,
                                QDateTime::currentSecsSinceEpoch());
    if (notification.value(QStringLiteral("appId")).toString() != appId)
        throw Error(ErrorCode::InvalidSignature, QStringLiteral("merchant notify: another app"));
    // Every delivery attempt of the notifier is signed afresh, so a nonce seen before is a
    // replay: refused, even though applying it again would change nothing.
    if (!ReplayGuard(context.redis, context.keys)
             .claimNonce(appId, notification.value(QStringLiteral("nonce")).toString(), 600))
        throw Error(ErrorCode::RequestExpiredOrReplayed,
                    QStringLiteral("merchant notify: nonce reused"));
}

void registerMerchantNotifyRoute(Router &router, const ServerContext &context, const QString &appId,
                                 const QString &path,
                                 std::function<void(const QJsonObject &)> apply)
{
    const ServerContext *ctx = &context;
    // The pay platform is the app's payment channel: one authenticator per app, since each app's
    // notifications are signed with its own secret.
    const QString channel = QStringLiteral("POMELO_PAY:") + appId;
    router.setAuthenticator(
        Access::Kind::Channel,
        [ctx, appId, channel](const Access &, const HttpRequest &r) -> Principal {
            QJsonObject notification = parseJsonObject(r);
            verifyMerchantNotify(*ctx, appId, notification);
            return ChannelPrincipal {channel, std::move(notification)};
        },
        channel);
    router.add("POST", path, Access::channelCallback(channel),
               Router::as<ChannelPrincipal>(
                   [apply = std::move(apply)](const HttpRequest &, const ChannelPrincipal &p) {
                       apply(std::any_cast<const QJsonObject &>(p.message));
                       return HttpResponse::json(200, QByteArrayLiteral(R"({"code":"SUCCESS"})"));
                   }));
}

} // namespace pomelo
