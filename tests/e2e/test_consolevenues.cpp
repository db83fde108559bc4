// The console's Venues view against a real pomelo-server (offscreen platform) on SQLite and
// PostgreSQL: an admin adds a venue through the view's dialog (price typed in yuan, stored in
// cents), a student books and pays it, staff close the venue for that day through the closure
// dialog (the booking is counted, new bookings are refused), the admin confirms the closure after
// the confirmation names the booking and the refund, and the booking is refunded; an edit by
// another console arrives through the live feed; a refusal of the server (a closure another
// console deleted meanwhile) is shown with its message and code; the venue is taken out of
// service; a staff account sees no Confirm action.
#include "api/adminclient.h"
#include "bookingclient.h"
#include "dialogsteps.h"
#include "mainwindow.h"
#include "payclient.h"
#include "reasondialog.h"
#include "tableview.h"
#include "venueclosuredialog.h"
#include "venuedialog.h"
#include "venuesmodel.h"
#include "venuesview.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateEdit>
#include <QDeadlineTimer>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTimer>

#include <functional>
#include <map>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("venues-admin-pass-1");
const QString StaffPassword = QStringLiteral("venues-staff-pass-1");

QString tomorrowText()
{
    return tomorrow();
}

/// Signs @p bookingId and pays it with the e-card sandbox; its status afterwards.
QString payBooking(ServerProcess &server, const MiniProgramUser &user, const QString &bookingId)
{
    const HttpResult signedBooking =
        user.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), "{}");
    if (signedBooking.status != 200)
        return QString::fromUtf8(signedBooking.body);
    QJsonObject cashier = signedBooking.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), QStringLiteral("ECARD"));
    const HttpResult c = server.post(QStringLiteral("/pay/v1/cashier"),
                                     QJsonDocument(cashier).toJson(QJsonDocument::Compact));
    if (c.status != 200)
        return QString::fromUtf8(c.body);
    simulatePay(server,
                c.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString());
    QString status;
    waitUntil(
        [&] {
            status = user.get(QStringLiteral("/api/v1/bookings/%1").arg(bookingId))
                         .json()[QStringLiteral("status")]
                         .toString();
            return status == QLatin1String("PAID");
        },
        15000);
    return status;
}

QString bookingStatus(const MiniProgramUser &user, const QString &bookingId)
{
    return user.get(QStringLiteral("/api/v1/bookings/%1").arg(bookingId))
        .json()[QStringLiteral("status")]
        .toString();
}

std::optional<QJsonObject> publicVenue(const MiniProgramUser &user, const QString &name)
{
    const QJsonArray venues = user.get(QStringLiteral("/api/v1/venues")).json().array();
    for (const QJsonValue &v : venues) {
        if (v[QStringLiteral("name")].toString() == name)
            return v.toObject();
    }
    return std::nullopt;
}

} // namespace

class TestConsoleVenues : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void venueLifecycleFromTheView_data() { addBackendRows(); }
    void venueLifecycleFromTheView();
    void staffCannotConfirm();

private:
    std::unique_ptr<api::AdminClient> login(const QString &user, const QString &password);

    struct Backend
    {
        std::unique_ptr<ServerProcess> server;
    };
    std::map<QString, Backend> m_backends;
    ServerProcess *m_server = nullptr;
};

void TestConsoleVenues::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestConsoleVenues::init()
{
    const char *tag = QTest::currentDataTag();
    const QString backend = tag ? QString::fromLatin1(tag) : QStringLiteral("sqlite");
    Backend &b = m_backends[backend];
    if (!b.server) {
        b.server = BookingHarness::startServer(
            backend, {}, {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword});
        QVERIFY(b.server);
    }
    m_server = b.server.get();
}

void TestConsoleVenues::cleanupTestCase()
{
    m_server = nullptr;
    m_backends.clear();
}

std::unique_ptr<api::AdminClient> TestConsoleVenues::login(const QString &user,
                                                           const QString &password)
{
    auto client = std::make_unique<api::AdminClient>();
    client->setBaseUrl(m_server->url(QString()));
    bool done = false;
    client->login(user, password, nullptr, [&done](const api::LoginResult &) { done = true; });
    if (!waitUntil([&] { return done; }, 15000))
        return nullptr;
    if (!waitUntil([&] { return client->isLiveConnected(); }, 15000))
        return nullptr;
    return client;
}

void TestConsoleVenues::venueLifecycleFromTheView()
{
    auto client = login(QStringLiteral("admin"), AdminPassword);
    QVERIFY(client);
    console::MainWindow window(client.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("venues")));
    QCOMPARE(window.currentView(), console::MainWindow::Venues);
    console::VenuesView *view = window.venuesView();
    console::VenuesModel *model = view->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, 15000); // the demo venues

    // 1. Add a venue through the dialog; the price is typed in yuan.
    const QString name =
        QStringLiteral("网球场 %1 号").arg(QString::fromLatin1(QTest::currentDataTag()));
    {
        DialogSteps steps {{[&](QWidget *w) {
            auto *d = qobject_cast<console::VenueDialog *>(w);
            QVERIFY(d);
            d->nameEdit()->setText(name);
            d->sportBox()->setCurrentIndex(d->sportBox()->findData(QStringLiteral("tennis")));
            d->openFromEdit()->setText(QStringLiteral("08:00"));
            d->openToEdit()->setText(QStringLiteral("22:00"));
            d->slotBox()->setValue(60);
            d->priceEdit()->setText(QStringLiteral("1.234"));
            QVERIFY(!d->isOkEnabled());
            d->priceEdit()->setText(QStringLiteral("12.5"));
            QVERIFY2(d->isOkEnabled(), qPrintable(d->problem()));
            DialogSteps::clickLater(
                d->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok));
        }}};
        view->addVenueAction()->trigger();
        QVERIFY(!steps.timedOut);
        QCOMPARE(steps.handled, 1);
    }
    const auto venueId = [&]() -> qint64 {
        for (const api::AdminVenue &v : model->rows()) {
            if (v.name == name)
                return v.id;
        }
        return 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(venueId() != 0, 15000);
    const qint64 id = venueId();
    QCOMPARE(model->venue(id)->pricePerSlot, 1250);
    QCOMPARE(model->index(model->rowOfVenue(id), console::VenuesModel::Price).data().toString(),
             QStringLiteral("¥12.50"));
    QCOMPARE(view->currentVenueId(), id); // the new venue is selected

    // Students see it, at that price in cents.
    MiniProgramUser student(
        *m_server, QStringLiteral("venues-%1").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(student.loggedIn());
    QCOMPARE(student
                 .put(QStringLiteral("/api/v1/me"),
                      R"({"studentId":"B22040288","name":"Bob","phone":"13800138001"})")
                 .status,
             200);
    const std::optional<QJsonObject> published = publicVenue(student, name);
    QVERIFY(published);
    QCOMPARE((*published)[QStringLiteral("pricePerSlot")].toInteger(), 1250);

    // 2. A paid booking tomorrow.
    const HttpResult booked =
        student.book(id, tomorrowText(), QStringLiteral("10:00"), QStringLiteral("11:00"));
    QCOMPARE(booked.status, 201);
    const QString bookingId = booked.json()[QStringLiteral("id")].toString();
    QCOMPARE(payBooking(*m_server, student, bookingId), QStringLiteral("PAID"));

    // 3. Close the venue tomorrow through the closure dialog.
    const QString closeReason = QStringLiteral("校运动会 console-e2e");
    {
        DialogSteps steps {{[&](QWidget *w) {
            auto *d = qobject_cast<console::VenueClosureDialog *>(w);
            QVERIFY(d);
            QVERIFY(!d->isOkEnabled()); // a reason is required
            d->firstDayEdit()->setDate(QDate::fromString(tomorrowText(), Qt::ISODate));
            d->lastDayEdit()->setDate(QDate::fromString(tomorrowText(), Qt::ISODate));
            d->reasonEdit()->setPlainText(closeReason);
            QVERIFY(d->isOkEnabled());
            DialogSteps::clickLater(
                d->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok));
        }}};
        view->addClosureAction()->trigger();
        QVERIFY(!steps.timedOut);
        QCOMPARE(steps.handled, 1);
    }
    console::ClosuresModel *closures = view->closures();
    QTRY_COMPARE_WITH_TIMEOUT(closures->rowCount(), 1, 15000);
    const api::VenueClosure closure = closures->rowAt(0);
    QCOMPARE(closure.reason, closeReason);
    QCOMPARE(closure.state, QStringLiteral("PENDING_CONFIRMATION"));
    QTRY_COMPARE_WITH_TIMEOUT(closures->affectedBookings(closure.id), 1, 15000);
    QCOMPARE(closures->index(0, console::ClosuresModel::Period).data().toString(), tomorrowText());
    // New bookings are refused at once; the paid one is untouched until the confirmation.
    const HttpResult refused =
        student.book(id, tomorrowText(), QStringLiteral("14:00"), QStringLiteral("15:00"));
    QCOMPARE(refused.status, 409);
    QCOMPARE(errorCode(refused), 1023);
    QCOMPARE(bookingStatus(student, bookingId), QStringLiteral("PAID"));

    // 4. Confirm: the reason dialog names the booking and the refund, then a confirmation.
    QVERIFY(view->selectClosure(closure.id));
    QVERIFY(view->confirmClosureAction()->isVisible());
    QVERIFY(view->confirmClosureAction()->isEnabled());
    QString description;
    {
        DialogSteps steps {
            {reasonStep(QStringLiteral("运动会期间场地关闭，退款"), &description), yesStep()}};
        view->confirmClosureAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(steps.handled, 2, 20000);
        QVERIFY(!steps.timedOut);
        QVERIFY2(steps.texts.first().contains(QStringLiteral("¥12.50")),
                 qPrintable(steps.texts.first()));
    }
    QVERIFY2(description.contains(QStringLiteral("10:00–11:00")), qPrintable(description));
    QVERIFY2(description.contains(QStringLiteral("¥12.50")), qPrintable(description));
    QTRY_COMPARE_WITH_TIMEOUT(closures->rowAt(closures->rowOfClosure(closure.id)).state,
                              QStringLiteral("CONFIRMED"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(bookingStatus(student, bookingId) == QLatin1String("REFUNDED")
                                 || bookingStatus(student, bookingId) == QLatin1String("REFUNDING"),
                             15000);
    QVERIFY2(view->statusText().contains(QStringLiteral("confirmed")),
             qPrintable(view->statusText()));

    // 5. An edit by another console arrives through the live feed (no poll in 15 s).
    auto other = login(QStringLiteral("admin"), AdminPassword);
    QVERIFY(other);
    api::AdminVenue edited = *model->venue(id);
    bool saved = false;
    other->updateVenue(id,
                       {edited.name, edited.sport, edited.openFrom, edited.openTo,
                        edited.slotMinutes, 1500, std::nullopt, QStringLiteral("调价")},
                       this, [&saved](const api::AdminVenue &) { saved = true; });
    QTRY_VERIFY_WITH_TIMEOUT(saved, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(model->venue(id)->pricePerSlot, 1500, 15000);

    // 6. A refusal of the server is shown with its message and code: a closure deleted by the
    // other console meanwhile.
    std::optional<api::ClosureDetail> extra;
    QString refusal;
    const QDate later = QDate::fromString(tomorrowText(), Qt::ISODate).addDays(3);
    console::ClosureForm extraForm;
    extraForm.firstDay = extraForm.lastDay = later;
    extraForm.reason = QStringLiteral("灯光检修");
    const console::ClosureCheck extraInput = console::checkClosureForm(
        extraForm, console::serverUtcOffset(model->venue(id)->createdAt), QDate::currentDate());
    QVERIFY2(extraInput.input, qPrintable(extraInput.problem));
    other->createClosure(
        id, *extraInput.input, this, [&extra](const api::ClosureDetail &d) { extra = d; },
        [&refusal](const api::ApiError &e) { refusal = e.message; });
    QTRY_VERIFY_WITH_TIMEOUT(extra.has_value() || !refusal.isEmpty(), 15000);
    QVERIFY2(extra.has_value(), qPrintable(refusal));
    QTRY_VERIFY_WITH_TIMEOUT(view->selectClosure(extra->closure.id), 15000); // live
    bool deleted = false;
    other->deleteClosure(id, extra->closure.id, QStringLiteral("重复"), this,
                         [&deleted](bool) { deleted = true; });
    QTRY_VERIFY_WITH_TIMEOUT(deleted, 15000);
    {
        DialogSteps steps {{reasonStep(QStringLiteral("不再需要")), yesStep(), [](QWidget *w) {
                                auto *box = qobject_cast<QMessageBox *>(w);
                                QVERIFY(box);
                                DialogSteps::clickLater(box->button(QMessageBox::Ok));
                            }}};
        view->deleteClosureAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(steps.handled, 3, 20000);
        QVERIFY(!steps.timedOut);
        QVERIFY2(steps.texts.last().contains(QStringLiteral("4040")),
                 qPrintable(steps.texts.last()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(view->closures()->rowOfClosure(extra->closure.id), -1, 15000);

    // 7. Out of service, with a reason and a confirmation; students no longer see it.
    QVERIFY(view->selectVenue(id));
    {
        DialogSteps steps {{reasonStep(QStringLiteral("场地翻新")), yesStep()}};
        view->toggleActiveAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(steps.handled, 2, 20000);
        QVERIFY(!steps.timedOut);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!model->venue(id)->active, 15000);
    QVERIFY(!publicVenue(student, name));
    // Hidden by the filter unless asked for.
    view->activeFilter()->setShowInactive(false);
    QVERIFY(!view->selectVenue(id));
    view->activeFilter()->setShowInactive(true);
    QVERIFY(view->selectVenue(id));

    // The audit log has who and why of each change.
    std::optional<api::Page<api::AuditEntry>> audit;
    api::AdminClient::AuditQuery q;
    q.target = QStringLiteral("venue:%1").arg(id);
    client->audit(q, this, [&audit](const api::Page<api::AuditEntry> &p) { audit = p; });
    QTRY_VERIFY_WITH_TIMEOUT(audit.has_value(), 15000);
    QStringList actions;
    for (const api::AuditEntry &e : audit->items)
        actions.append(e.action);
    QVERIFY2(actions.contains(QStringLiteral("venue.closure.confirm")),
             qPrintable(actions.join(u',')));
    QVERIFY2(actions.contains(QStringLiteral("venue.update")), qPrintable(actions.join(u',')));
}

void TestConsoleVenues::staffCannotConfirm()
{
    const QStringList args = m_server->process().arguments();
    QProcess add;
    add.start(ServerProcess::binary(),
              {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("--username"),
               QStringLiteral("venuestaff"), QStringLiteral("--role"), QStringLiteral("staff"),
               QStringLiteral("--password"), StaffPassword, QStringLiteral("--data-dir"),
               m_server->dataDir(), QStringLiteral("--database"),
               BookingHarness::databaseUrl(args, m_server->dataDir())});
    QVERIFY(add.waitForFinished(60000));
    QVERIFY2(add.exitCode() == 0, add.readAllStandardOutput().constData());
    auto staff = login(QStringLiteral("venuestaff"), StaffPassword);
    QVERIFY(staff);
    QVERIFY(!staff->session().isAdmin());
    console::MainWindow window(staff.get());
    window.show();
    QVERIFY(window.showView(QStringLiteral("venues")));
    QCOMPARE(window.currentView(), console::MainWindow::Venues);
    console::VenuesView *view = window.venuesView();
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 0, 15000);
    QTRY_VERIFY(view->currentVenueId() != 0);
    QVERIFY(view->addClosureAction()->isEnabled());
    QVERIFY(view->addVenueAction()->isEnabled());
    QVERIFY(!view->confirmClosureAction()->isVisible());
    QVERIFY(!view->confirmClosureAction()->isEnabled());
}

QTEST_MAIN(TestConsoleVenues)
#include "test_consolevenues.moc"
