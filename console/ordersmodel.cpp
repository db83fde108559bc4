#include "ordersmodel.h"

#include "format.h"

namespace pomelo::console {

using api::AdminOrder;

OrdersModel::OrdersModel(api::AdminClient *client, QObject *parent)
    : RowTableModel<AdminOrder>(parent)
    , m_client(client)
{
    const auto right = Qt::AlignRight | Qt::AlignVCenter;
    const auto left = Qt::AlignLeft | Qt::AlignVCenter;
    setColumns({{tr("Order"), [](const AdminOrder &o) { return o.orderId; },
                 [](const AdminOrder &o) {
                     return o.orderId.toLongLong();
                 }},
                // Snowflake ids grow with time: a stable order also within one second.
                {tr("Created"), [](const AdminOrder &o) { return api::displayTime(o.createdAt); },
                 [](const AdminOrder &o) {
                     return o.orderId.toLongLong();
                 }},
                {tr("Subject"),
                 [](const AdminOrder &o) {
                     return o.subject;
                 }},
                {tr("Amount"), [](const AdminOrder &o) { return yuan(o.amount); },
                 [](const AdminOrder &o) { return o.amount; }, right},
                {tr("Status"), [](const AdminOrder &o) { return orderStatusText(o.status); },
                 [](const AdminOrder &o) { return orderStatuses().indexOf(o.status); }, left,
                 [](const AdminOrder &o) {
                     return orderStatusColor(o.status);
                 }},
                {tr("Channel"),
                 [](const AdminOrder &o) {
                     return channelText(o.channel);
                 }},
                {tr("App"),
                 [](const AdminOrder &o) {
                     return o.appId;
                 }},
                {tr("Merchant order no."),
                 [](const AdminOrder &o) {
                     return o.outTradeNo;
                 }},
                {tr("Updated"),
                 [](const AdminOrder &o) {
                     return api::displayTime(o.updatedAt);
                 }}},
               [](const AdminOrder &o) { return o.orderId; });
    connect(client, &api::AdminClient::liveOrderEvent, this, &OrdersModel::applyEvent);
}

QVariant OrdersModel::data(const QModelIndex &index, int role) const
{
    if (role == StatusRole && index.isValid() && index.row() < rowCount())
        return rowAt(index.row()).status;
    return RowTableModel<AdminOrder>::data(index, role);
}

void OrdersModel::setQuery(const api::OrderQuery &query)
{
    m_query = query;
    m_query.cursor.clear();
    clear();
    refresh();
}

void OrdersModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    emit loadingChanged(loading);
}

void OrdersModel::refresh()
{
    const int generation = ++m_generation;
    setLoading(true);
    api::OrderQuery q = m_query;
    q.cursor.clear();
    m_client->orders(
        q, this,
        [this, generation](const api::Page<AdminOrder> &page) {
            if (generation != m_generation)
                return; // a newer query was started meanwhile
            setRows(page.items);
            m_nextCursor = page.nextCursor;
            setLoading(false);
            emit refreshed();
        },
        [this, generation](const api::ApiError &e) {
            if (generation != m_generation)
                return;
            setLoading(false);
            emit failed(e);
        });
}

void OrdersModel::loadMore()
{
    if (m_nextCursor.isEmpty() || m_loading)
        return;
    const int generation = m_generation;
    setLoading(true);
    api::OrderQuery q = m_query;
    q.cursor = m_nextCursor;
    m_client->orders(
        q, this,
        [this, generation](const api::Page<AdminOrder> &page) {
            if (generation != m_generation)
                return;
            appendRows(page.items);
            m_nextCursor = page.nextCursor;
            setLoading(false);
            emit refreshed();
        },
        [this](const api::ApiError &e) {
            setLoading(false);
            emit failed(e);
        });
}

bool OrdersModel::matchesQuery(const AdminOrder &o) const
{
    if (!m_query.status.isEmpty() && o.status != m_query.status)
        return false;
    if (!m_query.appId.isEmpty() && o.appId != m_query.appId)
        return false;
    if (!m_query.channel.isEmpty() && !o.channel.isEmpty() && o.channel != m_query.channel)
        return false;
    // Date ranges and searches are the server's business: a new order matches "to" ranges that
    // end today or later only, so such a query is not updated with new rows.
    return m_query.to.isEmpty() && m_query.q.isEmpty();
}

void OrdersModel::applyEvent(const api::LiveOrderEvent &event)
{
    if (event.orderId.isEmpty())
        return;
    const int at = rowOfKey(event.orderId);
    AdminOrder order;
    if (at >= 0) {
        order = rowAt(at);
    } else {
        order.orderId = event.orderId;
        order.appId = event.appId;
        order.outTradeNo = event.outTradeNo;
        order.amount = event.amount;
        order.createdAt = event.at;
    }
    order.status = event.status;
    if (!event.at.isEmpty())
        order.updatedAt = event.at;
    if (at >= 0) {
        // Kept even when it no longer matches a status filter: the operator may be looking at it.
        upsert(order);
        return;
    }
    if (!matchesQuery(order))
        return;
    upsert(order);
    // The event does not carry everything (subject, channel): fill the row in.
    m_client->orderDetail(event.orderId, this, [this](const api::OrderDetail &d) {
        if (rowOfKey(d.order.orderId) >= 0)
            upsert(d.order);
    });
}

} // namespace pomelo::console
