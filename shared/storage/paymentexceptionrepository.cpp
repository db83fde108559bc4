#include "paymentexceptionrepository.h"

#include "sql_p.h"

#include <algorithm>
#include <array>
#include <utility>

namespace pomelo {

using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, channel, channel_trade_no, out_trade_no, order_id, paid_amount, order_amount, "
    "currency, reason, detail, state, refund_attempts, next_refund_at, channel_refund_no, "
    "last_error, resolved_by, resolution, version, created_at, updated_at, refunded_at, "
    "resolved_at FROM payment_exceptions ");

constexpr std::array Reasons {
    std::pair {PaymentExceptionReason::AmountMismatch, "AMOUNT_MISMATCH"},
    std::pair {PaymentExceptionReason::Currency, "CURRENCY"},
    std::pair {PaymentExceptionReason::Channel, "CHANNEL"},
    std::pair {PaymentExceptionReason::Merchant, "MERCHANT"},
    std::pair {PaymentExceptionReason::UnknownOrder, "UNKNOWN_ORDER"},
    std::pair {PaymentExceptionReason::Late, "LATE"},
    std::pair {PaymentExceptionReason::Duplicate, "DUPLICATE"},
};

constexpr std::array States {
    std::pair {PaymentExceptionState::Refunding, "REFUNDING"},
    std::pair {PaymentExceptionState::Refunded, "REFUNDED"},
    std::pair {PaymentExceptionState::RefundFailed, "REFUND_FAILED"},
    std::pair {PaymentExceptionState::Resolved, "RESOLVED"},
};

template<typename Enum, std::size_t N>
QString nameOf(const std::array<std::pair<Enum, const char *>, N> &table, Enum value)
{
    for (const auto &[v, name] : table) {
        if (v == value)
            return QLatin1String(name);
    }
    return {};
}

template<typename Enum, std::size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char *>, N> &table,
                            QStringView name)
{
    for (const auto &[v, text] : table) {
        if (name == QLatin1String(text))
            return v;
    }
    return std::nullopt;
}

PaymentException exceptionFrom(const Statement &st)
{
    PaymentException e;
    e.id = st.int64(0);
    e.channel = st.text(1);
    e.channelTradeNo = st.text(2);
    e.outTradeNo = st.text(3);
    e.orderId = st.optionalInt64(4);
    e.paidAmount = st.int64(5);
    e.orderAmount = st.optionalInt64(6);
    e.currency = st.text(7);
    const auto reason = paymentExceptionReasonFromName(st.text(8));
    const auto state = paymentExceptionStateFromName(st.text(10));
    if (!reason || !state)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("unknown payment exception reason or state: ") + st.text(8)
                        + u'/' + st.text(10));
    e.reason = *reason;
    e.detail = st.text(9);
    e.state = *state;
    e.refundAttempts = st.int32(11);
    e.nextRefundAt = st.optionalInt64(12);
    e.channelRefundNo = st.text(13);
    e.lastError = st.text(14);
    e.resolvedBy = st.text(15);
    e.resolution = st.text(16);
    e.version = st.int32(17);
    e.createdAt = st.int64(18);
    e.updatedAt = st.int64(19);
    e.refundedAt = st.optionalInt64(20);
    e.resolvedAt = st.optionalInt64(21);
    return e;
}

QList<PaymentException> readAll(Statement &st)
{
    QList<PaymentException> rows;
    while (st.next())
        rows.append(exceptionFrom(st));
    return rows;
}

std::optional<PaymentException> findOne(Statement &st)
{
    st.exec();
    if (!st.next())
        return std::nullopt;
    return exceptionFrom(st);
}

} // namespace

QString paymentExceptionReasonName(PaymentExceptionReason reason)
{
    return nameOf(Reasons, reason);
}

std::optional<PaymentExceptionReason> paymentExceptionReasonFromName(QStringView name)
{
    return valueOf(Reasons, name);
}

QString paymentExceptionStateName(PaymentExceptionState state)
{
    return nameOf(States, state);
}

std::optional<PaymentExceptionState> paymentExceptionStateFromName(QStringView name)
{
    return valueOf(States, name);
}

bool PaymentExceptionRepository::record(Transaction &tx, const PaymentException &e)
{
    const qint64 created = e.createdAt ? e.createdAt : nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO payment_exceptions (id, channel, channel_trade_no, "
                                "out_trade_no, order_id, paid_amount, order_amount, currency, "
                                "reason, detail, state, refund_attempts, next_refund_at, "
                                "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                "?, ?, ?, 'REFUNDING', 0, ?, 0, ?, ?) "
                                "ON CONFLICT (channel, channel_trade_no) DO NOTHING"));
    st.bind(e.id)
        .bind(e.channel)
        .bind(e.channelTradeNo)
        .bind(e.outTradeNo)
        .bindOptional(e.orderId)
        .bind(e.paidAmount)
        .bindOptional(e.orderAmount)
        .bind(e.currency)
        .bind(paymentExceptionReasonName(e.reason))
        .bind(e.detail)
        .bind(e.nextRefundAt.value_or(created))
        .bind(created)
        .bind(created)
        .exec();
    return st.rowsAffected() == 1;
}

std::optional<PaymentException> PaymentExceptionRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"));
    st.bind(id);
    return findOne(st);
}

std::optional<PaymentException> PaymentExceptionRepository::find(Transaction &tx, qint64 id,
                                                                 RowLock lock) const
{
    Statement st(tx,
                 Select + QStringLiteral("WHERE id = ?")
                     + storage_detail::lockClause(tx.dialect(), lock));
    st.bind(id);
    return findOne(st);
}

std::optional<PaymentException>
PaymentExceptionRepository::findByTrade(const QString &channel, const QString &channelTradeNo) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE channel = ? AND channel_trade_no = ?"));
    st.bind(channel).bind(channelTradeNo);
    return findOne(st);
}

QList<PaymentException> PaymentExceptionRepository::ofOrder(qint64 orderId) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE order_id = ? ORDER BY id"));
    st.bind(orderId).exec();
    return readAll(st);
}

QList<PaymentException> PaymentExceptionRepository::due(qint64 now, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE state = 'REFUNDING' AND next_refund_at <= ? "
                                      "ORDER BY next_refund_at LIMIT ?"));
    st.bind(now).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readAll(st);
}

Page<PaymentException>
PaymentExceptionRepository::list(const std::optional<PaymentExceptionState> &state,
                                 const std::optional<PageCursor> &after, int limit) const
{
    KeysetList query(Select);
    if (state)
        query.where(QStringLiteral("state = ?"), {paymentExceptionStateName(*state)});
    return query.page<PaymentException>(
        m_db.threadConnection(), after, limit, [](Statement &st) { return readAll(st); },
        [](const PaymentException &e) {
            return PageCursor {e.createdAt, e.id};
        });
}

QList<std::pair<QString, qint64>> PaymentExceptionRepository::openCounts() const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT state, COUNT(*) FROM payment_exceptions "
                                "WHERE state <> 'RESOLVED' GROUP BY state"));
    st.exec();
    QList<std::pair<QString, qint64>> counts;
    while (st.next())
        counts.append({st.text(0), st.int64(1)});
    // Sorted here: a PostgreSQL collation may order "REFUND_FAILED" differently from SQLite.
    std::sort(counts.begin(), counts.end());
    return counts;
}

bool PaymentExceptionRepository::retryLater(Transaction &tx, qint64 id, int expectedVersion,
                                            qint64 nextAt, const QString &error,
                                            const QString &channelRefundNo)
{
    Statement st(tx,
                 QStringLiteral("UPDATE payment_exceptions SET refund_attempts = "
                                "refund_attempts + 1, next_refund_at = ?, last_error = ?, "
                                "channel_refund_no = COALESCE(?, channel_refund_no), "
                                "version = version + 1, updated_at = ? WHERE id = ? AND "
                                "version = ? AND state = 'REFUNDING'"));
    st.bind(nextAt)
        .bindNullable(error.left(500))
        .bindNullable(channelRefundNo)
        .bind(nowMs())
        .bind(id)
        .bind(expectedVersion)
        .exec();
    return st.rowsAffected() == 1;
}

bool PaymentExceptionRepository::settle(Transaction &tx, qint64 id, int expectedVersion,
                                        PaymentExceptionState to, const QString &channelRefundNo,
                                        const QString &error)
{
    if (to != PaymentExceptionState::Refunded && to != PaymentExceptionState::RefundFailed)
        throw Error(ErrorCode::Internal, QStringLiteral("a refund settles as REFUNDED or failed"));
    const qint64 now = nowMs();
    Statement st(tx,
                 QStringLiteral("UPDATE payment_exceptions SET state = ?, refund_attempts = "
                                "refund_attempts + 1, next_refund_at = NULL, "
                                "channel_refund_no = COALESCE(?, channel_refund_no), "
                                "last_error = COALESCE(?, last_error), refunded_at = ?, "
                                "version = version + 1, updated_at = ? WHERE id = ? AND "
                                "version = ? AND state = 'REFUNDING'"));
    st.bind(paymentExceptionStateName(to))
        .bindNullable(channelRefundNo)
        .bindNullable(error.left(500))
        .bindOptional(to == PaymentExceptionState::Refunded ? std::optional<qint64>(now)
                                                            : std::nullopt)
        .bind(now)
        .bind(id)
        .bind(expectedVersion)
        .exec();
    return st.rowsAffected() == 1;
}

bool PaymentExceptionRepository::resolve(Transaction &tx, qint64 id, int expectedVersion,
                                         const QString &by, const QString &resolution)
{
    const qint64 now = nowMs();
    Statement st(tx,
                 QStringLiteral("UPDATE payment_exceptions SET state = 'RESOLVED', "
                                "resolved_by = ?, resolution = ?, resolved_at = ?, "
                                "version = version + 1, updated_at = ? WHERE id = ? AND "
                                "version = ? AND state IN ('REFUNDED', 'REFUND_FAILED')"));
    st.bind(by).bind(resolution).bind(now).bind(now).bind(id).bind(expectedVersion).exec();
    return st.rowsAffected() == 1;
}

} // namespace pomelo
