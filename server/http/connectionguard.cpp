#include "connectionguard.h"

#include "telemetry/logging.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

namespace pomelo {

namespace {

constexpr qint64 MaxChunkLine = 1024;

/// Value of a header in a raw head ("name: value"), case-insensitive; all values when repeated.
QList<QByteArray> headerValues(const QByteArray &head, QByteArrayView name)
{
    QList<QByteArray> values;
    const QList<QByteArray> lines = head.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        if (QByteArrayView(line).first(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            values.append(line.mid(colon + 1).trimmed());
    }
    return values;
}

/// Closes after the refusal is on the wire without losing it: a plain close() with unread request
/// bytes makes the kernel send RST, and the client may then never see our 413. So: flush, shut
/// down our sending side, keep discarding what still arrives, and abort after a grace period.
void lingeringClose(QTcpSocket *socket)
{
    const auto shutWrite = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(static_cast<int>(socket->socketDescriptor()), SHUT_WR);
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, shutWrite);
    shutWrite();
    // After the current readyRead emission (QtHttpServer's slot may still run once): take the
    // connection away from QtHttpServer and discard whatever arrives. Its parser reads inside a
    // QIODevice transaction that retains every byte, and with the read buffer full the socket
    // would stop reading altogether; ending the transaction and skipping keeps bytes flowing.
    QMetaObject::invokeMethod(
        socket,
        [socket] {
            QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
            const auto drain = [socket] {
                if (socket->isTransactionStarted())
                    socket->commitTransaction();
                socket->skip(socket->bytesAvailable());
            };
            QObject::connect(socket, &QTcpSocket::readyRead, socket, drain);
            drain();
        },
        Qt::QueuedConnection);
    QTimer::singleShot(2000, socket, [socket] { socket->abort(); });
}

/// Restarted by every byte read (watchRequests()) or written: only a silent connection is closed.
QTimer *startIdleTimer(QTcpSocket *socket, int timeoutMs)
{
    auto *idle = new QTimer(socket);
    idle->setObjectName(QStringLiteral("pomelo.idle"));
    idle->setSingleShot(true);
    idle->setInterval(timeoutMs);
    QObject::connect(idle, &QTimer::timeout, socket, [socket] {
        qCInfo(lcHttp).noquote() << "closing idle connection from"
                                 << socket->peerAddress().toString();
        socket->abort();
    });
    idle->start();
    QObject::connect(socket, &QTcpSocket::bytesWritten, idle, qOverload<>(&QTimer::start));
    return idle;
}

/// Every byte restarts the idle timer, so a head trickled slowly enough never trips it: this one
/// runs from a head's first byte to its end, whatever arrives in between (started by the reader).
QTimer *createHeadTimer(QTcpSocket *socket, int timeoutMs)
{
    auto *head = new QTimer(socket);
    head->setObjectName(QStringLiteral("pomelo.head"));
    head->setSingleShot(true);
    head->setInterval(timeoutMs);
    QObject::connect(
        head, &QTimer::timeout, socket, [socket, timeoutMs] {
            qCInfo(lcHttp).noquote()
                << "closing connection from" << socket->peerAddress().toString()
                << QStringLiteral("(request head not complete within %1 ms)").arg(timeoutMs);
            socket->abort();
        });
    return head;
}

} // namespace

HttpFramer::HttpFramer(qint64 maxHeadBytes, qint64 maxBodyBytes)
    : m_maxHead(maxHeadBytes)
    , m_maxBody(maxBodyBytes)
{ }

HttpFramer::Verdict HttpFramer::finishHead()
{
    const QList<QByteArray> lengths = headerValues(m_line, "Content-Length");
    const QList<QByteArray> encodings = headerValues(m_line, "Transfer-Encoding");
    m_line.clear();
    m_bodyBytes = 0;
    const bool chunked = !encodings.isEmpty();
    // Both, or several different lengths, are the classic request-smuggling shapes: refuse them.
    if (chunked && !lengths.isEmpty())
        return fail(Verdict::Malformed);
    if (chunked) {
        if (encodings.size() != 1 || encodings.first().toLower() != "chunked")
            return fail(Verdict::Malformed);
        m_state = State::ChunkSize;
        return Verdict::Ok;
    }
    if (lengths.isEmpty()) {
        m_state = State::Head;
        return Verdict::Ok;
    }
    for (const QByteArray &l : lengths) {
        if (l != lengths.first())
            return fail(Verdict::Malformed);
    }
    const QByteArray &value = lengths.first();
    if (value.isEmpty() || value.size() > 18
        || !std::all_of(value.cbegin(), value.cend(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail(Verdict::Malformed);
    m_remaining = value.toLongLong();
    if (m_remaining > m_maxBody)
        return fail(Verdict::BodyTooLarge);
    m_state = m_remaining > 0 ? State::Body : State::Head;
    return Verdict::Ok;
}

HttpFramer::Verdict HttpFramer::feed(QByteArrayView data)
{
    while (m_verdict == Verdict::Ok && !data.isEmpty()) {
        qsizetype used = 0;
        switch (m_state) {
        case State::Head:
            used = takeHead(data);
            break;
        case State::Body:
            used = takeBody(data);
            break;
        case State::ChunkSize:
        case State::Trailer:
            used = takeLine(data);
            break;
        case State::ChunkData:
            used = takeChunkData(data);
            break;
        case State::ChunkDataEnd:
            used = takeChunkDataEnd(data);
            break;
        }
        data = data.sliced(used);
    }
    return m_verdict;
}

qsizetype HttpFramer::takeHead(QByteArrayView data)
{
    // Look for the end of the head in what we hold plus the new bytes, without copying more than
    // the head limit.
    const qsizetype before = m_line.size();
    const qsizetype take = std::min<qsizetype>(data.size(), m_maxHead + 4 - before);
    m_line.append(data.first(take));
    const qsizetype searchFrom = std::max<qsizetype>(0, before - 3);
    const qsizetype end = m_line.indexOf("\r\n\r\n", searchFrom);
    if (end < 0) {
        if (m_line.size() > m_maxHead) {
            fail(Verdict::HeadTooLarge);
            return 0;
        }
        // Blank lines before a request line are tolerated (RFC 9112 2.2).
        while (m_line.startsWith("\r\n"))
            m_line.remove(0, 2);
        return take;
    }
    if (end + 4 > m_maxHead) {
        fail(Verdict::HeadTooLarge);
        return 0;
    }
    m_line.truncate(end + 4);
    ++m_headsCompleted;
    finishHead();
    return end + 4 - before;
}

qsizetype HttpFramer::takeBody(QByteArrayView data)
{
    const qint64 n = std::min<qint64>(m_remaining, data.size());
    m_remaining -= n;
    if (m_remaining == 0)
        m_state = State::Head;
    return n;
}

/// A chunk-size line or a trailer line, which may arrive over several reads.
qsizetype HttpFramer::takeLine(QByteArrayView data)
{
    const bool trailer = m_state == State::Trailer;
    const qsizetype nl = data.indexOf('\n');
    const QByteArrayView part = nl < 0 ? data : data.first(nl + 1);
    m_line.append(part);
    if (m_line.size() > (trailer ? m_maxHead : MaxChunkLine)) {
        fail(trailer ? Verdict::HeadTooLarge : Verdict::Malformed);
        return 0;
    }
    if (nl < 0)
        return part.size();
    const QByteArray line = m_line.trimmed();
    m_line.clear();
    if (!trailer)
        startChunk(line);
    else if (line.isEmpty())
        m_state = State::Head;
    return part.size();
}

HttpFramer::Verdict HttpFramer::startChunk(const QByteArray &sizeLine)
{
    const qsizetype semi = sizeLine.indexOf(';');
    const QByteArray hex = (semi < 0 ? sizeLine : sizeLine.left(semi)).trimmed();
    bool ok = false;
    const qint64 size = hex.size() <= 15 ? hex.toLongLong(&ok, 16) : -1;
    if (!ok || size < 0)
        return fail(Verdict::Malformed);
    // Counted as announced, before the data arrives: the refusal does not wait for it.
    m_bodyBytes += size;
    if (m_bodyBytes > m_maxBody)
        return fail(Verdict::BodyTooLarge);
    if (size == 0) {
        m_state = State::Trailer;
    } else {
        m_remaining = size;
        m_state = State::ChunkData;
    }
    return Verdict::Ok;
}

qsizetype HttpFramer::takeChunkData(QByteArrayView data)
{
    const qint64 n = std::min<qint64>(m_remaining, data.size());
    m_remaining -= n;
    if (m_remaining == 0) {
        m_state = State::ChunkDataEnd;
        m_crlfLeft = 2;
    }
    return n;
}

qsizetype HttpFramer::takeChunkDataEnd(QByteArrayView data)
{
    const qint64 n = std::min<qint64>(m_crlfLeft, data.size());
    m_crlfLeft -= static_cast<int>(n);
    if (m_crlfLeft == 0)
        m_state = State::ChunkSize;
    return n;
}

void GuardedTcpServer::releaseForUpgrade(QTcpSocket *socket)
{
    // Stopped and cut off rather than deleted: the guard's own slots still hold their pointers.
    for (const QString &name : {QStringLiteral("pomelo.idle"), QStringLiteral("pomelo.head")}) {
        if (auto *timer = socket->findChild<QTimer *>(name, Qt::FindDirectChildrenOnly)) {
            timer->disconnect();
            timer->stop();
        }
    }
}

GuardedTcpServer::GuardedTcpServer(Limits limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{ }

QString GuardedTcpServer::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

int GuardedTcpServer::openConnections(const QHostAddress &address) const
{
    return m_openPerAddress.value(addressKey(address));
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    // The real TCP peer, never X-Forwarded-For (HttpRequest::clientAddress): these limits act on
    // the connection before a byte of it is read, and they protect this process's sockets, which
    // the peer holds. Behind a proxy the proxy holds them (its own limits are per client).
    const QString peer = addressKey(socket->peerAddress());
    if (peerAtCap(socket, peer)) {
        socket->abort();
        delete socket;
        return;
    }
    countOpen(socket, peer);

    if (m_open > m_limits.maxConnections) {
        addPendingConnection(socket);
        refuse(socket,
               HttpFramer::Verdict::Ok); // Ok here means "overloaded": no request was judged
        return;
    }

    // Memory per connection stays bounded even if QtHttpServer buffers whole requests: the socket
    // stops reading from the kernel once this much is waiting (TCP back-pressure does the rest).
    socket->setReadBufferSize(m_limits.maxHeadBytes + m_limits.maxBodyBytes + 4096);
    QTimer *idle = startIdleTimer(socket, m_limits.idleTimeoutMs);
    QTimer *head = createHeadTimer(socket, m_limits.headTimeoutMs);
    watchRequests(socket, idle, head);
    addPendingConnection(socket);
}

bool GuardedTcpServer::peerAtCap(QTcpSocket *socket, const QString &peer)
{
    const int ofPeer = m_openPerAddress[peer];
    const bool capped = m_limits.capLoopbackPeers || !socket->peerAddress().isLoopback();
    if (!capped || ofPeer < m_limits.maxConnectionsPerAddress)
        return false;
    // No answer: writing one costs a flooder nothing and us a buffer. Logged once per episode
    // (until the address is under its cap again), not once per connection of a flood.
    if (!m_capLogged.contains(peer)) {
        m_capLogged.insert(peer);
        qCWarning(lcHttp).noquote() << "closing new connections from" << peer
                                    << "at once:" << ofPeer << "open, the per-address limit";
    }
    return true;
}

void GuardedTcpServer::countOpen(QTcpSocket *socket, const QString &peer)
{
    ++m_openPerAddress[peer];
    ++m_open;
    // Counted down by a child, not by the socket's own destroyed(): QtHttpServer disconnects every
    // signal of a socket it hands to its WebSocket server, and the count would leak.
    auto *counter = new QObject(socket);
    connect(counter, &QObject::destroyed, this, [this, peer] {
        --m_open;
        const auto it = m_openPerAddress.find(peer);
        if (it == m_openPerAddress.end())
            return;
        if (--*it < m_limits.maxConnectionsPerAddress)
            m_capLogged.remove(peer);
        if (*it <= 0)
            m_openPerAddress.erase(it);
    });
}

void GuardedTcpServer::refuse(QTcpSocket *socket, HttpFramer::Verdict verdict)
{
    if (socket->property(RejectedProperty).toBool())
        return;
    socket->setProperty(RejectedProperty, true);
    qCWarning(lcHttp).noquote() << "refusing a request from" << socket->peerAddress().toString()
                                << "verdict" << static_cast<int>(verdict);
    if (m_reject)
        m_reject(socket, verdict);
    lingeringClose(socket);
}

void GuardedTcpServer::watchRequests(QTcpSocket *socket, QTimer *idle, QTimer *head)
{
    auto framer = std::make_shared<HttpFramer>(m_limits.maxHeadBytes, m_limits.maxBodyBytes);
    // Connected before QtHttpServer connects its own slot (it does so when it takes the pending
    // connection), so this runs first on every read and sees the bytes QtHttpServer will read.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket, framer, idle, head] {
        idle->start();
        if (socket->property(RejectedProperty).toBool())
            return; // lingeringClose() drains it
        const QByteArray fresh = socket->peek(socket->bytesAvailable());
        const quint64 headsBefore = framer->headsCompleted();
        const HttpFramer::Verdict v = framer->feed(fresh);
        if (v != HttpFramer::Verdict::Ok) {
            head->stop(); // the refusal must not be cut off by it
            refuse(socket, v);
            return;
        }
        if (!framer->inHead())
            head->stop();
        else if (!head->isActive() || framer->headsCompleted() != headsBefore)
            head->start(); // a new head began (after a whole request, in this very read or not)
    });
}

} // namespace pomelo
