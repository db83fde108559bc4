// A real payment exception, made through the e-card sandbox the way the card center's own race
// makes one, for the e2e tests of the admin API and the console.
#pragma once

#include "payclient.h"

namespace pomelo::test {

struct LatePayment
{
    QString orderId;
    QString exceptionId; ///< empty when something along the way was refused
    qint64 amount = 0;
};

/// An order of @p pay, cashiered on ECARD and closed; then the card center takes the payment
/// after all (`late: true`). The server records a LATE payment exception and refunds it by
/// itself: this returns once it is REFUNDED (or with an empty exceptionId and a warning).
inline LatePayment latePaymentException(ServerProcess &server, const PayApi &pay,
                                        const QString &outTradeNo, qint64 amount)
{
    LatePayment out {pay.createOrder(outTradeNo, amount), {}, amount};
    if (out.orderId.isEmpty())
        return out;
    const HttpResult cashier = pay.cashier(out.orderId, amount, QStringLiteral("ECARD"));
    if (cashier.status != 200) {
        qWarning("cashier: %d %s", cashier.status, cashier.body.constData());
        return out;
    }
    const QString prepayId =
        cashier.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
    const HttpResult closed = pay.close(out.orderId);
    if (closed.status != 200) {
        qWarning("close: %d %s", closed.status, closed.body.constData());
        return out;
    }
    const HttpResult paid =
        server.post(QStringLiteral("/sandbox/ecard/simulate/pay"),
                    compact({{QStringLiteral("prepayId"), prepayId},
                             {QStringLiteral("result"), QStringLiteral("SUCCESS")},
                             {QStringLiteral("late"), true}}));
    if (paid.status != 200) {
        qWarning("late pay: %d %s", paid.status, paid.body.constData());
        return out;
    }
    const QList<PaymentException> found =
        exceptionsOnceIn(server, out.orderId.toLongLong(), PaymentExceptionState::Refunded);
    if (found.size() != 1) {
        qWarning("expected one refunded exception of order %s, found %d", qPrintable(out.orderId),
                 int(found.size()));
        return out;
    }
    out.exceptionId = QString::number(found.first().id);
    return out;
}

} // namespace pomelo::test
