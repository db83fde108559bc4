#pragma once

#include "opsviews.h"

class QAction;
class QComboBox;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTextBrowser;
class QToolButton;

namespace pomelo::console {

class PaymentExceptionModel;
class PaymentExceptionStateFilter;

/// Payment exceptions (admins): what a channel took that no order keeps, refunded by the server
/// by itself. A state filter (open ones by default), the detail of the selected case, and "Mark
/// resolved…" for one whose refund settled or was refused — with a reason and a confirmation
/// naming the case and its amount. A new case arrives through the live feed; a refund settling
/// shows through the live counts.
class PaymentExceptionsView : public PollingView
{
    Q_OBJECT

public:
    explicit PaymentExceptionsView(api::AdminClient *client, QWidget *parent = nullptr);

    void refresh() override;
    PaymentExceptionModel *model() const { return m_model; }
    TableView *table() const { return m_table; }
    QAction *resolveAction() const { return m_resolve; }
    /// Shows the cases in one of the filter's entries (by its state, "open" or "" for all).
    bool setStateFilter(const QString &key);
    /// Selects @p id when it is loaded and passes the state filter.
    bool selectException(const QString &id);
    /// The text of the detail pane (for tests and copying).
    QString detailText() const;

private:
    void fillStates();
    void setUpTable();
    QLineEdit *createQuickFilter();
    QToolButton *createResolveButton();
    QSplitter *createDetailSplitter();
    void layOut(QLineEdit *quickFilter, QToolButton *resolveButton, QSplitter *splitter);
    void connectModel();
    void followLive();
    const api::PaymentExceptionItem *currentException() const;
    void showDetail();
    void resolveSelected();
    void actionFailed(const api::ApiError &error);

    api::AdminClient *m_client;
    PaymentExceptionModel *m_model;
    PaymentExceptionStateFilter *m_filter;
    TableView *m_table;
    QComboBox *m_state;
    QPushButton *m_more;
    QTextBrowser *m_detail;
    QAction *m_resolve;
    QHash<QString, qint64> m_lastCounts;
};

} // namespace pomelo::console
