// console/topupsmodel.* and the actions of console/topupsview.*: the top-ups table filled from
// the admin API's JSON (rooms, translated types and statuses, amounts as ¥x.xx from fen, numbers
// sorted as numbers), the quick filter over the loaded rows, and — with the console's own Chinese
// translation — the labels the Chinese UI shows (never the API's enum words). The view's actions
// follow the selection and the role. No server: a request of the view fails at once.
#include "api/adminclient.h"
#include "format.h"
#include "rowtablemodel.h"
#include "tableview.h"
#include "topupsmodel.h"
#include "topupsview.h"

#include <QAction>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>
#include <QToolButton>
#include <QTranslator>

using namespace pomelo;
using namespace pomelo::console;
using namespace Qt::StringLiterals;

namespace {

/// A page of `GET /admin/v1/topups` as pomelo-server writes it (server/topup/topupjson.cpp).
const char PageJson[] = R"json({"items":[
{"amount":2000,"attempts":1,"balanceAfter":7000,"building":"竹园1栋","channel":"ECARD",
 "createdAt":"2026-12-07T18:44:36.951+08:00","deliveredAt":"2026-12-07T18:44:37.210+08:00",
 "deliveryStartedAt":"2026-12-07T18:44:37.105+08:00","expiresAt":"2026-12-07T18:59:36.951+08:00",
 "id":"388279626950451200","paidAt":"2026-12-07T18:44:37.100+08:00",
 "payOrderId":"388279626870759424","room":"101","roomId":"ZY1-101","status":"DELIVERED",
 "updatedAt":"2026-12-07T18:44:37.210+08:00","userId":"388279620412346368",
 "utility":"ELECTRICITY"},
{"amount":1550,"attempts":3,"building":"竹园1栋","channel":"WECHAT_JSAPI",
 "createdAt":"2026-12-07T17:02:11.000+08:00","deliveryStartedAt":"2026-12-07T17:02:12.000+08:00",
 "expiresAt":"2026-12-07T17:17:11.000+08:00","failureReason":"宿舍已冻结",
 "id":"388250000000000000","lastError":"2003 room frozen","paidAt":"2026-12-07T17:02:12.000+08:00",
 "payOrderId":"388250000000000100","room":"102","roomId":"ZY1-102","status":"DELIVERY_FAILED",
 "updatedAt":"2026-12-07T17:03:40.000+08:00","userId":"388279620412346369","utility":"WATER"},
{"amount":10000,"attempts":0,"building":"梅园2栋","createdAt":"2026-12-06T09:00:00.000+08:00",
 "expiresAt":"2026-12-06T09:15:00.000+08:00","id":"388000000000000000","room":"305",
 "roomId":"MY2-305","status":"PENDING_PAYMENT","updatedAt":"2026-12-06T09:00:00.000+08:00",
 "userId":"388279620412346368","utility":"ELECTRICITY"}],"nextCursor":"MTcw"})json";

QList<api::Topup> fixtures()
{
    return api::Page<api::Topup>::fromJson(QJsonDocument::fromJson(PageJson).object()).items;
}

QString cell(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.index(row, column).data(role).toString();
}

QString header(const QAbstractItemModel &m, int column)
{
    return m.headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
}

/// An API word left in a label: upper-case letters and underscores only (ELECTRICITY, PAID…).
bool looksLikeEnumWord(const QString &text)
{
    static const QRegularExpression re(u"^[A-Z_]+$"_s);
    return re.match(text).hasMatch();
}

} // namespace

class TestTopupsModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsFromJson();
    void everyCodeHasALabel();
    void sortsAndFilters();
    void updateMergesByKey();
    void chineseLabels();
    void actionsFollowSelectionAndRole();

private:
    api::AdminClient m_client;
};

void TestTopupsModel::rowsFromJson()
{
    TopupsModel model(&m_client);
    const QList<api::Topup> rows = fixtures();
    QCOMPARE(rows.size(), 3);
    model.setRows(rows);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 7);
    QCOMPARE(header(model, TopupsModel::Created), u"Created"_s);
    QCOMPARE(header(model, TopupsModel::Room), u"Room"_s);
    QCOMPARE(header(model, TopupsModel::Utility), u"Type"_s);
    QCOMPARE(header(model, TopupsModel::Amount), u"Amount"_s);
    QCOMPARE(header(model, TopupsModel::Status), u"Status"_s);
    QCOMPARE(header(model, TopupsModel::Attempts), u"Delivery attempts"_s);
    QCOMPARE(header(model, TopupsModel::LastError), u"Last error"_s);

    // In the server's offset, whatever the console's zone.
    QCOMPARE(cell(model, 0, TopupsModel::Created), u"2026-12-07 18:44:36"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Room), u"竹园1栋 101"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Utility), u"Electricity"_s);
    QCOMPARE(cell(model, 1, TopupsModel::Utility), u"Water"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Amount), u"¥20.00"_s);
    QCOMPARE(cell(model, 1, TopupsModel::Amount), u"¥15.50"_s);
    QCOMPARE(cell(model, 2, TopupsModel::Amount), u"¥100.00"_s);
    QCOMPARE(model.index(1, TopupsModel::Amount).data(SortRole).toLongLong(), 1550);
    QCOMPARE(cell(model, 0, TopupsModel::Status), u"Delivered"_s);
    QCOMPARE(cell(model, 1, TopupsModel::Status), u"Delivery failed"_s);
    QCOMPARE(cell(model, 2, TopupsModel::Status), u"Awaiting payment"_s);
    QCOMPARE(model.index(1, TopupsModel::Attempts).data().toInt(), 3);
    QCOMPARE(cell(model, 1, TopupsModel::LastError), u"2003 room frozen"_s);
    QCOMPARE(cell(model, 0, TopupsModel::LastError), QString());
    QCOMPARE(cell(model, 1, TopupsModel::Room, KeyRole), u"388250000000000000"_s);
    QCOMPARE(model.index(1, TopupsModel::Status).data(Qt::ForegroundRole).value<QColor>(),
             topupStatusColor(u"DELIVERY_FAILED"_s));
    QVERIFY(model.index(1, TopupsModel::Amount).data(Qt::TextAlignmentRole).toInt()
            & Qt::AlignRight);
    QCOMPARE(model.topup(u"388000000000000000"_s)->roomId, u"MY2-305"_s);
    QVERIFY(!model.topup(u"1"_s));
}

void TestTopupsModel::everyCodeHasALabel()
{
    const QStringList statuses = topupStatuses();
    QCOMPARE(statuses.size(), 7);
    QSet<QString> labels;
    for (const QString &s : statuses) {
        const QString label = topupStatusText(s);
        QVERIFY2(!looksLikeEnumWord(label), qPrintable(s));
        labels.insert(label);
    }
    QCOMPARE(labels.size(), statuses.size());
    // What a newer server may send is shown as it comes rather than hidden.
    QCOMPARE(topupStatusText(u"ON_HOLD"_s), u"ON_HOLD"_s);
    QCOMPARE(utilityText(u"ELECTRICITY"_s), u"Electricity"_s);
    QCOMPARE(utilityText(u"WATER"_s), u"Water"_s);
    QCOMPARE(utilityText(u"GAS"_s), u"GAS"_s);
    QCOMPARE(topupActorText(u"system"_s), u"System"_s);
    QCOMPARE(topupActorText(u"student"_s), u"Student"_s);
    QCOMPARE(topupActorText(u"pay-notify"_s), u"Payment notification"_s);
    QCOMPARE(topupActorText(u"staff:zhang"_s), u"Staff zhang"_s);
    QCOMPARE(topupEventKindText(u"ATTEMPT"_s), u"Delivery attempt"_s);
    QCOMPARE(topupEventKindText(u"TRANSITION"_s), u"Status change"_s);
    api::Topup bare;
    bare.roomId = u"ZY9-999"_s;
    QCOMPARE(topupRoomText(bare), u"ZY9-999"_s);
    // Only a paid top-up that is not delivered can be delivered again or refunded.
    for (const QString &s : statuses) {
        api::Topup t;
        t.status = s;
        const bool open = s == QLatin1String("PAID") || s == QLatin1String("DELIVERY_FAILED");
        QCOMPARE(t.canRedeliver(), open);
        QCOMPARE(t.canRefund(), open);
    }
}

void TestTopupsModel::sortsAndFilters()
{
    TopupsModel model(&m_client);
    model.setRows(fixtures());
    TableView table(&model);
    // As text "¥100.00" < "¥15.50" < "¥20.00"; as fen 1550 < 2000 < 10000.
    table.sortByColumn(TopupsModel::Amount, Qt::AscendingOrder);
    QStringList order;
    for (int r = 0; r < table.proxy()->rowCount(); ++r)
        order.append(table.proxy()->index(r, TopupsModel::Room).data().toString());
    QCOMPARE(order, (QStringList {u"竹园1栋 102"_s, u"竹园1栋 101"_s, u"梅园2栋 305"_s}));
    // Newest first by creation (Snowflake ids), whatever the time texts say.
    table.sortByColumn(TopupsModel::Created, Qt::DescendingOrder);
    QCOMPARE(table.proxy()->index(0, TopupsModel::Room).data().toString(), u"竹园1栋 101"_s);

    // The quick filter matches any column's shown text: a room, a translated type, an error.
    table.proxy()->setFilterFixedString(u"竹园1栋"_s);
    QCOMPARE(table.proxy()->rowCount(), 2);
    table.proxy()->setFilterFixedString(u"water"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    table.proxy()->setFilterFixedString(u"frozen"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    table.proxy()->setFilterFixedString(u"¥100"_s);
    QCOMPARE(table.proxy()->rowCount(), 1);
    table.proxy()->setFilterFixedString(u"no such room"_s);
    QCOMPARE(table.proxy()->rowCount(), 0);
}

void TestTopupsModel::updateMergesByKey()
{
    TopupsModel model(&m_client);
    model.setRows(fixtures());
    api::Topup redelivered = fixtures().at(1);
    redelivered.status = u"PAID"_s;
    redelivered.attempts = 0;
    redelivered.lastError.clear();
    model.updateTopup(redelivered);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOfKey(redelivered.id), 1);
    QCOMPARE(cell(model, 1, TopupsModel::Status), u"Paid, delivering"_s);
    QCOMPARE(model.index(1, TopupsModel::Attempts).data().toInt(), 0);
    api::Topup fresh = fixtures().at(0);
    fresh.id = u"388279626950451300"_s;
    model.updateTopup(fresh);
    QCOMPARE(model.rowOfKey(fresh.id), 0); // a new top-up at the top
    QCOMPARE(model.rowCount(), 4);
}

void TestTopupsModel::chineseLabels()
{
    QTranslator zh;
    QVERIFY2(zh.load(u"pomelo_console_zh_CN"_s, QStringLiteral(POMELO_CONSOLE_QM_DIR)),
             POMELO_CONSOLE_QM_DIR);
    QCoreApplication::installTranslator(&zh);
    const auto removeTranslator = qScopeGuard([&zh] { QCoreApplication::removeTranslator(&zh); });

    TopupsModel model(&m_client);
    model.setRows(fixtures());
    QCOMPARE(header(model, TopupsModel::Created), u"创建时间"_s);
    QCOMPARE(header(model, TopupsModel::Room), u"房间"_s);
    QCOMPARE(header(model, TopupsModel::Utility), u"类型"_s);
    QCOMPARE(header(model, TopupsModel::Amount), u"金额"_s);
    QCOMPARE(header(model, TopupsModel::Status), u"状态"_s);
    QCOMPARE(header(model, TopupsModel::Attempts), u"投递次数"_s);
    QCOMPARE(header(model, TopupsModel::LastError), u"最近错误"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Utility), u"电费"_s);
    QCOMPARE(cell(model, 1, TopupsModel::Utility), u"水费"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Amount), u"¥20.00"_s);
    QCOMPARE(cell(model, 0, TopupsModel::Status), u"已到账"_s);
    QCOMPARE(cell(model, 1, TopupsModel::Status), u"投递失败"_s);
    QCOMPARE(cell(model, 2, TopupsModel::Status), u"待支付"_s);
    // Every status, type and actor has a Chinese label (a missing translation falls back to the
    // English source, which has no CJK character).
    static const QRegularExpression cjk(u"\\p{Han}"_s);
    QStringList texts;
    for (const QString &s : topupStatuses())
        texts << topupStatusText(s);
    texts << utilityText(u"ELECTRICITY"_s) << utilityText(u"WATER"_s) << topupActorText(u"system"_s)
          << topupActorText(u"student"_s) << topupActorText(u"pay-notify"_s)
          << topupActorText(u"staff:admin"_s) << topupEventKindText(u"ATTEMPT"_s)
          << topupEventKindText(u"TRANSITION"_s) << auditActionText(u"topup.redeliver"_s)
          << auditActionText(u"topup.refund"_s);
    for (const QString &t : std::as_const(texts))
        QVERIFY2(cjk.match(t).hasMatch(), qPrintable(t));
    QCOMPARE(topupActorText(u"staff:admin"_s), u"工作人员 admin"_s);
}

void TestTopupsModel::actionsFollowSelectionAndRole()
{
    // Not logged in: no admin, so no refund; a request of the view fails at once.
    TopupsView view(&m_client);
    view.model()->setRows(fixtures());
    QVERIFY(!view.redeliverAction()->isEnabled());
    QVERIFY(!view.refundAction()->isEnabled());
    QVERIFY(view.refundButton()->isHidden());
    QVERIFY(!view.refundAction()->isVisible());

    QVERIFY(view.selectTopup(u"388250000000000000"_s)); // DELIVERY_FAILED
    QVERIFY(view.redeliverAction()->isEnabled());
    QVERIFY(!view.refundAction()->isEnabled()); // admins only
    QVERIFY(view.selectTopup(u"388279626950451200"_s)); // DELIVERED
    QVERIFY(!view.redeliverAction()->isEnabled());
    QVERIFY(view.selectTopup(u"388000000000000000"_s)); // PENDING_PAYMENT
    QVERIFY(!view.redeliverAction()->isEnabled());
    view.table()->setCurrentIndex({});
    QVERIFY(!view.redeliverAction()->isEnabled());
    QVERIFY(!view.selectTopup(u"1"_s));
}

QTEST_MAIN(TestTopupsModel)
#include "test_topupsmodel.moc"
