#pragma once

#include "api/adminclient.h"

#include <QWidget>

class QAction;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTextBrowser;
class QTimer;

namespace pomelo::console {

class OrdersModel;
class TableView;
class TraceLabel;

/// Orders, live: server-side filters (status, app, channel, period, search), a quick filter over
/// the loaded rows, the detail of the selected order (timeline, refunds, notifications, channel
/// callbacks, trace id), and the interventions close / refund / verify / re-notify, each with a
/// reason and a confirmation naming the order and its amount.
class OrdersView : public QWidget
{
    Q_OBJECT

public:
    explicit OrdersView(api::AdminClient *client, QWidget *parent = nullptr);

    OrdersModel *model() const { return m_model; }
    TableView *table() const { return m_table; }
    /// The shown order's trace id: a link to the trace viewer, and "copy".
    TraceLabel *traceLabel() const { return m_traceLabel; }
    QTextBrowser *detail() const { return m_detail; }
    void refresh();
    void focusFilter();
    /// Selects @p orderId when it is loaded.
    bool selectOrder(const QString &orderId);

private:
    void fillFilters();
    void setUpTable();
    QHBoxLayout *createFilterBar();
    QHBoxLayout *createActionBar();
    QSplitter *createDetailSplitter();
    void connectModel();
    void startPolling();
    api::OrderQuery queryFromFilters() const;
    void applyFilters();
    void showDetail();
    void renderDetail(const api::OrderDetail &detail);
    static QString summaryHtml(const api::OrderDetail &detail);
    static QString timelineHtml(const QList<api::OrderEvent> &events, const QString &traceId);
    static QString historyHtml(const api::OrderDetail &detail);
    void updateActions();
    const api::AdminOrder *currentOrder() const;
    void closeOrder();
    void refundOrder();
    void verifyOrder();
    void renotifyOrder();
    void actionDone(const api::AdminOrder &order, const QString &message);
    void actionFailed(const api::ApiError &error);

    api::AdminClient *m_client;
    OrdersModel *m_model;
    TableView *m_table;
    QComboBox *m_status;
    QComboBox *m_app;
    QComboBox *m_channel;
    QComboBox *m_period;
    QLineEdit *m_search;
    QLineEdit *m_quickFilter;
    QPushButton *m_loadMore;
    QLabel *m_info;
    QTextBrowser *m_detail;
    TraceLabel *m_traceLabel;
    QAction *m_closeAction;
    QAction *m_refundAction;
    QAction *m_verifyAction;
    QAction *m_renotifyAction;
    QTimer *m_pollTimer;
    QString m_detailOrderId;
};

} // namespace pomelo::console
