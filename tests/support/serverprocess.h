#pragma once

#include "testsupport.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QUrl>

namespace pomelo::test {

/// A reply as the tests need it: status, headers, body.
struct HttpResult
{
    int status = 0; ///< 0 when no HTTP answer came (connection refused, timeout)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;

    QByteArray header(const QByteArray &name) const;
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

/// Synchronous HTTP for tests (runs the event loop until the reply or the timeout).
HttpResult httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {},
                       int timeoutMs = 10000);

/// Sends @p request bytes as they are on a new connection to 127.0.0.1:@p port and returns all
/// bytes received until the server closes or @p timeoutMs passes (for requests a client library
/// would "fix": missing headers, malformed lines, oversized bodies).
QByteArray rawHttpExchange(quint16 port, const QByteArray &request, int timeoutMs = 10000);

/// A real pomelo-server child on a free port with its own data dir (removed afterwards). The
/// binary comes from $POMELO_SERVER_BIN (set by ctest). Port 0 is asked for and the real port
/// is read from the server's "listening on" log line, so two tests never race for a port.
class ServerProcess
{
public:
    explicit ServerProcess(QStringList extraArgs = {}, QStringList extraEnv = {});
    /// Stops the server with SIGTERM (SIGKILL after 10 s): a clean stop also stops its embedded
    /// redis-server, which is detached by design and would outlive a killed server forever once
    /// the test's data dir is gone.
    ~ServerProcess();

    /// Starts and waits for the listening line; false (with output() explaining) otherwise.
    bool start(int timeoutMs = 15000);
    int terminate(int timeoutMs = 15000) { return m_child.terminate(timeoutMs); }
    QByteArray output() { return m_child.output(); }
    QProcess &process() { return m_child.process(); }

    quint16 port() const { return m_port; }
    QUrl url(const QString &pathAndQuery) const;
    QString dataDir() const { return m_dataDir.path(); }

    HttpResult get(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult post(const QString &path, const QByteArray &body,
                    const QList<QPair<QByteArray, QByteArray>> &headers = {});

    static QString binary();

private:
    QTemporaryDir m_dataDir;
    ChildProcess m_child;
    quint16 m_port = 0;
};

} // namespace pomelo::test
