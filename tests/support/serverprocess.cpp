#include "serverprocess.h"

#include <QEventLoop>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

namespace pomelo::test {

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

HttpResult httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body,
                       const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(url);
    req.setTransferTimeout(timeoutMs);
    bool hasContentType = false;
    for (const auto &h : headers) {
        req.setRawHeader(h.first, h.second);
        hasContentType |= h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!body.isEmpty() && !hasContentType)
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->isOpen())
        r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError && r.status == 0)
        r.error = reply->errorString();
    reply->deleteLater();
    return r;
}

QByteArray rawHttpExchange(quint16 port, const QByteArray &request, int timeoutMs)
{
    // Event-driven (no waitFor*), so it also works against a server living in this thread.
    QTcpSocket socket;
    QByteArray received;
    QEventLoop loop;
    QObject::connect(&socket, &QTcpSocket::connected, &loop, [&] { socket.write(request); });
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] { received += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    socket.connectToHost(QHostAddress::LocalHost, port);
    loop.exec();
    received += socket.readAll();
    return received;
}

QString ServerProcess::binary()
{
    return qEnvironmentVariable("POMELO_SERVER_BIN");
}

namespace {

/// Tests run the sandbox and demo data on PostgreSQL too: development unless a test says
/// otherwise with POMELO_SERVER_MODE (the environment wins over a config file).
QStringList withMode(QStringList env)
{
    const bool set = std::any_of(env.cbegin(), env.cend(), [](const QString &kv) {
        return kv.startsWith(QLatin1String("POMELO_SERVER_MODE="));
    });
    if (!set)
        env.prepend(QStringLiteral("POMELO_SERVER_MODE=development"));
    return env;
}

} // namespace

ServerProcess::ServerProcess(QStringList extraArgs, QStringList extraEnv)
    : m_child(binary(),
              QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--data-dir"), m_dataDir.path()}
                  + extraArgs,
              withMode(std::move(extraEnv)))
{ }

ServerProcess::~ServerProcess()
{
    m_child.terminate(10000);
}

bool ServerProcess::start(int timeoutMs)
{
    if (binary().isEmpty() || !m_child.start())
        return false;
    static const QRegularExpression re(QStringLiteral("listening on http://[^ ]+:(\\d+)"));
    const bool ok = waitUntil(
        [this] {
            const QRegularExpressionMatch m = re.match(QString::fromUtf8(m_child.output()));
            if (m.hasMatch())
                m_port = static_cast<quint16>(m.captured(1).toUInt());
            return m_port != 0 || m_child.process().state() == QProcess::NotRunning;
        },
        timeoutMs, 10);
    return ok && m_port != 0;
}

QUrl ServerProcess::url(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(pathAndQuery));
}

HttpResult ServerProcess::get(const QString &path,
                              const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return httpRequest("GET", url(path), {}, headers);
}

HttpResult ServerProcess::post(const QString &path, const QByteArray &body,
                               const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return httpRequest("POST", url(path), body, headers);
}

} // namespace pomelo::test
