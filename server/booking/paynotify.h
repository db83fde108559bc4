#pragma once

#include "servercontext.h"

#include <QJsonObject>

namespace pomelo {

class Router;
class SecretBox;

/// What a merchant notification did to the booking it concerns.
enum class PayNotifyOutcome {
    Applied, ///< the booking moved (PAID, or CANCELLED with its slots freed)
    AlreadyDone, ///< a repeated notification: the booking was there already
    Ignored, ///< a status the booking does not follow (logged)
};

/// Handles a merchant notification of the pay platform for the venue-booking app (API.md
/// "Merchant notification"): verifies the signature with the app's secret (2003; 2004 for a stale
/// timestamp), finds the booking (by pay order, else by outTradeNo = booking id; 1004), then
/// PAID → booking PAID; CLOSED/FAILED → CANCELLED with its slots freed. Repeated notifications
/// are harmless. A PAID notification for a booking that was cancelled meanwhile is refused (1006)
/// so that it stays visible (FAILED) to admins: the money must go back.
PayNotifyOutcome handlePayNotify(const ServerContext &context, const SecretBox &box,
                                 const QJsonObject &notification);

/// POST /api/v1/pay-notify (the booking app's notifyUrl; answers `{"code":"SUCCESS"}`) and
/// GET /api/v1/me/messages (the caller's inbox, newest first; bearer token).
void registerPayNotifyRoute(Router &router, const ServerContext &context, const SecretBox &box);

} // namespace pomelo
