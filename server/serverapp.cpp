#include "serverapp.h"

#include "admin/adminmodule.h"
#include "booking/bookingmodule.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "http/httpserver.h"
#include "pay/paymodule.h"
#include "redis/embeddedredis.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "redis/redislock.h"
#include "redis/redisurl.h"
#include "redis/workerlease.h"
#include "sandbox/sandboxmodule.h"
#include "servercontext.h"
#include "storage/database.h"
#include "storage/demodata.h"
#include "storage/migrations.h"
#include "storage/secretbox.h"
#include "storage/secretcheck.h"
#include "telemetry/exporters.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "telemetry/trace.h"
#include "topup/topupmodule.h"
#include "version.h"
#include "workers/metricscollector.h"
#include "workers/workersmodule.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <sys/resource.h>

namespace pomelo {

namespace {

/// Builds the modules that server.modules names, remembering which one is being worked on for
/// the error message.
struct ModuleList
{
    std::vector<std::unique_ptr<Module>> &modules;
    const Config &config;
    QString current;

    /// The new module, or nullptr when server.modules leaves it out.
    template<typename M, typename... Args> M *add(const char *name, Args &&...args)
    {
        current = QString::fromLatin1(name);
        if (!config.hasModule(current))
            return nullptr;
        auto module = std::make_unique<M>(std::forward<Args>(args)...);
        M *raw = module.get();
        modules.push_back(std::move(module));
        return raw;
    }
};

/// Raises the soft limit of open files to fit @p connections clients plus the server's own files
/// and connections (Redis, database, channels: a margin of 1024), up to the hard limit. A default
/// soft limit of 1024 would make accept() fail with EMFILE long before server.max_connections.
void raiseFileLimit(int connections)
{
    rlimit lim {};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return;
    const rlim_t wanted = rlim_t(connections) + 1024;
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
        const rlim_t before = lim.rlim_cur;
        lim.rlim_cur =
            (lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= wanted) ? wanted : lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur > before)
            qCInfo(lcApp) << "open files limit raised from" << before << "to" << lim.rlim_cur;
    }
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted)
        qCWarning(lcApp).noquote() << "open files limit" << lim.rlim_cur
                                   << "is below server.max_connections (" << connections
                                   << ") plus 1024 for the server itself: raise the hard limit "
                                      "(LimitNOFILE) or lower the key";
}

} // namespace

ServerApp::ServerApp(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

ServerApp::~ServerApp()
{
    stop();
}

bool ServerApp::start()
{
    installLogHandler(m_config.logFormat() == QLatin1String("json") ? LogFormat::JsonLines
                                                                    : LogFormat::Text,
                      m_config.logFile());

    const QString dataDir = m_config.dataDir();
    if (!QDir().mkpath(dataDir)) {
        qCCritical(lcApp).noquote() << "cannot create the data directory" << dataDir;
        return false;
    }
    QFile::setPermissions(dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    startTelemetry();
    if (!startRedis() || !startDatabase() || !startContext())
        return false;
    // The gauges of resources/monitoring's alerts (Redis/database up, queues, exceptions, …).
    m_metricsCollector = std::make_unique<MetricsCollector>(*m_db, *m_redis, *m_keys);
    m_metricsCollector->start();

    HttpServer::Options options;
    options.workerThreads = m_config.workerThreads();
    options.maxQueued = m_config.maxQueuedRequests();
    options.maxQueueWaitMs = m_config.maxQueueWaitMs();
    m_http = std::make_unique<HttpServer>(options);
    // Validated with the configuration: it parses here.
    m_http->setTrustedProxies(
        TrustedProxies::parse(m_config.value(QStringLiteral("server.trusted_proxies")))
            .value_or(TrustedProxies {}));
    registerCoreRoutes(m_http->router());
    if (!startModules())
        return false;

    GuardedTcpServer::Limits limits;
    limits.maxConnections = m_config.maxConnections();
    raiseFileLimit(limits.maxConnections);
    m_port = m_http->listenGuarded(m_config.listenAddress(), m_config.listenPort(), limits);
    if (m_port == 0) {
        qCCritical(lcApp).noquote()
            << "cannot listen on" << m_config.value(QStringLiteral("server.listen")) << ":"
            << m_http->listenError();
        return false;
    }
    m_config.setListenPort(m_port);
    qCInfo(lcApp).noquote() << "pomelo-server" << pomelo::version() << "listening on"
                            << QStringLiteral("http://%1:%2").arg(m_config.listenHost()).arg(m_port)
                            << "mode:" << m_config.mode()
                            << "modules:" << m_config.modules().join(u',')
                            << "data dir:" << QDir(dataDir).absolutePath();
    const QString proxies = m_config.value(QStringLiteral("server.trusted_proxies")).trimmed();
    if (!proxies.isEmpty())
        qCInfo(lcApp).noquote() << "client addresses from X-Forwarded-For of" << proxies;
    return true;
}

void ServerApp::startTelemetry()
{
    Tracer &tracer = Tracer::instance();
    tracer.configure(QStringLiteral("pomelo-server"), pomelo::version());
    // Before any exporter: no span is started by then, but keep the order obvious.
    tracer.setSampleRatio(m_config.telemetrySampleRatio());
    if (!m_config.otlpEndpoint().isEmpty()) {
        OtlpHttpJsonExporterOptions options;
        options.registry = Metrics::instance().registry();
        tracer.addExporter(
            std::make_shared<OtlpHttpJsonExporter>(QUrl(m_config.otlpEndpoint()), options));
    }
    if (!m_config.traceFile().isEmpty())
        tracer.addExporter(std::make_shared<JsonLinesFileExporter>(m_config.traceFile()));
}

bool ServerApp::startContext()
{
    try {
        m_workerLease = std::make_unique<WorkerIdLease>(m_redis->options(), *m_keys);
    } catch (const Error &e) {
        qCCritical(lcApp).noquote()
            << "cannot lease a Snowflake worker id from Redis:" << e.detail();
        return false;
    }
    m_ids = std::make_unique<SnowflakeGenerator>(m_workerLease->lease());
    m_locks = std::make_unique<RedisLockService>(*m_redis, *m_keys);
    m_context = std::make_unique<ServerContext>(ServerContext {
        m_config, *m_redis, *m_keys, *m_locks, *m_db, *m_ids, m_config.timeZone(), *m_secretBox});
    return true;
}

void ServerApp::registerCoreRoutes(Router &router)
{
    Metrics &metrics = Metrics::instance();
    m_http->setRequestObserver(
        [&metrics](const QByteArray &method, const QString &route, int status, double seconds) {
            metrics.observeHttpRequest(QString::fromLatin1(method), route, status, seconds);
        });
    router.add("GET", QStringLiteral("/healthz"), HandlerMode::Inline, [](const HttpRequest &) {
        // Liveness only: no dependency is consulted, so a slow Redis never gets the process killed.
        const QJsonObject body {{QStringLiteral("status"), QStringLiteral("ok")},
                                {QStringLiteral("version"), pomelo::version()}};
        return HttpResponse::json(200, QJsonDocument(body).toJson(QJsonDocument::Compact));
    });
    router.add(
        "GET", QStringLiteral("/metrics"), HandlerMode::Inline, [&metrics](const HttpRequest &) {
            return HttpResponse::text(200, metrics.serialize(), QByteArray(Metrics::ContentType));
        });
    router.add("GET", QStringLiteral("/readyz"), HandlerMode::Blocking,
               [this](const HttpRequest &) { return readiness(); });
}

bool ServerApp::startModules()
{
    const ServerContext &ctx = *m_context;
    // Delayed-queue consumers and sweeps run in the module that owns their state, and only where
    // the `workers` module runs.
    const bool workers = m_config.hasModule(QStringLiteral("workers"));
    ModuleList list {m_modules, m_config, {}};
    try {
        // The modules of server.modules, in dependency order.
        list.add<SandboxModule>("sandbox", SandboxOptions::fromConfig(m_config));
        list.add<BookingModule>("booking", ctx, workers);
        if (m_config.hasModule(QStringLiteral("topup"))
            && !m_config.hasModule(QStringLiteral("booking")))
            throw Error(ErrorCode::Internal,
                        QStringLiteral("server.modules: topup needs booking (students sign in "
                                       "through its login)"));
        auto *topup = list.add<TopupModule>("topup", ctx, workers);
        auto *workersModule = list.add<WorkersModule>("workers", ctx, ctx.secrets);
        auto *pay = list.add<PayModule>("pay", ctx, workers);
        list.add<AdminModule>("admin", ctx, *m_http, pay, workersModule, topup);

        for (const std::unique_ptr<Module> &module : m_modules) {
            list.current = module->name();
            module->registerRoutes(m_http->router());
        }
        for (const std::unique_ptr<Module> &module : m_modules) {
            list.current = module->name();
            module->start();
        }
    } catch (const Error &e) {
        qCCritical(lcApp).noquote() << list.current << "module not usable:" << e.detail();
        return false;
    }
    return true;
}

bool ServerApp::startRedis()
{
    RedisUrl url;
    try {
        if (RedisUrl::isEmbedded(m_config.redisUrl())) {
            m_embeddedRedis =
                std::make_unique<EmbeddedRedis>(EmbeddedRedisOptions {m_config.dataDir()});
            url = m_embeddedRedis->start();
            qCInfo(lcApp).noquote()
                << "embedded redis-server"
                << (m_embeddedRedis->reusedExisting() ? "reused," : "started,") << "pid"
                << m_embeddedRedis->pid() << "port" << m_embeddedRedis->port();
        } else {
            QString error;
            const std::optional<RedisUrl> parsed = RedisUrl::parse(m_config.redisUrl(), &error);
            if (!parsed) {
                qCCritical(lcApp).noquote() << "redis.url:" << error;
                return false;
            }
            url = *parsed;
        }
    } catch (const Error &e) {
        qCCritical(lcApp).noquote() << "cannot start the embedded Redis:" << e.detail();
        return false;
    }
    RedisOptions options;
    options.url = url;
    options.clientName = QByteArrayLiteral("pomelo-server");
    m_redis = std::make_unique<RedisPool>(options);
    m_keys = std::make_unique<RedisKeys>(m_config.redisKeyPrefix().toUtf8());
    // Not fatal at start: a Redis that is down now answers 503 until it is back (readyz says so).
    try {
        m_redis->command({QByteArrayLiteral("PING")});
    } catch (const Error &e) {
        qCWarning(lcApp).noquote() << "Redis is not reachable yet:" << e.detail();
    }
    return true;
}

bool ServerApp::startDatabase()
{
    try {
        m_db = std::make_unique<Database>(m_config.databaseUrl());
        const QList<int> applied = Migrator(*m_db).migrate();
        if (!applied.isEmpty())
            qCInfo(lcApp) << "database migrated:" << applied;
        m_secretBox = std::make_unique<SecretBox>(
            SecretBox::loadOrCreate(m_config.dataDir() + QStringLiteral("/secret.key")));
        const SecretBox &box = *m_secretBox;
        if (!checkSecretKey())
            return false;
        if (m_config.loadsDemoData()) {
            // Production demo apps may notify their public host only, never loopback.
            QStringList notifyHosts;
            if (m_config.isProduction()) {
                const QString host = QUrl(m_config.publicBaseUrl()).host();
                const QHostAddress address(host);
                if (!address.isLoopback() && host != QLatin1String("localhost"))
                    notifyHosts.append(host);
            } else {
                notifyHosts = {m_config.listenHost(), QStringLiteral("127.0.0.1"),
                               QStringLiteral("localhost")};
            }
            // In development the demo apps are internal: they notify this server on loopback.
            const DemoDataResult demo =
                DemoData::load(*m_db, box, m_config.dataDir(), notifyHosts,
                               !m_config.isProduction(), 0, m_config.bookingAppId());
            if (!demo.appsFile.isEmpty())
                qCInfo(lcApp).noquote()
                    << "demo apps created; their secrets are in" << demo.appsFile;
        }
    } catch (const SchemaTooNew &e) {
        qCCritical(lcApp).noquote() << e.detail();
        return false;
    } catch (const Error &e) {
        qCCritical(lcApp).noquote()
            << "database" << m_db->displayUrl() << "not usable:" << e.detail();
        return false;
    }
    qCInfo(lcApp).noquote() << "database" << m_db->displayUrl();
    return true;
}

bool ServerApp::checkSecretKey()
{
    const QString keyFile =
        QFileInfo(m_config.dataDir() + QStringLiteral("/secret.key")).absoluteFilePath();
    const SecretCheck::Result result = SecretCheck::verify(*m_db, *m_secretBox);
    if (result == SecretCheck::Result::Created)
        qCInfo(lcApp).noquote() << "secret key check stored: every instance of this database "
                                   "needs the same"
                                << keyFile;
    if (result != SecretCheck::Result::Mismatch)
        return true;
    // Starting would answer /readyz and then fail every sign: refuse, naming the file.
    qCCritical(lcApp).noquote()
        << "the secret key" << keyFile << "does not open the secrets sealed in the database"
        << m_db->displayUrl()
        << "- copy the secret.key of the instances that share this database into the data dir";
    m_failureExitCode = SecretKeyMismatchExitCode;
    return false;
}

HttpResponse ServerApp::readiness() const
{
    QJsonObject checks;
    bool ready = true;
    try {
        m_redis->command({QByteArrayLiteral("PING")}, Idempotent::Yes).throwIfError("PING");
        checks.insert(QStringLiteral("redis"), QStringLiteral("ok"));
    } catch (const Error &) {
        checks.insert(QStringLiteral("redis"), QStringLiteral("unavailable"));
        ready = false;
    }
    if (m_db->isAvailable()) {
        checks.insert(QStringLiteral("database"), QStringLiteral("ok"));
    } else {
        checks.insert(QStringLiteral("database"), QStringLiteral("unavailable"));
        ready = false;
    }
    const QJsonObject body {
        {QStringLiteral("status"), ready ? QStringLiteral("ready") : QStringLiteral("unavailable")},
        {QStringLiteral("checks"), checks}};
    return HttpResponse::json(ready ? 200 : 503,
                              QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void ServerApp::stop()
{
    if (!m_http)
        return;
    m_http->shutdown();
    for (auto it = m_modules.rbegin(); it != m_modules.rend(); ++it)
        (*it)->stop();
    while (!m_modules.empty())
        m_modules.pop_back(); // reverse order: a module goes before the ones it uses
    m_http.reset();
    m_metricsCollector.reset();
    m_context.reset();
    m_secretBox.reset();
    m_locks.reset();
    m_ids.reset();
    m_workerLease.reset();
    m_db.reset();
    m_keys.reset();
    m_redis.reset();
    if (m_embeddedRedis)
        m_embeddedRedis->stop();
    m_embeddedRedis.reset();
    Tracer::instance().shutdown(3000);
    qCInfo(lcApp) << "stopped";
}

} // namespace pomelo
