#pragma once

// Payment exceptions (admins): money a channel took that no order keeps, as the admin API lists
// them, and the state filter the view puts between the model and its table.

#include "api/adminclient.h"
#include "rowtablemodel.h"

#include <QColor>
#include <QSortFilterProxyModel>

namespace pomelo::console {

/// Translated name of a payment exception state (REFUNDING, REFUNDED, REFUND_FAILED, RESOLVED).
QString paymentExceptionStateText(const QString &state);
/// The colour of a state: red while a person has to act (REFUND_FAILED).
QColor paymentExceptionStateColor(const QString &state);
/// Translated reason of a payment exception (LATE → "Paid after closing", …).
QString paymentExceptionReasonText(const QString &reason);

/// Every payment exception, newest first (the first page on refresh(), more with loadMore()).
/// The whole list is loaded and the state is filtered on the client: the cases are few, and an
/// admin switching between "open" and "resolved" sees them at once.
class PaymentExceptionModel : public RowTableModel<api::PaymentExceptionItem>
{
    Q_OBJECT

public:
    enum Column { Id, Created, State, Reason, Amount, Channel, Order, Attempts, Updated };

    explicit PaymentExceptionModel(api::AdminClient *client, QObject *parent = nullptr);

    void refresh();
    void loadMore();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    /// The row of @p e's id, after an action (or inserted at the top).
    void updateException(const api::PaymentExceptionItem &e) { upsert(e); }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    QString m_nextCursor;
};

/// Rows of some states only (empty: all), between PaymentExceptionModel and a TableView's own
/// sort and quick-filter proxy.
class PaymentExceptionStateFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit PaymentExceptionStateFilter(PaymentExceptionModel *model, QObject *parent = nullptr);

    void setStates(const QStringList &states);
    const QStringList &states() const { return m_states; }
    /// The model's row of a row of this proxy, or -1.
    int modelRow(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    PaymentExceptionModel *m_model;
    QStringList m_states;
};

} // namespace pomelo::console
