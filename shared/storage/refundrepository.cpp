#include "refundrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::KeysetList;
using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, order_id, app_id, out_refund_no, amount, reason, status, channel, "
    "channel_refund_no, initiator, version, created_at, updated_at, finished_at FROM refunds ");

Refund refundFrom(const Statement &st)
{
    Refund r;
    r.id = st.int64(0);
    r.orderId = st.int64(1);
    r.appId = st.text(2);
    r.outRefundNo = st.text(3);
    r.amount = st.int64(4);
    r.reason = st.text(5);
    const auto status = refundStatusFromName(st.text(6));
    if (!status)
        throw Error(ErrorCode::Internal, QStringLiteral("unknown refund status: ") + st.text(6));
    r.status = *status;
    r.channel = st.text(7);
    r.channelRefundNo = st.text(8);
    r.initiator = st.text(9);
    r.version = st.int32(10);
    r.createdAt = st.int64(11);
    r.updatedAt = st.int64(12);
    r.finishedAt = st.optionalInt64(13);
    return r;
}

QList<Refund> readRefunds(Statement &st)
{
    QList<Refund> rows;
    while (st.next())
        rows.append(refundFrom(st));
    return rows;
}

std::optional<Refund> findOne(Statement &st)
{
    st.exec();
    if (!st.next())
        return std::nullopt;
    return refundFrom(st);
}

} // namespace

QString refundStatusName(RefundStatus status)
{
    switch (status) {
    case RefundStatus::Processing:
        return QStringLiteral("PROCESSING");
    case RefundStatus::Success:
        return QStringLiteral("SUCCESS");
    case RefundStatus::Closed:
        return QStringLiteral("CLOSED");
    case RefundStatus::Abnormal:
        return QStringLiteral("ABNORMAL");
    }
    return {};
}

std::optional<RefundStatus> refundStatusFromName(QStringView name)
{
    for (const auto status : {RefundStatus::Processing, RefundStatus::Success, RefundStatus::Closed,
                              RefundStatus::Abnormal}) {
        if (name == refundStatusName(status))
            return status;
    }
    return std::nullopt;
}

bool RefundRepository::insert(Transaction &tx, const Refund &r)
{
    const qint64 created = r.createdAt ? r.createdAt : nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO refunds (id, order_id, app_id, out_refund_no, "
                                "amount, reason, status, channel, channel_refund_no, "
                                "initiator, version, created_at, updated_at, finished_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT (app_id, out_refund_no) DO NOTHING"));
    st.bind(r.id)
        .bind(r.orderId)
        .bind(r.appId)
        .bind(r.outRefundNo)
        .bind(r.amount)
        .bindNullable(r.reason)
        .bind(refundStatusName(r.status))
        .bindNullable(r.channel)
        .bindNullable(r.channelRefundNo)
        .bind(r.initiator.isEmpty() ? QStringLiteral("APP") : r.initiator)
        .bind(r.version)
        .bind(created)
        .bind(r.updatedAt ? r.updatedAt : created)
        .bindOptional(r.finishedAt)
        .exec();
    return st.rowsAffected() == 1;
}

std::optional<Refund> RefundRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"));
    st.bind(id);
    return findOne(st);
}

std::optional<Refund> RefundRepository::find(Transaction &tx, qint64 id, RowLock lock) const
{
    Statement st(tx,
                 Select + QStringLiteral("WHERE id = ?")
                     + storage_detail::lockClause(tx.dialect(), lock));
    st.bind(id);
    return findOne(st);
}

std::optional<Refund> RefundRepository::findByOutRefundNo(const QString &appId,
                                                          const QString &outRefundNo) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE app_id = ? AND out_refund_no = ?"));
    st.bind(appId).bind(outRefundNo);
    return findOne(st);
}

QList<Refund> RefundRepository::ofOrder(qint64 orderId) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE order_id = ? ORDER BY id"));
    st.bind(orderId).exec();
    return readRefunds(st);
}

qint64 RefundRepository::committedAmount(Transaction &tx, qint64 orderId) const
{
    Statement st(tx,
                 QStringLiteral("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds "
                                "WHERE order_id = ? AND status IN ('PROCESSING', 'SUCCESS')"));
    st.bind(orderId).exec();
    return st.next() ? st.int64(0) : 0;
}

bool RefundRepository::finish(Transaction &tx, qint64 id, int expectedVersion, RefundStatus to,
                              const QString &channelRefundNo, qint64 now)
{
    if (to == RefundStatus::Processing)
        throw Error(ErrorCode::Internal, QStringLiteral("a refund cannot finish as PROCESSING"));
    const qint64 at = now ? now : nowMs();
    Statement st(tx,
                 QStringLiteral("UPDATE refunds SET status = ?, version = version + 1, "
                                "updated_at = ?, finished_at = ?, channel_refund_no = "
                                "COALESCE(?, channel_refund_no) WHERE id = ? AND version = ? "
                                "AND status = 'PROCESSING'"));
    st.bind(refundStatusName(to))
        .bind(at)
        .bind(at)
        .bindNullable(channelRefundNo)
        .bind(id)
        .bind(expectedVersion)
        .exec();
    return st.rowsAffected() == 1;
}

bool RefundRepository::setChannelRefundNo(Transaction &tx, qint64 id, int expectedVersion,
                                          const QString &channel, const QString &channelRefundNo,
                                          qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE refunds SET channel = ?, channel_refund_no = ?, "
                                "version = version + 1, updated_at = ? WHERE id = ? AND "
                                "version = ? AND status = 'PROCESSING'"));
    st.bindNullable(channel)
        .bindNullable(channelRefundNo)
        .bind(now ? now : nowMs())
        .bind(id)
        .bind(expectedVersion)
        .exec();
    return st.rowsAffected() == 1;
}

std::pair<qint64, std::optional<qint64>> RefundRepository::processingSummary() const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT COUNT(*), MIN(created_at) FROM refunds "
                                "WHERE status = 'PROCESSING'"));
    st.exec();
    if (!st.next())
        return {0, std::nullopt};
    return {st.int64(0), st.optionalInt64(1)};
}

QList<Refund> RefundRepository::processing(qint64 updatedBefore, int limit) const
{
    Statement st(m_db.threadConnection(),
                 Select
                     + QStringLiteral("WHERE status = 'PROCESSING' AND updated_at < ? "
                                      "ORDER BY updated_at LIMIT ?"));
    st.bind(updatedBefore).bind(std::clamp(limit, 1, MaxPageSize)).exec();
    return readRefunds(st);
}

Page<Refund> RefundRepository::list(const std::optional<PageCursor> &after, int limit) const
{
    return KeysetList(Select).page<Refund>(
        m_db.threadConnection(), after, limit, [](Statement &st) { return readRefunds(st); },
        [](const Refund &r) {
            return PageCursor {r.createdAt, r.id};
        });
}

qint64 RefundRepository::refundedAmount(qint64 from, qint64 before) const
{
    Statement st(m_db.threadConnection(),
                 QStringLiteral("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds "
                                "WHERE status = 'SUCCESS' AND finished_at >= ? AND "
                                "finished_at < ?"));
    st.bind(from).bind(before).exec();
    return st.next() ? st.int64(0) : 0;
}

} // namespace pomelo
