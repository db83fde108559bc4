#include "mainwindow.h"

#include "dashboardview.h"
#include "logindialog.h"
#include "opsviews.h"
#include "ordersview.h"
#include "paymentexceptionsview.h"
#include "topupsview.h"
#include "venueboardview.h"
#include "venuesview.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {
constexpr int ViewCount = 11;
/// Ctrl+1 … Ctrl+9, Ctrl+0: the views after the tenth have no shortcut of their own.
constexpr int ShortcutCount = 10;
} // namespace

QString MainWindow::viewName(View view)
{
    static const char *const names[] = {
        "dashboard",         "orders", "venue-board", "venues",        "topups",
        "streams",           "queues", "locks",       "notifications", "audit",
        "payment-exceptions"};
    return QString::fromLatin1(names[view]);
}

MainWindow::MainWindow(api::AdminClient *client, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_nav(new QListWidget(this))
    , m_stack(new QStackedWidget(this))
    , m_banner(new QLabel(this))
    , m_session(new QLabel(this))
    , m_live(new QLabel(this))
    , m_dashboard(new DashboardView(client, this))
    , m_orders(new OrdersView(client, this))
    , m_board(new VenueBoardView(client, this))
    , m_venues(new VenuesView(client, this))
    , m_topups(new TopupsView(client, this))
    , m_streams(new StreamsView(client, this))
    , m_queues(new QueuesView(client, this))
    , m_locks(new LocksView(client, this))
    , m_notifications(new NotificationsView(client, this))
    , m_audit(new AuditView(client, this))
    , m_paymentExceptions(new PaymentExceptionsView(client, this))
{
    setWindowTitle(tr("Pomelo Pay console"));
    fillNavigation();
    setCentralWidget(createCentralWidget());
    statusBar()->addWidget(m_session);
    statusBar()->addPermanentWidget(m_live);
    buildMenus();
    followClient();
    restoreWindow();
}

/// One entry per view, in View order (Ctrl+1 … Ctrl+9, then Ctrl+0, follow it). The views of
/// both roles come first, then the admins' own.
void MainWindow::fillNavigation()
{
    const QStringList titles = {
        tr("Dashboard"),       tr("Orders"),       tr("Venue board"),       tr("Venues"),
        tr("Utility top-ups"), tr("Event stream"), tr("Delayed queues"),    tr("Locks"),
        tr("Notifications"),   tr("Audit log"),    tr("Payment exceptions")};
    const QStyle::StandardPixmap icons[] = {QStyle::SP_ComputerIcon,
                                            QStyle::SP_FileDialogDetailedView,
                                            QStyle::SP_FileDialogListView,
                                            QStyle::SP_DirHomeIcon,
                                            QStyle::SP_ArrowUp,
                                            QStyle::SP_BrowserReload,
                                            QStyle::SP_BrowserStop,
                                            QStyle::SP_DialogNoButton,
                                            QStyle::SP_MessageBoxWarning,
                                            QStyle::SP_FileDialogContentsView,
                                            QStyle::SP_MessageBoxQuestion};
    const QList<QWidget *> views = {
        m_dashboard, m_orders, m_board,         m_venues, m_topups,           m_streams,
        m_queues,    m_locks,  m_notifications, m_audit,  m_paymentExceptions};
    for (int i = 0; i < ViewCount; ++i) {
        auto *item = new QListWidgetItem(style()->standardIcon(icons[i]), titles.at(i), m_nav);
        item->setToolTip(i < ShortcutCount ? tr("%1 (Ctrl+%2)").arg(titles.at(i)).arg((i + 1) % 10)
                                           : titles.at(i));
        item->setSizeHint(QSize(0, 34));
        m_stack->addWidget(views.at(i));
    }
    m_nav->setFixedWidth(160);
    m_nav->setFrameShape(QFrame::NoFrame);
    m_nav->setStyleSheet(QStringLiteral(
        "QListWidget { background: palette(window); } QListWidget::item { padding-left: 6px; }"
        "QListWidget::item:selected { background: #1565c0; color: white; }"));
    connect(m_nav, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0) {
            m_stack->setCurrentIndex(row);
            refreshCurrent();
        }
    });
}

/// The banner over the navigation and the current view.
QWidget *MainWindow::createCentralWidget()
{
    m_banner->setVisible(false);
    m_banner->setAlignment(Qt::AlignCenter);
    m_banner->setWordWrap(true);
    auto *central = new QWidget(this);
    auto *outer = new QVBoxLayout(central);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    outer->addWidget(m_banner);
    auto *row = new QWidget(central);
    auto *rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    rowLayout->addWidget(m_nav);
    rowLayout->addWidget(m_stack, 1);
    outer->addWidget(row, 1);
    return central;
}

void MainWindow::followClient()
{
    connect(m_client, &api::AdminClient::serverReachableChanged, this, [this](bool reachable) {
        updateBanner();
        if (reachable)
            refreshCurrent();
    });
    connect(m_client, &api::AdminClient::liveConnectedChanged, this, &MainWindow::updateBanner);
    connect(m_client, &api::AdminClient::loggedIn, this, [this] {
        applyRole();
        updateBanner();
        refreshCurrent();
    });
    connect(m_client, &api::AdminClient::sessionExpired, this, &MainWindow::relogin);
    // A venue's hours or a closure change the board (the Venues view follows the event itself).
    connect(m_client, &api::AdminClient::liveVenueEvent, this, [this] {
        if (currentView() == VenueBoard)
            m_board->refresh();
    });
}

/// Geometry, window state and the view of the last session.
void MainWindow::restoreWindow()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1280, 800);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    applyRole();
    updateBanner();
    // By name: an index would move with every view added.
    if (!showView(settings.value(QStringLiteral("window/view")).toString()))
        showView(Dashboard);
}

QWidget *MainWindow::banner() const
{
    return m_banner;
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Refresh"), QKeySequence::Refresh, this, &MainWindow::refreshCurrent);
    file->addAction(tr("Log &out"), this, [this] {
        m_client->logout();
        relogin();
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < ViewCount; ++i) {
        QAction *a = view->addAction(m_nav->item(i)->text(), this,
                                     [this, i] { showView(static_cast<View>(i)); });
        if (i < ShortcutCount) {
            a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_0 + (i + 1) % 10)));
            a->setShortcutContext(Qt::ApplicationShortcut);
        }
        m_nav->item(i)->setData(Qt::UserRole, QVariant::fromValue(a));
    }
    view->addSeparator();
    view->addAction(tr("&Find in table"), QKeySequence::Find, this, [this] {
        if (currentView() == Orders)
            m_orders->focusFilter();
    });

    QMenu *settingsMenu = menuBar()->addMenu(tr("&Settings"));
    QMenu *language = settingsMenu->addMenu(tr("&Language"));
    auto *group = new QActionGroup(this);
    const QString current = QSettings().value(QStringLiteral("language")).toString();
    const QList<std::pair<QString, QString>> languages = {
        {QString(), tr("System default")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")},
        {QStringLiteral("en"), QStringLiteral("English")}};
    for (const auto &[code, name] : languages) {
        QAction *a = language->addAction(name);
        a->setCheckable(true);
        a->setChecked(code == current);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] { setLanguage(code); });
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About Pomelo Pay console"),
                           tr("<h3>Pomelo Pay console</h3><p>Operator console of the campus "
                              "payment platform.</p><p>Server: %1</p>")
                               .arg(m_client->baseUrl().toString().toHtmlEscaped()));
    });
}

void MainWindow::setLanguage(const QString &language)
{
    QSettings().setValue(QStringLiteral("language"), language);
    QMessageBox::information(this, tr("Language"),
                             tr("The language changes the next time the console starts."));
}

void MainWindow::applyRole()
{
    const bool admin = m_client->session().isAdmin();
    for (const View v : {Streams, Queues, Locks, Notifications, Audit, PaymentExceptions}) {
        m_nav->item(v)->setHidden(!admin);
        if (auto *a = m_nav->item(v)->data(Qt::UserRole).value<QAction *>())
            a->setEnabled(admin);
    }
    if (!admin && currentView() >= Streams)
        showView(Orders);
    const api::LoginResult &s = m_client->session();
    m_session->setText(s.token.isEmpty()
                           ? tr("Not logged in")
                           : tr("%1 (%2) at %3")
                                 .arg(s.username, s.isAdmin() ? tr("admin") : tr("staff"),
                                      m_client->baseUrl().toString()));
}

void MainWindow::updateBanner()
{
    const bool reachable = m_client->isServerReachable();
    const bool liveDown = !m_client->isLiveConnected(); // both roles have the feed
    if (!reachable) {
        m_banner->setText(
            tr("Disconnected from the server — reconnecting… Data shown may be out of date."));
        m_banner->setStyleSheet(
            QStringLiteral("background: #c62828; color: white; padding: 6px; font-weight: bold;"));
        m_banner->setVisible(true);
    } else if (liveDown && m_client->isLoggedIn()) {
        m_banner->setText(tr("Live updates paused — reconnecting…"));
        m_banner->setStyleSheet(
            QStringLiteral("background: #ffe082; color: #4e342e; padding: 4px;"));
        m_banner->setVisible(true);
    } else {
        m_banner->setVisible(false);
    }
    m_live->setText(m_client->isLiveConnected() ? tr("● live") : tr("○ polling"));
    m_live->setStyleSheet(m_client->isLiveConnected() ? QStringLiteral("color: #2e7d32")
                                                      : QStringLiteral("color: #757575"));
}

bool MainWindow::showView(const QString &name)
{
    for (int i = 0; i < ViewCount; ++i) {
        if (viewName(static_cast<View>(i)) == name) {
            showView(static_cast<View>(i));
            return true;
        }
    }
    return false;
}

void MainWindow::showView(View view)
{
    if (m_nav->item(view)->isHidden())
        view = Orders;
    m_nav->setCurrentRow(view);
}

MainWindow::View MainWindow::currentView() const
{
    return static_cast<View>(std::max(0, m_stack->currentIndex()));
}

void MainWindow::refreshCurrent()
{
    if (!m_client->isLoggedIn())
        return;
    switch (currentView()) {
    case Dashboard:
        m_dashboard->refresh();
        break;
    case Orders:
        m_orders->refresh();
        break;
    case VenueBoard:
        m_board->refresh();
        break;
    case Venues:
        m_venues->refresh();
        break;
    case Topups:
        m_topups->refresh();
        break;
    case Streams:
        m_streams->refresh();
        break;
    case Queues:
        m_queues->refresh();
        break;
    case Locks:
        m_locks->refresh();
        break;
    case Notifications:
        m_notifications->refresh();
        break;
    case Audit:
        m_audit->refresh();
        break;
    case PaymentExceptions:
        m_paymentExceptions->refresh();
        break;
    }
}

void MainWindow::relogin()
{
    if (m_reloginOpen)
        return;
    m_reloginOpen = true;
    applyRole();
    auto *dialog = new LoginDialog(m_client, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setServer(m_client->baseUrl().toString());
    connect(dialog, &QDialog::finished, this, [this](int result) {
        m_reloginOpen = false;
        if (result != QDialog::Accepted)
            close();
    });
    dialog->open();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/view"), viewName(currentView()));
    QMainWindow::closeEvent(event);
}

} // namespace pomelo::console
