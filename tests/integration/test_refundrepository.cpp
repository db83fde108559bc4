// Tests shared/storage/refundrepository.*: refunds unique per app, the refundable amount,
// compare-and-set completion — on SQLite and PostgreSQL.
#include "storage/refundrepository.h"
#include "storagetest.h"

#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;

namespace {

const QString AppId = QStringLiteral("venue-booking");

Refund sampleRefund(qint64 id, qint64 orderId, const QString &outRefundNo, qint64 amount,
                    qint64 createdAt = 0)
{
    Refund r;
    r.id = id;
    r.orderId = orderId;
    r.appId = AppId;
    r.outRefundNo = outRefundNo;
    r.amount = amount;
    r.reason = QStringLiteral("场地维修");
    r.createdAt = createdAt;
    return r;
}

} // namespace

class TestRefundRepository : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void insertAndFind_data() { backendRows(); }
    void insertAndFind();
    void committedAmount_data() { backendRows(); }
    void committedAmount();
    void concurrentRefundsNeverExceedThePayment_data() { backendRows(); }
    void concurrentRefundsNeverExceedThePayment();
    void finish_data() { backendRows(); }
    void finish();
    void refundedAmountOfADay_data() { backendRows(); }
    void refundedAmountOfADay();
    void listsAndPolling_data() { backendRows(); }
    void listsAndPolling();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    std::unique_ptr<Database> database()
    {
        QFETCH(QString, backend);
        auto db = migratedDatabase(m_backends, backend);
        addApp(*db, AppId);
        addOrder(*db, sampleOrder(1, AppId, QStringLiteral("R-1")));
        addOrder(*db, sampleOrder(2, AppId, QStringLiteral("R-2")));
        return db;
    }
    StorageBackends m_backends;
};

void TestRefundRepository::insertAndFind()
{
    auto db = database();
    RefundRepository repo(*db);
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.insert(tx, sampleRefund(10, 1, QStringLiteral("RF-1"), 500, 1700000000000));
    }));
    // outRefundNo is unique per app: a retry writes nothing.
    QVERIFY(!db->transact([&](Transaction &tx) {
        return repo.insert(tx, sampleRefund(11, 1, QStringLiteral("RF-1"), 500));
    }));
    QVERIFY(!repo.find(11));
    const auto r = repo.findByOutRefundNo(AppId, QStringLiteral("RF-1"));
    QVERIFY(r);
    QCOMPARE(r->id, 10);
    QCOMPARE(r->orderId, 1);
    QCOMPARE(r->amount, 500);
    QCOMPARE(r->reason, QStringLiteral("场地维修"));
    QCOMPARE(r->status, RefundStatus::Processing);
    QCOMPARE(r->initiator, QStringLiteral("APP"));
    QCOMPARE(r->version, 0);
    QCOMPARE(r->createdAt, 1700000000000);
    QCOMPARE(r->finishedAt, std::nullopt);
    db->transact([&](Transaction &tx) { QCOMPARE(repo.find(tx, 10, RowLock::ForUpdate)->id, 10); });
}

void TestRefundRepository::committedAmount()
{
    auto db = database();
    RefundRepository repo(*db);
    db->transact([&](Transaction &tx) {
        QCOMPARE(repo.committedAmount(tx, 1), 0);
        repo.insert(tx, sampleRefund(10, 1, QStringLiteral("RF-1"), 500));
        repo.insert(tx, sampleRefund(11, 1, QStringLiteral("RF-2"), 300));
        repo.insert(tx, sampleRefund(12, 2, QStringLiteral("RF-3"), 1000));
        QCOMPARE(repo.committedAmount(tx, 1), 800);
        QVERIFY(repo.finish(tx, 11, 0, RefundStatus::Closed)); // a closed refund gives it back
        QVERIFY(repo.finish(tx, 10, 0, RefundStatus::Success));
        QCOMPARE(repo.committedAmount(tx, 1), 500);
    });
}

void TestRefundRepository::concurrentRefundsNeverExceedThePayment()
{
    // The pay module's refund check as it must be written: lock the order, sum, insert.
    auto db = database();
    std::atomic<int> accepted {0};
    const auto errors = runConcurrently(6, [&](int i) {
        db->transact([&](Transaction &tx) {
            const auto order = OrderRepository(*db).find(tx, 1, RowLock::ForUpdate);
            RefundRepository refunds(*db);
            if (refunds.committedAmount(tx, 1) + 700 > order->amount)
                return;
            refunds.insert(tx, sampleRefund(100 + i, 1, QStringLiteral("RF-c%1").arg(i), 700));
            ++accepted;
        });
    });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    QCOMPARE(accepted.load(), 2); // 2 × 700 ≤ 2000 < 3 × 700
    db->transact(
        [&](Transaction &tx) { QCOMPARE(RefundRepository(*db).committedAmount(tx, 1), 1400); });
}

void TestRefundRepository::finish()
{
    auto db = database();
    RefundRepository repo(*db);
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleRefund(10, 1, QStringLiteral("RF-1"), 500));
    });
    db->transact([&](Transaction &tx) {
        QVERIFY(repo.setChannelRefundNo(tx, 10, 0, QStringLiteral("WECHAT_JSAPI"),
                                        QStringLiteral("50000000382019052709732678859")));
        QVERIFY(!repo.finish(tx, 10, 0, RefundStatus::Success)); // stale version
        QVERIFY_THROWS_EXCEPTION(Error, repo.finish(tx, 10, 1, RefundStatus::Processing));
    });
    QVERIFY(db->transact([&](Transaction &tx) {
        return repo.finish(tx, 10, 1, RefundStatus::Success, {}, 1800000000000);
    }));
    // A repeated refund notification: already finished, nothing applies.
    QVERIFY(!db->transact(
        [&](Transaction &tx) { return repo.finish(tx, 10, 2, RefundStatus::Abnormal); }));
    const auto r = repo.find(10);
    QCOMPARE(r->status, RefundStatus::Success);
    QCOMPARE(r->channel, QStringLiteral("WECHAT_JSAPI"));
    QCOMPARE(r->channelRefundNo, QStringLiteral("50000000382019052709732678859"));
    QCOMPARE(r->finishedAt, std::optional<qint64>(1800000000000));
    QCOMPARE(r->version, 2);
}

void TestRefundRepository::refundedAmountOfADay()
{
    // The dashboard's "refunded": what went back in the day, by when the refund succeeded (a
    // partial one counts its own amount, one still processing or refused counts nothing).
    auto db = database();
    RefundRepository repo(*db);
    const qint64 day = 1800000000000;
    const qint64 next = day + 24 * 3600 * 1000;
    db->transact([&](Transaction &tx) {
        repo.insert(tx, sampleRefund(10, 1, QStringLiteral("RF-1"), 500));
        repo.insert(tx, sampleRefund(11, 1, QStringLiteral("RF-2"), 350));
        repo.insert(tx, sampleRefund(12, 2, QStringLiteral("RF-3"), 1000));
        repo.insert(tx, sampleRefund(13, 2, QStringLiteral("RF-4"), 70));
        repo.insert(tx, sampleRefund(14, 2, QStringLiteral("RF-5"), 9));
    });
    db->transact([&](Transaction &tx) {
        QVERIFY(repo.finish(tx, 10, 0, RefundStatus::Success, {}, day));
        QVERIFY(repo.finish(tx, 11, 0, RefundStatus::Success, {}, next - 1));
        QVERIFY(repo.finish(tx, 12, 0, RefundStatus::Success, {}, next)); // the next day
        QVERIFY(repo.finish(tx, 13, 0, RefundStatus::Abnormal, {}, day + 5));
    });
    QCOMPARE(repo.refundedAmount(day, next), 850);
    QCOMPARE(repo.refundedAmount(next, next + 24 * 3600 * 1000), 1000);
    QCOMPARE(repo.refundedAmount(0, day), 0);
}

void TestRefundRepository::listsAndPolling()
{
    auto db = database();
    RefundRepository repo(*db);
    db->transact([&](Transaction &tx) {
        for (int i = 0; i < 7; ++i) {
            Refund r =
                sampleRefund(10 + i, 1 + i % 2, QStringLiteral("RF-%1").arg(i), 10, 1000 + i);
            r.updatedAt = 1000 + i;
            repo.insert(tx, r);
        }
        repo.finish(tx, 10, 0, RefundStatus::Success, {}, 1500);
    });
    QCOMPARE(repo.ofOrder(1).size(), 4);
    QCOMPARE(repo.ofOrder(1).first().id, 10);
    const QList<Refund> waiting = repo.processing(1004, 10);
    QCOMPARE(waiting.size(), 3); // 11, 12, 13 (10 finished; 14.. newer)
    QCOMPARE(waiting.first().id, 11);
    QList<qint64> ids;
    std::optional<PageCursor> cursor;
    do {
        const Page<Refund> page = repo.list(cursor, 3);
        for (const Refund &r : page.items)
            ids << r.id;
        cursor = page.next;
    } while (cursor);
    QCOMPARE(ids, (QList<qint64> {16, 15, 14, 13, 12, 11, 10}));
    QCOMPARE(refundStatusFromName(u"ABNORMAL"), std::optional(RefundStatus::Abnormal));
    QCOMPARE(refundStatusFromName(u"DONE"), std::nullopt);
}

QTEST_GUILESS_MAIN(TestRefundRepository)
#include "test_refundrepository.moc"
