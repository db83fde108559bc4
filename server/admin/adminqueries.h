#pragma once

#include "api/admintypes.h"
#include "servercontext.h"

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
    api::OrderDetail orderDetail(const PayOrder &order) const;
    /// Today at a glance: `{date, from, orders, ordersTotal, paidAmount}`, and with @p infra the
    /// infrastructure numbers of /streams, /queues, /notifications and payment exceptions:
    /// `{stream, queues, notifications, paymentExceptions}`.
    api::DashboardSummary dashboard(bool infra) const;

private:
    void addTodaysOrders(api::DashboardSummary &summary) const;
    void addStreamSummary(api::DashboardSummary &summary) const;
    QHash<QString, api::QueueDepth> queueDepths() const;

    const ServerContext &m_ctx;
};

} // namespace pomelo
