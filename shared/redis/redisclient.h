#pragma once

#include "redisurl.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

struct redisContext;
struct redisReply;

namespace pomelo {

/// One Redis reply, copied out of hiredis (whose reply is freed at once): nil, integer, bulk
/// string, status, error or array. Error replies are values, not exceptions; a broken connection
/// or a timeout is an exception (pomelo::Error, DependencyUnavailable).
class RedisReply
{
public:
    enum class Type { Nil, Integer, String, Status, Error, Array };

    RedisReply() = default;
    static RedisReply fromHiredis(const redisReply *reply);
    static RedisReply nil() { return {}; }
    static RedisReply integer(qint64 value);
    static RedisReply string(QByteArray value);
    static RedisReply status(QByteArray value);
    static RedisReply error(QByteArray message);
    static RedisReply array(QList<RedisReply> elements);

    Type type() const { return m_type; }
    bool isNil() const { return m_type == Type::Nil; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isString() const { return m_type == Type::String; }
    bool isStatus() const { return m_type == Type::Status; }
    bool isError() const { return m_type == Type::Error; }
    bool isArray() const { return m_type == Type::Array; }

    /// The integer of an integer reply, or a bulk string that holds a decimal integer (scores,
    /// GET of a counter); 0 and *ok = false otherwise.
    qint64 toInteger(bool *ok = nullptr) const;
    /// The bytes of a string, status or error reply (empty otherwise).
    const QByteArray &toByteArray() const { return m_string; }
    QString toString() const { return QString::fromUtf8(m_string); }
    /// Array elements (empty for other types).
    const QList<RedisReply> &elements() const { return m_elements; }
    qsizetype size() const { return m_elements.size(); }
    /// Element @p i of an array; a nil reply when out of range or not an array.
    const RedisReply &at(qsizetype i) const;
    const RedisReply &operator[](qsizetype i) const { return at(i); }

    /// Throws pomelo::Error when this is an error reply: DependencyUnavailable for the replies of
    /// a server that cannot serve now (LOADING, BUSY, READONLY, MASTERDOWN, OOM, TRYAGAIN,
    /// CLUSTERDOWN, NOSCRIPT is not one of them), Internal otherwise. @p what names the operation.
    const RedisReply &throwIfError(const char *what) const;
    /// A short human-readable form for logs and test failures.
    QString describe() const;

    friend bool operator==(const RedisReply &, const RedisReply &) = default;

private:
    Type m_type = Type::Nil;
    qint64 m_integer = 0;
    QByteArray m_string;
    QList<RedisReply> m_elements;
};

/// A Lua script with its SHA1 computed locally, so EVALSHA needs no SCRIPT LOAD round trip.
class RedisScript
{
public:
    explicit RedisScript(QByteArray source);
    const QByteArray &source() const { return m_source; }
    /// Lower-case hex SHA1 of the source, as Redis computes it.
    const QByteArray &sha1() const { return m_sha1; }

private:
    QByteArray m_source;
    QByteArray m_sha1;
};

struct RedisOptions
{
    RedisUrl url;
    /// Bound on establishing a connection (TCP/unix connect plus AUTH and SELECT).
    int connectTimeoutMs = 2000;
    /// Bound on one command's round trip; a blocking command (XREADGROUP BLOCK) needs its block
    /// time added, which its owner does on its own connection.
    int commandTimeoutMs = 2000;
    /// After a failed connect, further connects wait this long, doubling up to the maximum: in
    /// between, commands fail at once instead of each paying the connect timeout.
    int reconnectBackoffMs = 50;
    int reconnectBackoffMaxMs = 2000;
    /// CLIENT SETNAME on connect (shown by CLIENT LIST; handy for operators). Empty: none.
    QByteArray clientName;
};

/// Whether a command may be sent again when the connection broke while it was in flight. A
/// command that reached Redis before the connection broke may have been executed: resending an
/// INCR, an XADD or a lock release could apply it twice. Only commands that give the same result
/// when applied twice (GET, PEXPIRE to a fixed value, a lock renewal, SET without NX) are marked
/// Yes by their callers; everything else fails with DependencyUnavailable and the caller decides.
enum class Idempotent { No, Yes };

/// One synchronous hiredis connection. Not thread-safe (one thread uses it; see RedisPool), except
/// for interrupt(). Every call is bounded by the configured timeouts; a broken connection or a
/// timeout throws pomelo::Error(DependencyUnavailable), and the next call reconnects (with the
/// back-off of RedisOptions), so a connection recovers by itself once Redis is back.
class RedisConnection
{
public:
    explicit RedisConnection(RedisOptions options);
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    /// Sends one command (binary-safe arguments) and returns its reply.
    RedisReply command(const QList<QByteArray> &args, Idempotent idempotent = Idempotent::No);
    /// Sends all commands in one write and reads their replies in order: one round trip.
    QList<RedisReply> pipeline(const QList<QList<QByteArray>> &commands,
                               Idempotent idempotent = Idempotent::No);
    /// EVALSHA of @p script; when Redis answers NOSCRIPT (a restarted or flushed server), sends
    /// EVAL once, which also loads the script for the next EVALSHA.
    RedisReply evalSha(const RedisScript &script, const QList<QByteArray> &keys,
                       const QList<QByteArray> &args, Idempotent idempotent = Idempotent::No);

    /// Connects now if not connected (subject to the back-off); throws on failure.
    void ensureConnected();
    bool isConnected() const;
    void close();

    /// Sends a command without reading its reply (pub/sub mode).
    void send(const QList<QByteArray> &args);
    /// Reads the next reply (pub/sub messages): returns nothing if none arrives within
    /// @p waitMs; once a reply starts to arrive, its rest is bounded by the command timeout.
    std::optional<RedisReply> readReply(int waitMs);

    /// Changes the command timeout of this connection (applies now and after reconnects).
    void setCommandTimeout(int ms);
    const RedisOptions &options() const { return m_options; }
    /// How many times this connection has (re)connected: lets tests see a reconnect.
    quint64 connectCount() const { return m_connectCount.load(); }

    /// Thread-safe: breaks the current connection so a call blocked on it in another thread
    /// returns at once (with an error). Used to stop a consumer blocked in XREADGROUP BLOCK.
    void interrupt();

private:
    void connectNow();
    void dropContext();
    [[noreturn]] void failIo(const QByteArray &what, int savedErrno);
    bool peerClosed() const;
    RedisReply commandOnce(const QList<QByteArray> &args);
    QList<RedisReply> pipelineOnce(const QList<QList<QByteArray>> &commands);

    RedisOptions m_options;
    redisContext *m_context = nullptr;
    mutable std::mutex m_contextMutex; // guards m_context against interrupt() only
    std::chrono::steady_clock::time_point m_nextConnectAttempt {};
    int m_backoffMs = 0;
    QString m_lastError;
    std::atomic<quint64> m_connectCount {0};
};

/// Connections per thread: each thread that calls connection() gets its own RedisConnection,
/// created on first use and closed when the thread ends (or when the pool is destroyed), so HTTP
/// worker threads never share a hiredis context. The pool must outlive every thread's use of it.
class RedisPool
{
public:
    explicit RedisPool(RedisOptions options);
    ~RedisPool();
    RedisPool(const RedisPool &) = delete;
    RedisPool &operator=(const RedisPool &) = delete;

    /// The calling thread's connection.
    RedisConnection &connection();
    RedisReply command(const QList<QByteArray> &args, Idempotent idempotent = Idempotent::No)
    {
        return connection().command(args, idempotent);
    }
    QList<RedisReply> pipeline(const QList<QList<QByteArray>> &commands,
                               Idempotent idempotent = Idempotent::No)
    {
        return connection().pipeline(commands, idempotent);
    }
    RedisReply evalSha(const RedisScript &script, const QList<QByteArray> &keys,
                       const QList<QByteArray> &args, Idempotent idempotent = Idempotent::No)
    {
        return connection().evalSha(script, keys, args, idempotent);
    }

    const RedisOptions &options() const;
    /// Number of per-thread connections currently held.
    int connectionCount() const;

    struct State;

private:
    std::shared_ptr<State> m_state;
};

} // namespace pomelo
