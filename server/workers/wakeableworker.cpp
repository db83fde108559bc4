#include "wakeableworker.h"

namespace pomelo {

WakeableWorker::WakeableWorker(QString name, Round round, std::function<void()> onExit)
    : m_name(std::move(name))
    , m_round(std::move(round))
    , m_onExit(std::move(onExit))
{ }

WakeableWorker::~WakeableWorker()
{
    stop();
}

void WakeableWorker::start()
{
    if (m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = false;
        m_wake = true;
    }
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->setObjectName(m_name);
    m_thread->start();
}

void WakeableWorker::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread->wait();
    m_thread.reset();
    std::lock_guard lock(m_mutex);
    m_stop = false; // a round may still be run by hand on another thread
}

void WakeableWorker::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_wake = true;
    }
    m_cv.notify_all();
}

bool WakeableWorker::stopRequested() const
{
    std::lock_guard lock(m_mutex);
    return m_stop;
}

void WakeableWorker::run()
{
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop)
                break;
            m_wake = false;
        }
        const Sleep sleep = m_round();
        if (sleep.atMost.count() <= 0)
            continue;
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, sleep.atMost, [&] { return m_stop || (m_wake && sleep.wakeable); });
    }
    if (m_onExit)
        m_onExit();
}

} // namespace pomelo
