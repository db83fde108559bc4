#pragma once

#include "api/adminclient.h"
#include "rowtablemodel.h"

namespace pomelo::console {

/// Orders of the admin API as a table, kept live: the first page of the server-side query, then
/// every `order-event` of the live feed updates its row (or adds the new order at the top).
/// Without the live feed (staff accounts, or while it reconnects) the owner polls refresh().
class OrdersModel : public RowTableModel<api::AdminOrder>
{
    Q_OBJECT

public:
    enum Column { Id, Created, Subject, Amount, Status, Channel, App, OutTradeNo, Updated };
    static constexpr int StatusRole = Qt::UserRole + 2;

    explicit OrdersModel(api::AdminClient *client, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;

    void setQuery(const api::OrderQuery &query);
    const api::OrderQuery &query() const { return m_query; }
    /// Loads the first page again (rows merge: the selection stays).
    void refresh();
    /// Appends the next page, if any.
    void loadMore();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    bool isLoading() const { return m_loading; }

    /// Applies one live event: the order's row changes, or a new order appears.
    void applyEvent(const api::LiveOrderEvent &event);
    /// Replaces the row of @p order (after an action answered with the new order).
    void updateOrder(const api::AdminOrder &order) { upsert(order); }

signals:
    void loadingChanged(bool loading);
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    bool matchesQuery(const api::AdminOrder &order) const;
    void setLoading(bool loading);

    api::AdminClient *m_client;
    api::OrderQuery m_query;
    QString m_nextCursor;
    bool m_loading = false;
    int m_generation = 0;
};

} // namespace pomelo::console
