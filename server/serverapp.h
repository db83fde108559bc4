#pragma once

#include "config/config.h"
#include "http/httptypes.h"

#include <QObject>

#include <memory>

namespace pomelo {

class EmbeddedRedis;
class HttpServer;
class RedisPool;
class SandboxModule;

/// The running pomelo-server: configuration applied, telemetry installed, modules routed.
class ServerApp : public QObject
{
    Q_OBJECT

public:
    explicit ServerApp(Config config, QObject *parent = nullptr);
    ~ServerApp() override;

    /// Prepares the data dir, telemetry and routes, and listens. Returns false (after logging
    /// why) when the server cannot start.
    bool start();
    /// Stops accepting, finishes running requests (bounded), flushes telemetry.
    void stop();

    quint16 port() const { return m_port; }

private:
    Config m_config;
    bool startRedis();
    HttpResponse readiness() const;

    std::unique_ptr<EmbeddedRedis> m_embeddedRedis;
    std::unique_ptr<RedisPool> m_redis;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<SandboxModule> m_sandbox;
    quint16 m_port = 0;
};

} // namespace pomelo
