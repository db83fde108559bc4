#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>

#include <functional>

class QTcpSocket;
class QTimer;

namespace pomelo {

/// Incremental HTTP/1.1 framing, just enough to police sizes before QtHttpServer buffers a
/// request: it follows request heads, Content-Length bodies and chunked bodies across reads and
/// pipelined requests. It never interprets anything else.
class HttpFramer
{
public:
    enum class Verdict { Ok, HeadTooLarge, BodyTooLarge, Malformed };

    HttpFramer(qint64 maxHeadBytes, qint64 maxBodyBytes);
    /// Feeds bytes as they arrive; once not Ok it stays so.
    Verdict feed(QByteArrayView data);
    Verdict verdict() const { return m_verdict; }
    /// True between the first byte of a request head and its blank line (what the head deadline
    /// of GuardedTcpServer times); blank lines before a request line do not count.
    bool inHead() const { return m_state == State::Head && !m_line.isEmpty(); }
    /// Request heads seen complete so far: a change tells that a new head may have begun.
    quint64 headsCompleted() const { return m_headsCompleted; }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer };
    // One per state: each takes what it can use from the front of @p data and returns how many
    // bytes that was (0 after a refusal: fail() has ended the request stream).
    qsizetype takeHead(QByteArrayView data);
    qsizetype takeBody(QByteArrayView data);
    qsizetype takeLine(QByteArrayView data);
    qsizetype takeChunkData(QByteArrayView data);
    qsizetype takeChunkDataEnd(QByteArrayView data);
    Verdict finishHead();
    Verdict startChunk(const QByteArray &sizeLine);
    Verdict fail(Verdict v)
    {
        m_verdict = v;
        return v;
    }

    qint64 m_maxHead;
    qint64 m_maxBody;
    State m_state = State::Head;
    QByteArray m_line; ///< current head (State::Head) or current chunk-size/trailer line
    qint64 m_remaining = 0; ///< bytes left of the body or of the current chunk
    qint64 m_bodyBytes = 0; ///< body bytes of the current request so far (chunked)
    int m_crlfLeft = 0; ///< CRLF bytes after chunk data still to skip
    quint64 m_headsCompleted = 0;
    Verdict m_verdict = Verdict::Ok;
};

/// The QTcpServer that pomelo's HttpServer binds. Every accepted socket gets, before QtHttpServer
/// sees a byte of it: a read-buffer cap (so memory per connection is bounded whatever QtHttpServer
/// does), an HttpFramer that answers 413 (code 4130) as soon as a head announces or a chunked body
/// reaches more than the body limit, an idle timeout, a deadline for each request head, and caps
/// on open connections, in all and per peer address.
///
/// The idle timeout alone does not stop a client that trickles a head a byte at a time (every byte
/// restarts it), and the total cap alone lets one such client hold every slot: the head deadline
/// cuts a head that is not complete in time whatever its pace, and the per-address cap closes a
/// new connection at once when its address already holds its share, so that the others still get
/// slots.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    struct Limits
    {
        qint64 maxBodyBytes = 64 * 1024;
        qint64 maxHeadBytes = 16 * 1024;
        int idleTimeoutMs = 30000;
        /// From the first byte of a request head (each one on a keep-alive connection) to its blank
        /// line; then the connection is closed. Bodies are not timed by it.
        int headTimeoutMs = 10000;
        int maxConnections = 1024;
        /// Open connections of one peer address (IPv4-mapped IPv6 counted as the IPv4 address);
        /// beyond it a new connection is closed at once, without an answer.
        int maxConnectionsPerAddress = 64;
        /// Whether loopback peers are capped too. Not by default: the default listen address is
        /// loopback, so such a peer is normally a reverse proxy on this host that carries every
        /// client (capping it would cap the whole site); the proxy limits its clients itself.
        bool capLoopbackPeers = false;
    };

    /// @p reject writes the refusal for a socket (status 413/431/400/503 and the envelope).
    using RejectWriter = std::function<void(QTcpSocket *socket, HttpFramer::Verdict verdict)>;

    explicit GuardedTcpServer(Limits limits, QObject *parent = nullptr);
    void setRejectWriter(RejectWriter writer) { m_reject = std::move(writer); }
    int openConnections() const { return m_open; }
    /// Open connections of @p address (as the cap counts them).
    int openConnections(const QHostAddress &address) const;

    /// Set on a socket whose request was refused: the HTTP server must not answer it again.
    static constexpr const char *RejectedProperty = "pomelo.rejected";

    /// The socket leaves HTTP for a WebSocket (accepted upgrade): its idle and head timers are
    /// removed (QtHttpServer disconnects every signal of the socket, so nothing would restart it;
    /// the WebSocket's owner keeps it alive or closes it). Size limits no longer apply to its
    /// frames.
    static void releaseForUpgrade(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    static QString addressKey(const QHostAddress &address);
    /// True (and logged once per episode) when @p socket's address already holds its share.
    bool peerAtCap(QTcpSocket *socket, const QString &peer);
    void countOpen(QTcpSocket *socket, const QString &peer);
    void refuse(QTcpSocket *socket, HttpFramer::Verdict verdict);
    void watchRequests(QTcpSocket *socket, QTimer *idle, QTimer *head);

    Limits m_limits;
    RejectWriter m_reject;
    int m_open = 0;
    QHash<QString, int> m_openPerAddress; ///< only addresses with open connections
    QSet<QString> m_capLogged; ///< addresses at their cap whose refusals were logged
};

} // namespace pomelo
