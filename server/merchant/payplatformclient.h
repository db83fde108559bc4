#pragma once

#include "servercontext.h"
#include "storage/app.h"

#include <QJsonObject>
#include <QString>

namespace pomelo {

/// The pay platform's API (API.md "Pay API") as one of its merchant apps calls it: over HTTP at
/// `server.public_base_url`, as any third-party app does, each request signed with the app's
/// secret for its method and path. DESIGN.md step 2 for bookings; the top-up module is the second
/// merchant. Blocking: call it from worker threads.
///
/// Errors: 3001 when the platform cannot be reached or answers what no pay platform would, 5030
/// when it answers 503 (its Redis or database is down); a pay error code (2xxx) it answers is
/// passed on.
class PayPlatformClient
{
public:
    /// Signs as the app @p appId, which the config key @p appIdKey names (for the error when the
    /// app is not registered).
    PayPlatformClient(const ServerContext &context, QString appId, QString appIdKey);

    /// The app's record with its secret; 3001 naming the config key when it is not registered.
    App app() const;

    /// Creates the order @p order (outTradeNo, amount, subject, openId, notifyUrl, …); returns the
    /// platform's order id. The same outTradeNo with the same fields returns the same order.
    qint64 createOrder(const QJsonObject &order) const;
    /// The object the front end passes, plus `channel`, to POST /pay/v1/cashier: signed for that
    /// one route.
    QJsonObject cashier(qint64 orderId, qint64 amount) const;
    /// Asks for a refund of @p amount of the paid order @p orderId; asking again with the same
    /// @p outRefundNo asks for the same refund. Returns the order status answered; "REFUNDED"
    /// also when the order was refunded earlier (2007).
    QString refund(qint64 orderId, const QString &outRefundNo, qint64 amount,
                   const QString &reason) const;
    /// Closes the unpaid order @p orderId. Returns its status afterwards: "CLOSED" (also when it
    /// was closed earlier) or, when it was finished meanwhile (2007), the status it has (e.g.
    /// "PAID": the student paid first).
    QString close(qint64 orderId) const;
    /// The status of order @p orderId (signed GET /pay/v1/orders/{orderId}).
    QString orderStatus(qint64 orderId) const;

private:
    /// POSTs @p fields to @p path, signed as @p app for that route.
    QJsonObject post(const QString &path, const QJsonObject &fields, const App &app,
                     const QString &spanName) const;

    const ServerContext &m_ctx;
    const QString m_appId;
    const QString m_appIdKey;
};

} // namespace pomelo
