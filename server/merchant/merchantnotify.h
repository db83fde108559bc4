#pragma once

#include "servercontext.h"

#include <QJsonObject>

#include <functional>

namespace pomelo {

class Router;

/// Checks a merchant notification of the pay platform (API.md "Merchant notification") for the
/// app @p appId: signed with the app's secret for the notify target (2003), its appId (2003), a
/// fresh timestamp and a nonce never seen before (2004: every delivery attempt is signed afresh,
/// so a nonce seen before is a replay).
void verifyMerchantNotify(const ServerContext &context, const QString &appId,
                          const QJsonObject &notification);

/// POST @p path: the notifyUrl of the in-house app @p appId. The route's access check verifies
/// the notification (verifyMerchantNotify()); @p apply then applies the verdict (its errors are
/// the answer; a repeated notification must be harmless) and the route answers
/// `{"code":"SUCCESS"}`.
void registerMerchantNotifyRoute(Router &router, const ServerContext &context, const QString &appId,
                                 const QString &path,
                                 std::function<void(const QJsonObject &)> apply);

} // namespace pomelo
