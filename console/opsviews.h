#pragma once

// The admin's operations views: event stream (with dead letters), delayed queues, locks, failed
// merchant notifications, audit log. Each refreshes on a timer while it is shown.

#include "api/adminclient.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace pomelo::console {

class AuditModel;
class LocksModel;
class NotificationsModel;
class QueueItemsModel;
class StreamModels;
class TableView;

/// Base: a polling timer that runs only while the view is visible, and a status line.
class PollingView : public QWidget
{
    Q_OBJECT
public:
    PollingView(int intervalMs, QWidget *parent);
    virtual void refresh() = 0;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void showError(const api::ApiError &error);
    QLabel *m_status;

private:
    QTimer *m_timer;
};

class StreamsView : public PollingView
{
    Q_OBJECT
public:
    StreamsView(api::AdminClient *client, QWidget *parent = nullptr);
    void refresh() override;
    StreamModels *models() const { return m_models; }

private:
    StreamModels *m_models;
    QLabel *m_summary;
};

class QueuesView : public PollingView
{
    Q_OBJECT
public:
    QueuesView(api::AdminClient *client, QWidget *parent = nullptr);
    void refresh() override;
    QueueItemsModel *model() const { return m_model; }

private:
    void act(bool fire);

    api::AdminClient *m_client;
    QueueItemsModel *m_model;
    TableView *m_table;
    QLabel *m_summary;
};

class LocksView : public PollingView
{
    Q_OBJECT
public:
    LocksView(api::AdminClient *client, QWidget *parent = nullptr);
    void refresh() override;

private:
    LocksModel *m_model;
};

class NotificationsView : public PollingView
{
    Q_OBJECT
public:
    NotificationsView(api::AdminClient *client, QWidget *parent = nullptr);
    void refresh() override;
    NotificationsModel *model() const { return m_model; }

private:
    void resendSelected();
    void resendAllOfApp();

    api::AdminClient *m_client;
    NotificationsModel *m_model;
    TableView *m_table;
    QComboBox *m_state;
    QLabel *m_counts;
};

class AuditView : public PollingView
{
    Q_OBJECT
public:
    AuditView(api::AdminClient *client, QWidget *parent = nullptr);
    void refresh() override;
    AuditModel *model() const { return m_model; }

private:
    void applyFilters();

    AuditModel *m_model;
    TableView *m_table;
    QLineEdit *m_actor;
    QComboBox *m_action;
    QLineEdit *m_target;
    QPushButton *m_more;
};

} // namespace pomelo::console
