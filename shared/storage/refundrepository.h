#pragma once

#include "database.h"
#include "pagination.h"

#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace pomelo {

/// The life of a refund, as the channels report it (WeChat Pay's refund statuses):
///   PROCESSING -> SUCCESS | CLOSED | ABNORMAL
enum class RefundStatus { Processing, Success, Closed, Abnormal };

/// "PROCESSING", "SUCCESS", "CLOSED", "ABNORMAL".
QString refundStatusName(RefundStatus status);
std::optional<RefundStatus> refundStatusFromName(QStringView name);

struct Refund
{
    qint64 id = 0; ///< Snowflake
    qint64 orderId = 0;
    QString appId;
    QString outRefundNo; ///< the app's id of the refund, unique per app
    qint64 amount = 0; ///< cents
    QString reason;
    RefundStatus status = RefundStatus::Processing;
    QString channel;
    QString channelRefundNo;
    QString initiator; ///< APP, ADMIN or SYSTEM
    int version = 0;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
    std::optional<qint64> finishedAt;
};

class RefundRepository
{
public:
    explicit RefundRepository(Database &db)
        : m_db(db)
    { }

    /// false when (appId, outRefundNo) exists already (nothing written; findByOutRefundNo()
    /// gives it for the idempotent answer).
    bool insert(Transaction &tx, const Refund &refund);
    std::optional<Refund> find(qint64 id) const;
    std::optional<Refund> find(Transaction &tx, qint64 id, RowLock lock = RowLock::None) const;
    std::optional<Refund> findByOutRefundNo(const QString &appId, const QString &outRefundNo) const;
    /// The refunds of an order, oldest first.
    QList<Refund> ofOrder(qint64 orderId) const;
    /// The sum of the order's refunds that are PROCESSING or SUCCESS: what is no longer
    /// refundable. Read it in the transaction that inserts a refund, after locking the order.
    qint64 committedAmount(Transaction &tx, qint64 orderId) const;

    /// Compare-and-set from PROCESSING (the only state with a way out); sets the channel refund
    /// number if given and finishedAt. false when not applied.
    bool finish(Transaction &tx, qint64 id, int expectedVersion, RefundStatus to,
                const QString &channelRefundNo = {}, qint64 now = 0);
    /// Records the channel's refund number while PROCESSING (compare-and-set, bumps version).
    bool setChannelRefundNo(Transaction &tx, qint64 id, int expectedVersion, const QString &channel,
                            const QString &channelRefundNo, qint64 now = 0);
    /// How many refunds are PROCESSING and when the oldest of them was created (Unix ms; none
    /// when there is none): the metrics collector's reading of refunds stuck in flight.
    std::pair<qint64, std::optional<qint64>> processingSummary() const;
    /// PROCESSING refunds not updated since @p updatedBefore (to query the channel).
    QList<Refund> processing(qint64 updatedBefore, int limit) const;
    /// Newest first, keyset pagination on (created_at, id).
    Page<Refund> list(const std::optional<PageCursor> &after, int limit) const;
    /// Cents that went back to payers from @p from to before @p before (Unix ms): refunds that
    /// succeeded then (finished_at), partial ones included.
    qint64 refundedAmount(qint64 from, qint64 before) const;

private:
    Database &m_db;
};

} // namespace pomelo
