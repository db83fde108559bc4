#pragma once

#include "paymentstrategy.h"
#include "servercontext.h"
#include "storage/paymentexceptionrepository.h"

namespace pomelo {

/// Payment exceptions (DESIGN.md, "Invariants"): money a channel took that no order keeps. Each is
/// refunded through its channel in full — asked at once, then retried with back-off
/// (`pay.refund_retry_seconds`, doubling, at most an hour) until the channel settles it. A
/// refund the channel refuses for a business reason becomes REFUND_FAILED for an admin, who
/// resolves the case with a reason. Safe on N instances: every step is a compare-and-set on the
/// row's version, and asking a channel again for the same refund (its out_refund_no is the
/// exception id) never refunds twice.
class PaymentExceptions
{
public:
    PaymentExceptions(const ServerContext &context, const PaymentStrategyRegistry &strategies);

    /// After the commit that recorded @p e: counts it (`pomelo_payment_exceptions_total{reason}`),
    /// logs it at error level, and asks for its refund.
    void recorded(const PaymentException &e);
    /// Refund attempts that are due; returns how many were made.
    int refundDue(int limit = 100);
    /// A channel's refund notification for exception @p id (its out_refund_no), in @p tx:
    /// settles it when the refund is final. Returns the outcome recorded with the callback.
    QString applyRefundStatus(Transaction &tx, qint64 id, const ChannelRefundStatus &status);
    /// REFUNDED or REFUND_FAILED -> RESOLVED, written to the audit log with @p actor and
    /// @p reason. nullopt when there is no such exception; Error(StateConflict, 4090) while it is
    /// still refunding or when it is resolved already.
    std::optional<PaymentException> resolve(qint64 id, const QString &actor, const QString &reason,
                                            const QString &remoteAddress);

    /// The back-off before attempt @p attempts + 1: base × 2^attempts, at most an hour.
    static qint64 retryDelayMs(int baseSeconds, int attempts);
    /// When a new exception is first due for the refund loop: recorded() asks at once after the
    /// commit, the loop only if that attempt never happened (a crash in between).
    qint64 firstRetryAt() const;

private:
    void attemptRefund(const PaymentException &e);
    /// Counts the attempt and makes it due again after the back-off (compare-and-set).
    void retryLater(const PaymentException &e, const QString &error, const QString &refundNo = {});
    /// REFUNDING -> @p to (REFUNDED, or REFUND_FAILED with @p why), counted and logged once.
    void settle(const PaymentException &e, PaymentExceptionState to, const QString &refundNo,
                const QString &why);

    const ServerContext &m_ctx;
    const PaymentStrategyRegistry &m_strategies;
};

} // namespace pomelo
