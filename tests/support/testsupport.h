#pragma once

#include <QDeadlineTimer>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace pomelo::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
/// Races with other processes are possible but rare; harnesses retry a start that fails to bind.
quint16 freeLoopbackPort();

/// Polls @p condition until it holds or @p timeoutMs passes, running the event loop in between.
/// Synchronisation for tests: wait for a condition, never for a fixed time.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000, int pollMs = 5);

/// A child process owned by a test: killed (SIGKILL) and reaped when destroyed.
class ChildProcess
{
public:
    ChildProcess(const QString &program, const QStringList &arguments,
                 const QStringList &extraEnv = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    bool start(int timeoutMs = 5000);
    /// SIGTERM, then waits for exit; returns the exit code (or -1 on crash/timeout).
    int terminate(int timeoutMs = 10000);
    void kill();
    QProcess &process() { return *m_process; }
    /// Everything the child wrote so far (stdout and stderr merged).
    QByteArray output();

private:
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
};

} // namespace pomelo::test
