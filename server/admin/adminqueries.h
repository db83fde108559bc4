#pragma once

#include "servercontext.h"

#include <QJsonObject>

namespace pomelo {

struct PayOrder;

/// The admin API's read models that gather several repositories and Redis, so that their
/// handlers only translate the request (API.md "Admin API").
class AdminQueries
{
public:
    explicit AdminQueries(const ServerContext &context)
        : m_ctx(context)
    { }

    /// `{order, events, traceId, refunds, callbacks, notifications, booking?}` of @p order.
    QJsonObject orderDetail(const PayOrder &order) const;
    /// Today at a glance: `{date, from, orders, ordersTotal, paidAmount}`, and with @p infra the
    /// infrastructure numbers of /streams, /queues, /notifications and payment exceptions:
    /// `{stream, queues, notifications, paymentExceptions}`.
    QJsonObject dashboard(bool infra) const;

private:
    QJsonObject todaysOrders() const;
    QJsonObject streamSummary() const;
    QJsonObject queueDepths() const;

    const ServerContext &m_ctx;
};

} // namespace pomelo
