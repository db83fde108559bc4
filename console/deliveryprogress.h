#pragma once

#include <QProgressDialog>

#include <functional>

class QTimer;

namespace pomelo::console {

/// Follows the delivery of re-sent merchant notifications: asks how many are still pending every
/// interval, shows the progress, and stops asking once none is left (the dialog then says so and
/// stays until closed). Closing it, by its button or the window, deletes it with its timer.
///
/// A plain QProgressDialog does neither: reaching its maximum only hides it (so a timer owned by
/// it kept polling forever), and each later setValue() showed it again, which took the focus and
/// closed any open menu of the main window within a second (issue #17).
class DeliveryProgress : public QProgressDialog
{
    Q_OBJECT

public:
    /// Answers the pending count through the callback (asynchronously is fine); it is given this
    /// dialog as the context whose destruction drops a late answer.
    using Poll = std::function<void(QObject *context, std::function<void(int pending)> done)>;

    DeliveryProgress(const QString &label, int count, Poll poll, QWidget *parent,
                     int intervalMs = 1000);

    bool isPolling() const;
    int polls() const { return m_polls; }

private:
    void pendingNow(int pending);

    Poll m_poll;
    QTimer *m_timer;
    int m_count;
    int m_polls = 0;
};

} // namespace pomelo::console
