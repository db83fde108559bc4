// Tests server/pay/paymentcheck.*: the one money rule every road to PAID goes through — a row per
// way a channel's record can differ from its order, and the states where a payment is news.
#include "pay/paymentcheck.h"

#include <QTest>

using namespace pomelo;

Q_DECLARE_METATYPE(std::optional<PaymentExceptionReason>)

namespace {

const MerchantIdentity WechatUs {QStringLiteral("1900000109"), QStringLiteral("wx0123456789")};

PayOrder order(OrderStatus status = OrderStatus::Paying)
{
    PayOrder o;
    o.id = 1790000000000000001;
    o.appId = QStringLiteral("venue-booking");
    o.amount = 5000;
    o.channel = QStringLiteral("WECHAT_JSAPI");
    o.prepayId = QStringLiteral("wx201410272009395522657a690389285100");
    o.status = status;
    if (status == OrderStatus::Paid || status == OrderStatus::Refunding
        || status == OrderStatus::Refunded)
        o.channelTradeNo = QStringLiteral("4200000001");
    return o;
}

ChannelPaymentRecord payment()
{
    ChannelPaymentRecord p;
    p.channel = QStringLiteral("WECHAT_JSAPI");
    p.tradeNo = QStringLiteral("4200000001");
    p.outTradeNo = QStringLiteral("1790000000000000001");
    p.amount = 5000;
    p.currency = QStringLiteral("CNY");
    p.merchantId = WechatUs.merchantId;
    p.appId = WechatUs.appId;
    return p;
}

} // namespace

class TestPaymentCheck : public QObject
{
    Q_OBJECT

private slots:
    void checkPayment_data();
    void checkPayment();
    void unknownOrder();
    void channelWithoutAppIds();
};

void TestPaymentCheck::checkPayment_data()
{
    QTest::addColumn<PayOrder>("order");
    QTest::addColumn<ChannelPaymentRecord>("paid");
    QTest::addColumn<std::optional<PaymentExceptionReason>>("expected");
    const std::optional<PaymentExceptionReason> ok;
    using R = PaymentExceptionReason;
    const auto with = [](auto change) {
        ChannelPaymentRecord p = payment();
        change(p);
        return p;
    };

    QTest::newRow("exact, PAYING") << order() << payment() << ok;
    QTest::newRow("exact, INIT without a channel yet") << [] {
        PayOrder o = order(OrderStatus::Init);
        o.channel.clear();
        o.prepayId.clear();
        return o;
    }() << payment() << ok;
    QTest::newRow("1 fen for 50 yuan")
        << order() << with([](auto &p) { p.amount = 1; }) << std::optional(R::AmountMismatch);
    QTest::newRow("1 fen more") << order() << with([](auto &p) { p.amount = 5001; })
                                << std::optional(R::AmountMismatch);
    QTest::newRow("zero") << order() << with([](auto &p) { p.amount = 0; })
                          << std::optional(R::AmountMismatch);
    QTest::newRow("USD") << order() << with([](auto &p) { p.currency = QStringLiteral("USD"); })
                         << std::optional(R::Currency);
    QTest::newRow("currency missing")
        << order() << with([](auto &p) { p.currency.clear(); }) << std::optional(R::Currency);
    QTest::newRow("lower-case cny")
        << order() << with([](auto &p) { p.currency = QStringLiteral("cny"); })
        << std::optional(R::Currency);
    QTest::newRow("another channel")
        << order() << with([](auto &p) { p.channel = QStringLiteral("ECARD"); })
        << std::optional(R::Channel);
    QTest::newRow("another channel order")
        << order() << with([](auto &p) { p.prepayId = QStringLiteral("wx-other"); })
        << std::optional(R::Channel);
    QTest::newRow("channel order not named")
        << order() << with([](auto &p) { p.prepayId.clear(); }) << ok;
    QTest::newRow("another merchant")
        << order() << with([](auto &p) { p.merchantId = QStringLiteral("1900000110"); })
        << std::optional(R::Merchant);
    QTest::newRow("another app") << order()
                                 << with([](auto &p) { p.appId = QStringLiteral("wx-other"); })
                                 << std::optional(R::Merchant);
    QTest::newRow("no merchant") << order() << with([](auto &p) { p.merchantId.clear(); })
                                 << std::optional(R::Merchant);
    QTest::newRow("after CLOSED") << order(OrderStatus::Closed) << payment()
                                  << std::optional(R::Late);
    QTest::newRow("after FAILED") << order(OrderStatus::Failed) << payment()
                                  << std::optional(R::Late);
    QTest::newRow("PAID, the same payment again") << order(OrderStatus::Paid) << payment() << ok;
    QTest::newRow("REFUNDED, the same payment again")
        << order(OrderStatus::Refunded) << payment() << ok;
    QTest::newRow("PAID, a second payment")
        << order(OrderStatus::Paid) << with([](auto &p) { p.tradeNo = QStringLiteral("42002"); })
        << std::optional(R::Duplicate);
    QTest::newRow("REFUNDING, a second payment")
        << order(OrderStatus::Refunding)
        << with([](auto &p) { p.tradeNo = QStringLiteral("42002"); })
        << std::optional(R::Duplicate);
    // The first difference wins, in the documented order: the admin sees the worst one.
    QTest::newRow("late and short: the amount first")
        << order(OrderStatus::Closed) << with([](auto &p) { p.amount = 1; })
        << std::optional(R::AmountMismatch);
    QTest::newRow("another merchant in USD: the merchant first") << order() << with([](auto &p) {
        p.merchantId = QStringLiteral("x");
        p.currency = QStringLiteral("USD");
    }) << std::optional(R::Merchant);
}

void TestPaymentCheck::checkPayment()
{
    QFETCH(PayOrder, order);
    QFETCH(ChannelPaymentRecord, paid);
    QFETCH(std::optional<PaymentExceptionReason>, expected);
    const std::optional<PaymentMismatch> m = pomelo::checkPayment(order, paid, WechatUs);
    QCOMPARE(m.has_value(), expected.has_value());
    if (m) {
        QCOMPARE(paymentExceptionReasonName(m->reason), paymentExceptionReasonName(*expected));
        QVERIFY(!m->detail.isEmpty());
    }
}

void TestPaymentCheck::unknownOrder()
{
    const auto m = pomelo::checkPayment(std::nullopt, payment(), WechatUs);
    QVERIFY(m);
    QCOMPARE(m->reason, PaymentExceptionReason::UnknownOrder);
    QVERIFY(m->detail.contains(QLatin1String("1790000000000000001")));
}

void TestPaymentCheck::channelWithoutAppIds()
{
    // The e-card has no app ids: only the partner id is compared.
    PayOrder o = order();
    o.channel = QStringLiteral("ECARD");
    o.prepayId = QStringLiteral("EC-1");
    ChannelPaymentRecord p = payment();
    p.channel = QStringLiteral("ECARD");
    p.prepayId = QStringLiteral("EC-1");
    p.merchantId = QStringLiteral("partner-1");
    p.appId.clear();
    QVERIFY(!pomelo::checkPayment(o, p, {QStringLiteral("partner-1"), {}}));
    QCOMPARE(pomelo::checkPayment(o, p, {QStringLiteral("partner-2"), {}})->reason,
             PaymentExceptionReason::Merchant);
}

QTEST_GUILESS_MAIN(TestPaymentCheck)
#include "test_paymentcheck.moc"
