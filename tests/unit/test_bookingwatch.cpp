// server/booking/bookingwatch.*: long polls are answered when their check says so (woken by
// notify() or the periodic re-check), at their deadline, or when the watch stops; once each.
#include "booking/bookingwatch.h"
#include "testsupport.h"

#include <QTest>

#include <atomic>

using namespace pomelo;
using namespace pomelo::test;
using namespace std::chrono_literals;

namespace {

/// A waiter whose check answers once `ready` is set (or at the final check), counting its answers.
struct Probe
{
    std::atomic<bool> ready {false};
    std::atomic<int> checks {0};
    std::atomic<int> answers {0};
    std::atomic<int> lastStatus {0};
    std::atomic<bool> finalSeen {false};

    BookingWatch::Check check()
    {
        return [this](bool final) -> std::optional<HttpResponse> {
            ++checks;
            if (!final && !ready)
                return std::nullopt;
            finalSeen = final;
            return HttpResponse::json(ready ? 200 : 204, "{}");
        };
    }
    HttpResponse::Reply reply()
    {
        return [this](HttpResponse r) {
            lastStatus = r.status;
            ++answers;
        };
    }
};

} // namespace

class TestBookingWatch : public QObject
{
    Q_OBJECT

private slots:
    void notifyWakesOnlyThatBooking();
    void periodicCheckFindsChangesNobodyNotified();
    void deadlineAnswersWithAFinalCheck();
    void stopAnswersEveryWaiter();
};

void TestBookingWatch::notifyWakesOnlyThatBooking()
{
    BookingWatch watch;
    Probe a, b;
    watch.wait(1, 20s, a.check(), a.reply());
    watch.wait(2, 20s, b.check(), b.reply());
    QVERIFY(waitUntil([&] { return a.checks >= 1 && b.checks >= 1; })); // the check on arrival
    QCOMPARE(watch.waiting(), 2);
    a.ready = true;
    watch.notify(1);
    QVERIFY(waitUntil([&] { return a.answers == 1; }));
    QCOMPARE(a.lastStatus.load(), 200);
    QCOMPARE(watch.waiting(), 1);
    QCOMPARE(b.answers.load(), 0);
    b.ready = true; // changed too, but nobody tells the watch about booking 2
    // Booking 2 is found by the periodic re-check (once a second), not by booking 1's notify.
    QVERIFY(waitUntil([&] { return b.answers == 1; }, 5000));
    QCOMPARE(watch.waiting(), 0);
    watch.notify(1); // nobody waits any more: nothing happens
    QCOMPARE(a.answers.load(), 1);
}

void TestBookingWatch::periodicCheckFindsChangesNobodyNotified()
{
    BookingWatch watch;
    Probe p;
    watch.wait(7, 20s, p.check(), p.reply());
    QVERIFY(waitUntil([&] { return p.checks >= 1; }));
    const int before = p.checks;
    QVERIFY(waitUntil([&] { return p.checks > before; }, 5000)); // checked again, still waiting
    QCOMPARE(p.answers.load(), 0);
    p.ready = true;
    QVERIFY(waitUntil([&] { return p.answers == 1; }, 5000));
    QVERIFY(!p.finalSeen);
}

void TestBookingWatch::deadlineAnswersWithAFinalCheck()
{
    BookingWatch watch;
    Probe p;
    watch.wait(3, 300ms, p.check(), p.reply());
    QVERIFY(waitUntil([&] { return p.answers == 1; }, 5000));
    QVERIFY(p.finalSeen);
    QCOMPARE(p.lastStatus.load(), 204); // the booking as it is: still waiting
    QCOMPARE(watch.waiting(), 0);
}

void TestBookingWatch::stopAnswersEveryWaiter()
{
    Probe probes[20];
    {
        BookingWatch watch;
        for (int i = 0; i < 20; ++i)
            watch.wait(100 + i % 3, 20s, probes[i].check(), probes[i].reply());
        watch.stop();
        QCOMPARE(watch.waiting(), 0);
        for (const Probe &p : probes) {
            QCOMPARE(p.answers.load(), 1);
            QVERIFY(p.finalSeen);
        }
        // After stop a wait is answered at once, with a final check.
        Probe late;
        watch.wait(5, 20s, late.check(), late.reply());
        QVERIFY(waitUntil([&] { return late.answers == 1; }));
        QVERIFY(late.finalSeen);
    }
    for (const Probe &p : probes)
        QCOMPARE(p.answers.load(), 1); // the destructor answered nobody twice
}

QTEST_GUILESS_MAIN(TestBookingWatch)
#include "test_bookingwatch.moc"
