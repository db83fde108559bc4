#include "deliveryprogress.h"

#include <QTimer>

#include <algorithm>

namespace pomelo::console {

DeliveryProgress::DeliveryProgress(const QString &label, int count, Poll poll, QWidget *parent,
                                   int intervalMs)
    : QProgressDialog(label, tr("Close"), 0, count, parent)
    , m_poll(std::move(poll))
    , m_timer(new QTimer(this))
    , m_count(count)
{
    setAttribute(Qt::WA_DeleteOnClose);
    // Reaching the maximum must neither hide the dialog nor reset it: it stays, saying "done".
    setAutoClose(false);
    setAutoReset(false);
    setMinimumDuration(0);
    setValue(0);
    // The button and Escape cancel a QProgressDialog, which only hides it: close it instead.
    connect(this, &QProgressDialog::canceled, this, &QWidget::close);
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, [this] {
        ++m_polls;
        m_poll(this, [this](int pending) { pendingNow(pending); });
    });
    m_timer->start();
}

bool DeliveryProgress::isPolling() const
{
    return m_timer->isActive();
}

void DeliveryProgress::pendingNow(int pending)
{
    if (!m_timer->isActive())
        return; // an answer that was on its way when the last one said "done"
    setValue(std::clamp(m_count - pending, 0, m_count));
    if (pending == 0) {
        m_timer->stop();
        setLabelText(tr("Done: every notification was attempted."));
    }
}

} // namespace pomelo::console
