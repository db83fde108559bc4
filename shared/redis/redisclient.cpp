#include "redisclient.h"

#include "domain/errors.h"
#include "telemetry/logging.h"

#include <QCryptographicHash>

#include <algorithm>
#include <cerrno>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unordered_map>
#include <vector>

namespace pomelo {

// ---------------------------------------------------------------------------------------------
// RedisReply

RedisReply RedisReply::fromHiredis(const redisReply *reply)
{
    if (!reply)
        return {};
    switch (reply->type) {
    case REDIS_REPLY_INTEGER:
        return integer(reply->integer);
    case REDIS_REPLY_STRING:
        return string(QByteArray(reply->str, static_cast<qsizetype>(reply->len)));
    case REDIS_REPLY_STATUS:
        return status(QByteArray(reply->str, static_cast<qsizetype>(reply->len)));
    case REDIS_REPLY_ERROR:
        return error(QByteArray(reply->str, static_cast<qsizetype>(reply->len)));
    case REDIS_REPLY_ARRAY: {
        QList<RedisReply> elements;
        elements.reserve(static_cast<qsizetype>(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            elements.append(fromHiredis(reply->element[i]));
        return array(std::move(elements));
    }
    case REDIS_REPLY_NIL:
    default:
        return {};
    }
}

RedisReply RedisReply::integer(qint64 value)
{
    RedisReply r;
    r.m_type = Type::Integer;
    r.m_integer = value;
    return r;
}

RedisReply RedisReply::string(QByteArray value)
{
    RedisReply r;
    r.m_type = Type::String;
    r.m_string = std::move(value);
    return r;
}

RedisReply RedisReply::status(QByteArray value)
{
    RedisReply r;
    r.m_type = Type::Status;
    r.m_string = std::move(value);
    return r;
}

RedisReply RedisReply::error(QByteArray message)
{
    RedisReply r;
    r.m_type = Type::Error;
    r.m_string = std::move(message);
    return r;
}

RedisReply RedisReply::array(QList<RedisReply> elements)
{
    RedisReply r;
    r.m_type = Type::Array;
    r.m_elements = std::move(elements);
    return r;
}

qint64 RedisReply::toInteger(bool *ok) const
{
    if (m_type == Type::Integer) {
        if (ok)
            *ok = true;
        return m_integer;
    }
    bool parsed = false;
    qint64 value = 0;
    if (m_type == Type::String || m_type == Type::Status) {
        value = m_string.toLongLong(&parsed);
        if (!parsed) {
            // Scores come back as "1.7e+12" when Redis cannot print them as integers.
            const double d = m_string.toDouble(&parsed);
            parsed = parsed && d >= -9.0e18 && d <= 9.0e18;
            value = parsed ? static_cast<qint64>(d) : 0;
        }
    }
    if (ok)
        *ok = parsed;
    return value;
}

const RedisReply &RedisReply::at(qsizetype i) const
{
    static const RedisReply nilReply;
    if (i < 0 || i >= m_elements.size())
        return nilReply;
    return m_elements.at(i);
}

const RedisReply &RedisReply::throwIfError(const char *what) const
{
    if (m_type != Type::Error)
        return *this;
    static const char *const unavailable[] = {"LOADING", "BUSY",     "READONLY",    "MASTERDOWN",
                                              "OOM",     "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS",
                                              "MISCONF", "NOAUTH",   "WRONGPASS"};
    const QByteArray prefix = m_string.left(m_string.indexOf(' '));
    const bool down = std::any_of(std::begin(unavailable), std::end(unavailable),
                                  [&](const char *p) { return prefix == p; });
    throw Error(down ? ErrorCode::DependencyUnavailable : ErrorCode::Internal,
                QStringLiteral("redis %1: %2").arg(QLatin1String(what), toString()));
}

QString RedisReply::describe() const
{
    switch (m_type) {
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::Integer:
        return QStringLiteral("(integer) %1").arg(m_integer);
    case Type::String:
        return u'"' + QString::fromUtf8(m_string) + u'"';
    case Type::Status:
        return QString::fromUtf8(m_string);
    case Type::Error:
        return QStringLiteral("(error) ") + QString::fromUtf8(m_string);
    case Type::Array: {
        QStringList parts;
        for (const RedisReply &e : m_elements)
            parts << e.describe();
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// RedisScript

RedisScript::RedisScript(QByteArray source)
    : m_source(std::move(source))
    , m_sha1(QCryptographicHash::hash(m_source, QCryptographicHash::Sha1).toHex())
{ }

// ---------------------------------------------------------------------------------------------
// RedisConnection

namespace {

timeval toTimeval(int ms)
{
    ms = std::max(ms, 1);
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

struct Argv
{
    explicit Argv(const QList<QByteArray> &args)
    {
        argv.reserve(static_cast<size_t>(args.size()));
        lengths.reserve(static_cast<size_t>(args.size()));
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lengths.push_back(static_cast<size_t>(a.size()));
        }
    }
    int count() const { return static_cast<int>(argv.size()); }
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
};

bool isTimeoutErrno(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT;
}

} // namespace

RedisConnection::RedisConnection(RedisOptions options)
    : m_options(std::move(options))
{ }

RedisConnection::~RedisConnection()
{
    dropContext();
}

bool RedisConnection::isConnected() const
{
    return m_context && !m_context->err;
}

void RedisConnection::close()
{
    dropContext();
}

void RedisConnection::dropContext()
{
    std::lock_guard lock(m_contextMutex);
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
}

void RedisConnection::interrupt()
{
    std::lock_guard lock(m_contextMutex);
    if (m_context && m_context->fd >= 0)
        ::shutdown(m_context->fd, SHUT_RDWR);
}

void RedisConnection::setCommandTimeout(int ms)
{
    m_options.commandTimeoutMs = ms;
    if (m_context)
        redisSetTimeout(m_context, toTimeval(ms));
}

bool RedisConnection::peerClosed() const
{
    // Between request and reply nothing may be readable: readable means EOF or an error, i.e. the
    // server closed this connection (restart, idle timeout, CLIENT KILL) while it sat in the pool.
    // Detecting that before sending lets even a non-idempotent command go out on a fresh
    // connection instead of failing.
    pollfd p {m_context->fd, POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0;
}

void RedisConnection::failIo(const QByteArray &what, int savedErrno)
{
    const int err = m_context ? m_context->err : REDIS_ERR_OTHER;
    const QString errstr = m_context ? QString::fromLocal8Bit(m_context->errstr) : QString();
    // err is 0 when our own poll() ran out of time (readReply), REDIS_ERR_IO for a socket timeout.
    const bool timedOut = (err == 0 || err == REDIS_ERR_IO) && isTimeoutErrno(savedErrno);
    dropContext();
    QString detail;
    if (timedOut) {
        // A server that stalls would make every caller wait the full timeout: fail fast for the
        // back-off period instead, then try a fresh connection.
        m_backoffMs = m_backoffMs ? std::min(2 * m_backoffMs, m_options.reconnectBackoffMaxMs)
                                  : m_options.reconnectBackoffMs;
        m_nextConnectAttempt =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(m_backoffMs);
        detail = QStringLiteral("redis %1: %2 timed out after %3 ms")
                     .arg(m_options.url.toDisplayString(), QString::fromLatin1(what))
                     .arg(m_options.commandTimeoutMs);
    } else {
        detail = QStringLiteral("redis %1: %2 failed: %3")
                     .arg(m_options.url.toDisplayString(), QString::fromLatin1(what), errstr);
    }
    m_lastError = detail;
    throw Error(ErrorCode::DependencyUnavailable, detail);
}

void RedisConnection::connectNow()
{
    const RedisUrl &url = m_options.url;
    const timeval connectTimeout = toTimeval(m_options.connectTimeoutMs);
    redisContext *c = url.transport == RedisUrl::Transport::Unix
        ? redisConnectUnixWithTimeout(url.socketPath.toLocal8Bit().constData(), connectTimeout)
        : redisConnectWithTimeout(url.host.toUtf8().constData(), url.port, connectTimeout);
    if (!c)
        throw Error(
            ErrorCode::DependencyUnavailable,
            QStringLiteral("redis %1: cannot allocate a connection").arg(url.toDisplayString()));
    if (c->err) {
        const QString reason = QString::fromLocal8Bit(c->errstr);
        redisFree(c);
        throw Error(
            ErrorCode::DependencyUnavailable,
            QStringLiteral("cannot connect to redis %1: %2").arg(url.toDisplayString(), reason));
    }
    if (url.transport == RedisUrl::Transport::Tcp)
        redisEnableKeepAlive(c); // a peer that vanished without a FIN is noticed eventually
    redisSetTimeout(c, connectTimeout); // the handshake is part of connecting
    {
        std::lock_guard lock(m_contextMutex);
        m_context = c;
    }

    QList<QList<QByteArray>> handshake;
    if (!url.password.isEmpty()) {
        if (url.username.isEmpty())
            handshake.append({QByteArrayLiteral("AUTH"), url.password.toUtf8()});
        else
            handshake.append(
                {QByteArrayLiteral("AUTH"), url.username.toUtf8(), url.password.toUtf8()});
    }
    if (url.database != 0)
        handshake.append({QByteArrayLiteral("SELECT"), QByteArray::number(url.database)});
    if (!m_options.clientName.isEmpty())
        handshake.append(
            {QByteArrayLiteral("CLIENT"), QByteArrayLiteral("SETNAME"), m_options.clientName});
    if (!handshake.isEmpty()) {
        const QList<RedisReply> replies = pipelineOnce(handshake);
        for (qsizetype i = 0; i < replies.size(); ++i) {
            if (replies.at(i).isError()) {
                dropContext();
                // The first word of the command only: AUTH's arguments are secrets.
                throw Error(ErrorCode::DependencyUnavailable,
                            QStringLiteral("redis %1: %2 rejected: %3")
                                .arg(url.toDisplayString(),
                                     QString::fromLatin1(handshake.at(i).first()),
                                     replies.at(i).toString()));
            }
        }
    }
    redisSetTimeout(c, toTimeval(m_options.commandTimeoutMs));
    ++m_connectCount;
}

void RedisConnection::ensureConnected()
{
    if (m_context) {
        if (!m_context->err && !peerClosed())
            return;
        qCDebug(lcRedis) << "connection to" << m_options.url.toDisplayString()
                         << "was closed; reconnecting";
        dropContext();
    }
    const auto now = std::chrono::steady_clock::now();
    if (m_backoffMs > 0 && now < m_nextConnectAttempt) {
        throw Error(ErrorCode::DependencyUnavailable,
                    QStringLiteral("redis %1 unavailable (next attempt in %2 ms): %3")
                        .arg(m_options.url.toDisplayString())
                        .arg(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 m_nextConnectAttempt - now)
                                 .count())
                        .arg(m_lastError));
    }
    try {
        connectNow();
        if (m_backoffMs > 0)
            qCInfo(lcRedis) << "reconnected to" << m_options.url.toDisplayString();
        m_backoffMs = 0;
    } catch (const Error &e) {
        m_lastError = e.detail();
        m_backoffMs = m_backoffMs ? std::min(2 * m_backoffMs, m_options.reconnectBackoffMaxMs)
                                  : m_options.reconnectBackoffMs;
        m_nextConnectAttempt =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(m_backoffMs);
        qCWarning(lcRedis).noquote() << e.detail() << "- retrying in" << m_backoffMs << "ms";
        throw;
    }
}

RedisReply RedisConnection::commandOnce(const QList<QByteArray> &args)
{
    Argv argv(args);
    errno = 0;
    void *raw = redisCommandArgv(m_context, argv.count(), argv.argv.data(), argv.lengths.data());
    if (!raw)
        failIo(args.value(0), errno);
    RedisReply reply = RedisReply::fromHiredis(static_cast<redisReply *>(raw));
    freeReplyObject(raw);
    return reply;
}

QList<RedisReply> RedisConnection::pipelineOnce(const QList<QList<QByteArray>> &commands)
{
    for (const QList<QByteArray> &args : commands) {
        Argv argv(args);
        if (redisAppendCommandArgv(m_context, argv.count(), argv.argv.data(), argv.lengths.data())
            != REDIS_OK)
            failIo(args.value(0), errno);
    }
    QList<RedisReply> replies;
    replies.reserve(commands.size());
    for (const QList<QByteArray> &args : commands) {
        void *raw = nullptr;
        errno = 0;
        if (redisGetReply(m_context, &raw) != REDIS_OK || !raw)
            failIo(args.value(0), errno);
        replies.append(RedisReply::fromHiredis(static_cast<redisReply *>(raw)));
        freeReplyObject(raw);
    }
    return replies;
}

RedisReply RedisConnection::command(const QList<QByteArray> &args, Idempotent idempotent)
{
    Q_ASSERT(!args.isEmpty());
    ensureConnected();
    if (idempotent == Idempotent::No)
        return commandOnce(args);
    try {
        return commandOnce(args);
    } catch (const Error &) {
        // A timeout is not retried: that would double the caller's wait. A broken connection is
        // retried once on a fresh one; the command is safe to apply twice.
        if (m_backoffMs > 0)
            throw;
    }
    ensureConnected();
    return commandOnce(args);
}

QList<RedisReply> RedisConnection::pipeline(const QList<QList<QByteArray>> &commands,
                                            Idempotent idempotent)
{
    if (commands.isEmpty())
        return {};
    ensureConnected();
    if (idempotent == Idempotent::No)
        return pipelineOnce(commands);
    try {
        return pipelineOnce(commands);
    } catch (const Error &) {
        if (m_backoffMs > 0)
            throw;
    }
    ensureConnected();
    return pipelineOnce(commands);
}

RedisReply RedisConnection::evalSha(const RedisScript &script, const QList<QByteArray> &keys,
                                    const QList<QByteArray> &args, Idempotent idempotent)
{
    QList<QByteArray> command;
    command.reserve(3 + keys.size() + args.size());
    command << QByteArrayLiteral("EVALSHA") << script.sha1() << QByteArray::number(keys.size());
    command << keys << args;
    RedisReply reply = this->command(command, idempotent);
    if (reply.isError() && reply.toByteArray().startsWith("NOSCRIPT")) {
        // EVALSHA was not executed, so EVAL is the first execution: safe whatever the script.
        command[0] = QByteArrayLiteral("EVAL");
        command[1] = script.source();
        reply = this->command(command, idempotent);
    }
    return reply;
}

void RedisConnection::send(const QList<QByteArray> &args)
{
    ensureConnected();
    Argv argv(args);
    if (redisAppendCommandArgv(m_context, argv.count(), argv.argv.data(), argv.lengths.data())
        != REDIS_OK)
        failIo(args.value(0), errno);
    int done = 0;
    do {
        errno = 0;
        if (redisBufferWrite(m_context, &done) != REDIS_OK)
            failIo(args.value(0), errno);
    } while (!done);
}

std::optional<RedisReply> RedisConnection::readReply(int waitMs)
{
    if (!m_context)
        ensureConnected();
    void *raw = nullptr;
    if (redisGetReplyFromReader(m_context, &raw) != REDIS_OK)
        failIo("read", errno);
    int pollMs = waitMs;
    bool started = false;
    while (!raw) {
        pollfd p {m_context->fd, POLLIN, 0};
        const int n = ::poll(&p, 1, pollMs);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            if (!started)
                return std::nullopt;
            failIo("read", ETIMEDOUT);
        }
        errno = 0;
        if (redisBufferRead(m_context) != REDIS_OK)
            failIo("read", errno);
        if (redisGetReplyFromReader(m_context, &raw) != REDIS_OK)
            failIo("read", errno);
        started = true;
        pollMs = m_options.commandTimeoutMs;
    }
    RedisReply reply = RedisReply::fromHiredis(static_cast<redisReply *>(raw));
    freeReplyObject(raw);
    return reply;
}

// ---------------------------------------------------------------------------------------------
// RedisPool

struct RedisPool::State
{
    explicit State(RedisOptions o)
        : options(std::move(o))
    { }
    RedisOptions options;
    mutable std::mutex mutex;
    std::unordered_map<std::thread::id, std::unique_ptr<RedisConnection>> connections;
};

namespace {

// The connections of one thread, one per pool it used. Its destructor (at thread exit) closes
// them, so pooled threads that come and go (QThreadPool expiry) do not leak connections.
struct ThreadConnections
{
    struct Entry
    {
        std::weak_ptr<RedisPool::State> state;
        RedisConnection *connection;
    };

    ~ThreadConnections()
    {
        const auto self = std::this_thread::get_id();
        for (const Entry &e : entries) {
            if (const auto state = e.state.lock()) {
                std::unique_ptr<RedisConnection> closing;
                {
                    std::lock_guard lock(state->mutex);
                    const auto it = state->connections.find(self);
                    if (it != state->connections.end()) {
                        closing = std::move(it->second);
                        state->connections.erase(it);
                    }
                }
            }
        }
    }

    std::vector<Entry> entries;
};

thread_local ThreadConnections t_connections;

bool sameOwner(const std::weak_ptr<RedisPool::State> &a, const std::shared_ptr<RedisPool::State> &b)
{
    // A weak_ptr keeps its control block alive, so a new pool can never compare equal to a
    // destroyed one even if its State lands at the same address.
    return !a.owner_before(b) && !b.owner_before(a);
}

} // namespace

RedisPool::RedisPool(RedisOptions options)
    : m_state(std::make_shared<State>(std::move(options)))
{ }

RedisPool::~RedisPool() = default;

RedisConnection &RedisPool::connection()
{
    auto &entries = t_connections.entries;
    for (const auto &e : entries) {
        if (sameOwner(e.state, m_state))
            return *e.connection;
    }
    std::erase_if(entries, [](const ThreadConnections::Entry &e) { return e.state.expired(); });
    auto connection = std::make_unique<RedisConnection>(m_state->options);
    RedisConnection *raw = connection.get();
    {
        std::lock_guard lock(m_state->mutex);
        m_state->connections[std::this_thread::get_id()] = std::move(connection);
    }
    entries.push_back({m_state, raw});
    return *raw;
}

const RedisOptions &RedisPool::options() const
{
    return m_state->options;
}

int RedisPool::connectionCount() const
{
    std::lock_guard lock(m_state->mutex);
    return static_cast<int>(m_state->connections.size());
}

} // namespace pomelo
