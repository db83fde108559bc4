// Tests shared/storage/paymentexceptionrepository.*: one row per channel payment however often it
// is reported (also concurrently), the refund loop's due query and compare-and-set steps, the
// admin's resolve, lists and counts — on SQLite and PostgreSQL.
#include "storage/paymentexceptionrepository.h"
#include "storagetest.h"

#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

namespace {

PaymentException sample(qint64 id, const QString &tradeNo, qint64 createdAt = 0)
{
    PaymentException e;
    e.id = id;
    e.channel = QStringLiteral("ECARD");
    e.channelTradeNo = tradeNo;
    e.outTradeNo = QStringLiteral("1790000000000000001");
    e.orderId = 1790000000000000001;
    e.paidAmount = 1;
    e.orderAmount = 5000;
    e.currency = QStringLiteral("CNY");
    e.reason = PaymentExceptionReason::AmountMismatch;
    e.detail = QStringLiteral("paid 1 fen, the order is 5000 fen");
    e.createdAt = createdAt;
    return e;
}

} // namespace

class TestPaymentExceptionRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void recordOncePerPayment_data() { backendRows(); }
    void recordOncePerPayment();
    void concurrentReportsRecordOnce_data() { backendRows(); }
    void concurrentReportsRecordOnce();
    void refundSteps_data() { backendRows(); }
    void refundSteps();
    void resolve_data() { backendRows(); }
    void resolve();
    void listsAndCounts_data() { backendRows(); }
    void listsAndCounts();
    void names();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    std::unique_ptr<Database> database()
    {
        QFETCH(QString, backend);
        return migratedDatabase(m_backends, backend);
    }
    StorageBackends m_backends;
};

void TestPaymentExceptionRepository::recordOncePerPayment()
{
    auto db = database();
    PaymentExceptionRepository repo(*db);
    QVERIFY(db->transact(
        [&](Transaction &tx) { return repo.record(tx, sample(10, QStringLiteral("T-1"), 1000)); }));
    // The same payment again (a repeated notification, then the timeout's query): nothing new.
    QVERIFY(!db->transact(
        [&](Transaction &tx) { return repo.record(tx, sample(11, QStringLiteral("T-1"))); }));
    QVERIFY(!repo.find(11));
    // The same trade number on another channel is another payment.
    PaymentException wechat = sample(12, QStringLiteral("T-1"));
    wechat.channel = QStringLiteral("WECHAT_JSAPI");
    QVERIFY(db->transact([&](Transaction &tx) { return repo.record(tx, wechat); }));

    const auto e = repo.findByTrade(QStringLiteral("ECARD"), QStringLiteral("T-1"));
    QVERIFY(e);
    QCOMPARE(e->id, 10);
    QCOMPARE(e->state, PaymentExceptionState::Refunding);
    QCOMPARE(e->reason, PaymentExceptionReason::AmountMismatch);
    QCOMPARE(e->paidAmount, 1);
    QCOMPARE(e->orderAmount, std::optional<qint64>(5000));
    QCOMPARE(e->orderId, std::optional<qint64>(1790000000000000001));
    QCOMPARE(e->nextRefundAt, std::optional<qint64>(1000)); // due at once
    QCOMPARE(e->refundAttempts, 0);
    QCOMPARE(e->createdAt, 1000);
    QCOMPARE(repo.ofOrder(1790000000000000001).size(), 2);

    // UNKNOWN_ORDER has no order and no order amount.
    PaymentException unknown = sample(13, QStringLiteral("T-2"));
    unknown.orderId.reset();
    unknown.orderAmount.reset();
    unknown.outTradeNo = QStringLiteral("not-ours");
    unknown.reason = PaymentExceptionReason::UnknownOrder;
    QVERIFY(db->transact([&](Transaction &tx) { return repo.record(tx, unknown); }));
    QCOMPARE(repo.find(13)->orderId, std::nullopt);
    QCOMPARE(repo.find(13)->outTradeNo, QStringLiteral("not-ours"));
}

void TestPaymentExceptionRepository::concurrentReportsRecordOnce()
{
    // A notification and the timeout's query report the same payment at the same moment.
    auto db = database();
    std::atomic<int> inserted {0};
    const auto errors = runConcurrently(6, [&](int i) {
        if (db->transact([&](Transaction &tx) {
                return PaymentExceptionRepository(*db).record(
                    tx, sample(100 + i, QStringLiteral("T-race")));
            }))
            ++inserted;
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(inserted.load(), 1);
    QCOMPARE(PaymentExceptionRepository(*db).ofOrder(1790000000000000001).size(), 1);
}

void TestPaymentExceptionRepository::refundSteps()
{
    auto db = database();
    PaymentExceptionRepository repo(*db);
    db->transact(
        [&](Transaction &tx) { repo.record(tx, sample(10, QStringLiteral("T-1"), 1000)); });
    QCOMPARE(repo.due(999, 10).size(), 0);
    QCOMPARE(repo.due(1000, 10).size(), 1);

    db->transact([&](Transaction &tx) {
        QVERIFY(repo.retryLater(tx, 10, 0, 5000, QStringLiteral("HTTP 503"), QString()));
        QVERIFY(!repo.retryLater(tx, 10, 0, 6000, QStringLiteral("stale"))); // stale version
    });
    auto e = repo.find(10);
    QCOMPARE(e->refundAttempts, 1);
    QCOMPARE(e->nextRefundAt, std::optional<qint64>(5000));
    QCOMPARE(e->lastError, QStringLiteral("HTTP 503"));
    QCOMPARE(repo.due(4999, 10).size(), 0);
    QCOMPARE(repo.due(5000, 10).size(), 1);

    QVERIFY_THROWS_EXCEPTION(Error, db->transact([&](Transaction &tx) {
        repo.settle(tx, 10, 1, PaymentExceptionState::Resolved, {});
    }));
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.settle(tx, 10, 1, PaymentExceptionState::Refunded, QStringLiteral("RF-9"));
    }));
    e = repo.find(10);
    QCOMPARE(e->state, PaymentExceptionState::Refunded);
    QCOMPARE(e->channelRefundNo, QStringLiteral("RF-9"));
    QCOMPARE(e->refundAttempts, 2);
    QCOMPARE(e->nextRefundAt, std::nullopt);
    QVERIFY(e->refundedAt);
    QCOMPARE(repo.due(1LL << 50, 10).size(), 0); // settled: never due again
    // Settling twice (two instances raced) applies once.
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.settle(tx, 10, 2, PaymentExceptionState::RefundFailed, {});
    }));

    db->transact([&](Transaction &tx) { repo.record(tx, sample(11, QStringLiteral("T-2"))); });
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.settle(tx, 11, 0, PaymentExceptionState::RefundFailed, {},
                           QStringLiteral("refused"));
    }));
    e = repo.find(11);
    QCOMPARE(e->state, PaymentExceptionState::RefundFailed);
    QCOMPARE(e->refundedAt, std::nullopt);
    QCOMPARE(e->lastError, QStringLiteral("refused"));
}

void TestPaymentExceptionRepository::resolve()
{
    auto db = database();
    PaymentExceptionRepository repo(*db);
    db->transact([&](Transaction &tx) { repo.record(tx, sample(10, QStringLiteral("T-1"))); });
    // Still refunding: an admin cannot close the case.
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.resolve(tx, 10, 0, QStringLiteral("root"), QStringLiteral("early"));
    }));
    db->transact(
        [&](Transaction &tx) { repo.settle(tx, 10, 0, PaymentExceptionState::RefundFailed, {}); });
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.resolve(tx, 10, 1, QStringLiteral("root"),
                            QStringLiteral("refunded in cash at the card center"));
    }));
    const auto e = repo.find(10);
    QCOMPARE(e->state, PaymentExceptionState::Resolved);
    QCOMPARE(e->resolvedBy, QStringLiteral("root"));
    QCOMPARE(e->resolution, QStringLiteral("refunded in cash at the card center"));
    QVERIFY(e->resolvedAt);
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.resolve(tx, 10, 2, QStringLiteral("root"), QStringLiteral("again"));
    }));
}

void TestPaymentExceptionRepository::listsAndCounts()
{
    auto db = database();
    PaymentExceptionRepository repo(*db);
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 7; ++i)
            repo.record(tx, sample(10 + i, QStringLiteral("T-%1").arg(i), 1000 + i));
        repo.settle(tx, 10, 0, PaymentExceptionState::Refunded, {});
        repo.settle(tx, 11, 0, PaymentExceptionState::RefundFailed, {});
        repo.settle(tx, 12, 0, PaymentExceptionState::Refunded, {});
        repo.resolve(tx, 12, 1, QStringLiteral("root"), QStringLiteral("checked"));
    });
    QList<qint64> ids;
    std::optional<PageCursor> cursor;
    do {
        const Page<PaymentException> page = repo.list(std::nullopt, cursor, 3);
        for (const PaymentException &e : page.items)
            ids << e.id;
        cursor = page.next;
    } while (cursor);
    QCOMPARE(ids, (QList<qint64> {16, 15, 14, 13, 12, 11, 10}));
    const Page<PaymentException> refunding =
        repo.list(PaymentExceptionState::Refunding, std::nullopt, 10);
    QCOMPARE(refunding.items.size(), 4);
    QCOMPARE(refunding.items.first().id, 16);
    QCOMPARE(repo.openCounts(),
             (QList<std::pair<QString, qint64>> {{QStringLiteral("REFUNDED"), 1},
                                                 {QStringLiteral("REFUNDING"), 4},
                                                 {QStringLiteral("REFUND_FAILED"), 1}}));
}

void TestPaymentExceptionRepository::names()
{
    QCOMPARE(paymentExceptionReasonName(PaymentExceptionReason::UnknownOrder),
             QStringLiteral("UNKNOWN_ORDER"));
    QCOMPARE(paymentExceptionReasonFromName(u"AMOUNT_MISMATCH"),
             std::optional(PaymentExceptionReason::AmountMismatch));
    QCOMPARE(paymentExceptionReasonFromName(u"amount_mismatch"), std::nullopt);
    QCOMPARE(paymentExceptionStateName(PaymentExceptionState::RefundFailed),
             QStringLiteral("REFUND_FAILED"));
    QCOMPARE(paymentExceptionStateFromName(u"RESOLVED"),
             std::optional(PaymentExceptionState::Resolved));
    QCOMPARE(paymentExceptionStateFromName(u"DONE"), std::nullopt);
}

QTEST_GUILESS_MAIN(TestPaymentExceptionRepository)
#include "test_paymentexceptionrepository.moc"
