// console/deliveryprogress.*: following a "re-send all failed" of the notifications view. The bug
// it fixes (issue #17): a QProgressDialog that reached its maximum only hid, its timer polled
// GET /admin/v1/notifications every second forever, and each poll showed the dialog again, which
// closed the main window's open menus. Here the poll is a fake that answers at once.
#include "deliveryprogress.h"

#include <QApplication>
#include <QPointer>
#include <QPushButton>
#include <QTest>

using namespace pomelo::console;

namespace {

/// A poll answering the counts of @p pending in turn (the last one repeats).
DeliveryProgress::Poll answers(QList<int> pending)
{
    return [pending, i = 0](QObject *, std::function<void(int)> done) mutable {
        done(pending.at(std::min<qsizetype>(i++, pending.size() - 1)));
    };
}

} // namespace

class TestDeliveryProgress : public QObject
{
    Q_OBJECT

private slots:
    void stopsPollingWhenNothingIsPending();
    void staysHiddenOnceClosedAndIsDeleted();
    void closeButtonDeletesItWhilePolling();
    void lateAnswerAfterDoneChangesNothing();
};

void TestDeliveryProgress::stopsPollingWhenNothingIsPending()
{
    QWidget window;
    auto *progress =
        new DeliveryProgress(QStringLiteral("Delivering"), 3, answers({2, 1, 0}), &window, 5);
    progress->show();
    QTRY_VERIFY(!progress->isPolling());
    QCOMPARE(progress->polls(), 3);
    QCOMPARE(progress->value(), 3);
    QVERIFY(progress->labelText().startsWith(QLatin1String("Done")));
    // Done: it stays to say so, and asks nothing more (before the fix: a request every second).
    QVERIFY(progress->isVisible());
    QTest::qWait(50); // ten intervals in which a live timer would have polled
    QCOMPARE(progress->polls(), 3);
    delete progress;
}

void TestDeliveryProgress::staysHiddenOnceClosedAndIsDeleted()
{
    QWidget window;
    QPointer<DeliveryProgress> progress =
        new DeliveryProgress(QStringLiteral("Delivering"), 1, answers({0}), &window, 5);
    progress->show();
    QTRY_VERIFY(!progress->isPolling());
    progress->close();
    // WA_DeleteOnClose: gone with its timer, so nothing can show it again.
    QTRY_VERIFY(progress.isNull());
}

void TestDeliveryProgress::closeButtonDeletesItWhilePolling()
{
    QWidget window;
    QPointer<DeliveryProgress> progress =
        new DeliveryProgress(QStringLiteral("Delivering"), 5, answers({5}), &window, 5);
    progress->show();
    QTRY_VERIFY(progress->polls() >= 2);
    QVERIFY(progress->isPolling());
    // The dialog's own button: a QProgressDialog would only hide and keep its timer.
    QPushButton *button = progress->findChild<QPushButton *>();
    QVERIFY(button);
    QCOMPARE(button->text(), QStringLiteral("Close"));
    button->click();
    QTRY_VERIFY(progress.isNull());
}

void TestDeliveryProgress::lateAnswerAfterDoneChangesNothing()
{
    QWidget window;
    std::function<void(int)> held;
    int polls = 0;
    auto *progress = new DeliveryProgress(
        QStringLiteral("Delivering"), 2,
        [&](QObject *, std::function<void(int)> done) {
            if (++polls == 1)
                held = done; // an answer still on its way
            else
                done(0);
        },
        &window, 5);
    progress->show();
    QTRY_VERIFY(!progress->isPolling());
    QCOMPARE(progress->value(), 2);
    held(2); // "two pending", from before
    QCOMPARE(progress->value(), 2);
    QVERIFY(!progress->isPolling());
    delete progress;
}

QTEST_MAIN(TestDeliveryProgress)
#include "test_deliveryprogress.moc"
