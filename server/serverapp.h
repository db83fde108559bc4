#pragma once

#include "config/config.h"
#include "http/httptypes.h"

#include <QObject>

#include <memory>
#include <vector>

namespace pomelo {

class Database;
class EmbeddedRedis;
class HttpServer;
class MetricsCollector;
class Module;
class RedisKeys;
class RedisLockService;
class RedisPool;
class Router;
class SecretBox;
class SnowflakeGenerator;
class WorkerIdLease;
struct ServerContext;

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
    /// The process exit code after start() failed: 1, or SecretKeyMismatchExitCode.
    int failureExitCode() const { return m_failureExitCode; }

    /// The data dir's secret.key does not open the database's sealed secrets (like a
    /// configuration error: the operator must fix the deployment).
    static constexpr int SecretKeyMismatchExitCode = 2;

private:
    Config m_config;
    void startTelemetry();
    bool startRedis();
    bool startDatabase();
    bool startContext();
    void registerCoreRoutes(Router &router);
    /// Builds the modules of `server.modules` in dependency order, then routes and starts them.
    bool startModules();
    HttpResponse readiness() const;
    /// SecretCheck at start: false (logged, naming the key file) when the key does not match.
    bool checkSecretKey();

    // Declaration order is teardown order in reverse: modules go before what they use.
    std::unique_ptr<EmbeddedRedis> m_embeddedRedis;
    std::unique_ptr<RedisPool> m_redis;
    std::unique_ptr<RedisKeys> m_keys;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<WorkerIdLease> m_workerLease;
    std::unique_ptr<SnowflakeGenerator> m_ids;
    std::unique_ptr<RedisLockService> m_locks;
    std::unique_ptr<SecretBox> m_secretBox;
    std::unique_ptr<ServerContext> m_context;
    std::unique_ptr<MetricsCollector> m_metricsCollector;
    std::unique_ptr<HttpServer> m_http;
    /// In start order: a module may use the ones before it (admin uses pay and workers).
    std::vector<std::unique_ptr<Module>> m_modules;
    quint16 m_port = 0;
    int m_failureExitCode = 1;
};

} // namespace pomelo
