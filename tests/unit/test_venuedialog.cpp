// console/venuedialog.* and console/venueclosuredialog.*: the checks of the venue form (times,
// opening before closing, slot length dividing the opening span, the price in yuan turned into
// integer cents without floating point) and of the closure form (days, weekdays, daily times,
// reason), as tables of cases; then the dialogs themselves: OK follows the checks, and a refusal
// of the server keeps the dialog open with its message.
#include "api/admintypes.h"
#include "venueclosuredialog.h"
#include "venuedialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QSpinBox>
#include <QTest>

using namespace pomelo;
using namespace pomelo::console;
using namespace Qt::StringLiterals;

namespace {

VenueForm goodVenue()
{
    return {u"羽毛球场 5 号"_s, u"badminton"_s, u"08:00"_s, u"22:00"_s, 60, u"20"_s, {}, false};
}

const QDate Today(2026, 12, 7);
constexpr int Shanghai = 8 * 3600;

ClosureForm goodClosure()
{
    ClosureForm f;
    f.firstDay = QDate(2026, 12, 10);
    f.lastDay = QDate(2026, 12, 11);
    f.reason = u"校运动会"_s;
    return f;
}

} // namespace

class TestVenueDialog : public QObject
{
    Q_OBJECT

private slots:
    void minutesOfTime_data();
    void minutesOfTime();
    void venueForm_data();
    void venueForm();
    void venueFormReasonWhenEditing();
    void closureForm_data();
    void closureForm();
    void closureWholeDays();
    void closureTimesOnDays();
    void serverOffsetFromItsTimes();
    void venueDialogOkFollowsTheForm();
    void venueDialogPrefillsAnEdit();
    void venueDialogStaysOpenOnRefusal();
    void closureDialogBuildsTheInput();
};

void TestVenueDialog::minutesOfTime_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("midnightEnd");
    QTest::addColumn<int>("minutes");
    QTest::newRow("08:00") << u"08:00"_s << false << 480;
    QTest::newRow("23:59") << u"23:59"_s << false << 1439;
    QTest::newRow("00:00") << u"00:00"_s << false << 0;
    QTest::newRow("24:00 as an end") << u"24:00"_s << true << 1440;
    QTest::newRow("24:00 as a start") << u"24:00"_s << false << -1;
    QTest::newRow("24:30") << u"24:30"_s << true << -1;
    QTest::newRow("8:00") << u"8:00"_s << false << -1;
    QTest::newRow("08:60") << u"08:60"_s << false << -1;
    QTest::newRow("0800") << u"0800"_s << false << -1;
    QTest::newRow("08:00:00") << u"08:00:00"_s << false << -1;
    QTest::newRow("empty") << QString() << false << -1;
    QTest::newRow("letters") << u"ab:cd"_s << false << -1;
    QTest::newRow("full-width digits") << u"０８:００"_s << false << -1;
}

void TestVenueDialog::minutesOfTime()
{
    QFETCH(QString, text);
    QFETCH(bool, midnightEnd);
    QFETCH(int, minutes);
    QCOMPARE(console::minutesOfTime(text, midnightEnd), minutes);
}

void TestVenueDialog::venueForm_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<qint64>("cents"); ///< -1: refused

    QTest::newRow("good") << QString() << QVariant() << qint64(2000);
    // The price: yuan with at most two decimals, parsed to cents without floating point.
    QTest::newRow("price 12.5") << u"price"_s << QVariant(u"12.5"_s) << qint64(1250);
    QTest::newRow("price 12.50") << u"price"_s << QVariant(u"12.50"_s) << qint64(1250);
    QTest::newRow("price 0.01") << u"price"_s << QVariant(u"0.01"_s) << qint64(1);
    QTest::newRow("price ¥8") << u"price"_s << QVariant(u"¥8"_s) << qint64(800);
    QTest::newRow("price 0.29 (no binary rounding)")
        << u"price"_s << QVariant(u"0.29"_s) << qint64(29);
    QTest::newRow("price 1000000") << u"price"_s << QVariant(u"1000000"_s) << qint64(100000000);
    QTest::newRow("price 1.234") << u"price"_s << QVariant(u"1.234"_s) << qint64(-1);
    QTest::newRow("price -1") << u"price"_s << QVariant(u"-1"_s) << qint64(-1);
    QTest::newRow("price abc") << u"price"_s << QVariant(u"abc"_s) << qint64(-1);
    QTest::newRow("price 0") << u"price"_s << QVariant(u"0"_s) << qint64(-1);
    QTest::newRow("price empty") << u"price"_s << QVariant(QString()) << qint64(-1);
    QTest::newRow("price 1e3") << u"price"_s << QVariant(u"1e3"_s) << qint64(-1);
    QTest::newRow("price 12,50") << u"price"_s << QVariant(u"12,50"_s) << qint64(-1);
    QTest::newRow("price over the limit") << u"price"_s << QVariant(u"1000000.01"_s) << qint64(-1);
    // Times.
    QTest::newRow("opens 8:00") << u"openFrom"_s << QVariant(u"8:00"_s) << qint64(-1);
    QTest::newRow("opens 25:00") << u"openFrom"_s << QVariant(u"25:00"_s) << qint64(-1);
    QTest::newRow("opens 08:03 (off the 5-minute grid)")
        << u"openFrom"_s << QVariant(u"08:03"_s) << qint64(-1);
    QTest::newRow("closes 24:00") << u"openTo"_s << QVariant(u"24:00"_s) << qint64(2000);
    QTest::newRow("closes 22:60") << u"openTo"_s << QVariant(u"22:60"_s) << qint64(-1);
    QTest::newRow("closes before it opens") << u"openTo"_s << QVariant(u"07:00"_s) << qint64(-1);
    QTest::newRow("closes when it opens") << u"openTo"_s << QVariant(u"08:00"_s) << qint64(-1);
    // Slots: 5..240 minutes, a multiple of 5, dividing 08:00–22:00 (840 minutes).
    QTest::newRow("slot 30") << u"slot"_s << QVariant(30) << qint64(2000);
    QTest::newRow("slot 120") << u"slot"_s << QVariant(120) << qint64(2000);
    QTest::newRow("slot 5") << u"slot"_s << QVariant(5) << qint64(2000);
    QTest::newRow("slot 0") << u"slot"_s << QVariant(0) << qint64(-1);
    QTest::newRow("slot 245") << u"slot"_s << QVariant(245) << qint64(-1);
    QTest::newRow("slot 7") << u"slot"_s << QVariant(7) << qint64(-1);
    QTest::newRow("slot 90 (840 is not a multiple)") << u"slot"_s << QVariant(90) << qint64(-1);
    QTest::newRow("slot 240 (840 is not a multiple)") << u"slot"_s << QVariant(240) << qint64(-1);
    // Name and sport.
    QTest::newRow("no name") << u"name"_s << QVariant(u"   "_s) << qint64(-1);
    QTest::newRow("long name") << u"name"_s << QVariant(QString(65, u'x')) << qint64(-1);
    QTest::newRow("no sport") << u"sport"_s << QVariant(QString()) << qint64(-1);
}

void TestVenueDialog::venueForm()
{
    QFETCH(QString, field);
    QFETCH(QVariant, value);
    QFETCH(qint64, cents);
    VenueForm form = goodVenue();
    if (field == u"price")
        form.price = value.toString();
    else if (field == u"openFrom")
        form.openFrom = value.toString();
    else if (field == u"openTo")
        form.openTo = value.toString();
    else if (field == u"slot")
        form.slotMinutes = value.toInt();
    else if (field == u"name")
        form.name = value.toString();
    else if (field == u"sport")
        form.sport = value.toString();
    const VenueCheck check = checkVenueForm(form);
    if (cents < 0) {
        QVERIFY(!check.input);
        QVERIFY(!check.problem.isEmpty());
        return;
    }
    QVERIFY2(check.input, qPrintable(check.problem));
    QVERIFY(check.problem.isEmpty());
    QCOMPARE(check.input->pricePerSlot, cents);
    QCOMPARE(check.input->name, form.name.trimmed());
    QCOMPARE(check.input->sport, form.sport);
    QCOMPARE(check.input->openFrom, form.openFrom);
    QCOMPARE(check.input->openTo, form.openTo);
    QCOMPARE(check.input->slotMinutes, form.slotMinutes);
    QVERIFY(!check.input->active); // sent by PUT only when asked for
}

void TestVenueDialog::venueFormReasonWhenEditing()
{
    VenueForm form = goodVenue();
    form.reasonRequired = true;
    QVERIFY(!checkVenueForm(form).input);
    form.reason = u"  "_s;
    QVERIFY(!checkVenueForm(form).input);
    form.reason = u" 调价 "_s;
    QCOMPARE(checkVenueForm(form).input->reason, u"调价"_s);
    form.reason = QString(501, u'x');
    QVERIFY(!checkVenueForm(form).input);
}

void TestVenueDialog::closureForm_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<bool>("ok");
    QTest::newRow("good") << QString() << QVariant() << true;
    QTest::newRow("no reason") << u"reason"_s << QVariant(u" "_s) << false;
    QTest::newRow("long reason") << u"reason"_s << QVariant(QString(201, u'x')) << false;
    QTest::newRow("longest reason") << u"reason"_s << QVariant(QString(200, u'x')) << true;
    QTest::newRow("last before first") << u"lastDay"_s << QVariant(QDate(2026, 12, 9)) << false;
    QTest::newRow("ended already") << u"past"_s << QVariant(QDate(2026, 12, 6)) << false;
    QTest::newRow("ends today") << u"past"_s << QVariant(Today) << true;
    QTest::newRow("one day") << u"lastDay"_s << QVariant(QDate(2026, 12, 10)) << true;
    QTest::newRow("no weekday") << u"days"_s << QVariant::fromValue(QList<int>()) << false;
    QTest::newRow("daily from bad") << u"dailyFrom"_s << QVariant(u"2pm"_s) << false;
    QTest::newRow("daily to bad") << u"dailyTo"_s << QVariant(u"16:61"_s) << false;
    QTest::newRow("daily from off the 5-minute grid")
        << u"dailyFrom"_s << QVariant(u"14:02"_s) << false;
    QTest::newRow("a year and a day") << u"lastDay"_s << QVariant(QDate(2027, 12, 11)) << false;
    QTest::newRow("366 days") << u"lastDay"_s << QVariant(QDate(2027, 12, 10)) << true;
    QTest::newRow("daily to 24:00") << u"dailyTo"_s << QVariant(u"24:00"_s) << true;
    QTest::newRow("daily range reversed") << u"dailyTo"_s << QVariant(u"13:00"_s) << false;
    QTest::newRow("daily range empty") << u"dailyTo"_s << QVariant(u"14:00"_s) << false;
}

void TestVenueDialog::closureForm()
{
    QFETCH(QString, field);
    QFETCH(QVariant, value);
    QFETCH(bool, ok);
    ClosureForm form = goodClosure();
    form.timesOfDay = true;
    form.days = {3};
    form.dailyFrom = u"14:00"_s;
    form.dailyTo = u"16:00"_s;
    if (field == u"reason")
        form.reason = value.toString();
    else if (field == u"lastDay")
        form.lastDay = value.toDate();
    else if (field == u"past")
        form.firstDay = form.lastDay = value.toDate();
    else if (field == u"days")
        form.days = value.value<QList<int>>();
    else if (field == u"dailyFrom")
        form.dailyFrom = value.toString();
    else if (field == u"dailyTo")
        form.dailyTo = value.toString();
    const ClosureCheck check = checkClosureForm(form, Shanghai, Today);
    QCOMPARE(check.input.has_value(), ok);
    QCOMPARE(check.problem.isEmpty(), ok);
}

void TestVenueDialog::closureWholeDays()
{
    ClosureForm form = goodClosure();
    form.days = {3}; // ignored for whole days
    form.dailyFrom = u"14:00"_s;
    const ClosureCheck check = checkClosureForm(form, Shanghai, Today);
    QVERIFY2(check.input, qPrintable(check.problem));
    QCOMPARE(check.input->from, u"2026-12-10T00:00:00+08:00"_s);
    QCOMPARE(check.input->to, u"2026-12-12T00:00:00+08:00"_s); // the midnight after the last day
    QVERIFY(check.input->days.isEmpty());
    QVERIFY(check.input->dailyFrom.isEmpty());
    QVERIFY(check.input->dailyTo.isEmpty());
    QCOMPARE(check.input->reason, u"校运动会"_s);
    // Written in the server's offset, not the console's.
    QCOMPARE(checkClosureForm(form, -5 * 3600, Today).input->from, u"2026-12-10T00:00:00-05:00"_s);
    QCOMPARE(checkClosureForm(form, 0, Today).input->from, u"2026-12-10T00:00:00+00:00"_s);
}

void TestVenueDialog::closureTimesOnDays()
{
    ClosureForm form = goodClosure();
    form.timesOfDay = true;
    form.days = {5, 3, 3};
    form.dailyFrom = u"14:00"_s;
    form.dailyTo = u"16:00"_s;
    const ClosureCheck check = checkClosureForm(form, Shanghai, Today);
    QVERIFY2(check.input, qPrintable(check.problem));
    QCOMPARE(check.input->days, (QList<int> {3, 5}));
    QCOMPARE(check.input->dailyFrom, u"14:00"_s);
    QCOMPARE(check.input->dailyTo, u"16:00"_s);
    // Every weekday is "every day": no list.
    form.days = {1, 2, 3, 4, 5, 6, 7};
    QVERIFY(checkClosureForm(form, Shanghai, Today).input->days.isEmpty());
    // The JSON the client sends.
    const QJsonObject json = check.input->toJson();
    QCOMPARE(json.value(u"days"_s).toArray().size(), 2);
    QCOMPARE(json.value(u"dailyTo"_s).toString(), u"16:00"_s);
}

void TestVenueDialog::serverOffsetFromItsTimes()
{
    QCOMPARE(serverUtcOffset(u"2026-12-07T09:00:00+08:00"_s), Shanghai);
    QCOMPARE(serverUtcOffset(u"2026-12-07T09:00:00.123-05:00"_s), -5 * 3600);
    QCOMPARE(serverUtcOffset(QString()), QDateTime::currentDateTime().offsetFromUtc());
}

void TestVenueDialog::venueDialogOkFollowsTheForm()
{
    VenueDialog dialog(std::nullopt);
    QVERIFY(!dialog.isOkEnabled()); // no name, no price yet
    dialog.nameEdit()->setText(u"网球场 1 号"_s);
    dialog.sportBox()->setCurrentIndex(dialog.sportBox()->findData(u"tennis"_s));
    dialog.priceEdit()->setText(u"1.234"_s);
    QVERIFY(!dialog.isOkEnabled());
    QVERIFY(!dialog.problem().isEmpty());
    QVERIFY(dialog.findChild<QLabel *>() != nullptr);
    dialog.priceEdit()->setText(u"12.5"_s);
    QVERIFY2(dialog.isOkEnabled(), qPrintable(dialog.problem()));
    dialog.slotBox()->setValue(90); // 840 minutes are not 90-minute slots
    QVERIFY(!dialog.isOkEnabled());
    dialog.openToEdit()->setText(u"21:30"_s); // 810 minutes are 9 of them
    QVERIFY2(dialog.isOkEnabled(), qPrintable(dialog.problem()));
    const VenueCheck c = dialog.check();
    QCOMPARE(c.input->pricePerSlot, 1250);
    QCOMPARE(c.input->sport, u"tennis"_s);
    QCOMPARE(c.input->slotMinutes, 90);
    QCOMPARE(c.input->openTo, u"21:30"_s);
    // Accepted without a submitter: the dialog just closes with the checked venue.
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
}

void TestVenueDialog::venueDialogPrefillsAnEdit()
{
    const api::AdminVenue v {
        5, u"游泳馆 1 号泳道"_s, u"curling"_s, u"06:30"_s, u"21:30"_s, 90, 1505, true, {}};
    VenueDialog dialog(v);
    QCOMPARE(dialog.nameEdit()->text(), v.name);
    QCOMPARE(dialog.sportBox()->currentData().toString(), u"curling"_s); // unknown kept
    QCOMPARE(dialog.priceEdit()->text(), u"15.05"_s);
    QCOMPARE(dialog.slotBox()->value(), 90);
    QVERIFY(!dialog.isOkEnabled()); // an edit needs a reason
    dialog.reasonEdit()->setPlainText(u"改为 15.05 元"_s);
    QVERIFY2(dialog.isOkEnabled(), qPrintable(dialog.problem()));
    QCOMPARE(dialog.check().input->pricePerSlot, 1505);
}

void TestVenueDialog::venueDialogStaysOpenOnRefusal()
{
    VenueDialog dialog(std::nullopt);
    dialog.nameEdit()->setText(u"A"_s);
    dialog.priceEdit()->setText(u"20"_s);
    QList<api::VenueInput> sent;
    std::function<void(QString)> finish;
    dialog.setSubmitter([&](const api::VenueInput &input, std::function<void(QString)> done) {
        sent.append(input);
        finish = std::move(done);
    });
    dialog.open();
    dialog.accept();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().pricePerSlot, 2000);
    QVERIFY(!dialog.isOkEnabled()); // no second request while one is out
    dialog.accept();
    QCOMPARE(sent.size(), 1);
    finish(u"场地名称已存在\nCode 4090"_s);
    QVERIFY(dialog.isVisible());
    QVERIFY(dialog.isOkEnabled());
    bool shown = false;
    for (const QLabel *l : dialog.findChildren<QLabel *>())
        shown = shown || l->text().contains(u"场地名称已存在"_s);
    QVERIFY(shown);
    QCOMPARE(dialog.nameEdit()->text(), u"A"_s); // the input is intact
    dialog.accept();
    QCOMPARE(sent.size(), 2);
    finish(QString());
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
}

void TestVenueDialog::closureDialogBuildsTheInput()
{
    api::AdminVenue v;
    v.id = 3;
    v.name = u"篮球场 1 号"_s;
    v.createdAt = u"2026-12-01T09:00:00+08:00"_s;
    VenueClosureDialog dialog(v, Today);
    QVERIFY(!dialog.isOkEnabled()); // no reason yet
    dialog.reasonEdit()->setPlainText(u"地面维修"_s);
    QVERIFY(dialog.isOkEnabled());
    dialog.firstDayEdit()->setDate(QDate(2026, 12, 9));
    QCOMPARE(dialog.lastDayEdit()->date(), QDate(2026, 12, 9)); // follows the first day
    ClosureCheck c = dialog.check();
    QCOMPARE(c.input->from, u"2026-12-09T00:00:00+08:00"_s);
    QCOMPARE(c.input->to, u"2026-12-10T00:00:00+08:00"_s);

    dialog.timesOfDayButton()->setChecked(true);
    dialog.lastDayEdit()->setDate(QDate(2027, 1, 15));
    for (int d = 1; d <= 7; ++d)
        dialog.dayBox(d)->setChecked(d == 3);
    dialog.dailyFromEdit()->setText(u"14:00"_s);
    dialog.dailyToEdit()->setText(u"13:00"_s);
    QVERIFY(!dialog.isOkEnabled());
    dialog.dailyToEdit()->setText(u"16:00"_s);
    QVERIFY(dialog.isOkEnabled());
    dialog.dayBox(3)->setChecked(false);
    QVERIFY(!dialog.isOkEnabled());
    dialog.dayBox(3)->setChecked(true);
    c = dialog.check();
    QCOMPARE(c.input->days, (QList<int> {3}));
    QCOMPARE(c.input->to, u"2027-01-16T00:00:00+08:00"_s);
    QCOMPARE(c.input->dailyFrom, u"14:00"_s);
    QCOMPARE(c.input->reason, u"地面维修"_s);
}

QTEST_MAIN(TestVenueDialog)
#include "test_venuedialog.moc"
