#include "domain/statemachine.h"

#include <QSet>
#include <QTest>

using namespace pomelo;

// QTest finds printers of a type by ADL on `toString` returning a new[]'d char *.
namespace pomelo {
char *toString(OrderStatus status)
{
    return QTest::toString(statusName(status));
}
char *toString(BookingStatus status)
{
    return QTest::toString(statusName(status));
}
char *toString(TopupStatus status)
{
    return QTest::toString(statusName(status));
}
} // namespace pomelo

namespace {

// The expected tables, written out independently of the implementation. Row = from, column = to,
// in enum order; 1 = legal.
constexpr std::array<const char *, 7> OrderNames = {"INIT",   "PAYING",    "PAID",    "FAILED",
                                                    "CLOSED", "REFUNDING", "REFUNDED"};
constexpr int OrderTable[7][7] = {
    // INIT PAYING PAID FAILED CLOSED REFUNDING REFUNDED
    {0, 1, 0, 0, 1, 0, 0}, // INIT
    {0, 0, 1, 1, 1, 0, 0}, // PAYING
    {0, 0, 0, 0, 0, 1, 0}, // PAID
    {0, 0, 0, 0, 0, 1, 0}, // FAILED: a late success is refunded
    {0, 0, 0, 0, 0, 1, 0}, // CLOSED: a late success is refunded
    {0, 0, 1, 0, 0, 0, 1}, // REFUNDING: refund failed/partial -> PAID, done -> REFUNDED
    {0, 0, 0, 0, 0, 0, 0}, // REFUNDED
};

constexpr std::array<const char *, 6> BookingNames = {"PENDING_PAYMENT", "PAID",     "CANCELLED",
                                                      "REFUNDING",       "REFUNDED", "CHECKED_IN"};
constexpr int BookingTable[6][6] = {
    // PENDING PAID CANCELLED REFUNDING REFUNDED CHECKED_IN
    {0, 1, 1, 0, 0, 0}, // PENDING_PAYMENT
    {0, 0, 0, 1, 0, 1}, // PAID
    {0, 0, 0, 0, 0, 0}, // CANCELLED
    {0, 1, 0, 0, 1, 0}, // REFUNDING
    {0, 0, 0, 0, 0, 0}, // REFUNDED
    {0, 0, 0, 0, 0, 0}, // CHECKED_IN
};

constexpr std::array<const char *, 7> TopupNames = {"PENDING_PAYMENT", "PAID",      "DELIVERED",
                                                    "DELIVERY_FAILED", "REFUNDING", "REFUNDED",
                                                    "CANCELLED"};
constexpr int TopupTable[7][7] = {
    // PENDING PAID DELIVERED DELIVERY_FAILED REFUNDING REFUNDED CANCELLED
    {0, 1, 0, 0, 0, 0, 1}, // PENDING_PAYMENT
    {0, 0, 1, 1, 0, 0, 0}, // PAID: credited, or refused for good / past the deadline
    {0, 0, 0, 0, 0, 0, 0}, // DELIVERED
    {0, 1, 1, 0, 1, 0, 0}, // DELIVERY_FAILED: re-deliver, late confirmation, refund
    {0, 0, 0, 1, 0, 1, 0}, // REFUNDING: refused -> DELIVERY_FAILED (retried), done -> REFUNDED
    {0, 0, 0, 0, 0, 0, 0}, // REFUNDED
    {0, 0, 0, 0, 0, 0, 0}, // CANCELLED
};

template<typename Status, std::size_t N>
QSet<Status> reachableFrom(Status start, const std::array<Status, N> &all)
{
    QSet<Status> seen {start};
    QList<Status> pending {start};
    while (!pending.isEmpty()) {
        const Status from = pending.takeLast();
        for (const Status to : all) {
            if (isLegalTransition(from, to) && !seen.contains(to)) {
                seen.insert(to);
                pending.append(to);
            }
        }
    }
    return seen;
}

} // namespace

class TestStateMachine : public QObject
{
    Q_OBJECT

private slots:
    void orderTransition_data();
    void orderTransition();
    void bookingTransition_data();
    void bookingTransition();
    void topupTransition_data();
    void topupTransition();
    void orderNames_data();
    void orderNames();
    void bookingNames_data();
    void bookingNames();
    void topupNames_data();
    void topupNames();
    void unknownNames_data();
    void unknownNames();
    void orderFinished_data();
    void orderFinished();
    void terminalStates();
    void legalTransitionsMatchPredicate();
    void everyStateReachable();
    void heldMoneyCanAlwaysBeRefunded();
};

void TestStateMachine::orderTransition_data()
{
    QTest::addColumn<OrderStatus>("from");
    QTest::addColumn<OrderStatus>("to");
    QTest::addColumn<bool>("legal");
    for (std::size_t f = 0; f < AllOrderStatuses.size(); ++f) {
        for (std::size_t t = 0; t < AllOrderStatuses.size(); ++t) {
            QTest::addRow("%s -> %s", OrderNames[f], OrderNames[t])
                << AllOrderStatuses[f] << AllOrderStatuses[t] << (OrderTable[f][t] == 1);
        }
    }
}

void TestStateMachine::orderTransition()
{
    QFETCH(OrderStatus, from);
    QFETCH(OrderStatus, to);
    QFETCH(bool, legal);
    QCOMPARE(isLegalTransition(from, to), legal);
}

void TestStateMachine::bookingTransition_data()
{
    QTest::addColumn<BookingStatus>("from");
    QTest::addColumn<BookingStatus>("to");
    QTest::addColumn<bool>("legal");
    for (std::size_t f = 0; f < AllBookingStatuses.size(); ++f) {
        for (std::size_t t = 0; t < AllBookingStatuses.size(); ++t) {
            QTest::addRow("%s -> %s", BookingNames[f], BookingNames[t])
                << AllBookingStatuses[f] << AllBookingStatuses[t] << (BookingTable[f][t] == 1);
        }
    }
}

void TestStateMachine::bookingTransition()
{
    QFETCH(BookingStatus, from);
    QFETCH(BookingStatus, to);
    QFETCH(bool, legal);
    QCOMPARE(isLegalTransition(from, to), legal);
}

void TestStateMachine::topupTransition_data()
{
    QTest::addColumn<TopupStatus>("from");
    QTest::addColumn<TopupStatus>("to");
    QTest::addColumn<bool>("legal");
    for (std::size_t f = 0; f < AllTopupStatuses.size(); ++f) {
        for (std::size_t t = 0; t < AllTopupStatuses.size(); ++t) {
            QTest::addRow("%s -> %s", TopupNames[f], TopupNames[t])
                << AllTopupStatuses[f] << AllTopupStatuses[t] << (TopupTable[f][t] == 1);
        }
    }
}

void TestStateMachine::topupTransition()
{
    QFETCH(TopupStatus, from);
    QFETCH(TopupStatus, to);
    QFETCH(bool, legal);
    QCOMPARE(isLegalTransition(from, to), legal);
}

void TestStateMachine::orderNames_data()
{
    QTest::addColumn<OrderStatus>("status");
    QTest::addColumn<QString>("name");
    QTest::newRow("Init") << OrderStatus::Init << QStringLiteral("INIT");
    QTest::newRow("Paying") << OrderStatus::Paying << QStringLiteral("PAYING");
    QTest::newRow("Paid") << OrderStatus::Paid << QStringLiteral("PAID");
    QTest::newRow("Failed") << OrderStatus::Failed << QStringLiteral("FAILED");
    QTest::newRow("Closed") << OrderStatus::Closed << QStringLiteral("CLOSED");
    QTest::newRow("Refunding") << OrderStatus::Refunding << QStringLiteral("REFUNDING");
    QTest::newRow("Refunded") << OrderStatus::Refunded << QStringLiteral("REFUNDED");
}

void TestStateMachine::orderNames()
{
    QFETCH(OrderStatus, status);
    QFETCH(QString, name);
    QCOMPARE(statusName(status), name);
    QCOMPARE(orderStatusFromName(name), std::optional<OrderStatus>(status));
}

void TestStateMachine::bookingNames_data()
{
    QTest::addColumn<BookingStatus>("status");
    QTest::addColumn<QString>("name");
    QTest::newRow("PendingPayment")
        << BookingStatus::PendingPayment << QStringLiteral("PENDING_PAYMENT");
    QTest::newRow("Paid") << BookingStatus::Paid << QStringLiteral("PAID");
    QTest::newRow("Cancelled") << BookingStatus::Cancelled << QStringLiteral("CANCELLED");
    QTest::newRow("Refunding") << BookingStatus::Refunding << QStringLiteral("REFUNDING");
    QTest::newRow("Refunded") << BookingStatus::Refunded << QStringLiteral("REFUNDED");
    QTest::newRow("CheckedIn") << BookingStatus::CheckedIn << QStringLiteral("CHECKED_IN");
}

void TestStateMachine::bookingNames()
{
    QFETCH(BookingStatus, status);
    QFETCH(QString, name);
    QCOMPARE(statusName(status), name);
    QCOMPARE(bookingStatusFromName(name), std::optional<BookingStatus>(status));
}

void TestStateMachine::topupNames_data()
{
    QTest::addColumn<TopupStatus>("status");
    QTest::addColumn<QString>("name");
    QTest::newRow("PendingPayment")
        << TopupStatus::PendingPayment << QStringLiteral("PENDING_PAYMENT");
    QTest::newRow("Paid") << TopupStatus::Paid << QStringLiteral("PAID");
    QTest::newRow("Delivered") << TopupStatus::Delivered << QStringLiteral("DELIVERED");
    QTest::newRow("DeliveryFailed")
        << TopupStatus::DeliveryFailed << QStringLiteral("DELIVERY_FAILED");
    QTest::newRow("Refunding") << TopupStatus::Refunding << QStringLiteral("REFUNDING");
    QTest::newRow("Refunded") << TopupStatus::Refunded << QStringLiteral("REFUNDED");
    QTest::newRow("Cancelled") << TopupStatus::Cancelled << QStringLiteral("CANCELLED");
}

void TestStateMachine::topupNames()
{
    QFETCH(TopupStatus, status);
    QFETCH(QString, name);
    QCOMPARE(statusName(status), name);
    QCOMPARE(topupStatusFromName(name), std::optional<TopupStatus>(status));
}

void TestStateMachine::unknownNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("lower case") << QStringLiteral("paid");
    QTest::newRow("trailing space") << QStringLiteral("PAID ");
    QTest::newRow("US spelling") << QStringLiteral("CANCELED");
    QTest::newRow("enum name") << QStringLiteral("PendingPayment");
    QTest::newRow("other") << QStringLiteral("SUCCESS");
}

void TestStateMachine::unknownNames()
{
    QFETCH(QString, name);
    QCOMPARE(orderStatusFromName(name), std::nullopt);
    QCOMPARE(bookingStatusFromName(name), std::nullopt);
    QCOMPARE(topupStatusFromName(name), std::nullopt);
}

void TestStateMachine::orderFinished_data()
{
    QTest::addColumn<OrderStatus>("status");
    QTest::addColumn<bool>("finished");
    QTest::newRow("INIT") << OrderStatus::Init << false;
    QTest::newRow("PAYING") << OrderStatus::Paying << false;
    QTest::newRow("PAID") << OrderStatus::Paid << true;
    QTest::newRow("FAILED") << OrderStatus::Failed << true;
    QTest::newRow("CLOSED") << OrderStatus::Closed << true;
    QTest::newRow("REFUNDING") << OrderStatus::Refunding << true;
    QTest::newRow("REFUNDED") << OrderStatus::Refunded << true;
}

void TestStateMachine::orderFinished()
{
    QFETCH(OrderStatus, status);
    QFETCH(bool, finished);
    QCOMPARE(isFinished(status), finished);
}

void TestStateMachine::terminalStates()
{
    QSet<OrderStatus> terminalOrders;
    for (const OrderStatus status : AllOrderStatuses) {
        if (isTerminal(status))
            terminalOrders.insert(status);
    }
    QCOMPARE(terminalOrders, QSet<OrderStatus> {OrderStatus::Refunded});
    // Finished is not terminal: a paid order can still be refunded.
    QVERIFY(isFinished(OrderStatus::Paid) && !isTerminal(OrderStatus::Paid));

    QSet<BookingStatus> terminalBookings;
    for (const BookingStatus status : AllBookingStatuses) {
        if (isTerminal(status))
            terminalBookings.insert(status);
    }
    QCOMPARE(terminalBookings,
             (QSet<BookingStatus> {BookingStatus::Cancelled, BookingStatus::Refunded,
                                   BookingStatus::CheckedIn}));

    QSet<TopupStatus> terminalTopups;
    for (const TopupStatus status : AllTopupStatuses) {
        if (isTerminal(status))
            terminalTopups.insert(status);
    }
    QCOMPARE(terminalTopups,
             (QSet<TopupStatus> {TopupStatus::Delivered, TopupStatus::Refunded,
                                 TopupStatus::Cancelled}));
}

void TestStateMachine::legalTransitionsMatchPredicate()
{
    QCOMPARE(legalTransitions(OrderStatus::Paying),
             (QList<OrderStatus> {OrderStatus::Paid, OrderStatus::Failed, OrderStatus::Closed}));
    QCOMPARE(legalTransitions(BookingStatus::Paid),
             (QList<BookingStatus> {BookingStatus::Refunding, BookingStatus::CheckedIn}));
    int orderCount = 0;
    for (const OrderStatus from : AllOrderStatuses) {
        for (const OrderStatus to : legalTransitions(from))
            QVERIFY(isLegalTransition(from, to));
        orderCount += int(legalTransitions(from).size());
    }
    QCOMPARE(orderCount, 10);
    int bookingCount = 0;
    for (const BookingStatus from : AllBookingStatuses) {
        for (const BookingStatus to : legalTransitions(from))
            QVERIFY(isLegalTransition(from, to));
        bookingCount += int(legalTransitions(from).size());
    }
    QCOMPARE(bookingCount, 6);
    int topupCount = 0;
    for (const TopupStatus from : AllTopupStatuses) {
        for (const TopupStatus to : legalTransitions(from))
            QVERIFY(isLegalTransition(from, to));
        topupCount += int(legalTransitions(from).size());
    }
    QCOMPARE(topupCount, 9);
}

void TestStateMachine::everyStateReachable()
{
    QCOMPARE(reachableFrom(OrderStatus::Init, AllOrderStatuses).size(),
             qsizetype(AllOrderStatuses.size()));
    QCOMPARE(reachableFrom(BookingStatus::PendingPayment, AllBookingStatuses).size(),
             qsizetype(AllBookingStatuses.size()));
    QCOMPARE(reachableFrom(TopupStatus::PendingPayment, AllTopupStatuses).size(),
             qsizetype(AllTopupStatuses.size()));
}

// "No money is taken without an order that ends PAID or REFUNDED": from every state in which the
// channel may have taken the money, a path to REFUNDED exists.
void TestStateMachine::heldMoneyCanAlwaysBeRefunded()
{
    for (const OrderStatus status : {OrderStatus::Paying, OrderStatus::Paid, OrderStatus::Failed,
                                     OrderStatus::Closed, OrderStatus::Refunding}) {
        QVERIFY2(reachableFrom(status, AllOrderStatuses).contains(OrderStatus::Refunded),
                 qPrintable(statusName(status)));
    }
    for (const BookingStatus status : {BookingStatus::Paid, BookingStatus::Refunding}) {
        QVERIFY2(reachableFrom(status, AllBookingStatuses).contains(BookingStatus::Refunded),
                 qPrintable(statusName(status)));
    }
    // A top-up holding the student's money can always end with the money back, and a refund is
    // only entered where no delivery runs (DELIVERY_FAILED): never from PAID, never after
    // DELIVERED.
    for (const TopupStatus status :
         {TopupStatus::Paid, TopupStatus::DeliveryFailed, TopupStatus::Refunding}) {
        QVERIFY2(reachableFrom(status, AllTopupStatuses).contains(TopupStatus::Refunded),
                 qPrintable(statusName(status)));
    }
    for (const TopupStatus from : AllTopupStatuses) {
        if (isLegalTransition(from, TopupStatus::Refunding))
            QCOMPARE(from, TopupStatus::DeliveryFailed);
    }
    QVERIFY(reachableFrom(TopupStatus::Delivered, AllTopupStatuses).size() == 1);
}

QTEST_GUILESS_MAIN(TestStateMachine)
#include "test_statemachine.moc"
