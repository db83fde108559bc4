// pomelo-console against a real pomelo-server (offscreen platform) on SQLite and PostgreSQL: log
// in, the orders model fills and follows the live feed through a real payment, the venue board
// shows a booking of the mini-program, an intervention from the console reaches the server and its
// audit log, the main window's views fill (the order detail links its trace into the viewer of
// telemetry.trace_url_template and shows each event's span id), a payment exception (a late
// e-card payment) shows up live and is resolved through the view's dialogs, a staff account
// follows the live feed too, and the console reconnects by itself when the server restarts.
#include "api/adminclient.h"
#include "dashboardview.h"
#include "domain/signing.h"
#include "format.h"
#include "mainwindow.h"
#include "opsmodels.h"
#include "ordersmodel.h"
#include "ordersview.h"
#include "paymentexceptionfixture.h"
#include "paymentexceptionmodel.h"
#include "paymentexceptionsview.h"
#include "reasondialog.h"
#include "tableview.h"
#include "tracelabel.h"
#include "venueboardmodel.h"
#include "venueboardview.h"

#include <QAction>
#include <QApplication>
#include <QDeadlineTimer>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>

#include <map>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("console-admin-pass-1");
const QString StaffPassword = QStringLiteral("console-staff-pass-1");
/// The servers' telemetry.trace_url_template (the console links trace ids there).
const QString TraceViewer = QStringLiteral("http://jaeger.test:16686/trace/");

QString statusInModel(const console::OrdersModel &model, const QString &orderId)
{
    const int row = model.rowOfKey(orderId);
    return row < 0 ? QString() : model.rowAt(row).status;
}

/// Answers the modal dialogs of a console action as they open: the reason dialog (types the reason
/// and presses OK, or Cancel without a reason), then the confirmation (Yes). Clicks are queued: a
/// dialog's exec() must not run inside this timer's slot, or the timer would not fire again
/// before it returned. Gives up (rejecting what is open) at its deadline.
class DialogDriver : public QObject
{
public:
    explicit DialogDriver(QString reason, int timeoutMs = 20000)
        : m_reason(std::move(reason))
        , m_deadline(timeoutMs)
    {
        connect(&m_timer, &QTimer::timeout, this, &DialogDriver::poll);
        m_timer.start(10);
    }

    QStringList confirmations;
    int reasonDialogs = 0;
    bool timedOut = false;

private:
    static void clickLater(QAbstractButton *button)
    {
        QMetaObject::invokeMethod(button, &QAbstractButton::click, Qt::QueuedConnection);
    }

    void poll()
    {
        QWidget *modal = QApplication::activeModalWidget();
        if (m_deadline.hasExpired()) {
            timedOut = true;
            if (auto *dialog = qobject_cast<QDialog *>(modal))
                QMetaObject::invokeMethod(dialog, &QDialog::reject, Qt::QueuedConnection);
            return;
        }
        // Each dialog is answered once: a reason dialog is active again for a moment after its
        // confirmation box closes, and must not count (or be answered) twice.
        if (!modal
            || std::any_of(m_handled.cbegin(), m_handled.cend(),
                           [modal](const QPointer<QWidget> &w) { return w == modal; }))
            return;
        m_handled.append(modal);
        if (auto *box = qobject_cast<QMessageBox *>(modal)) {
            confirmations.append(box->text());
            clickLater(box->button(QMessageBox::Yes));
        } else if (auto *dialog = qobject_cast<console::ReasonDialog *>(modal)) {
            ++reasonDialogs;
            auto *buttons = dialog->findChild<QDialogButtonBox *>();
            if (m_reason.isEmpty()) {
                clickLater(buttons->button(QDialogButtonBox::Cancel));
                return;
            }
            dialog->findChild<QPlainTextEdit *>()->setPlainText(m_reason);
            clickLater(buttons->button(QDialogButtonBox::Ok));
        }
    }

    QString m_reason;
    QDeadlineTimer m_deadline;
    QTimer m_timer;
    QList<QPointer<QWidget>> m_handled; ///< guarded: a deleted dialog's address may come back
};

} // namespace

class TestConsole : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void login_data() { backends(); }
    void login();
    void ordersModelFillsAndFollowsThePayment_data() { backends(); }
    void ordersModelFillsAndFollowsThePayment();
    void venueBoardShowsBooking_data() { backends(); }
    void venueBoardShowsBooking();
    void closeOrderFromConsoleIsAudited_data() { backends(); }
    void closeOrderFromConsoleIsAudited();
    void mainWindowViewsFill_data() { backends(); }
    void mainWindowViewsFill();
    void paymentExceptionResolvedFromTheView_data() { backends(); }
    void paymentExceptionResolvedFromTheView();
    void operationsModelsFill_data() { backends(); }
    void operationsModelsFill();
    void staffFollowsTheLiveFeed_data() { backends(); }
    void staffFollowsTheLiveFeed();
    // SQLite only: it restarts the server on the same data dir and port, which the PostgreSQL
    // row would only repeat (the client side is the same).
    void reconnectsAfterServerRestart();

private:
    static void backends() { addBackendRows(); }
    /// A client logged in as admin, with its live feed connected.
    std::unique_ptr<api::AdminClient> adminClient(bool waitForLive = true);
    /// The detail of @p orderId (selected in @p view) links its trace into the trace viewer, and
    /// its timeline shows the span id of each event.
    void checkTraceInDetail(api::AdminClient &client, console::OrdersView &view,
                            const QString &orderId);

    /// One server per backend, started when a test first needs it and kept for the following
    /// tests: they build on each other's orders (the dashboard counts the payment of an earlier
    /// test), and one start per backend keeps the test short.
    struct Backend
    {
        std::unique_ptr<ServerProcess> server;
        std::unique_ptr<PayApi> pay;
        quint16 port = 0;
    };
    std::map<QString, Backend> m_backends;
    // Those of the current test's backend (set by init()).
    ServerProcess *m_server = nullptr;
    PayApi *m_pay = nullptr;
    quint16 m_port = 0;
};

void TestConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings of the console go to a test location
}

void TestConsole::init()
{
    // The data rows are named after their backend; a test without rows runs on SQLite.
    const char *tag = QTest::currentDataTag();
    const QString backend = tag ? QString::fromLatin1(tag) : QStringLiteral("sqlite");
    Backend &b = m_backends[backend];
    if (!b.server) {
        b.port = freeLoopbackPort();
        b.server = BookingHarness::startServer(
            backend, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(b.port)},
            {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
             QStringLiteral("POMELO_TELEMETRY_TRACE_URL_TEMPLATE=") + TraceViewer
                 + QStringLiteral("{traceId}")});
        QVERIFY(b.server);
        QCOMPARE(b.server->port(), b.port);
        b.pay = std::make_unique<PayApi>(
            *b.server, demoApp(b.server->dataDir(), QStringLiteral("utility-topup")));
    }
    m_server = b.server.get();
    m_pay = b.pay.get();
    m_port = b.port;
}

void TestConsole::cleanupTestCase()
{
    m_server = nullptr;
    m_pay = nullptr;
    m_backends.clear();
}

std::unique_ptr<api::AdminClient> TestConsole::adminClient(bool waitForLive)
{
    auto client = std::make_unique<api::AdminClient>();
    client->setBaseUrl(m_server->url(QString()));
    bool done = false;
    client->login(QStringLiteral("admin"), AdminPassword, nullptr,
                  [&done](const api::LoginResult &) { done = true; });
    if (!waitUntil([&] { return done; }, 15000))
        return nullptr;
    if (waitForLive && !waitUntil([&] { return client->isLiveConnected(); }, 15000))
        return nullptr;
    return client;
}

void TestConsole::checkTraceInDetail(api::AdminClient &client, console::OrdersView &view,
                                     const QString &orderId)
{
    QCOMPARE(client.session().traceUrlTemplate, TraceViewer + QStringLiteral("{traceId}"));
    std::optional<api::OrderDetail> detail;
    client.orderDetail(orderId, this, [&detail](const api::OrderDetail &d) { detail = d; });
    QTRY_VERIFY_WITH_TIMEOUT(detail.has_value(), 15000);
    QCOMPARE(detail->traceId.size(), 32);

    console::TraceLabel *trace = view.traceLabel();
    QList<QUrl> opened;
    trace->setUrlOpener([&opened](const QUrl &url) {
        opened.append(url);
        return true;
    });
    QTRY_COMPARE_WITH_TIMEOUT(trace->traceId(), detail->traceId, 15000);
    const QString url = TraceViewer + detail->traceId;
    QCOMPARE(trace->url().toString(), url);
    QVERIFY2(trace->label()->text().contains(QStringLiteral("href=\"%1\"").arg(url)),
             qPrintable(trace->label()->text()));
    emit trace->label()->linkActivated(url);
    QCOMPARE(opened, QList<QUrl> {QUrl(url)});

    QVERIFY(!detail->events.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(view.detail()->toPlainText().contains(detail->events.first().spanId),
                             15000);
    for (const api::OrderEvent &e : std::as_const(detail->events)) {
        QCOMPARE(e.spanId.size(), 16);
        QVERIFY2(view.detail()->toPlainText().contains(e.spanId), qPrintable(e.spanId));
    }
}

void TestConsole::login()
{
    api::AdminClient client;
    client.setBaseUrl(m_server->url(QString()));
    QSignalSpy loggedIn(&client, &api::AdminClient::loggedIn);

    std::optional<api::ApiError> error;
    client.login(QStringLiteral("admin"), QStringLiteral("not-the-password"), this, {},
                 [&error](const api::ApiError &e) { error = e; });
    QTRY_VERIFY(error.has_value());
    QCOMPARE(error->httpStatus, 401);
    QCOMPARE(error->code, 4010);
    QVERIFY(!client.isLoggedIn());

    std::optional<api::LoginResult> result;
    client.login(QStringLiteral("admin"), AdminPassword, this,
                 [&result](const api::LoginResult &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QVERIFY(result->isAdmin());
    QVERIFY(result->token.size() >= 32);
    QVERIFY(result->expiresIn > 0);
    QCOMPARE(loggedIn.size(), 1);
    QVERIFY(client.isLoggedIn());
    // Admins get the live feed.
    QTRY_VERIFY_WITH_TIMEOUT(client.isLiveConnected(), 15000);
}

void TestConsole::ordersModelFillsAndFollowsThePayment()
{
    const QString before = m_pay->createOrder(QStringLiteral("console-before-1"), 1234);
    QVERIFY(!before.isEmpty());
    auto client = adminClient();
    QVERIFY(client);

    console::OrdersModel model(client.get());
    QSignalSpy refreshed(&model, &console::OrdersModel::refreshed);
    model.setQuery({});
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.size(), 1, 15000);
    const int row = model.rowOfKey(before);
    QVERIFY(row >= 0);
    QCOMPARE(model.rowAt(row).amount, 1234);
    QCOMPARE(model.rowAt(row).status, QStringLiteral("INIT"));
    QCOMPARE(model.rowAt(row).subject, QStringLiteral("Water top-up"));
    QCOMPARE(model.index(row, console::OrdersModel::Amount).data().toString(),
             QStringLiteral("¥12.34"));
    QCOMPARE(model.index(row, console::OrdersModel::Amount).data(console::SortRole).toLongLong(),
             1234);

    // A new order appears by itself (live feed), then follows its payment to PAID.
    const QString live = m_pay->createOrder(QStringLiteral("console-live-1"), 2500);
    QVERIFY(!live.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusInModel(model, live), QStringLiteral("INIT"), 15000);
    // The row is completed from the order's detail (the event has no subject).
    QTRY_COMPARE_WITH_TIMEOUT(model.rowAt(model.rowOfKey(live)).subject,
                              QStringLiteral("Water top-up"), 15000);
    QVERIFY(m_pay->payWithEcard(live, 2500));
    QTRY_COMPARE_WITH_TIMEOUT(statusInModel(model, live), QStringLiteral("PAID"), 15000);
    QCOMPARE(m_pay->status(live), QStringLiteral("PAID"));
    QCOMPARE(model.rowAt(model.rowOfKey(live)).amount, 2500);
    // No refresh happened meanwhile: that was the live feed.
    QCOMPARE(refreshed.size(), 1);

    // Server-side filter: only PAID orders.
    api::OrderQuery paidOnly;
    paidOnly.status = QStringLiteral("PAID");
    model.setQuery(paidOnly);
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.size(), 2, 15000);
    QVERIFY(model.rowOfKey(live) >= 0);
    QCOMPARE(model.rowOfKey(before), -1);
}

void TestConsole::venueBoardShowsBooking()
{
    MiniProgramUser alice(*m_server, QStringLiteral("console-alice"));
    QVERIFY(alice.loggedIn());
    QCOMPARE(alice
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040177","name":"Alice","phone":"13800138000"})")
                 .status,
             200);
    const QJsonArray venues = alice.get(QStringLiteral("/api/v1/venues")).json().array();
    QVERIFY(!venues.isEmpty());
    const qint64 venueId = venues.first()[QStringLiteral("id")].toInteger();
    const HttpResult r =
        alice.book(venueId, tomorrow(), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(r.status, 201);
    const QString bookingId = r.json()[QStringLiteral("id")].toString();

    auto client = adminClient(false);
    QVERIFY(client);
    console::VenueBoardModel model(client.get());
    QSignalSpy refreshed(&model, &console::VenueBoardModel::refreshed);
    model.load(tomorrow());
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.size(), 1, 15000);
    QCOMPARE(model.rowCount(), static_cast<int>(venues.size()));
    const QModelIndex cell = model.indexOfBooking(bookingId);
    QVERIFY(cell.isValid());
    QCOMPARE(model.venueAt(cell.row())->id, venueId);
    QCOMPARE(cell.data(console::VenueBoardModel::StateRole).toString(), QStringLiteral("HELD"));
    QCOMPARE(cell.data(Qt::DisplayRole).toString(), QStringLiteral("Alice"));
    QCOMPARE(model.headerData(cell.column(), Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("10:00"));
    QCOMPARE(cell.data(Qt::BackgroundRole).value<QColor>(),
             console::slotStateColor(QStringLiteral("HELD")));
    // 60-minute slots on a grid of the common step (30 minutes with the table-tennis venues).
    QCOMPARE(model.columnSpan(cell.row(), cell.column()), 2);
    const api::BoardSlot *slot = model.slotAt(cell);
    QVERIFY(slot);
    QCOMPARE(slot->studentId, QStringLiteral("B22040177"));
    QCOMPARE(slot->bookingStatus, QStringLiteral("PENDING_PAYMENT"));
    // The next slot of that venue is free; the grid starts at 06:30 (the pool), when the
    // badminton court is still closed.
    const QModelIndex next =
        model.index(cell.row(), cell.column() + model.columnSpan(cell.row(), cell.column()));
    QVERIFY(model.slotAt(next));
    QCOMPARE(model.slotAt(next)->startTime, QStringLiteral("11:00"));
    QCOMPARE(next.data(console::VenueBoardModel::StateRole).toString(), QStringLiteral("FREE"));
    QCOMPARE(model.headerData(0, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("06:30"));
    QVERIFY(!model.slotAt(model.index(cell.row(), 0)));
}

void TestConsole::closeOrderFromConsoleIsAudited()
{
    const QString orderId = m_pay->createOrder(QStringLiteral("console-close-1"), 990);
    QVERIFY(!orderId.isEmpty());
    auto client = adminClient();
    QVERIFY(client);
    console::OrdersModel orders(client.get());
    orders.setQuery({});
    QTRY_VERIFY_WITH_TIMEOUT(orders.rowOfKey(orderId) >= 0, 15000);

    const QString reason = QStringLiteral("用户申请关闭 console-e2e");
    std::optional<api::AdminOrder> closed;
    client->closeOrder(orderId, reason, this, [&closed](const api::AdminOrder &o) { closed = o; });
    QTRY_VERIFY_WITH_TIMEOUT(closed.has_value(), 15000);
    QCOMPARE(closed->status, QStringLiteral("CLOSED"));
    // The server agrees, and the console's table follows through the live feed.
    QCOMPARE(m_pay->status(orderId), QStringLiteral("CLOSED"));
    QTRY_COMPARE_WITH_TIMEOUT(statusInModel(orders, orderId), QStringLiteral("CLOSED"), 15000);

    // A second close is refused with the API's code, and the client reports it.
    std::optional<api::ApiError> error;
    client->closeOrder(orderId, reason, this, {}, [&error](const api::ApiError &e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 15000);
    QCOMPARE(error->code, 2007);
    QVERIFY(!error->traceId.isEmpty());

    console::AuditModel audit(client.get());
    api::AdminClient::AuditQuery q;
    q.action = QStringLiteral("order.close");
    audit.setQuery(q);
    QTRY_COMPARE_WITH_TIMEOUT(audit.rowCount(), 2, 15000);
    int ok = 0;
    for (const api::AuditEntry &e : audit.rows()) {
        QCOMPARE(e.actor, QStringLiteral("admin"));
        QCOMPARE(e.target, QStringLiteral("order:") + orderId);
        QCOMPARE(e.reason, reason);
        ok += e.details.value(QStringLiteral("outcome")).toString() == QLatin1String("ok");
    }
    QCOMPARE(ok, 1);
}

void TestConsole::mainWindowViewsFill()
{
    const QString orderId = m_pay->createOrder(QStringLiteral("console-window-1"), 4200);
    QVERIFY(!orderId.isEmpty());
    auto client = adminClient();
    QVERIFY(client);
    console::MainWindow window(client.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("orders")));
    QCOMPARE(window.currentView(), console::MainWindow::Orders);
    QTRY_VERIFY_WITH_TIMEOUT(window.ordersView()->model()->rowOfKey(orderId) >= 0, 15000);
    QVERIFY(window.ordersView()->selectOrder(orderId));
    QVERIFY(window.ordersView()->table()->proxy()->rowCount() > 0);
    QVERIFY(!window.banner()->isVisible());
    checkTraceInDetail(*client, *window.ordersView(), orderId);

    QVERIFY(window.showView(QStringLiteral("venue-board")));
    QTRY_VERIFY_WITH_TIMEOUT(window.venueBoardView()->model()->rowCount() > 0, 15000);

    QVERIFY(window.showView(QStringLiteral("dashboard")));
    QTRY_VERIFY_WITH_TIMEOUT(window.dashboardView()->ordersToday(QStringLiteral("INIT")) > 0,
                             15000);
    QVERIFY(window.dashboardView()->paidTodayCents() >= 2500); // the order paid above
    QVERIFY(!window.showView(QStringLiteral("no-such-view")));
}

void TestConsole::paymentExceptionResolvedFromTheView()
{
    auto client = adminClient();
    QVERIFY(client);
    QSignalSpy live(client.get(), &api::AdminClient::livePaymentException);
    console::MainWindow window(client.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("payment-exceptions")));
    QCOMPARE(window.currentView(), console::MainWindow::PaymentExceptions);
    console::PaymentExceptionsView *view = window.paymentExceptionsView();
    console::PaymentExceptionModel *model = view->model();
    QSignalSpy refreshed(model, &console::PaymentExceptionModel::refreshed);
    QTRY_VERIFY_WITH_TIMEOUT(refreshed.size() >= 1, 15000);

    // A late e-card payment of a closed order: recorded and refunded by the server, announced on
    // the live feed, and listed by the view without anyone asking.
    const LatePayment late =
        latePaymentException(*m_server, *m_pay, QStringLiteral("console-late-1"), 1234);
    QVERIFY(!late.exceptionId.isEmpty());
    const auto announced = [&] {
        for (const QList<QVariant> &args : std::as_const(live)) {
            if (args.first().value<api::LivePaymentException>().id == late.exceptionId)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(announced(), 15000);
    const auto state = [&] {
        const int row = model->rowOfKey(late.exceptionId);
        return row < 0 ? QString() : model->rowAt(row).state;
    };
    QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("REFUNDED"), 20000);
    const api::PaymentExceptionItem &item = model->rowAt(model->rowOfKey(late.exceptionId));
    QCOMPARE(item.orderId, late.orderId);
    QCOMPARE(item.paidAmount, 1234);
    QCOMPARE(item.reason, QStringLiteral("LATE"));
    QCOMPARE(model->index(model->rowOfKey(late.exceptionId), console::PaymentExceptionModel::Amount)
                 .data()
                 .toString(),
             QStringLiteral("¥12.34"));

    // Open cases are shown by default; the detail names the case, its amount and its order.
    QVERIFY(view->selectException(late.exceptionId));
    QVERIFY(view->detailText().contains(late.exceptionId));
    QVERIFY(view->detailText().contains(QStringLiteral("¥12.34")));
    QVERIFY(view->detailText().contains(late.orderId));
    QVERIFY(view->resolveAction()->isEnabled());

    // Cancelled at the reason: nothing is sent.
    {
        DialogDriver cancel {QString()};
        view->resolveAction()->trigger();
        QVERIFY(!cancel.timedOut);
        QCOMPARE(cancel.reasonDialogs, 1);
        QVERIFY(cancel.confirmations.isEmpty());
    }
    Database db(serverDatabaseUrl(*m_server));
    const qint64 id = late.exceptionId.toLongLong();
    QCOMPARE(PaymentExceptionRepository(db).find(id)->state, PaymentExceptionState::Refunded);

    // With a reason and the confirmation, which names the case and the amount.
    const QString reason = QStringLiteral("一卡通中心确认退款到账 console-e2e");
    {
        DialogDriver resolve {reason};
        view->resolveAction()->trigger();
        QVERIFY(!resolve.timedOut);
        QCOMPARE(resolve.reasonDialogs, 1);
        QCOMPARE(resolve.confirmations.size(), 1);
        QVERIFY2(resolve.confirmations.first().contains(late.exceptionId),
                 qPrintable(resolve.confirmations.first()));
        QVERIFY2(resolve.confirmations.first().contains(QStringLiteral("¥12.34")),
                 qPrintable(resolve.confirmations.first()));
        QVERIFY(resolve.confirmations.first().contains(reason));
    }
    QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("RESOLVED"), 15000);
    const std::optional<PaymentException> stored = PaymentExceptionRepository(db).find(id);
    QVERIFY(stored);
    QCOMPARE(stored->state, PaymentExceptionState::Resolved);
    QCOMPARE(stored->resolvedBy, QStringLiteral("admin"));
    QCOMPARE(stored->resolution, reason);

    // Resolved cases leave the open list and show under their state, no longer resolvable.
    QVERIFY(!view->selectException(late.exceptionId));
    QVERIFY(view->setStateFilter(QStringLiteral("RESOLVED")));
    QVERIFY(view->selectException(late.exceptionId));
    QVERIFY(view->detailText().contains(reason));
    QVERIFY(!view->resolveAction()->isEnabled());
}

void TestConsole::operationsModelsFill()
{
    // An unpaid order is in the timeout queue; paid ones went through the stream's groups.
    const QString orderId = m_pay->createOrder(QStringLiteral("console-ops-1"), 300);
    QVERIFY(!orderId.isEmpty());
    QVERIFY(m_pay->payWithEcard(orderId, 300));
    auto client = adminClient(false);
    QVERIFY(client);

    console::QueueItemsModel queues(client.get());
    QSignalSpy queuesRefreshed(&queues, &console::QueueItemsModel::refreshed);
    queues.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(queuesRefreshed.size(), 1, 15000);
    QVERIFY(queues.queues().size() >= 2);
    QVERIFY(queues.rowCount() >= 1);
    queues.refresh(); // merging the same rows again keeps them
    QTRY_COMPARE_WITH_TIMEOUT(queuesRefreshed.size(), 2, 15000);
    QVERIFY(queues.rowCount() >= 1);

    console::StreamModels stream(client.get());
    QSignalSpy streamRefreshed(&stream, &console::StreamModels::refreshed);
    stream.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(streamRefreshed.size(), 1, 15000);
    QVERIFY(stream.info().length > 0);
    QVERIFY(stream.groups()->rowCount() >= 2);
    QVERIFY(stream.entries()->rowCount() > 0);

    console::LocksModel locks(client.get());
    QSignalSpy locksRefreshed(&locks, &console::LocksModel::refreshed);
    locks.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(locksRefreshed.size(), 1, 15000);

    console::NotificationsModel notifications(client.get());
    QSignalSpy notificationsRefreshed(&notifications, &console::NotificationsModel::refreshed);
    notifications.setState(QString());
    QTRY_VERIFY_WITH_TIMEOUT(notificationsRefreshed.size() >= 1, 15000);
    QVERIFY(notifications.rowCount() > 0);
}

void TestConsole::staffFollowsTheLiveFeed()
{
    // A staff account (the `user add` command on the running server's storage).
    const QStringList args = m_server->process().arguments();
    QProcess add;
    add.start(ServerProcess::binary(),
              {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("--username"),
               QStringLiteral("staff1"), QStringLiteral("--role"), QStringLiteral("staff"),
               QStringLiteral("--password"), StaffPassword, QStringLiteral("--data-dir"),
               m_server->dataDir(), QStringLiteral("--database"),
               BookingHarness::databaseUrl(args, m_server->dataDir())});
    QVERIFY(add.waitForFinished(60000));
    QVERIFY2(add.exitCode() == 0, add.readAllStandardOutput().constData());

    api::AdminClient client;
    client.setBaseUrl(m_server->url(QString()));
    std::optional<api::LoginResult> session;
    client.login(QStringLiteral("staff1"), StaffPassword, this,
                 [&session](const api::LoginResult &r) { session = r; });
    QTRY_VERIFY_WITH_TIMEOUT(session.has_value(), 15000);
    QVERIFY(!session->isAdmin());
    // Staff use the live feed, not polling.
    QTRY_VERIFY_WITH_TIMEOUT(client.isLiveConnected(), 15000);
    QSignalSpy stats(&client, &api::AdminClient::liveStats);

    console::MainWindow window(&client);
    window.show();
    QVERIFY(window.showView(QStringLiteral("orders")));
    QVERIFY(!window.banner()->isVisible());
    console::OrdersModel *model = window.ordersView()->model();
    QSignalSpy refreshed(model, &console::OrdersModel::refreshed);
    QTRY_VERIFY_WITH_TIMEOUT(refreshed.size() >= 1, 15000);
    const int refreshes = static_cast<int>(refreshed.size());
    const QString orderId = m_pay->createOrder(QStringLiteral("console-staff-1"), 800);
    QVERIFY(!orderId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusInModel(*model, orderId), QStringLiteral("INIT"), 15000);
    QVERIFY(m_pay->payWithEcard(orderId, 800));
    QTRY_COMPARE_WITH_TIMEOUT(statusInModel(*model, orderId), QStringLiteral("PAID"), 15000);
    QCOMPARE(refreshed.size(), refreshes); // the live feed, not a poll

    // The dashboard's order numbers come from /dashboard for staff too.
    QVERIFY(window.showView(QStringLiteral("dashboard")));
    QTRY_VERIFY_WITH_TIMEOUT(window.dashboardView()->ordersToday(QStringLiteral("PAID")) > 0,
                             15000);
    QVERIFY(window.dashboardView()->paidTodayCents() >= 800);
    QCOMPARE(stats.size(), 0); // the queue/notification stats are for admins
}

void TestConsole::reconnectsAfterServerRestart()
{
    auto client = adminClient();
    QVERIFY(client);
    console::MainWindow window(client.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("orders")));
    QVERIFY(!window.banner()->isVisible());

    QCOMPARE(m_server->terminate(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!client->isServerReachable(), 15000);
    QVERIFY(!client->isLiveConnected());
    QVERIFY(window.banner()->isVisible());

    // Same port, same data: the session (kept in Redis) survives, the console reconnects.
    QVERIFY2(m_server->start(30000), m_server->output().constData());
    QTRY_VERIFY_WITH_TIMEOUT(client->isServerReachable(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(client->isLiveConnected(), 30000);
    QTRY_VERIFY(!window.banner()->isVisible());

    // And the live feed works again.
    const QString orderId = m_pay->createOrder(QStringLiteral("console-after-restart"), 100);
    QVERIFY(!orderId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(window.ordersView()->model()->rowOfKey(orderId) >= 0, 15000);
}

QTEST_MAIN(TestConsole)
#include "test_console.moc"
