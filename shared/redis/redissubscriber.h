#pragma once

#include "redisclient.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pomelo {

/// A pub/sub connection on its own thread: subscribes to fixed channels and patterns, calls the
/// handler for every message (on its thread), and after a broken connection reconnects with
/// back-off and subscribes again, calling onSubscribed each time (so users can re-check what they
/// may have missed while it was down). Idle connections are checked with PING.
class RedisSubscriber
{
public:
    using MessageHandler =
        std::function<void(const QByteArray &channel, const QByteArray &message)>;

    RedisSubscriber(RedisOptions options, QList<QByteArray> channels, QList<QByteArray> patterns,
                    MessageHandler onMessage, std::function<void()> onSubscribed = {});
    ~RedisSubscriber();
    RedisSubscriber(const RedisSubscriber &) = delete;
    RedisSubscriber &operator=(const RedisSubscriber &) = delete;

    void start();
    void stop();
    bool isSubscribed() const { return m_subscribed.load(); }
    /// Blocks until subscribed or @p timeoutMs passed.
    bool waitSubscribed(int timeoutMs) const;

private:
    void run();
    void subscribeAndListen();

    RedisConnection m_connection;
    const QList<QByteArray> m_channels;
    const QList<QByteArray> m_patterns;
    const MessageHandler m_onMessage;
    const std::function<void()> m_onSubscribed;
    std::atomic<bool> m_stop {false};
    std::atomic<bool> m_subscribed {false};
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;
    std::thread m_thread;
};

} // namespace pomelo
