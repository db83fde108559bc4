#pragma once

#include <QFuture>
#include <QTimer>
#include <QtConcurrent>

#include <chrono>
#include <functional>

namespace pomelo {

/// Runs a blocking @p task every @p interval on the global thread pool — never on the server's
/// thread, never two runs at once — and waits for a running one when destroyed. The modules' DB
/// sweeps (safety nets behind the delayed queues) use it.
class PeriodicTask
{
public:
    PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task)
        : m_task(std::move(task))
    {
        m_timer.setInterval(interval);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            if (!m_run.isRunning())
                m_run = QtConcurrent::run(m_task);
        });
        m_timer.start();
    }
    ~PeriodicTask()
    {
        m_timer.stop();
        m_run.waitForFinished();
    }
    PeriodicTask(const PeriodicTask &) = delete;
    PeriodicTask &operator=(const PeriodicTask &) = delete;

private:
    std::function<void()> m_task;
    QTimer m_timer;
    QFuture<void> m_run;
};

} // namespace pomelo
