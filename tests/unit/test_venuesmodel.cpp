// console/venuesmodel.*: the venues table from the admin API's DTOs (rows, yuan formatted from
// cents, numbers sorted as numbers), the filters between it and the view (out-of-service venues,
// the quick filter), and the closures table with its texts and booking counts. No server: the
// rows are the DTOs the client would hand over.
#include "api/adminclient.h"
#include "format.h"
#include "rowtablemodel.h"
#include "tableview.h"
#include "venuesmodel.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::console;
using namespace Qt::StringLiterals;

namespace {

api::AdminVenue venue(qint64 id, const QString &name, const QString &sport, qint64 price,
                      bool active = true, int slot = 60)
{
    return {id,         name,       sport,
            u"08:00"_s, u"22:00"_s, slot,
            price,      active,     u"2026-12-07T09:00:00+08:00"_s};
}

api::VenueClosure closure(qint64 id, const QString &state)
{
    api::VenueClosure c;
    c.id = id;
    c.venueId = 1;
    c.from = u"2026-12-10T00:00:00+08:00"_s;
    c.to = u"2026-12-12T00:00:00+08:00"_s;
    c.reason = u"运动会"_s;
    c.state = state;
    c.createdBy = u"staff1"_s;
    return c;
}

QString cell(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.index(row, column).data(role).toString();
}

} // namespace

class TestVenuesModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsFromDtos();
    void refreshMergesByIdAndKeepsRows();
    void sortsPriceAsCents();
    void activeFilterAndQuickFilter();
    void closurePeriodText_data();
    void closurePeriodText();
    void closureDaysAndHours();
    void closuresCountAffectedBookings();

private:
    api::AdminClient m_client;
};

void TestVenuesModel::rowsFromDtos()
{
    VenuesModel model(&m_client);
    model.setRows({venue(1, u"羽毛球场 1 号"_s, u"badminton"_s, 2000),
                   venue(7, u"乒乓球台 2 号"_s, u"table_tennis"_s, 550, false, 30)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 6);
    QCOMPARE(model.rowOfVenue(7), 1);
    QCOMPARE(model.venue(7)->name, u"乒乓球台 2 号"_s);
    QVERIFY(!model.venue(99));
    QCOMPARE(cell(model, 0, VenuesModel::Name), u"羽毛球场 1 号"_s);
    QCOMPARE(cell(model, 0, VenuesModel::Sport), u"Badminton"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Sport), u"Table tennis"_s);
    QCOMPARE(cell(model, 0, VenuesModel::Hours), u"08:00–22:00"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Slot), u"30 min"_s);
    QCOMPARE(model.index(1, VenuesModel::Slot).data(SortRole).toInt(), 30);
    QCOMPARE(cell(model, 0, VenuesModel::Price), u"¥20.00"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Price), u"¥5.50"_s);
    QCOMPARE(model.index(1, VenuesModel::Price).data(SortRole).toLongLong(), 550);
    QCOMPARE(cell(model, 0, VenuesModel::Active), u"Active"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Active), u"Out of service"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Name, KeyRole), u"7"_s);
    // An inactive venue is greyed out; an active one keeps the palette's colour.
    QVERIFY(model.index(1, VenuesModel::Name).data(Qt::ForegroundRole).isValid());
    QVERIFY(!model.index(0, VenuesModel::Name).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.headerData(VenuesModel::Price, Qt::Horizontal, Qt::DisplayRole).toString(),
             u"Price per slot"_s);
    // An unknown sport is shown as the server names it.
    QCOMPARE(sportText(u"curling"_s), u"curling"_s);
}

void TestVenuesModel::refreshMergesByIdAndKeepsRows()
{
    VenuesModel model(&m_client);
    model.setRows({venue(1, u"A"_s, u"badminton"_s, 2000), venue(2, u"B"_s, u"tennis"_s, 3000)});
    // A venue edited elsewhere (live event) changes in place; a removed one goes; a new one is
    // appended.
    api::AdminVenue edited = venue(2, u"B2"_s, u"tennis"_s, 3500);
    model.setRows(
        {venue(1, u"A"_s, u"badminton"_s, 2000), edited, venue(3, u"C"_s, u"swimming"_s, 1500)});
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOfVenue(2), 1);
    QCOMPARE(cell(model, 1, VenuesModel::Name), u"B2"_s);
    QCOMPARE(cell(model, 1, VenuesModel::Price), u"¥35.00"_s);
    model.updateVenue(venue(4, u"D"_s, u"football"_s, 100));
    QCOMPARE(model.rowOfVenue(4), 0); // a new venue at the top
    model.updateVenue(venue(4, u"D"_s, u"football"_s, 100, false));
    QCOMPARE(model.rowCount(), 4);
    QVERIFY(!model.venue(4)->active);
}

void TestVenuesModel::sortsPriceAsCents()
{
    VenuesModel model(&m_client);
    // As text "¥100.00" < "¥20.00" < "¥5.00"; as cents 500 < 2000 < 10000.
    model.setRows({venue(1, u"A"_s, u"tennis"_s, 10000), venue(2, u"B"_s, u"tennis"_s, 500),
                   venue(3, u"C"_s, u"tennis"_s, 2000)});
    TableView table(&model);
    table.sortByColumn(VenuesModel::Price, Qt::AscendingOrder);
    QStringList order;
    for (int r = 0; r < table.proxy()->rowCount(); ++r)
        order.append(table.proxy()->index(r, VenuesModel::Name).data().toString());
    QCOMPARE(order, (QStringList {u"B"_s, u"C"_s, u"A"_s}));
}

void TestVenuesModel::activeFilterAndQuickFilter()
{
    VenuesModel model(&m_client);
    model.setRows({venue(1, u"羽毛球场 1 号"_s, u"badminton"_s, 2000),
                   venue(2, u"羽毛球场 2 号"_s, u"badminton"_s, 2000, false),
                   venue(3, u"篮球场 1 号"_s, u"basketball"_s, 4000)});
    VenueActiveFilter active(&model);
    TableView table(&active);
    QCOMPARE(table.proxy()->rowCount(), 3);
    active.setShowInactive(false);
    QCOMPARE(table.proxy()->rowCount(), 2);
    QCOMPARE(active.modelRow(1), 2);
    QCOMPARE(active.modelRow(5), -1);

    // The quick filter matches any column's text: a name, a translated sport, a price.
    table.proxy()->setFilterFixedString(u"羽毛球"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    active.setShowInactive(true);
    QCOMPARE(table.proxy()->rowCount(), 2);
    table.proxy()->setFilterFixedString(u"basketball"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    table.proxy()->setFilterFixedString(u"¥40"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    QCOMPARE(table.proxy()->index(0, VenuesModel::Name).data().toString(), u"篮球场 1 号"_s);
    table.proxy()->setFilterFixedString(u"no such venue"_s);
    QCOMPARE(table.proxy()->rowCount(), 0);
}

void TestVenuesModel::closurePeriodText_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("text");
    QTest::newRow("whole days") << u"2026-12-10T00:00:00+08:00"_s << u"2026-12-12T00:00:00+08:00"_s
                                << u"2026-12-10 – 2026-12-11"_s;
    QTest::newRow("one day") << u"2026-12-10T00:00:00+08:00"_s << u"2026-12-11T00:00:00+08:00"_s
                             << u"2026-12-10"_s;
    QTest::newRow("a span") << u"2026-12-10T14:00:00+08:00"_s << u"2026-12-10T18:30:00+08:00"_s
                            << u"2026-12-10 14:00–18:30"_s;
    QTest::newRow("a span over days")
        << u"2026-12-10T14:00:00+08:00"_s << u"2026-12-11T10:00:00+08:00"_s
        << u"2026-12-10 14:00 – 2026-12-11 10:00"_s;
    // In the server's offset, whatever the console's zone.
    QTest::newRow("other offset") << u"2026-12-10T00:00:00-05:00"_s
                                  << u"2026-12-11T00:00:00-05:00"_s << u"2026-12-10"_s;
    QTest::newRow("unreadable") << u"soon"_s << u"later"_s << u"soon – later"_s;
}

void TestVenuesModel::closurePeriodText()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, text);
    QCOMPARE(console::closurePeriodText(from, to), text);
}

void TestVenuesModel::closureDaysAndHours()
{
    QCOMPARE(closureDaysText({}), u"Every day"_s);
    QCOMPARE(closureDaysText({1, 2, 3, 4, 5, 6, 7}), u"Every day"_s);
    QCOMPARE(closureDaysText({1, 3}), u"Mon, Wed"_s);
    QCOMPARE(closureHoursText({}, {}), u"All day"_s);
    QCOMPARE(closureHoursText(u"14:00"_s, u"16:00"_s), u"14:00–16:00"_s);
    QCOMPARE(closureHoursText(u"20:00"_s, u"24:00"_s), u"20:00–24:00"_s);
    QCOMPARE(closureStateText(u"PENDING_CONFIRMATION"_s), u"Awaiting confirmation"_s);
    QCOMPARE(closureStateText(u"CONFIRMED"_s), u"Confirmed"_s);
    QVERIFY(closureStateColor(u"PENDING_CONFIRMATION"_s) != closureStateColor(u"CONFIRMED"_s));
}

void TestVenuesModel::closuresCountAffectedBookings()
{
    ClosuresModel model(&m_client);
    api::VenueClosure weekly = closure(11, u"PENDING_CONFIRMATION"_s);
    weekly.days = {3};
    weekly.dailyFrom = u"14:00"_s;
    weekly.dailyTo = u"16:00"_s;
    model.setRows({closure(10, u"CONFIRMED"_s), weekly});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, 0, ClosuresModel::Period), u"2026-12-10 – 2026-12-11"_s);
    QCOMPARE(cell(model, 0, ClosuresModel::Days), u"Every day"_s);
    QCOMPARE(cell(model, 1, ClosuresModel::Days), u"Wed"_s);
    QCOMPARE(cell(model, 1, ClosuresModel::Hours), u"14:00–16:00"_s);
    QCOMPARE(cell(model, 1, ClosuresModel::Reason), u"运动会"_s);
    QCOMPARE(cell(model, 1, ClosuresModel::State), u"Awaiting confirmation"_s);
    QCOMPARE(cell(model, 1, ClosuresModel::CreatedBy), u"staff1"_s);
    // The count is unknown until the closure's detail arrives.
    QCOMPARE(model.affectedBookings(11), -1);
    QCOMPARE(cell(model, 1, ClosuresModel::Affected), u"…"_s);
    api::ClosureDetail detail {weekly, {}};
    detail.bookings.append(
        {u"900"_s, u"1"_s, u"o-a"_s, u"2026-12-16"_s, u"14:00"_s, u"15:00"_s, u"PAID"_s, 2000});
    detail.bookings.append({u"901"_s, u"2"_s, u"o-b"_s, u"2026-12-16"_s, u"15:00"_s, u"16:00"_s,
                            u"PENDING_PAYMENT"_s, 2000});
    model.setDetail(detail);
    QCOMPARE(model.affectedBookings(11), 2);
    QCOMPARE(model.index(1, ClosuresModel::Affected).data().toInt(), 2);
    QCOMPARE(model.index(1, ClosuresModel::Affected).data(SortRole).toInt(), 2);
    // A detail of another venue's closure is not this table's.
    api::ClosureDetail other = detail;
    other.closure.id = 12;
    other.closure.venueId = 99;
    model.setDetail(other);
    QCOMPARE(model.affectedBookings(12), -1);
    QCOMPARE(model.rowCount(), 2);
}

QTEST_MAIN(TestVenuesModel)
#include "test_venuesmodel.moc"
