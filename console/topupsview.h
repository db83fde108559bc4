#pragma once

#include "opsviews.h"

class QAction;
class QComboBox;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTextBrowser;
class QToolButton;

namespace pomelo::console {

class TopupsModel;

/// Utility top-ups (水电充值, staff and admins): the list filtered by status on the server and by
/// text over the loaded rows; the selected top-up's detail (student, payment, delivery attempts,
/// its history with who did what); "Re-deliver…" (staff and admins) and "Refund…" (admins only,
/// hidden for staff) for a top-up that is paid but not delivered, each with a reason and a
/// confirmation naming the top-up, its room and its amount; and a room lookup (balances, power,
/// bound students, its latest top-ups). There is no live event for top-ups: it polls while shown.
class TopupsView : public PollingView
{
    Q_OBJECT

public:
    explicit TopupsView(api::AdminClient *client, QWidget *parent = nullptr);

    void refresh() override;
    TopupsModel *model() const { return m_model; }
    TableView *table() const { return m_table; }
    QAction *redeliverAction() const { return m_redeliver; }
    QAction *refundAction() const { return m_refund; }
    QToolButton *refundButton() const { return m_refundButton; }
    QLineEdit *roomEdit() const { return m_roomEdit; }
    /// Shows the top-ups of one status only (empty: every status); false for an unknown one.
    bool setStatusFilter(const QString &status);
    /// Selects @p id when it is loaded and passes the text filter.
    bool selectTopup(const QString &id);
    /// Looks @p roomId up and shows it in the room tab.
    void lookUpRoom(const QString &roomId);
    /// The texts of the detail and of the room tab (for tests and copying).
    QString detailText() const;
    QString roomText() const;
    /// The id of the top-up whose detail is shown (empty while none or while it loads).
    QString shownTopupId() const { return m_shownId; }

signals:
    /// The detail of @p id was rendered (after it was selected, changed or acted on).
    void detailShown(const QString &id);
    /// The room tab shows @p roomId (or why it could not).
    void roomShown(const QString &roomId);

private:
    void fillStatuses();
    void setUpTable();
    QToolButton *createActionButton(QAction *action, const QKeySequence &shortcut);
    QSplitter *createDetailSplitter();
    void layOut(QLineEdit *quickFilter, QToolButton *redeliverButton, QSplitter *splitter);
    void connectModel();
    const api::Topup *currentTopup() const;
    void updateActions();
    void showDetail();
    void loadDetail(const QString &id);
    void renderDetail(const api::TopupDetail &detail);
    void renderRoom(const api::RoomDetail &room);
    void redeliverSelected();
    void refundSelected();
    void actionDone(const api::Topup &after, const QString &title, const QString &message);
    void actionFailed(const api::ApiError &error);

    api::AdminClient *m_client;
    TopupsModel *m_model;
    TableView *m_table;
    QComboBox *m_state;
    QPushButton *m_more;
    QAction *m_redeliver;
    QAction *m_refund;
    QToolButton *m_refundButton = nullptr;
    QLineEdit *m_roomEdit;
    QPushButton *m_roomButton;
    QTabWidget *m_tabs;
    QTextBrowser *m_detail;
    QTextBrowser *m_room;
    QString m_detailId; ///< the top-up whose detail was asked for last
    QString m_shownId; ///< the top-up whose detail is shown
    api::Topup m_shownRow; ///< its row when it was asked for: a poll that changed nothing keeps it
    QString m_roomId; ///< the room asked for last
};

} // namespace pomelo::console
