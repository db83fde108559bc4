#pragma once

#include "paymentstrategy.h"
#include "storage/orderrepository.h"
#include "storage/paymentexceptionrepository.h"

#include <optional>

namespace pomelo {

/// Why a payment is not its order's to keep, and what differed (for admins; no secrets).
struct PaymentMismatch
{
    PaymentExceptionReason reason = PaymentExceptionReason::UnknownOrder;
    QString detail;
};

/// The money rule of every road to PAID (DESIGN.md, "Invariants"): @p payment, as the channel
/// recorded it, belongs to @p order exactly — the order exists, the payment is on the order's
/// channel and the channel order it opened, to our merchant (@p us), in CNY, for the order's
/// amount, while the order can still be paid (or it is the very payment that already paid it).
/// nullopt when it does; otherwise the first difference, in the order above. A payment that is
/// not the order's own never makes it PAID: it is a payment exception, refunded.
std::optional<PaymentMismatch> checkPayment(const std::optional<PayOrder> &order,
                                            const ChannelPaymentRecord &payment,
                                            const MerchantIdentity &us);

} // namespace pomelo
