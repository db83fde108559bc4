#pragma once

#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QTimeZone>

#include <stdexcept>

namespace pomelo {

/// A configuration problem found at start: names the key and the form it expects. Never carries
/// the offending value of a secret key.
class ConfigError : public std::runtime_error
{
public:
    ConfigError(QString key, QString problem);
    const QString &key() const { return m_key; }
    const QString &problem() const { return m_problem; }
    /// "server.listen: expected HOST:PORT …" — what the server prints before exiting with code 2.
    QString message() const;

private:
    QString m_key;
    QString m_problem;
};

/// One known key: `section.key` of the INI file, `POMELO_SECTION_KEY` in the environment.
struct ConfigKey
{
    QString name; ///< "server.listen"
    QString defaultValue; ///< may contain "{data_dir}", resolved after loading
    QString expected; ///< the expected form, shown in errors and --help
    QString description;
    bool secret = false; ///< never echoed back in errors or dumps
};

/// Every key of API.md (and our additions), in documentation order.
const QList<ConfigKey> &configKeys();

/// The server's configuration. Layers, later wins: defaults < INI file (`--config`) < environment
/// (`POMELO_<SECTION>_<KEY>`) < command-line flags. Every value is validated when loaded; a bad or
/// unknown key in the file, or a bad value anywhere, throws ConfigError.
class Config
{
public:
    Config(); ///< defaults only (validated)

    /// Loads and validates: @p iniPath may be empty; @p environment as "NAME=value" pairs
    /// (QProcessEnvironment::systemEnvironment().toStringList()); @p overrides are flag values
    /// keyed by config name ("server.listen" → "127.0.0.1:9000").
    static Config load(const QString &iniPath, const QStringList &environment,
                       const QMap<QString, QString> &overrides);

    QString value(const QString &name) const;
    QString listenHost() const;
    quint16 listenPort() const;
    QHostAddress listenAddress() const;
    QString dataDir() const;
    QStringList modules() const;
    bool hasModule(const QString &module) const;
    QString publicBaseUrl() const;
    QString redisUrl() const;
    QString redisKeyPrefix() const;
    QString databaseUrl() const;
    int orderTimeoutSeconds() const;
    int refundRetrySeconds() const;
    QStringList payChannels() const;
    int bookingExpirySeconds() const;
    int refundCutoffMinutes() const;
    QList<int> notifyScheduleSeconds() const;
    int notifyTimeoutMs() const;
    QString wechatBaseUrl() const;
    QString ecardBaseUrl() const;
    /// `wechat.api_base_url` without a trailing slash; in development with the sandbox module
    /// and no explicit value, the local sandbox (`<public_base_url>/sandbox/wechat`).
    QString wechatApiBaseUrl() const;
    /// `booking.app_id`: the pay app the booking module signs as.
    QString bookingAppId() const;
    QTimeZone timeZone() const;
    QString wechatAppId() const;
    QString wechatAppSecret() const;
    QString wechatMchId() const;
    /// Empty: the sandbox's generated keys (see WechatClientOptions::fromConfig).
    QString wechatMerchantKeyFile() const;
    QString wechatMerchantSerial() const;
    QString wechatApiV3Key() const; ///< secret
    QString wechatPlatformPublicKeyFile() const;
    QString wechatPlatformKeyId() const; ///< deprecated alias of wechatPlatformPublicKeyId()
    QString wechatPlatformPublicKeyId() const;
    QString ecardPartnerId() const;
    QString ecardPartnerKey() const;
    /// The partner the e-card sandbox (card center) expects and signs with: its own keys,
    /// never `ecard.*`, so that a production server never holds a key the sandbox knows.
    QString sandboxEcardPartnerId() const;
    QString sandboxEcardPartnerKey() const;
    /// `utility.base_url`: the campus utility system; empty: the local sandbox (development).
    QString utilityBaseUrl() const;
    QString utilityPartnerId() const;
    QString utilityPartnerKey() const; ///< secret
    /// The partner the utility sandbox expects and signs with: its own keys, never `utility.*`.
    QString sandboxUtilityPartnerId() const;
    QString sandboxUtilityPartnerKey() const;
    /// How often the utility sandbox's rooms use electricity and water; 0: never.
    int sandboxUtilityUsageIntervalMs() const;
    /// `topup.app_id`: the pay app the top-up module signs as.
    QString topupAppId() const;
    qint64 topupMinAmount() const; ///< fen
    qint64 topupMaxAmount() const; ///< fen, at least topupMinAmount()
    QList<qint64> topupPresets() const; ///< fen, each within [min, max]
    int topupExpirySeconds() const;
    int topupDeliveryDeadlineMinutes() const;
    QList<int> topupDeliveryRetrySeconds() const;
    qint64 topupLowBalanceElectricity() const; ///< fen; 0: no reminder
    qint64 topupLowBalanceWater() const; ///< fen; 0: no reminder
    int topupBalanceCheckSeconds() const;
    QString adminInitialPassword() const;
    QString logFormat() const;
    QString logFile() const;
    QString otlpEndpoint() const;
    QString traceFile() const;
    /// The console's link to a trace: an http(s) URL with `{traceId}`, or empty (no link).
    QString traceUrlTemplate() const;
    /// `telemetry.sample_ratio`: share of new root traces sampled, 0.0..1.0.
    double telemetrySampleRatio() const;
    int workerThreads() const;
    int maxQueuedRequests() const;
    int maxQueueWaitMs() const;
    int maxConnections() const;

    /// After listening on port 0: the port the kernel chose, so derived URLs
    /// (publicBaseUrl()) name the real one.
    void setListenPort(quint16 port);

    /// name → value for display (`--print-config`), secrets masked.
    QMap<QString, QString> redactedValues() const;

    /// `server.mode` as resolved: an explicit value, otherwise development only with embedded
    /// Redis and SQLite (the two-command experience), production for anything else.
    bool isProduction() const;
    QString mode() const
    {
        return isProduction() ? QStringLiteral("production") : QStringLiteral("development");
    }

    /// What production refuses at start, one ConfigError per key (empty in development, and when
    /// nothing unsafe is configured): the sandbox module, an empty base URL of a configured
    /// channel or (with the topup module) of the utility system, a credential that is the
    /// built-in sandbox value (e-card and utility partners, WeChat merchant and mini-program
    /// values, keys the sandbox would generate), an initial admin password shorter than 12
    /// characters.
    QList<ConfigError> productionProblems() const;

    /// Demo venues and apps go into an empty database: `server.demo_data` on, or auto in
    /// development.
    bool loadsDemoData() const;

private:
    void set(const QString &name, const QString &value);
    void resolveDerived();

    QMap<QString, QString> m_values;
    QStringList m_explicit; ///< keys set by a layer above the defaults
};

} // namespace pomelo
