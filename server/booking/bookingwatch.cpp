#include "bookingwatch.h"

namespace pomelo {

namespace {
// Deadlines are looked at four times a second, every waiter's booking once a second.
constexpr int TickMs = 250;
constexpr int FullCheckEveryTicks = 4;
} // namespace

BookingWatch::BookingWatch(QObject *parent)
    : QObject(parent)
{
    // Each check is one short read; two threads keep up with thousands of waiters a second.
    m_pool.setMaxThreadCount(2);
    m_pool.setObjectName(QStringLiteral("booking-watch"));
    m_timer.setInterval(TickMs);
    connect(&m_timer, &QTimer::timeout, this, &BookingWatch::tick);
    m_timer.start();
}

BookingWatch::~BookingWatch()
{
    stop();
}

void BookingWatch::wait(qint64 bookingId, std::chrono::milliseconds timeout, Check check,
                        HttpResponse::Reply reply)
{
    auto w = std::make_shared<Waiter>();
    w->bookingId = bookingId;
    w->deadline = std::chrono::steady_clock::now() + timeout;
    w->check = std::move(check);
    w->reply = std::move(reply);
    const QMutexLocker lock(&m_mutex);
    m_waiters.emplace(bookingId, w);
    // A change that landed between the handler's read and now has notified nobody: check once.
    scheduleLocked(w, m_stopping);
}

void BookingWatch::notify(qint64 bookingId)
{
    const QMutexLocker lock(&m_mutex);
    const auto [from, to] = m_waiters.equal_range(bookingId);
    for (auto it = from; it != to; ++it)
        scheduleLocked(it->second, false);
}

void BookingWatch::stop()
{
    {
        const QMutexLocker lock(&m_mutex);
        m_stopping = true;
        for (const auto &[id, w] : m_waiters)
            scheduleLocked(w, true);
    }
    m_timer.stop();
    m_pool.waitForDone();
    {
        // A check that said "keep waiting" just before stop() marked it: answer it now.
        const QMutexLocker lock(&m_mutex);
        for (const auto &[id, w] : m_waiters)
            scheduleLocked(w, true);
    }
    m_pool.waitForDone();
}

int BookingWatch::waiting() const
{
    const QMutexLocker lock(&m_mutex);
    return int(m_waiters.size());
}

void BookingWatch::tick()
{
    const bool full = ++m_ticks % FullCheckEveryTicks == 0;
    const auto now = std::chrono::steady_clock::now();
    const QMutexLocker lock(&m_mutex);
    for (const auto &[id, w] : m_waiters) {
        const bool due = now >= w->deadline;
        if (due || full)
            scheduleLocked(w, due);
    }
}

void BookingWatch::scheduleLocked(const WaiterPtr &w, bool final)
{
    if (w->checking)
        return;
    w->checking = true;
    m_pool.start([this, w, final] { runCheck(w, final); });
}

void BookingWatch::runCheck(const WaiterPtr &w, bool final)
{
    const bool last = final || std::chrono::steady_clock::now() >= w->deadline;
    std::optional<HttpResponse> answer = w->check(last);
    const QMutexLocker lock(&m_mutex);
    w->checking = false;
    if (!answer)
        return;
    const auto [from, to] = m_waiters.equal_range(w->bookingId);
    for (auto it = from; it != to; ++it) {
        if (it->second == w) {
            m_waiters.erase(it);
            break;
        }
    }
    w->reply(std::move(*answer));
}

} // namespace pomelo
