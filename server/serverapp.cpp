#include "serverapp.h"

#include "http/httpserver.h"
#include "sandbox/sandboxmodule.h"
#include "telemetry/exporters.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "telemetry/trace.h"
#include "version.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace pomelo {

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

    Tracer &tracer = Tracer::instance();
    tracer.configure(QStringLiteral("pomelo-server"), pomelo::version());
    if (!m_config.otlpEndpoint().isEmpty()) {
        OtlpHttpJsonExporterOptions options;
        options.registry = Metrics::instance().registry();
        tracer.addExporter(
            std::make_shared<OtlpHttpJsonExporter>(QUrl(m_config.otlpEndpoint()), options));
    }
    if (!m_config.traceFile().isEmpty())
        tracer.addExporter(std::make_shared<JsonLinesFileExporter>(m_config.traceFile()));

    HttpServer::Options options;
    options.workerThreads = m_config.workerThreads();
    options.maxQueued = m_config.maxQueuedRequests();
    m_http = std::make_unique<HttpServer>(options);
    Metrics &metrics = Metrics::instance();
    m_http->setRequestObserver(
        [&metrics](const QByteArray &method, const QString &route, int status, double seconds) {
            metrics.observeHttpRequest(QString::fromLatin1(method), route, status, seconds);
        });

    Router &router = m_http->router();
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

    if (m_config.hasModule(QStringLiteral("sandbox"))) {
        m_sandbox = std::make_unique<SandboxModule>(
            SandboxOptions {m_config.wechatAppId(), m_config.wechatAppSecret()});
        m_sandbox->registerRoutes(router);
    }

    m_port = m_http->listenGuarded(m_config.listenAddress(), m_config.listenPort());
    if (m_port == 0) {
        qCCritical(lcApp).noquote()
            << "cannot listen on" << m_config.value(QStringLiteral("server.listen")) << ":"
            << m_http->listenError();
        return false;
    }
    QString host = m_config.listenHost();
    qCInfo(lcApp).noquote() << "pomelo-server" << pomelo::version() << "listening on"
                            << QStringLiteral("http://%1:%2").arg(host).arg(m_port)
                            << "modules:" << m_config.modules().join(u',')
                            << "data dir:" << QDir(dataDir).absolutePath();
    return true;
}

void ServerApp::stop()
{
    if (!m_http)
        return;
    m_http->shutdown();
    m_http.reset();
    Tracer::instance().shutdown(3000);
    qCInfo(lcApp) << "stopped";
}

} // namespace pomelo
