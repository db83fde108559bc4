// The console's 水电充值 (utility top-ups) view against a real pomelo-server (offscreen platform)
// on SQLite and PostgreSQL, with its e-card sandbox and its simulated campus utility system: a
// student's top-up paid with the e-card and delivered shows in the list with its translated
// type, amount and status, and in the detail with its student and history; one whose delivery
// met a busy utility system (its next attempt a minute away) is re-delivered from the view with
// a reason and a confirmation and arrives; another is refunded by an admin; the room lookup shows
// the balances, the student and the top-ups; a staff account sees the list and the detail but no
// refund, and the server refuses it one anyway.
#include "api/adminclient.h"
#include "dialogsteps.h"
#include "mainwindow.h"
#include "payclient.h"
#include "reasondialog.h"
#include "tableview.h"
#include "topupsmodel.h"
#include "topupsview.h"

#include <QAction>
#include <QApplication>
#include <QDeadlineTimer>
#include <QDialogButtonBox>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTimer>
#include <QToolButton>

#include <functional>
#include <map>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("topups-admin-pass-1");
const QString StaffPassword = QStringLiteral("topups-staff-pass-1");

/// A student on the mini-program with a profile (the e-card pays by student number) and a room.
struct Student
{
    Student(ServerProcess &server, const QString &name, const QString &studentId,
            const QString &roomId)
        : user(server, name)
    {
        user.put(QStringLiteral("/api/v1/me"),
                 compact({{QStringLiteral("studentId"), studentId},
                          {QStringLiteral("name"), name},
                          {QStringLiteral("phone"), QStringLiteral("13800138000")}}));
        const HttpResult r = user.put(QStringLiteral("/api/v1/me/room"),
                                      compact({{QStringLiteral("roomId"), roomId}}));
        bound = r.status == 200;
        if (!bound)
            qWarning("bind %s: %d %s", qPrintable(roomId), r.status, r.body.constData());
    }
    /// A new top-up's id (empty when refused).
    QString create(qint64 amount, const QString &utility = QStringLiteral("ELECTRICITY")) const
    {
        return user
            .post(
                QStringLiteral("/api/v1/topups"),
                compact({{QStringLiteral("utility"), utility}, {QStringLiteral("amount"), amount}}))
            .json()[QStringLiteral("id")]
            .toString();
    }
    QString status(const QString &id) const
    {
        return user.get(QStringLiteral("/api/v1/topups/") + id)
            .json()[QStringLiteral("status")]
            .toString();
    }

    MiniProgramUser user;
    bool bound = false;
};

/// Signs the top-up and pays it with the e-card sandbox; false when a step failed.
bool pay(ServerProcess &server, const Student &s, const QString &topupId)
{
    const HttpResult sign = s.user.post(QStringLiteral("/api/v1/topups/%1/sign").arg(topupId), {});
    if (sign.status != 200) {
        qWarning("sign: %d %s", sign.status, sign.body.constData());
        return false;
    }
    QJsonObject cashier = sign.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    const HttpResult r = server.post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    if (r.status != 200) {
        qWarning("cashier: %d %s", r.status, r.body.constData());
        return false;
    }
    return simulatePay(server,
                       r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString())
               .status
        == 200;
}

/// The utility system refuses the next @p count requests as busy (retryable).
HttpResult fault(ServerProcess &server, const QString &mode, int count)
{
    return server.post(QStringLiteral("/sandbox/utility/simulate/fault"),
                       compact({{QStringLiteral("mode"), mode}, {QStringLiteral("count"), count}}));
}

} // namespace

class TestConsoleTopups : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void topupsFromTheView_data() { addBackendRows(); }
    void topupsFromTheView();
    void staffCannotRefund();

private:
    std::unique_ptr<api::AdminClient> login(const QString &user, const QString &password);
    /// The admin API's view of top-up @p id (with the client's token).
    QJsonObject adminTopup(const api::AdminClient &client, const QString &id);

    struct Backend
    {
        std::unique_ptr<ServerProcess> server;
    };
    std::map<QString, Backend> m_backends;
    ServerProcess *m_server = nullptr;
};

void TestConsoleTopups::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestConsoleTopups::init()
{
    const char *tag = QTest::currentDataTag();
    const QString backend = tag ? QString::fromLatin1(tag) : QStringLiteral("sqlite");
    Backend &b = m_backends[backend];
    if (!b.server) {
        // A failed delivery attempt waits a minute for the next: long enough for the view to
        // re-deliver it or refund it first.
        b.server = BookingHarness::startServer(
            backend, {},
            {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
             QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=60")});
        QVERIFY(b.server);
    }
    m_server = b.server.get();
}

void TestConsoleTopups::cleanupTestCase()
{
    m_server = nullptr;
    m_backends.clear();
}

std::unique_ptr<api::AdminClient> TestConsoleTopups::login(const QString &user,
                                                           const QString &password)
{
    auto client = std::make_unique<api::AdminClient>();
    client->setBaseUrl(m_server->url(QString()));
    bool done = false;
    client->login(user, password, nullptr, [&done](const api::LoginResult &) { done = true; });
    if (!waitUntil([&] { return done; }, 15000))
        return nullptr;
    return client;
}

QJsonObject TestConsoleTopups::adminTopup(const api::AdminClient &client, const QString &id)
{
    return m_server
        ->get(QStringLiteral("/admin/v1/topups/") + id,
              {{"Authorization", "Bearer " + client.session().token.toLatin1()}})
        .json()
        .object();
}

void TestConsoleTopups::topupsFromTheView()
{
    const QString tag = QString::fromLatin1(QTest::currentDataTag());
    // A room of its own per backend row: its balances are this case's alone.
    Student alice(*m_server, QStringLiteral("topups-") + tag,
                  tag == QLatin1String("sqlite") ? QStringLiteral("T3001")
                                                 : QStringLiteral("T3002"),
                  QStringLiteral("ZY1-101"));
    QVERIFY(alice.user.loggedIn());
    QVERIFY(alice.bound);

    // 1. Paid and delivered before the console looks.
    const QString delivered = alice.create(2000);
    QVERIFY(!delivered.isEmpty());
    QVERIFY(pay(*m_server, alice, delivered));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(delivered), QStringLiteral("DELIVERED"), 30000);

    auto client = login(QStringLiteral("admin"), AdminPassword);
    QVERIFY(client);
    console::MainWindow window(client.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("topups")));
    QCOMPARE(window.currentView(), console::MainWindow::Topups);
    console::TopupsView *view = window.topupsView();
    console::TopupsModel *model = view->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOfKey(delivered) >= 0, 15000);
    const int row = model->rowOfKey(delivered);
    const auto cell = [&](int r, int column) {
        return model->index(r, column).data().toString();
    };
    QCOMPARE(cell(row, console::TopupsModel::Utility), QStringLiteral("Electricity"));
    QCOMPARE(cell(row, console::TopupsModel::Amount), QStringLiteral("¥20.00"));
    QCOMPARE(cell(row, console::TopupsModel::Status), QStringLiteral("Delivered"));
    QVERIFY2(cell(row, console::TopupsModel::Room).contains(QStringLiteral("101")),
             qPrintable(cell(row, console::TopupsModel::Room)));
    QVERIFY(view->selectTopup(delivered));
    QTRY_COMPARE_WITH_TIMEOUT(view->shownTopupId(), delivered, 15000);
    QString detail = view->detailText();
    QVERIFY2(detail.contains(QStringLiteral("T300")), qPrintable(detail)); // the student
    QVERIFY2(detail.contains(QStringLiteral("Campus card")), qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("Payment notification")), qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("Awaiting payment → Paid, delivering")),
             qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("Paid, delivering → Delivered")), qPrintable(detail));
    QVERIFY(!view->redeliverAction()->isEnabled()); // delivered: nothing to do
    QVERIFY(!view->refundAction()->isEnabled());
    QVERIFY(view->refundAction()->isVisible()); // an admin's

    // 2. The utility system is busy once: the first attempt fails, the next is a minute away;
    // the view re-delivers it now.
    const QString waiting = alice.create(3000, QStringLiteral("WATER"));
    QVERIFY(!waiting.isEmpty());
    QCOMPARE(fault(*m_server, QStringLiteral("BUSY"), 1).status, 200);
    QVERIFY(pay(*m_server, alice, waiting));
    QTRY_VERIFY_WITH_TIMEOUT(adminTopup(*client, waiting)[QStringLiteral("attempts")].toInt() == 1,
                             20000);
    QCOMPARE(adminTopup(*client, waiting)[QStringLiteral("status")].toString(),
             QStringLiteral("PAID"));
    view->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model->topup(waiting) && model->topup(waiting)->attempts == 1, 15000);
    QVERIFY(view->selectTopup(waiting));
    QTRY_COMPARE_WITH_TIMEOUT(view->shownTopupId(), waiting, 15000);
    QVERIFY2(view->detailText().contains(QStringLiteral("Next attempt")),
             qPrintable(view->detailText()));
    QVERIFY(view->redeliverAction()->isEnabled());
    QVERIFY(view->refundAction()->isEnabled());
    QString description;
    {
        DialogSteps steps {{reasonStep(QStringLiteral("学生来电 console-e2e"), &description),
                            boxStep(QMessageBox::Yes), boxStep(QMessageBox::Ok)}};
        view->redeliverAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(steps.handled, 3, 20000);
        QVERIFY(!steps.timedOut);
        QVERIFY2(steps.texts.first().contains(waiting), qPrintable(steps.texts.first()));
        QVERIFY2(steps.texts.last().contains(QStringLiteral("delivered again")),
                 qPrintable(steps.texts.last()));
    }
    QVERIFY2(description.contains(QStringLiteral("¥30.00")), qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("Water")), qPrintable(description));
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(waiting), QStringLiteral("DELIVERED"), 20000);
    // The view looks again by itself after an action.
    QTRY_COMPARE_WITH_TIMEOUT(model->topup(waiting)->status, QStringLiteral("DELIVERED"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(view->detailText().contains(QStringLiteral("学生来电 console-e2e")),
                             15000);
    QVERIFY2(view->detailText().contains(QStringLiteral("Staff admin")),
             qPrintable(view->detailText()));
    QVERIFY(!view->redeliverAction()->isEnabled());

    // 3. Busy again: the admin refunds this one instead.
    const QString refunded = alice.create(1000);
    QVERIFY(!refunded.isEmpty());
    QCOMPARE(fault(*m_server, QStringLiteral("BUSY"), 1).status, 200);
    QVERIFY(pay(*m_server, alice, refunded));
    QTRY_VERIFY_WITH_TIMEOUT(adminTopup(*client, refunded)[QStringLiteral("attempts")].toInt() == 1,
                             20000);
    view->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(view->selectTopup(refunded), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(view->refundAction()->isEnabled(), 15000);
    {
        DialogSteps steps {{reasonStep(QStringLiteral("宿舍停用 console-e2e")),
                            boxStep(QMessageBox::Yes), boxStep(QMessageBox::Ok)}};
        view->refundAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(steps.handled, 3, 20000);
        QVERIFY(!steps.timedOut);
        QVERIFY2(steps.texts.first().contains(QStringLiteral("¥10.00")),
                 qPrintable(steps.texts.first()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(alice.status(refunded), QStringLiteral("REFUNDED"), 30000);
    view->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(model->topup(refunded)->status, QStringLiteral("REFUNDED"), 15000);
    QCOMPARE(cell(model->rowOfKey(refunded), console::TopupsModel::Status),
             QStringLiteral("Refunded"));

    // 4. The status filter is the server's.
    QVERIFY(view->setStatusFilter(QStringLiteral("REFUNDED")));
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0 && model->rowOfKey(delivered) < 0, 15000);
    for (const api::Topup &t : model->rows())
        QCOMPARE(t.status, QStringLiteral("REFUNDED"));
    QVERIFY(model->rowOfKey(refunded) >= 0);
    QVERIFY(view->setStatusFilter(QString()));
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOfKey(delivered) >= 0, 15000);

    // 5. The room lookup: balances, the student, its top-ups (a link selects one).
    QSignalSpy roomShown(view, &console::TopupsView::roomShown);
    view->lookUpRoom(QStringLiteral(" ZY1-101 "));
    QTRY_COMPARE_WITH_TIMEOUT(roomShown.size(), 1, 15000);
    const QString room = view->roomText();
    QVERIFY2(room.contains(QStringLiteral("ZY1-101")), qPrintable(room));
    QVERIFY2(room.contains(QStringLiteral("Electricity balance")), qPrintable(room));
    QVERIFY2(room.contains(QStringLiteral("topups-") + tag), qPrintable(room));
    for (const QString &id : {delivered, waiting, refunded})
        QVERIFY2(room.contains(id), qPrintable(room));
    view->lookUpRoom(QStringLiteral("NO-SUCH-9"));
    QTRY_COMPARE_WITH_TIMEOUT(roomShown.size(), 2, 15000);
    QVERIFY2(view->roomText().contains(QStringLiteral("No room NO-SUCH-9")),
             qPrintable(view->roomText()));
}

void TestConsoleTopups::staffCannotRefund()
{
    const QStringList args = m_server->process().arguments();
    QProcess add;
    add.start(ServerProcess::binary(),
              {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("--username"),
               QStringLiteral("topupstaff"), QStringLiteral("--role"), QStringLiteral("staff"),
               QStringLiteral("--password"), StaffPassword, QStringLiteral("--data-dir"),
               m_server->dataDir(), QStringLiteral("--database"),
               BookingHarness::databaseUrl(args, m_server->dataDir())});
    QVERIFY(add.waitForFinished(60000));
    QVERIFY2(add.exitCode() == 0, add.readAllStandardOutput().constData());

    Student bob(*m_server, QStringLiteral("topups-staff"), QStringLiteral("T3009"),
                QStringLiteral("ZY1-102"));
    QVERIFY(bob.bound);
    const QString id = bob.create(1500);
    QVERIFY(!id.isEmpty());
    QVERIFY(pay(*m_server, bob, id));
    QTRY_COMPARE_WITH_TIMEOUT(bob.status(id), QStringLiteral("DELIVERED"), 30000);

    auto staff = login(QStringLiteral("topupstaff"), StaffPassword);
    QVERIFY(staff);
    QVERIFY(!staff->session().isAdmin());
    console::MainWindow window(staff.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("topups"))); // a view of both roles
    QCOMPARE(window.currentView(), console::MainWindow::Topups);
    console::TopupsView *view = window.topupsView();
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowOfKey(id) >= 0, 15000);
    QVERIFY(view->selectTopup(id));
    QTRY_COMPARE_WITH_TIMEOUT(view->shownTopupId(), id, 15000);
    QVERIFY2(view->detailText().contains(QStringLiteral("Paid, delivering → Delivered")),
             qPrintable(view->detailText()));
    QVERIFY2(view->detailText().contains(QStringLiteral("T3009")), qPrintable(view->detailText()));
    QVERIFY(!view->refundAction()->isVisible());
    QVERIFY(!view->refundAction()->isEnabled());
    QVERIFY(view->refundButton()->isHidden());

    // The server refuses a staff refund anyway.
    std::optional<api::ApiError> error;
    staff->refundTopup(id, QStringLiteral("试试"), this, {},
                       [&error](const api::ApiError &e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 15000);
    QCOMPARE(error->code, 4030);
}

QTEST_MAIN(TestConsoleTopups)
#include "test_consoletopups.moc"
