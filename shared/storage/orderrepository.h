#pragma once

#include "database.h"
#include "domain/statemachine.h"
#include "pagination.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

/// A pay order of the platform.
struct PayOrder
{
    qint64 id = 0; ///< Snowflake
    QString appId;
    QString outTradeNo;
    qint64 amount = 0; ///< cents
    qint64 refundedAmount = 0; ///< cents, ≤ amount
    QString subject;
    QString openId;
    QString studentId;
    QString notifyUrl;
    QString channel; ///< WECHAT_JSAPI, ECARD; empty before the cashier
    QString channelTradeNo;
    QString prepayId;
    OrderStatus status = OrderStatus::Init;
    int version = 0;
    /// A channel reported success after the order was CLOSED/FAILED: the money must go back.
    bool needsRefund = false;
    qint64 expiresAt = 0; ///< Unix ms
    std::optional<qint64> paidAt;
    std::optional<qint64> closedAt;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
};

/// An outbox row: one committed status change of an order.
struct OrderEvent
{
    qint64 id = 0; ///< increasing; the publication order
    qint64 orderId = 0;
    QString appId;
    std::optional<OrderStatus> prevStatus; ///< none for the first event (the order's creation)
    OrderStatus newStatus = OrderStatus::Init;
    QByteArray payload; ///< JSON object
    QString traceparent;
    qint64 createdAt = 0;
    std::optional<qint64> publishedAt;
    // Of the order (joined on read), for the stream entry.
    QString outTradeNo;
    qint64 amount = 0;
};

/// Columns a status change (or OrderRepository::update) may set besides status and version;
/// unset members stay as they are.
struct OrderChanges
{
    std::optional<QString> channel;
    std::optional<QString> channelTradeNo;
    std::optional<QString> prepayId;
    std::optional<qint64> paidAt;
    std::optional<qint64> closedAt;
    std::optional<qint64> refundedAmount;
    std::optional<qint64> expiresAt;
    std::optional<bool> needsRefund;
};

/// A compare-and-set status change and the outbox event that goes with it.
struct OrderTransition
{
    qint64 orderId = 0;
    int expectedVersion = 0;
    OrderStatus from = OrderStatus::Init;
    OrderStatus to = OrderStatus::Paying;
    qint64 at = 0; ///< updated_at and the event's time; 0 = now
    /// The event's JSON; empty = built from the order row after the change (orderId, appId,
    /// outTradeNo, amount, refundedAmount, subject, prevStatus, status, channel, channelTradeNo,
    /// paidAt, updatedAt, version).
    QByteArray eventPayload;
    QString traceparent;
    OrderChanges changes;
};

struct TransitionResult
{
    qint64 eventId = 0;
    int newVersion = 0;
};

/// Filters of the console's order list; unset members do not filter.
struct OrderFilter
{
    std::optional<OrderStatus> status;
    QString appId;
    QString channel;
    std::optional<qint64> createdFrom; ///< inclusive, Unix ms
    std::optional<qint64> createdBefore; ///< exclusive, Unix ms
    /// An order id (exact), an outTradeNo prefix (case-sensitive on both databases), or a part
    /// of the subject (case-insensitive: ASCII letters on SQLite, every letter on PostgreSQL).
    /// `%` and `_` are literal characters.
    QString search;
};

class OrderRepository
{
public:
    explicit OrderRepository(Database &db)
        : m_db(db)
    { }

    /// Inserts @p order and its first outbox event (no previous status, new status
    /// order.status) in @p tx. nullopt when (appId, outTradeNo) exists already — nothing written;
    /// findByOutTradeNo() gives the existing order for the idempotent answer. Returns the event id.
    std::optional<qint64> insert(Transaction &tx, const PayOrder &order,
                                 const QByteArray &eventPayload = {},
                                 const QString &traceparent = {});

    std::optional<PayOrder> find(qint64 id) const;
    std::optional<PayOrder> find(Transaction &tx, qint64 id, RowLock lock = RowLock::None) const;
    std::optional<PayOrder> findByOutTradeNo(const QString &appId, const QString &outTradeNo) const;
    std::optional<PayOrder> findByChannelTradeNo(const QString &channelTradeNo) const;

    /// The status change as a compare-and-set: applied only if the order is still at
    /// (t.from, t.expectedVersion); bumps the version and appends the outbox event in the same
    /// transaction, so the event exists if and only if the change commits. nullopt when not
    /// applied (the order moved on, or does not exist). An illegal transition of the state
    /// machine throws Error(Internal).
    std::optional<TransitionResult> transition(Transaction &tx, const OrderTransition &t);
    /// Changes columns without a status change (no event): compare-and-set on the version,
    /// which it bumps. Returns the new version, nullopt when not applied.
    std::optional<int> update(Transaction &tx, qint64 id, int expectedVersion,
                              const OrderChanges &changes, qint64 now = 0);

    /// Newest first, keyset pagination on (created_at, id).
    Page<PayOrder> list(const OrderFilter &filter, const std::optional<PageCursor> &after,
                        int limit) const;
    /// The outbox events of an order, oldest first (its timeline).
    QList<OrderEvent> events(qint64 orderId) const;
    /// The traceparent of the order's latest event (empty when none has one): later work on the
    /// order continues that trace (telemetry/continuedspan.h).
    QString latestTraceparent(qint64 orderId) const;
    /// INIT or PAYING orders whose expiry is at or before @p now (a sweep behind the delayed
    /// queue), oldest expiry first.
    QList<PayOrder> expiredOpen(qint64 now, int limit) const;
    /// Orders flagged needsRefund, oldest first.
    QList<PayOrder> needingRefund(int limit) const;
    /// Orders created in [from, before) per status (the dashboard).
    QHash<OrderStatus, qint64> countByStatus(qint64 createdFrom, qint64 createdBefore) const;
    /// Cents the channels took from @p from to before @p before (Unix ms, by paid_at), refunded
    /// or not since: the day's "paid" (refunds are RefundRepository::refundedAmount()).
    qint64 paidAmount(qint64 from, qint64 before) const;

private:
    Database &m_db;
};

} // namespace pomelo
