#include "paynotify.h"

#include "domain/errors.h"
#include "domain/snowflake.h"
#include "merchant/merchantnotify.h"
#include "redis/delayedqueue.h"
#include "redis/rediskeys.h"

namespace pomelo {

void verifyPayNotify(const ServerContext &context, const SecretBox &,
                     const QJsonObject &notification)
{
    verifyMerchantNotify(context, context.config.bookingAppId(), notification);
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

void registerPayNotifyRoute(Router &router, const ServerContext &context, const SecretBox &,
                            std::function<void(qint64)> onChanged)
{
    const ServerContext *ctx = &context;
    registerMerchantNotifyRoute(router, context, context.config.bookingAppId(),
                                QStringLiteral("/api/v1/pay-notify"),
                                [ctx, onChanged = std::move(onChanged)](const QJsonObject &n) {
                                    applyPayNotify(*ctx, n, onChanged);
                                });
}

} // namespace pomelo
