#pragma once

#include <QByteArray>
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

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer };
    Verdict finishHead();
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
    Verdict m_verdict = Verdict::Ok;
};

/// The QTcpServer that pomelo's HttpServer binds. Every accepted socket gets, before QtHttpServer
/// sees a byte of it: a read-buffer cap (so memory per connection is bounded whatever QtHttpServer
/// does), an HttpFramer that answers 413 (code 4130) as soon as a head announces or a chunked body
/// reaches more than the body limit, an idle timeout, and a cap on open connections.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    struct Limits
    {
        qint64 maxBodyBytes = 64 * 1024;
        qint64 maxHeadBytes = 16 * 1024;
        int idleTimeoutMs = 30000;
        int maxConnections = 1024;
    };

    /// @p reject writes the refusal for a socket (status 413/431/400/503 and the envelope).
    using RejectWriter = std::function<void(QTcpSocket *socket, HttpFramer::Verdict verdict)>;

    explicit GuardedTcpServer(Limits limits, QObject *parent = nullptr);
    void setRejectWriter(RejectWriter writer) { m_reject = std::move(writer); }
    int openConnections() const { return m_open; }

    /// Set on a socket whose request was refused: the HTTP server must not answer it again.
    static constexpr const char *RejectedProperty = "pomelo.rejected";

    /// The socket leaves HTTP for a WebSocket (accepted upgrade): its idle timeout is removed
    /// (QtHttpServer disconnects every signal of the socket, so nothing would restart it; the
    /// WebSocket's owner keeps it alive or closes it). Size limits no longer apply to its frames.
    static void releaseForUpgrade(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    Limits m_limits;
    RejectWriter m_reject;
    int m_open = 0;
};

} // namespace pomelo
