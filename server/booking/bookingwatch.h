#pragma once

#include "http/httptypes.h"

#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <chrono>
#include <map>
#include <memory>
#include <optional>

namespace pomelo {

/// The long polls of `GET /api/v1/bookings/{id}?waitWhile=STATUS`: a student's page waiting for
/// PAID after the cashier asks once and is answered when the status moves on, instead of asking
/// again and again (at the 08:00 rush, thousands of pages polling were most of the server's work).
///
/// Each waiter has a check that reads the booking and says whether the wait is over. A change
/// made by this instance wakes the booking's waiters at once (notify()); every second every waiter
/// is checked again, which finds changes made by another instance or by paths that do not notify;
/// at its deadline a waiter is answered with what the booking is then. Checks run on the watch's
/// own small pool, never on the event loop, and one waiter is never checked twice at once.
class BookingWatch : public QObject
{
    Q_OBJECT

public:
    /// The answer once the wait is over, nullopt to keep waiting. With @p final (the deadline
    /// passed, or the server stops) it must answer. Must not throw: errors are answers too.
    using Check = std::function<std::optional<HttpResponse>(bool final)>;

    explicit BookingWatch(QObject *parent = nullptr);
    ~BookingWatch() override;

    /// Parks a request on @p bookingId for at most @p timeout. Thread-safe.
    void wait(qint64 bookingId, std::chrono::milliseconds timeout, Check check,
              HttpResponse::Reply reply);
    /// The booking changed in this process: check its waiters now. Thread-safe, cheap when
    /// nobody waits.
    void notify(qint64 bookingId);
    /// Answers every waiter (final checks) and waits for the checks; later waits are answered at
    /// once. Call on the watch's thread before the HTTP server goes.
    void stop();
    /// Requests parked now (metrics, tests).
    int waiting() const;

private:
    struct Waiter
    {
        qint64 bookingId = 0;
        std::chrono::steady_clock::time_point deadline;
        Check check;
        HttpResponse::Reply reply;
        bool checking = false; ///< a check is queued or running (guarded by m_mutex)
    };
    using WaiterPtr = std::shared_ptr<Waiter>;

    void tick();
    /// Queues a check of @p w unless one is already on its way. Call with m_mutex held.
    void scheduleLocked(const WaiterPtr &w, bool final);
    void runCheck(const WaiterPtr &w, bool final);

    mutable QMutex m_mutex; // guards m_waiters, every Waiter::checking and m_stopping
    std::multimap<qint64, WaiterPtr> m_waiters;
    bool m_stopping = false;
    QThreadPool m_pool;
    QTimer m_timer;
    int m_ticks = 0;
};

} // namespace pomelo
