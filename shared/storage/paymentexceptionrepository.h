#pragma once

#include "database.h"
#include "pagination.h"

#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

/// Why a channel's payment could not be kept (API.md, "Payment exceptions").
enum class PaymentExceptionReason {
    AmountMismatch, ///< paid another amount than the order's
    Currency, ///< not CNY
    Channel, ///< another channel than the order's, or another channel order than it opened
    Merchant, ///< another merchant or app id than ours
    UnknownOrder, ///< names no order of ours
    Late, ///< the order was CLOSED or FAILED when the payment arrived
    Duplicate, ///< a second, different payment of an order already paid
};

/// REFUNDING -> REFUNDED | REFUND_FAILED (the channel refused: an admin decides);
/// REFUNDED | REFUND_FAILED -> RESOLVED (an admin closes the case, with a reason).
enum class PaymentExceptionState { Refunding, Refunded, RefundFailed, Resolved };

QString paymentExceptionReasonName(PaymentExceptionReason reason);
std::optional<PaymentExceptionReason> paymentExceptionReasonFromName(QStringView name);
QString paymentExceptionStateName(PaymentExceptionState state);
std::optional<PaymentExceptionState> paymentExceptionStateFromName(QStringView name);

struct PaymentException
{
    qint64 id = 0; ///< Snowflake; also the channel's out_refund_no of its refund
    QString channel;
    QString channelTradeNo;
    QString outTradeNo; ///< what the channel named as our order
    std::optional<qint64> orderId;
    qint64 paidAmount = 0; ///< cents, what the channel took
    std::optional<qint64> orderAmount;
    QString currency;
    PaymentExceptionReason reason = PaymentExceptionReason::UnknownOrder;
    QString detail; ///< what differed, for admins (no secrets)
    PaymentExceptionState state = PaymentExceptionState::Refunding;
    int refundAttempts = 0;
    std::optional<qint64> nextRefundAt; ///< Unix ms, while REFUNDING
    QString channelRefundNo;
    QString lastError;
    QString resolvedBy;
    QString resolution;
    int version = 0;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
    std::optional<qint64> refundedAt;
    std::optional<qint64> resolvedAt;
};

/// The payment_exceptions table. One row per channel payment (channel, channelTradeNo): however
/// often the channel reports a payment, through notifications or queries, it is recorded once.
class PaymentExceptionRepository
{
public:
    explicit PaymentExceptionRepository(Database &db)
        : m_db(db)
    { }

    /// Inserts @p e (REFUNDING, due at its nextRefundAt, or at once) unless its payment is
    /// recorded already; true when inserted. Part of the transaction that looked at the order.
    bool record(Transaction &tx, const PaymentException &e);
    std::optional<PaymentException> find(qint64 id) const;
    std::optional<PaymentException> find(Transaction &tx, qint64 id,
                                         RowLock lock = RowLock::None) const;
    std::optional<PaymentException> findByTrade(const QString &channel,
                                                const QString &channelTradeNo) const;
    QList<PaymentException> ofOrder(qint64 orderId) const;
    /// REFUNDING rows whose next attempt is due at @p now, oldest due first.
    QList<PaymentException> due(qint64 now, int limit) const;
    /// Newest first, keyset pagination on (created_at, id); @p state filters when set.
    Page<PaymentException> list(const std::optional<PaymentExceptionState> &state,
                                const std::optional<PageCursor> &after, int limit) const;
    /// How many are not RESOLVED, by state name (for the dashboard and the live feed).
    QList<std::pair<QString, qint64>> openCounts() const;

    /// One refund attempt that did not settle: count it, keep the error, due again at
    /// @p nextAt. Compare-and-set on the version while REFUNDING.
    bool retryLater(Transaction &tx, qint64 id, int expectedVersion, qint64 nextAt,
                    const QString &error, const QString &channelRefundNo = {});
    /// REFUNDING -> REFUNDED or REFUND_FAILED (compare-and-set on the version).
    bool settle(Transaction &tx, qint64 id, int expectedVersion, PaymentExceptionState to,
                const QString &channelRefundNo, const QString &error = {});
    /// REFUNDED or REFUND_FAILED -> RESOLVED, by an admin with a reason.
    bool resolve(Transaction &tx, qint64 id, int expectedVersion, const QString &by,
                 const QString &resolution);

private:
    Database &m_db;
};

} // namespace pomelo
