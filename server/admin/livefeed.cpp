#include "livefeed.h"

#include "adminauth.h"
#include "adminjson.h"
#include "api/admintypes.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "http/errorresponse.h"
#include "http/httpserver.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redisstream.h"
#include "storage/auditrepository.h"
#include "storage/database.h"
#include "storage/notificationrepository.h"
#include "storage/paymentexceptionrepository.h"
#include "telemetry/logging.h"
#include "workers/outboxrelay.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <chrono>

namespace pomelo {

namespace {

constexpr int BlockMs = 1000;
constexpr int StatsIntervalMs = 2000;
constexpr int RevocationIntervalMs = 5000;
constexpr int KeepAliveIntervalMs = 30000;
/// How many of the newest payment exceptions each look compares: more than are ever recorded in
/// 2 s, so none is missed, and a recording instance whose clock lags a little is still seen.
constexpr int ExceptionWindow = 20;

/// The token of a live-feed handshake: `?token=`, `Authorization: Bearer`, or a
/// `Sec-WebSocket-Protocol` entry `bearer.<token>` (browsers cannot set headers).
QString liveToken(const QUrlQuery &query, const QByteArray &authorization,
                  const QByteArray &protocols)
{
    if (query.hasQueryItem(QStringLiteral("token")))
        return query.queryItemValue(QStringLiteral("token"));
    if (authorization.startsWith("Bearer "))
        return QString::fromLatin1(authorization.mid(7));
    const QList<QByteArray> entries = protocols.split(',');
    for (const QByteArray &entry : entries) {
        const QByteArray p = entry.trimmed();
        if (p.startsWith("bearer."))
            return QString::fromLatin1(p.mid(7));
    }
    return {};
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject eventJson(const StreamEntry &e, const QTimeZone &zone)
{
    QJsonObject o {{QStringLiteral("type"), QStringLiteral("order-event")},
                   {QStringLiteral("streamId"), QString::fromLatin1(e.id)}};
    for (const auto &[name, value] : e.fields) {
        const QString key = QString::fromUtf8(name);
        if (name == streamfields::Amount || name == streamfields::EventId) {
            if (name == streamfields::Amount)
                o.insert(key, value.toLongLong());
            else
                o.insert(key, QString::fromLatin1(value)); // an id: a string, like every id
        } else if (name == streamfields::At) {
            o.insert(key, rfc3339(value.toLongLong(), zone));
        } else if (name == streamfields::Traceparent) {
            // 00-<trace id>-<span id>-<flags>
            o.insert(QStringLiteral("traceId"), QString::fromLatin1(value.split('-').value(1)));
        } else {
            o.insert(key, QString::fromUtf8(value));
        }
    }
    return o;
}

} // namespace

LiveFeed::LiveFeed(const ServerContext &context, const AdminAuth &auth, HttpServer &server)
    : m_ctx(context)
    , m_auth(auth)
    , m_server(server)
    , m_startedAtMs(QDateTime::currentMSecsSinceEpoch())
{
    server.addWebSocketPath(
        QString::fromLatin1(Path), [this](const HttpRequest &r) -> std::optional<HttpResponse> {
            const QString token =
                liveToken(r.query, r.header("Authorization"), r.header("Sec-WebSocket-Protocol"));
            try {
                AdminAuth::requireRole(m_auth.authenticateToken(token), StaffRole::Staff);
            } catch (const Error &e) {
                return errorResponse(e.code(), r);
            }
            return std::nullopt;
        });
    connect(&server, &QAbstractHttpServer::newWebSocketConnection, this,
            &LiveFeed::onNewConnection);

    m_keepAlive = new QTimer(this);
    m_keepAlive->setInterval(KeepAliveIntervalMs);
    connect(m_keepAlive, &QTimer::timeout, this, &LiveFeed::keepAlive);
    m_keepAlive->start();

    RedisOptions options = context.redis.options();
    options.commandTimeoutMs = BlockMs + options.commandTimeoutMs;
    options.clientName = QByteArrayLiteral("pomelo-admin-live");
    m_connection = std::make_unique<RedisConnection>(options);
    m_thread = std::thread([this] { run(); });
}

LiveFeed::~LiveFeed()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_connection->interrupt();
    if (m_thread.joinable())
        m_thread.join();
    for (const Client &c : std::as_const(m_clients)) {
        if (c.socket)
            c.socket->abort();
    }
}

void LiveFeed::onNewConnection()
{
    while (m_server.hasPendingWebSocketConnections()) {
        QWebSocket *socket = m_server.nextPendingWebSocketConnection().release();
        if (!socket)
            break;
        socket->setParent(this);
        const QNetworkRequest request = socket->request();
        const QString token =
            liveToken(QUrlQuery(socket->requestUrl()), request.rawHeader("Authorization"),
                      request.rawHeader("Sec-WebSocket-Protocol"));
        // Checked at the handshake already; again here because this is the socket we keep.
        StaffPrincipal who;
        try {
            if (socket->requestUrl().path() != QLatin1String(Path))
                throw Error(ErrorCode::NotFound, QStringLiteral("websocket path"));
            who = m_auth.authenticateToken(token);
            AdminAuth::requireRole(who, StaffRole::Staff);
        } catch (const Error &e) {
            qCInfo(lcHttp).noquote() << "live feed refused:" << e.detail();
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("unauthorized"));
            socket->deleteLater();
            continue;
        }
        admit(socket, token, who);
    }
}

void LiveFeed::admit(QWebSocket *socket, const QString &token, const StaffPrincipal &who)
{
    const QByteArray tokenBytes = token.toLatin1();
    const bool admin = who.role >= StaffRole::Admin;
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        for (qsizetype i = 0; i < m_clients.size(); ++i) {
            if (m_clients.at(i).socket == socket) {
                const std::pair<QByteArray, bool> t {m_clients.at(i).token, m_clients.at(i).admin};
                m_clients.removeAt(i);
                std::lock_guard lock(m_mutex);
                m_tokens.removeOne(t);
                break;
            }
        }
        socket->deleteLater();
    });
    connect(socket, &QWebSocket::pong, this, [this, socket] {
        for (Client &c : m_clients) {
            if (c.socket == socket)
                c.lastSeenMs = QDateTime::currentMSecsSinceEpoch();
        }
    });
    m_clients.append({socket, tokenBytes, admin, QDateTime::currentMSecsSinceEpoch()});
    QByteArray stats;
    {
        std::lock_guard lock(m_mutex);
        m_tokens.append({tokenBytes, admin});
        if (admin)
            stats = m_lastStats;
    }
    qCInfo(lcHttp).noquote() << "live feed opened by" << who.username << "from"
                             << socket->peerAddress().toString();
    socket->sendTextMessage(
        QString::fromUtf8(compact({{QStringLiteral("type"), QStringLiteral("hello")},
                                   {QStringLiteral("username"), who.username},
                                   {QStringLiteral("role"), staffRoleName(who.role)}})));
    if (!stats.isEmpty())
        socket->sendTextMessage(QString::fromUtf8(stats));
}

void LiveFeed::keepAlive()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const Client &c : std::as_const(m_clients)) {
        if (!c.socket)
            continue;
        // Two pings without an answer: a half-open connection.
        if (now - c.lastSeenMs > 2 * KeepAliveIntervalMs + 5000)
            c.socket->abort();
        else
            c.socket->ping();
    }
}

void LiveFeed::broadcast(const QByteArray &message, bool adminsOnly)
{
    const QString text = QString::fromUtf8(message);
    for (const Client &c : std::as_const(m_clients)) {
        if (c.socket && (c.admin || !adminsOnly))
            c.socket->sendTextMessage(text);
    }
}

void LiveFeed::closeRevoked(const QList<QByteArray> &tokens)
{
    for (const Client &c : std::as_const(m_clients)) {
        if (c.socket && tokens.contains(c.token))
            c.socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                            QStringLiteral("session ended"));
    }
}

bool LiveFeed::sleepFor(int ms)
{
    std::unique_lock lock(m_mutex);
    return !m_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stop; });
}

QByteArray LiveFeed::statsMessage()
{
    const QByteArray queues[] = {m_ctx.keys.orderTimeoutQueue(), m_ctx.keys.bookingExpiryQueue()};
    QList<QList<QByteArray>> commands;
    for (const QByteArray &q : queues) {
        commands.append({"ZCARD", q});
        commands.append({"ZCARD", q + ":processing"});
    }
    const QList<RedisReply> replies = m_ctx.redis.pipeline(commands, Idempotent::Yes);
    api::LiveStats stats;
    for (int i = 0; i < 2; ++i) {
        stats.queues.insert(QString::fromLatin1(i == 0 ? "order-timeout" : "booking-expiry"),
                            {replies.at(2 * i).throwIfError("ZCARD").toInteger(),
                             replies.at(2 * i + 1).throwIfError("ZCARD").toInteger()});
    }
    stats.notifications = admin::notificationCounts(NotificationRepository(m_ctx.db));
    stats.paymentExceptions = admin::paymentExceptionCounts(m_ctx.db);
    return compact(stats.toJson());
}

QList<QByteArray> LiveFeed::newPaymentExceptionMessages()
{
    const QList<PaymentException> newest = PaymentExceptionRepository(m_ctx.db)
                                               .list(std::nullopt, std::nullopt, ExceptionWindow)
                                               .items;
    QSet<qint64> ids;
    QList<QByteArray> messages;
    // Oldest first, the order in which they were recorded.
    for (auto it = newest.crbegin(); it != newest.crend(); ++it) {
        ids.insert(it->id);
        const bool known =
            m_seenExceptions ? m_seenExceptions->contains(it->id) : it->createdAt < m_startedAtMs;
        if (known)
            continue;
        const api::LivePaymentException message {
            snowflakeToString(it->id), paymentExceptionReasonName(it->reason), it->channel,
            it->paidAmount, it->orderId ? snowflakeToString(*it->orderId) : QString()};
        messages.append(compact(message.toJson()));
    }
    m_seenExceptions = std::move(ids);
    return messages;
}

QList<QByteArray> LiveFeed::newVenueEventMessages()
{
    // The audit log is the one record of every venue change, on every instance and from the
    // command line too; a minute's look-back covers clocks of instances a little apart.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    AuditFilter filter;
    filter.from = std::max(m_startedAtMs, now - 60000);
    const QList<AuditEntry> entries =
        AuditRepository(m_ctx.db).list(filter, std::nullopt, 200).items;
    QList<QByteArray> messages;
    for (auto it = entries.crbegin(); it != entries.crend(); ++it) {
        if (!it->action.startsWith(QLatin1String("venue.")) || m_seenVenueEvents.contains(it->id))
            continue;
        m_seenVenueEvents.insert(it->id, it->at);
        const QJsonObject details = QJsonDocument::fromJson(it->details).object();
        if (details.value(QStringLiteral("outcome")).toString() != QLatin1String("ok"))
            continue;
        api::LiveVenueEvent event;
        event.action = it->action;
        event.venueId = details.contains(QStringLiteral("venueId"))
            ? details.value(QStringLiteral("venueId")).toInteger()
            : it->target.section(u':', 1).toLongLong();
        event.closureId = details.value(QStringLiteral("closureId")).toInteger();
        event.actor = it->actor;
        event.at = rfc3339(it->at, m_ctx.zone);
        messages.append(compact(event.toJson()));
    }
    m_seenVenueEvents.removeIf([&](const auto &e) { return e.value() < now - 120000; });
    return messages;
}

QList<QByteArray> LiveFeed::revokedTokens()
{
    QList<std::pair<QByteArray, bool>> tokens;
    {
        std::lock_guard lock(m_mutex);
        tokens = m_tokens;
    }
    QList<QByteArray> revoked;
    for (const auto &[t, admin] : std::as_const(tokens)) {
        try {
            const StaffPrincipal who = m_auth.authenticateToken(QString::fromLatin1(t));
            AdminAuth::requireRole(who, StaffRole::Staff);
            // A changed role: what the socket is sent was decided at its handshake.
            if ((who.role >= StaffRole::Admin) != admin)
                revoked.append(t);
        } catch (const Error &e) {
            if (e.code() == ErrorCode::Unauthorized || e.code() == ErrorCode::Forbidden)
                revoked.append(t);
        }
    }
    return revoked;
}

void LiveFeed::forwardEvents(const QByteArray &stream, QByteArray &lastId)
{
    if (lastId.isEmpty()) {
        // Start at the stream's end: the feed shows what happens from now on.
        const RedisReply last =
            m_connection->command({"XREVRANGE", stream, "+", "-", "COUNT", "1"}, Idempotent::Yes);
        last.throwIfError("XREVRANGE");
        lastId = last.size() > 0 ? last.at(0).at(0).toByteArray() : QByteArray("0-0");
    }
    const RedisReply r = m_connection->command(
        {"XREAD", "COUNT", "100", "BLOCK", QByteArray::number(BlockMs), "STREAMS", stream, lastId},
        Idempotent::Yes);
    r.throwIfError("XREAD");
    if (!r.isNil()) {
        const QList<StreamEntry> entries = StreamConsumer::parseEntries(r.at(0).at(1));
        for (const StreamEntry &e : entries) {
            lastId = e.id;
            const QByteArray message = compact(eventJson(e, m_ctx.zone));
            QMetaObject::invokeMethod(
                this, [this, message] { broadcast(message, false); }, Qt::QueuedConnection);
        }
    }
}

void LiveFeed::publishStats()
{
    const QByteArray stats = statsMessage();
    bool changed = false;
    {
        std::lock_guard lock(m_mutex);
        changed = stats != m_lastStats;
        m_lastStats = stats;
    }
    if (changed)
        QMetaObject::invokeMethod(
            this, [this, stats] { broadcast(stats, true); }, Qt::QueuedConnection);
    const QList<QByteArray> exceptions = newPaymentExceptionMessages();
    for (const QByteArray &message : exceptions)
        QMetaObject::invokeMethod(
            this, [this, message] { broadcast(message, true); }, Qt::QueuedConnection);
    const QList<QByteArray> venueEvents = newVenueEventMessages();
    for (const QByteArray &message : venueEvents)
        QMetaObject::invokeMethod(
            this, [this, message] { broadcast(message, false); }, Qt::QueuedConnection);
}

void LiveFeed::run()
{
    using Clock = std::chrono::steady_clock;
    const QByteArray stream = m_ctx.keys.orderEventsStream();
    QByteArray lastId;
    Clock::time_point nextStats = Clock::now();
    Clock::time_point nextRevocation = Clock::now();
    bool failing = false;
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop)
                break;
        }
        try {
            forwardEvents(stream, lastId);
            if (Clock::now() >= nextStats) {
                nextStats = Clock::now() + std::chrono::milliseconds(StatsIntervalMs);
                publishStats();
            }
            if (Clock::now() >= nextRevocation) {
                nextRevocation = Clock::now() + std::chrono::milliseconds(RevocationIntervalMs);
                const QList<QByteArray> revoked = revokedTokens();
                if (!revoked.isEmpty())
                    QMetaObject::invokeMethod(
                        this, [this, revoked] { closeRevoked(revoked); }, Qt::QueuedConnection);
            }
            failing = false;
        } catch (const Error &e) {
            if (!failing)
                qCWarning(lcRedis).noquote() << "admin live feed:" << e.detail();
            failing = true;
            if (!sleepFor(1000))
                break;
        }
    }
    m_ctx.db.releaseThreadConnection();
}

} // namespace pomelo
