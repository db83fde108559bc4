#pragma once

#include "servercontext.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

class QTimer;
class QWebSocket;

namespace pomelo {

class AdminAuth;
class HttpServer;
class RedisConnection;
struct StaffPrincipal;

/// `GET /admin/v1/live`: a WebSocket on the server's own port (HttpServer lets the upgrade of
/// this one path through). The token comes as `?token=`, as `Authorization: Bearer`, or as a
/// `Sec-WebSocket-Protocol` entry `bearer.<token>`; the handshake is refused (401 envelope)
/// without a valid staff or admin token. Messages are JSON text frames:
/// - `{"type":"order-event", "streamId", "orderId", "status", "prevStatus", …}` for every entry
///   of `pomelo:order-events` (its own XREAD loop: no consumer group, nothing is acked), to
///   every socket — staff may read orders;
/// - `{"type":"stats", "queues": {...}, "notifications": {...}, "paymentExceptions": {...}}` when
///   a queue depth, a notification count or an open payment exception count changed (looked at
///   every 2 s), and once on connecting — to admin sockets only (infrastructure data, like
///   /queues and /notifications);
/// - `{"type":"payment-exception", "id", "reason", "channel", "paidAmount", "orderId"?}` for each
///   payment exception recorded since the previous look (same 2 s loop), to admin sockets only;
/// - `{"type":"venue-event", "action", "venueId", "closureId"?, "actor", "at"}` for each change of
///   a venue or a closure (its audit entry: admin API and `venue` command alike, any instance)
///   since the previous look (same 2 s loop), to every socket — staff manage venues;
/// - the socket is closed (1008) when its token expires, its user is disabled, or its user's
///   role changed (the console reconnects and gets what the new role may see).
class LiveFeed : public QObject
{
    Q_OBJECT

public:
    LiveFeed(const ServerContext &context, const AdminAuth &auth, HttpServer &server);
    ~LiveFeed() override;

    static constexpr const char *Path = "/admin/v1/live";

    int clientCount() const { return static_cast<int>(m_clients.size()); }

private:
    struct Client
    {
        QPointer<QWebSocket> socket;
        QByteArray token;
        bool admin = false; ///< receives `stats`
        qint64 lastSeenMs = 0; ///< last pong or message (keep-alive)
    };

    void onNewConnection();
    /// Keeps @p socket of @p who (authenticated with @p token) as a client and greets it.
    void admit(QWebSocket *socket, const QString &token, const StaffPrincipal &who);
    void keepAlive();
    void broadcast(const QByteArray &message, bool adminsOnly);
    void closeRevoked(const QList<QByteArray> &tokens);
    void run();
    /// Broadcasts the stream's entries after @p lastId (the stream's end at first), blocking for
    /// up to BlockMs while there are none; @p lastId moves past them.
    void forwardEvents(const QByteArray &stream, QByteArray &lastId);
    /// Broadcasts the stats when they changed, and the new payment exceptions.
    void publishStats();
    QByteArray statsMessage();
    QList<QByteArray> newPaymentExceptionMessages();
    QList<QByteArray> newVenueEventMessages();
    QList<QByteArray> revokedTokens();
    bool sleepFor(int ms);

    const ServerContext &m_ctx;
    const AdminAuth &m_auth;
    HttpServer &m_server;
    QList<Client> m_clients; // server thread only
    QTimer *m_keepAlive = nullptr;
    QByteArray m_lastStats; // guarded by m_mutex

    std::unique_ptr<RedisConnection> m_connection;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    /// Guarded by m_mutex: token and admin-ness of each connected client (for revocation).
    QList<std::pair<QByteArray, bool>> m_tokens;
    bool m_stop = false;
    std::thread m_thread;
    // Feed thread only: the newest payment exceptions at the last look; unset before the first,
    // which announces those recorded since the feed started (the first look comes up to a
    // blocking read later, and a payment may come in meanwhile).
    std::optional<QSet<qint64>> m_seenExceptions;
    qint64 m_startedAtMs = 0;
    /// Feed thread only: audit ids of venue changes announced (those of the last minute).
    QHash<qint64, qint64> m_seenVenueEvents;
};

} // namespace pomelo
