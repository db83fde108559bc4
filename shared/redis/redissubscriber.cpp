#include "redissubscriber.h"

#include "domain/errors.h"
#include "telemetry/logging.h"

#include <algorithm>

namespace pomelo {

namespace {

constexpr int pingAfterIdleMs = 10000;

} // namespace

RedisSubscriber::RedisSubscriber(RedisOptions options, QList<QByteArray> channels,
                                 QList<QByteArray> patterns, MessageHandler onMessage,
                                 std::function<void()> onSubscribed)
    : m_connection(std::move(options))
    , m_channels(std::move(channels))
    , m_patterns(std::move(patterns))
    , m_onMessage(std::move(onMessage))
    , m_onSubscribed(std::move(onSubscribed))
{ }

RedisSubscriber::~RedisSubscriber()
{
    stop();
}

void RedisSubscriber::start()
{
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void RedisSubscriber::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_connection.interrupt();
    if (m_thread.joinable())
        m_thread.join();
    m_subscribed = false;
}

bool RedisSubscriber::waitSubscribed(int timeoutMs) const
{
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] {
        return m_subscribed.load() || m_stop.load();
    }) && m_subscribed.load();
}

void RedisSubscriber::run()
{
    int backoffMs = 0;
    while (!m_stop) {
        try {
            subscribeAndListen();
            backoffMs = 0;
        } catch (const Error &e) {
            m_subscribed = false;
            m_connection.close();
            if (m_stop)
                break;
            backoffMs = std::clamp(backoffMs * 2, 50, 2000);
            qCWarning(lcRedis).noquote()
                << "subscriber:" << e.detail() << "- resubscribing in" << backoffMs << "ms";
            std::unique_lock lock(m_mutex);
            m_cv.wait_for(lock, std::chrono::milliseconds(backoffMs),
                          [this] { return m_stop.load(); });
        }
    }
    m_subscribed = false;
    m_connection.close();
}

void RedisSubscriber::subscribeAndListen()
{
    m_connection.ensureConnected();
    if (m_stop) // stop() may have run before this connection existed to be interrupted
        return;
    if (!m_channels.isEmpty())
        m_connection.send(QList<QByteArray> {QByteArrayLiteral("SUBSCRIBE")} + m_channels);
    if (!m_patterns.isEmpty())
        m_connection.send(QList<QByteArray> {QByteArrayLiteral("PSUBSCRIBE")} + m_patterns);
    const int timeoutMs = m_connection.options().commandTimeoutMs;
    for (qsizetype pending = m_channels.size() + m_patterns.size(); pending > 0; --pending) {
        const auto reply = m_connection.readReply(timeoutMs);
        if (!reply)
            throw Error(
                ErrorCode::DependencyUnavailable,
                QStringLiteral("redis subscribe: no confirmation within %1 ms").arg(timeoutMs));
        if (reply->isError())
            reply->throwIfError("SUBSCRIBE");
    }
    {
        std::lock_guard lock(m_mutex);
        m_subscribed = true;
    }
    m_cv.notify_all();
    if (m_onSubscribed)
        m_onSubscribed();

    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> pingSentAt;
    while (!m_stop) {
        const auto reply = m_connection.readReply(pingSentAt ? timeoutMs : pingAfterIdleMs);
        const auto now = Clock::now();
        if (!reply) {
            if (pingSentAt)
                throw Error(
                    ErrorCode::DependencyUnavailable,
                    QStringLiteral("redis subscriber: no PONG within %1 ms").arg(timeoutMs));
            m_connection.send({QByteArrayLiteral("PING")});
            pingSentAt = now;
            continue;
        }
        const QByteArray kind = reply->at(0).toByteArray();
        if (kind == "message") {
            m_onMessage(reply->at(1).toByteArray(), reply->at(2).toByteArray());
        } else if (kind == "pmessage") {
            m_onMessage(reply->at(2).toByteArray(), reply->at(3).toByteArray());
        } else if (kind == "pong") {
            pingSentAt.reset();
        } else if (reply->isError()) {
            reply->throwIfError("subscriber");
        }
    }
}

} // namespace pomelo
