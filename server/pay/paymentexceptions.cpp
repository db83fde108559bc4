#include "paymentexceptions.h"

#include "domain/errors.h"
#include "domain/snowflake.h"
#include "storage/auditrepository.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace pomelo {

namespace {

constexpr qint64 MaxRetryDelayMs = 3600 * 1000;

qint64 currentMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

prometheus::Counter &exceptionCounter(PaymentExceptionReason reason)
{
    return Metrics::instance()
        .counterFamily("pomelo_payment_exceptions_total",
                       "Payments no order keeps (refunded), by reason")
        .Add({{"reason", paymentExceptionReasonName(reason).toStdString()}});
}

prometheus::Counter &refundCounter(const std::string &result)
{
    return Metrics::instance()
        .counterFamily("pomelo_payment_exception_refunds_total",
                       "Refund attempts of payment exceptions, by result")
        .Add({{"result", result}});
}

} // namespace

PaymentExceptions::PaymentExceptions(const ServerContext &context,
                                     const PaymentStrategyRegistry &strategies)
    : m_ctx(context)
    , m_strategies(strategies)
{
    // Every reason shows in /metrics from the start, at 0: an alert can rate() it at once.
    for (const auto reason :
         {PaymentExceptionReason::AmountMismatch, PaymentExceptionReason::Currency,
          PaymentExceptionReason::Channel, PaymentExceptionReason::Merchant,
          PaymentExceptionReason::UnknownOrder, PaymentExceptionReason::Late,
          PaymentExceptionReason::Duplicate})
        exceptionCounter(reason);
}

qint64 PaymentExceptions::retryDelayMs(int baseSeconds, int attempts)
{
    const qint64 base = qint64(std::max(1, baseSeconds)) * 1000;
    const int shift = std::clamp(attempts, 0, 20);
    return std::min(MaxRetryDelayMs, base << shift);
}

qint64 PaymentExceptions::firstRetryAt() const
{
    return currentMs() + retryDelayMs(m_ctx.config.refundRetrySeconds(), 0);
}

void PaymentExceptions::recorded(const PaymentException &e)
{
    exceptionCounter(e.reason).Increment();
    qCCritical(lcPay).noquote() << "payment exception" << e.id
                                << paymentExceptionReasonName(e.reason) << e.channel << "trade"
                                << e.channelTradeNo << "order" << e.outTradeNo << "paid"
                                << e.paidAmount << "fen:" << e.detail << "- refunding";
    attemptRefund(e);
}

int PaymentExceptions::refundDue(int limit)
{
    const QList<PaymentException> due =
        PaymentExceptionRepository(m_ctx.db).due(currentMs(), limit);
    for (const PaymentException &e : due)
        attemptRefund(e);
    return int(due.size());
}

namespace {

ChannelRefundRequest refundRequestOf(const PaymentException &e)
{
    ChannelRefundRequest request;
    request.outTradeNo = e.outTradeNo;
    request.tradeNo = e.channelTradeNo;
    request.outRefundNo = snowflakeToString(e.id);
    request.amount = e.paidAmount;
    request.total = e.paidAmount;
    request.reason =
        QStringLiteral("payment not accepted: ") + paymentExceptionReasonName(e.reason).toLower();
    return request;
}

/// Asks @p channel for the refund of @p e (throws Error when the channel did not answer a
/// verdict). Empty @p refusal unless the refund must not be asked at all.
ChannelRefundStatus askChannel(const PaymentStrategy &channel, const PaymentException &e,
                               QString *refusal)
{
    const ChannelRefundRequest request = refundRequestOf(e);
    // A channel that refunds by out_trade_no would refund whatever trade it keeps under it: only
    // when that trade is the exception's own payment may the refund be asked.
    if (!channel.refundsByTradeNo() && e.refundAttempts == 0) {
        const ChannelTradeStatus trade = channel.queryTrade(e.outTradeNo);
        if (trade.state != ChannelTradeStatus::State::Paid
            || trade.payment.tradeNo != e.channelTradeNo) {
            *refusal = QStringLiteral("the channel keeps another payment (or none) under %1")
                           .arg(e.outTradeNo);
            return {};
        }
    }
    // A refund asked before may have arrived: ask about it first, so that a repeat is only sent
    // for one the channel never heard of.
    ChannelRefundStatus status;
    if (e.refundAttempts > 0)
        status = channel.queryRefund(request.outRefundNo);
    if (e.refundAttempts == 0 || status.state == ChannelRefundStatus::State::Unknown)
        status = channel.refund(request);
    return status;
}

} // namespace

void PaymentExceptions::attemptRefund(const PaymentException &e)
{
    const PaymentStrategy *strategy = m_strategies.find(e.channel);
    if (!strategy) {
        retryLater(e, QStringLiteral("channel %1 is not offered by this instance").arg(e.channel));
        return;
    }
    ChannelRefundStatus status;
    QString refusal;
    try {
        status = askChannel(*strategy, e, &refusal);
    } catch (const Error &err) {
        retryLater(e, err.detail());
        return;
    }
    if (!refusal.isEmpty()) {
        settle(e, PaymentExceptionState::RefundFailed, {}, refusal);
        return;
    }
    switch (status.state) {
    case ChannelRefundStatus::State::Processing:
    case ChannelRefundStatus::State::Unknown:
        retryLater(e, QStringLiteral("refund processing at the channel"), status.refundNo);
        return;
    case ChannelRefundStatus::State::Success:
        settle(e, PaymentExceptionState::Refunded, status.refundNo, {});
        return;
    case ChannelRefundStatus::State::Closed:
    case ChannelRefundStatus::State::Abnormal:
        settle(e, PaymentExceptionState::RefundFailed, status.refundNo,
               QStringLiteral("the channel refused the refund"));
        return;
    }
}

void PaymentExceptions::retryLater(const PaymentException &e, const QString &error,
                                   const QString &refundNo)
{
    const qint64 next =
        currentMs() + retryDelayMs(m_ctx.config.refundRetrySeconds(), e.refundAttempts);
    // Another instance may have made this attempt at the same moment: only the one whose
    // compare-and-set won counts and logs it.
    if (!m_ctx.db.transact([&](Transaction &tx) {
            return PaymentExceptionRepository(m_ctx.db).retryLater(tx, e.id, e.version, next, error,
                                                                   refundNo);
        }))
        return;
    refundCounter("retry").Increment();
    qCWarning(lcPay).noquote() << "payment exception" << e.id << "refund not settled yet (" << error
                               << "), asked again in" << (next - currentMs()) / 1000 << "s";
}

void PaymentExceptions::settle(const PaymentException &e, PaymentExceptionState to,
                               const QString &refundNo, const QString &why)
{
    if (!m_ctx.db.transact([&](Transaction &tx) {
            return PaymentExceptionRepository(m_ctx.db).settle(tx, e.id, e.version, to, refundNo,
                                                               why);
        }))
        return; // settled by another instance meanwhile
    if (to == PaymentExceptionState::Refunded) {
        refundCounter("refunded").Increment();
        qCInfo(lcPay).noquote() << "payment exception" << e.id << "refunded:" << e.paidAmount
                                << "fen back through" << e.channel;
        return;
    }
    refundCounter("refused").Increment();
    qCCritical(lcPay).noquote() << "payment exception" << e.id
                                << "not refunded automatically:" << why << "- an admin must settle"
                                << e.paidAmount << "fen";
}

QString PaymentExceptions::applyRefundStatus(Transaction &tx, qint64 id,
                                             const ChannelRefundStatus &status)
{
    PaymentExceptionRepository repo(m_ctx.db);
    const std::optional<PaymentException> e = repo.find(tx, id, RowLock::ForUpdate);
    if (!e)
        return QStringLiteral("UNKNOWN_REFUND");
    if (e->state != PaymentExceptionState::Refunding)
        return QStringLiteral("ALREADY_SETTLED");
    switch (status.state) {
    case ChannelRefundStatus::State::Success:
        repo.settle(tx, id, e->version, PaymentExceptionState::Refunded, status.refundNo);
        qCInfo(lcPay).noquote() << "payment exception" << id
                                << "refunded (notified):" << e->paidAmount << "fen back through"
                                << e->channel;
        return QStringLiteral("APPLIED");
    case ChannelRefundStatus::State::Closed:
    case ChannelRefundStatus::State::Abnormal:
        repo.settle(tx, id, e->version, PaymentExceptionState::RefundFailed, status.refundNo,
                    QStringLiteral("the channel refused the refund"));
        qCCritical(lcPay).noquote()
            << "payment exception" << id << "refund REFUSED by" << e->channel
            << ": an admin must settle" << e->paidAmount << "fen by hand";
        return QStringLiteral("APPLIED");
    case ChannelRefundStatus::State::Processing:
    case ChannelRefundStatus::State::Unknown:
        break;
    }
    return QStringLiteral("PROCESSING");
}

std::optional<PaymentException> PaymentExceptions::resolve(qint64 id, const QString &actor,
                                                           const QString &reason,
                                                           const QString &remoteAddress)
{
    PaymentExceptionRepository repo(m_ctx.db);
    return m_ctx.db.transact([&](Transaction &tx) -> std::optional<PaymentException> {
        const std::optional<PaymentException> e = repo.find(tx, id, RowLock::ForUpdate);
        if (!e)
            return std::nullopt;
        if (e->state == PaymentExceptionState::Refunding
            || e->state == PaymentExceptionState::Resolved)
            throw Error(ErrorCode::StateConflict,
                        QStringLiteral("payment exception is ")
                            + paymentExceptionStateName(e->state));
        if (!repo.resolve(tx, id, e->version, actor, reason))
            throw Error(ErrorCode::StateConflict, QStringLiteral("changed meanwhile"));
        AuditEntry entry;
        entry.actor = actor;
        entry.action = QStringLiteral("payment_exception.resolve");
        entry.target = QStringLiteral("payment_exception:") + snowflakeToString(id);
        entry.reason = reason;
        entry.remoteAddress = remoteAddress;
        entry.details =
            QJsonDocument(QJsonObject {
                              {QStringLiteral("state"), paymentExceptionStateName(e->state)},
                              {QStringLiteral("paidAmount"), e->paidAmount},
                              {QStringLiteral("channel"), e->channel},
                          })
                .toJson(QJsonDocument::Compact);
        AuditRepository(m_ctx.db).append(tx, entry);
        return repo.find(tx, id);
    });
}

} // namespace pomelo
