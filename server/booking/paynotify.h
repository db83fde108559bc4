#pragma once

#include "bookingservice.h"
#include "servercontext.h"

#include <QJsonObject>

#include <functional>

namespace pomelo {

class Router;
class SecretBox;

/// Handles a merchant notification of the pay platform for the venue-booking app (API.md
/// "Merchant notification"): verifies the signature with the app's secret (2003; 2004 for a stale
/// timestamp or a reused nonce), then hands the verdict to BookingService::applyPayResult(), which
/// finds the booking (by pay order, else by outTradeNo = booking id; 1004) and moves it: PAID →
/// booking PAID; REFUNDED → REFUNDED; CLOSED/FAILED → CANCELLED with its slots freed. Repeated
/// notifications are harmless. A PAID notification for a booking that was cancelled meanwhile is
/// refused (1006) so that it stays visible (FAILED) to admins: the money must go back.
PayNotifyOutcome handlePayNotify(const ServerContext &context, const SecretBox &box,
                                 const QJsonObject &notification);
/// The checks of handlePayNotify() (2003, 2004): the route's access check.
void verifyPayNotify(const ServerContext &context, const SecretBox &box,
                     const QJsonObject &notification);
/// The verdict of a verified notification, applied to its booking. @p onChanged is told the
/// booking's id when the notification moved it on (long polls wake on it).
PayNotifyOutcome applyPayNotify(const ServerContext &context, const QJsonObject &notification,
                                const std::function<void(qint64)> &onChanged = {});

/// POST /api/v1/pay-notify (the booking app's notifyUrl; answers `{"code":"SUCCESS"}`). The
/// caller's inbox (GET /api/v1/me/messages) is a route of BookingModule.
void registerPayNotifyRoute(Router &router, const ServerContext &context, const SecretBox &box,
                            std::function<void(qint64)> onChanged = {});

} // namespace pomelo
