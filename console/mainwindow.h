#pragma once

#include "api/adminclient.h"

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace pomelo::console {

class AuditView;
class DashboardView;
class LocksView;
class NotificationsView;
class OrdersView;
class PaymentExceptionsView;
class QueuesView;
class StreamsView;
class TopupsView;
class VenueBoardView;
class VenuesView;

/// The console: a navigation list of views, a banner while the server is unreachable or the
/// live feed reconnects, and the session in the status bar. Admin-only views are hidden for
/// staff. Geometry, state and the last view are remembered.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum View {
        Dashboard,
        Orders,
        VenueBoard,
        Venues,
        Topups,
        Streams,
        Queues,
        Locks,
        Notifications,
        Audit,
        PaymentExceptions
    };

    explicit MainWindow(api::AdminClient *client, QWidget *parent = nullptr);

    /// Shows @p view (by name: dashboard, orders, venue-board, venues, topups, streams, queues,
    /// locks, notifications, audit, payment-exceptions); false for an unknown name.
    bool showView(const QString &name);
    void showView(View view);
    View currentView() const;

    OrdersView *ordersView() const { return m_orders; }
    VenueBoardView *venueBoardView() const { return m_board; }
    VenuesView *venuesView() const { return m_venues; }
    TopupsView *topupsView() const { return m_topups; }
    DashboardView *dashboardView() const { return m_dashboard; }
    PaymentExceptionsView *paymentExceptionsView() const { return m_paymentExceptions; }
    QWidget *banner() const;

    static QString viewName(View view);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void fillNavigation();
    QWidget *createCentralWidget();
    void followClient();
    void restoreWindow();
    void buildMenus();
    void applyRole();
    void updateBanner();
    void refreshCurrent();
    void relogin();
    void setLanguage(const QString &language);

    api::AdminClient *m_client;
    QListWidget *m_nav;
    QStackedWidget *m_stack;
    QLabel *m_banner;
    QLabel *m_session;
    QLabel *m_live;
    DashboardView *m_dashboard;
    OrdersView *m_orders;
    VenueBoardView *m_board;
    VenuesView *m_venues;
    TopupsView *m_topups;
    StreamsView *m_streams;
    QueuesView *m_queues;
    LocksView *m_locks;
    NotificationsView *m_notifications;
    AuditView *m_audit;
    PaymentExceptionsView *m_paymentExceptions;
    bool m_reloginOpen = false;
};

} // namespace pomelo::console
