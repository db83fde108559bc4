#pragma once

#include <QString>
#include <QThread>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace pomelo {

/// The thread of a worker that does its work in rounds and sleeps in between until a deadline or
/// a wake(): owns the thread, the wake flag and the stop protocol. The outbox relay and the
/// merchant notifier run on it.
class WakeableWorker
{
public:
    /// What a round asks for: sleep at most @c atMost (zero or less: the next round at once);
    /// with @c wakeable false, a wake() does not cut the sleep short (a back-off), stop() does.
    struct Sleep
    {
        std::chrono::milliseconds atMost;
        bool wakeable = true;
    };
    /// One round on the worker's thread. It catches what it can recover from; an exception that
    /// escapes it ends the thread.
    using Round = std::function<Sleep()>;

    /// @p name is the thread's name; @p onExit runs on the thread after the last round (to
    /// release what the thread holds).
    WakeableWorker(QString name, Round round, std::function<void()> onExit = {});
    ~WakeableWorker();
    WakeableWorker(const WakeableWorker &) = delete;
    WakeableWorker &operator=(const WakeableWorker &) = delete;

    /// Starts the thread; its first round runs at once. Does nothing when it runs already.
    void start();
    /// Asks the thread to stop, wakes it and waits for the round in hand to end.
    void stop();
    /// Thread-safe: the next round starts now (or once the round in hand has ended).
    void wake();
    /// Thread-safe: whether stop() is waiting for the thread (a round may end early then).
    bool stopRequested() const;
    bool isRunning() const { return bool(m_thread); }

private:
    void run();

    const QString m_name;
    const Round m_round;
    const std::function<void()> m_onExit;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_wake = false;
    bool m_stop = false;
    std::unique_ptr<QThread> m_thread;
};

} // namespace pomelo
