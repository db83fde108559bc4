#pragma once

#include <QObject>

class QSocketNotifier;

namespace pomelo {

/// Turns SIGINT/SIGTERM into a Qt signal on the main thread. The handler only writes one byte to
/// a socket pair (async-signal-safe); everything else runs in the event loop.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace pomelo
