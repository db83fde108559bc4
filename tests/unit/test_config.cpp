#include "config/config.h"

#include <QTemporaryFile>
#include <QTest>

#include <algorithm>

using pomelo::Config;
using pomelo::ConfigError;
using Overrides = QMap<QString, QString>;

class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaultsAreApiMd();
    void everyKeyHasEnvironmentName();
    void layersLaterWins();
    void dataDirReachesDefaultDatabase();
    void invalidValues_data();
    void invalidValues();
    void validValues_data();
    void validValues();
    void unknownIniKeyIsAnError();
    void unknownEnvironmentVariablesAreIgnored();
    void secretsNeverInErrors();
    void redactedValuesMaskPasswords();
    void publicBaseUrlFromListen();
    void wechatApiBaseUrl_data();
    void wechatApiBaseUrl();
    void productionNeedsPublicBaseUrl();
    void wechatKeysInProduction_data();
    void wechatKeysInProduction();
    void utilityAndTopupDefaults();
    void topupAmountsTogether_data();
    void topupAmountsTogether();
    void utilityInProduction_data();
    void utilityInProduction();
};

void TestConfig::defaultsAreApiMd()
{
    const Config c;
    QCOMPARE(c.value(QStringLiteral("server.listen")), QStringLiteral("127.0.0.1:8080"));
    QCOMPARE(c.listenPort(), quint16(8080));
    QCOMPARE(c.dataDir(), QStringLiteral("./var"));
    QCOMPARE(c.modules(),
             (QStringList {QStringLiteral("booking"), QStringLiteral("topup"),
                           QStringLiteral("pay"), QStringLiteral("sandbox"),
                           QStringLiteral("workers"), QStringLiteral("admin")}));
    QCOMPARE(c.redisUrl(), QStringLiteral("embedded"));
    QCOMPARE(c.redisKeyPrefix(), QString());
    QCOMPARE(c.databaseUrl(), QStringLiteral("sqlite:./var/pomelo.db"));
    QCOMPARE(c.orderTimeoutSeconds(), 900);
    QCOMPARE(c.bookingExpirySeconds(), 900);
    QCOMPARE(c.notifyScheduleSeconds(),
             (QList<int> {15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800,
                          21600, 21600}));
    QCOMPARE(c.notifyTimeoutMs(), 5000);
    QCOMPARE(c.publicBaseUrl(), QStringLiteral("http://127.0.0.1:8080"));
    QCOMPARE(c.telemetrySampleRatio(), 1.0);
    QCOMPARE(
        Config::load({}, {}, {{QStringLiteral("telemetry.sample_ratio"), QStringLiteral("0.25")}})
            .telemetrySampleRatio(),
        0.25);
}

void TestConfig::everyKeyHasEnvironmentName()
{
    // Each key is settable through POMELO_<SECTION>_<KEY>: set every one to its own default.
    QStringList env;
    for (const pomelo::ConfigKey &k : pomelo::configKeys()) {
        QVERIFY(k.name.count(u'.') == 1);
        QVERIFY(!k.expected.isEmpty());
        QString var = QStringLiteral("POMELO_") + k.name.toUpper();
        var.replace(u'.', u'_');
        env.append(var + u'=' + Config().value(k.name));
    }
    const Config c = Config::load({}, env, {});
    QCOMPARE(c.redactedValues(), Config().redactedValues());
}

void TestConfig::layersLaterWins()
{
    QTemporaryFile ini;
    QVERIFY(ini.open());
    ini.write(
        "[server]\nlisten = 127.0.0.1:1111\nmodules = pay\n[pay]\norder_timeout_seconds = 10\n"
        "[notify]\nschedule_seconds = 1,2,3\n");
    ini.close();
    const Config c =
        Config::load(ini.fileName(),
                     {QStringLiteral("POMELO_SERVER_LISTEN=127.0.0.1:2222"),
                      QStringLiteral("POMELO_PAY_ORDER_TIMEOUT_SECONDS=20")},
                     {{QStringLiteral("server.listen"), QStringLiteral("127.0.0.1:3333")}});
    QCOMPARE(c.listenPort(), quint16(3333));
    QCOMPARE(c.orderTimeoutSeconds(), 20);
    QCOMPARE(c.modules(), QStringList {QStringLiteral("pay")});
    QCOMPARE(c.notifyScheduleSeconds(), (QList<int> {1, 2, 3}));
}

void TestConfig::dataDirReachesDefaultDatabase()
{
    const Config c = Config::load({}, {QStringLiteral("POMELO_SERVER_DATA_DIR=/srv/pomelo")}, {});
    QCOMPARE(c.databaseUrl(), QStringLiteral("sqlite:/srv/pomelo/pomelo.db"));
    const Config c2 =
        Config::load({}, {},
                     {{QStringLiteral("database.url"), QStringLiteral("sqlite:/x.db")},
                      {QStringLiteral("server.data_dir"), QStringLiteral("/y")}});
    QCOMPARE(c2.databaseUrl(), QStringLiteral("sqlite:/x.db"));
}

void TestConfig::invalidValues_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    const auto row = [](const char *key, const char *value) {
        QTest::addRow("%s=%s", key, value) << QString::fromUtf8(key) << QString::fromUtf8(value);
    };
    row("server.listen", "127.0.0.1");
    row("server.listen", "127.0.0.1:65536");
    row("server.listen", "127.0.0.1:-1");
    row("server.listen", "127.0.0.1:http");
    row("server.listen", "not-a-host:80");
    row("server.listen", ":80");
    row("server.data_dir", "");
    row("server.modules", "");
    row("server.modules", "booking,shop");
    row("server.public_base_url", "ftp://example.org");
    row("server.public_base_url", "example.org");
    row("redis.url", "localhost:6379");
    row("redis.url", "http://localhost:6379");
    row("redis.url", "redis://localhost:6379/99");
    row("redis.url", "unix://");
    row("redis.key_prefix", "a b");
    row("database.url", "sqlite:");
    row("database.url", "mysql://u:p@h/db");
    row("database.url", "postgres://u:p@h:5432/");
    row("pay.order_timeout_seconds", "0");
    row("pay.order_timeout_seconds", "-1");
    row("pay.order_timeout_seconds", "1.5");
    row("pay.order_timeout_seconds", "+5");
    row("pay.order_timeout_seconds", " 5");
    row("pay.order_timeout_seconds", "86401");
    row("booking.expiry_seconds", "abc");
    row("notify.schedule_seconds", "15,,30");
    row("notify.schedule_seconds", "15,0");
    row("notify.timeout_ms", "99");
    row("channels.wechat_base_url", "api.mch.weixin.qq.com");
    row("admin.initial_password", "short");
    row("log.format", "xml");
    row("telemetry.otlp_endpoint", "collector:4318");
    row("telemetry.sample_ratio", "");
    row("telemetry.sample_ratio", "half");
    row("telemetry.sample_ratio", "1.5");
    row("telemetry.sample_ratio", "-0.1");
    row("telemetry.sample_ratio", "nan");
    row("telemetry.sample_ratio", " 0.5");
    row("telemetry.sample_ratio", "10%");
    row("server.time_zone", "Mars/Olympus_Mons");
    row("wechat.app_id", "");
    row("wechat.api_base_url", "");
    row("wechat.api_base_url", "api.weixin.qq.com");
    row("booking.app_id", "venue booking");
    row("booking.app_id", "");
    row("server.trusted_proxies", "nginx.internal");
    row("server.trusted_proxies", "10.0.0.1,");
    row("server.trusted_proxies", "10.0.0.1,,10.0.0.2");
    row("server.trusted_proxies", "10.0.0.0/33");
    row("server.trusted_proxies", "2001:db8::/129");
    row("server.trusted_proxies", "10.0.0.1:80");
    row("server.trusted_proxies", "fe80::1%eth0");
    // telemetry.trace_url_template (console trace links)
    row("telemetry.trace_url_template", "http://jaeger:16686/trace/");
    row("telemetry.trace_url_template", "http://jaeger:16686/trace/{traceid}");
    row("telemetry.trace_url_template", "jaeger:16686/trace/{traceId}");
    row("telemetry.trace_url_template", "ftp://jaeger/trace/{traceId}");
    row("telemetry.trace_url_template", "javascript:alert('{traceId}')");
    row("telemetry.trace_url_template", "{traceId}");
    // The utility system and the top-up module (issue #16)
    row("server.modules", "booking,topups");
    row("utility.base_url", "utility.campus.edu.cn");
    row("utility.base_url", "ftp://utility.campus.edu.cn");
    row("utility.partner_id", "");
    row("utility.partner_key", "short");
    row("sandbox.utility_partner_id", "");
    row("sandbox.utility_partner_key", "1234567");
    row("sandbox.utility_usage_interval_ms", "-1");
    row("sandbox.utility_usage_interval_ms", "50");
    row("sandbox.utility_usage_interval_ms", "86400001");
    row("sandbox.utility_usage_interval_ms", "1m");
    row("topup.app_id", "utility topup");
    row("topup.app_id", "");
    row("topup.delivery_deadline_minutes", "0");
    row("topup.delivery_deadline_minutes", "1441");
    row("topup.min_amount", "0");
    row("topup.min_amount", "1.5");
    row("topup.max_amount", "10000001");
    row("topup.max_amount", "-100");
    row("topup.presets", "");
    row("topup.presets", "1000,,2000");
    row("topup.presets", "1000,0");
    row("topup.presets", "10.5");
    row("topup.presets", "1,2,3,4,5,6,7,8,9,10,11,12,13");
    row("topup.expiry_seconds", "0");
    row("topup.expiry_seconds", "86401");
    row("topup.low_balance_electricity", "-1");
    row("topup.low_balance_water", "10000001");
    row("topup.delivery_retry_seconds", "5,,15");
    row("topup.delivery_retry_seconds", "0");
    row("topup.balance_check_seconds", "9");
}

void TestConfig::invalidValues()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    try {
        Config::load({}, {}, {{key, value}});
        QFAIL("accepted");
    } catch (const ConfigError &e) {
        QCOMPARE(e.key(), key);
        QVERIFY2(e.message().contains(QStringLiteral("expected")), qPrintable(e.message()));
    }
}

void TestConfig::validValues_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    const auto row = [](const char *key, const char *value) {
        QTest::addRow("%s=%s", key, value) << QString::fromUtf8(key) << QString::fromUtf8(value);
    };
    row("server.listen", "0.0.0.0:80");
    row("server.listen", "[::1]:8080");
    row("server.listen", "localhost:0");
    row("server.modules", "pay");
    row("server.modules", "booking,pay,sandbox,workers,admin");
    row("server.public_base_url", "https://pay.example.edu.cn");
    row("redis.url", "redis://127.0.0.1:6379/0");
    row("redis.url", "redis://user:pass@10.0.0.1:6380/2");
    row("redis.url", "unix:///run/redis/redis.sock");
    row("database.url", "postgres://pomelo:pw@127.0.0.1:5432/pomelo");
    row("database.url", "sqlite:/tmp/a.db");
    row("notify.schedule_seconds", "1");
    row("log.format", "json");
    row("telemetry.sample_ratio", "0");
    row("telemetry.sample_ratio", "0.25");
    row("telemetry.sample_ratio", "1");
    row("telemetry.sample_ratio", "1e-3");
    row("admin.initial_password", "");
    row("booking.app_id", "campus-venues_2");
    row("wechat.api_base_url", "http://127.0.0.1:9000/sandbox/wechat");
    row("server.trusted_proxies", "");
    row("server.trusted_proxies", "127.0.0.1");
    row("server.trusted_proxies", "10.0.0.0/8, 192.168.1.7 ,::1,2001:db8::/32");
    // telemetry.trace_url_template (console trace links)
    row("telemetry.trace_url_template", "");
    row("telemetry.trace_url_template", "http://jaeger:16686/trace/{traceId}");
    row("telemetry.trace_url_template",
        "https://grafana.example.edu.cn/explore?left=%7B%22datasource%22:%22tempo%22,"
        "%22queries%22:%5B%7B%22query%22:%22{traceId}%22%7D%5D%7D");
    // The utility system and the top-up module (issue #16)
    row("server.modules", "booking,topup,pay,workers,admin");
    row("server.modules", "topup");
    row("utility.base_url", "");
    row("utility.base_url", "https://energy.campus.edu.cn/api");
    row("utility.partner_key", "12345678");
    row("sandbox.utility_usage_interval_ms", "0");
    row("sandbox.utility_usage_interval_ms", "100");
    row("topup.app_id", "utility-topup_2");
    row("topup.delivery_deadline_minutes", "1");
    row("topup.delivery_deadline_minutes", "1440");
    row("topup.min_amount", "1");
    row("topup.max_amount", "10000000");
    row("topup.presets", "1000");
    row("topup.presets", "500, 1000 ,2000");
    row("topup.low_balance_electricity", "0");
    row("topup.delivery_retry_seconds", "60");
}

void TestConfig::validValues()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    const Config c = Config::load({}, {}, {{key, value}});
    QCOMPARE(c.value(key), value);
}

void TestConfig::unknownIniKeyIsAnError()
{
    QTemporaryFile ini;
    QVERIFY(ini.open());
    ini.write("[pay]\norder_timeout = 10\n");
    ini.close();
    try {
        Config::load(ini.fileName(), {}, {});
        QFAIL("accepted");
    } catch (const ConfigError &e) {
        QCOMPARE(e.key(), QStringLiteral("pay.order_timeout"));
    }
}

void TestConfig::unknownEnvironmentVariablesAreIgnored()
{
    const Config c =
        Config::load({}, {QStringLiteral("POMELO_SERVER_BIN=/x"), QStringLiteral("PATH=/bin")}, {});
    QCOMPARE(c.listenPort(), quint16(8080));
}

void TestConfig::secretsNeverInErrors()
{
    try {
        Config::load(
            {}, {},
            {{QStringLiteral("database.url"), QStringLiteral("mysql://u:topsecret1@h/db")}});
        QFAIL("accepted");
    } catch (const ConfigError &e) {
        QVERIFY(!e.message().contains(QStringLiteral("topsecret1")));
        QVERIFY(!QString::fromUtf8(e.what()).contains(QStringLiteral("topsecret1")));
    }
    try {
        Config::load({}, {}, {{QStringLiteral("admin.initial_password"), QStringLiteral("abc12")}});
        QFAIL("accepted");
    } catch (const ConfigError &e) {
        QVERIFY(!e.message().contains(QStringLiteral("abc12")));
    }
}

void TestConfig::redactedValuesMaskPasswords()
{
    const Config c = Config::load(
        {}, {},
        {{QStringLiteral("redis.url"), QStringLiteral("redis://u:redispw@h:6379/1")},
         {QStringLiteral("admin.initial_password"), QStringLiteral("admin-password")}});
    const QMap<QString, QString> v = c.redactedValues();
    QCOMPARE(v.value(QStringLiteral("redis.url")), QStringLiteral("redis://u:***@h:6379/1"));
    QCOMPARE(v.value(QStringLiteral("admin.initial_password")), QStringLiteral("***"));
    QCOMPARE(v.value(QStringLiteral("wechat.app_secret")), QStringLiteral("***"));
    QCOMPARE(v.value(QStringLiteral("redis.url")).contains(QStringLiteral("redispw")), false);
    QCOMPARE(Config().redactedValues().value(QStringLiteral("redis.url")),
             QStringLiteral("embedded"));
    QCOMPARE(c.redisUrl(), QStringLiteral("redis://u:redispw@h:6379/1"));
}

void TestConfig::publicBaseUrlFromListen()
{
    QCOMPARE(Config::load({}, {}, {{QStringLiteral("server.listen"), QStringLiteral("[::1]:9000")}})
                 .publicBaseUrl(),
             QStringLiteral("http://[::1]:9000"));
    QCOMPARE(Config::load(
                 {}, {},
                 {{QStringLiteral("server.public_base_url"), QStringLiteral("https://pay.edu/")}})
                 .publicBaseUrl(),
             QStringLiteral("https://pay.edu"));
}

void TestConfig::wechatApiBaseUrl_data()
{
    QTest::addColumn<Overrides>("values");
    QTest::addColumn<QString>("expected");
    const QString listen = QStringLiteral("server.listen");
    const QString mode = QStringLiteral("server.mode");
    const QString modules = QStringLiteral("server.modules");
    const QString api = QStringLiteral("wechat.api_base_url");
    QTest::newRow("development: the local sandbox")
        << Overrides {{listen, QStringLiteral("127.0.0.1:9000")}}
        << QStringLiteral("http://127.0.0.1:9000/sandbox/wechat");
    QTest::newRow("development without the sandbox: WeChat")
        << Overrides {{modules, QStringLiteral("booking")}}
        << QStringLiteral("https://api.weixin.qq.com");
    QTest::newRow("production: WeChat") << Overrides {{mode, QStringLiteral("production")}}
                                        << QStringLiteral("https://api.weixin.qq.com");
    QTest::newRow("explicit wins, trailing slash dropped")
        << Overrides {{api, QStringLiteral("http://127.0.0.1:7000/sandbox/wechat/")}}
        << QStringLiteral("http://127.0.0.1:7000/sandbox/wechat");
}

void TestConfig::wechatApiBaseUrl()
{
    QFETCH(Overrides, values);
    QFETCH(QString, expected);
    const Config c = Config::load({}, {}, values);
    QCOMPARE(c.wechatApiBaseUrl(), expected);
    QCOMPARE(c.bookingAppId(), QStringLiteral("venue-booking"));
}

void TestConfig::productionNeedsPublicBaseUrl()
{
    const auto mentions = [](const Config &c) {
        const QList<ConfigError> problems = c.productionProblems();
        return std::any_of(problems.cbegin(), problems.cend(), [](const ConfigError &e) {
            return e.key() == QLatin1String("server.public_base_url");
        });
    };
    const QString mode = QStringLiteral("server.mode");
    QVERIFY(mentions(Config::load({}, {}, {{mode, QStringLiteral("production")}})));
    QVERIFY(!mentions(Config::load({}, {},
                                   {{mode, QStringLiteral("production")},
                                    {QStringLiteral("server.public_base_url"),
                                     QStringLiteral("https://pay.example.edu.cn")}})));
    QVERIFY(!mentions(Config::load({}, {}, {{mode, QStringLiteral("development")}})));
}

void TestConfig::wechatKeysInProduction_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("refusedKeys"); // among the wechat.* keys
    const QStringList merchant {
        QStringLiteral("POMELO_WECHAT_MERCHANT_KEY_FILE=/etc/pomelo/k.pem"),
        QStringLiteral("POMELO_WECHAT_MERCHANT_SERIAL=5157F09EFDC096DE15EBE81A47057A72"),
        QStringLiteral("POMELO_WECHAT_APIV3_KEY=0123456789abcdefghijABCDEFGHIJ01")};
    QTest::newRow("certificate mode: merchant key + APIv3 key") << merchant << QStringList {};
    QTest::newRow("public-key mode")
        << (merchant
            + QStringList {QStringLiteral(
                               "POMELO_WECHAT_PLATFORM_PUBLIC_KEY_FILE=/etc/pomelo/pub_key.pem"),
                           QStringLiteral("POMELO_WECHAT_PLATFORM_PUBLIC_KEY_ID=PUB_KEY_ID_0114")})
        << QStringList {};
    QTest::newRow("public-key mode, deprecated platform_key_id")
        << (merchant
            + QStringList {QStringLiteral(
                               "POMELO_WECHAT_PLATFORM_PUBLIC_KEY_FILE=/etc/pomelo/pub_key.pem"),
                           QStringLiteral("POMELO_WECHAT_PLATFORM_KEY_ID=PUB_KEY_ID_0114")})
        << QStringList {};
    QTest::newRow("public key without its id")
        << (merchant
            + QStringList {QStringLiteral(
                "POMELO_WECHAT_PLATFORM_PUBLIC_KEY_FILE=/etc/pomelo/pub_key.pem")})
        << QStringList {QStringLiteral("wechat.platform_public_key_id")};
    QTest::newRow("no APIv3 key") << merchant.mid(0, 2)
                                  << QStringList {QStringLiteral("wechat.apiv3_key")};
    QTest::newRow("nothing") << QStringList {}
                             << QStringList {QStringLiteral("wechat.apiv3_key"),
                                             QStringLiteral("wechat.merchant_key_file"),
                                             QStringLiteral("wechat.merchant_serial")};
}

void TestConfig::wechatKeysInProduction()
{
    QFETCH(QStringList, env);
    QFETCH(QStringList, refusedKeys);
    env += {QStringLiteral("POMELO_SERVER_MODE=production"),
            QStringLiteral("POMELO_PAY_CHANNELS=WECHAT_JSAPI")};
    const Config c = Config::load({}, env, {});
    QStringList refused;
    for (const ConfigError &e : c.productionProblems()) {
        const bool platformOrKey = e.key().startsWith(QLatin1String("wechat.platform"))
            || e.key() == QLatin1String("wechat.apiv3_key")
            || e.key().startsWith(QLatin1String("wechat.merchant"));
        if (platformOrKey) {
            refused.append(e.key());
            QVERIFY(!e.message().contains(QLatin1String("0123456789abcdef")));
        }
    }
    refused.sort();
    QCOMPARE(refused, refusedKeys);
}

void TestConfig::utilityAndTopupDefaults()
{
    const Config c;
    QCOMPARE(c.utilityBaseUrl(), QString());
    QVERIFY(!c.utilityPartnerId().isEmpty());
    QVERIFY(c.utilityPartnerKey().size() >= 8);
    // The sandbox's own keys are the client's defaults, so development works out of the box.
    QCOMPARE(c.sandboxUtilityPartnerId(), c.utilityPartnerId());
    QCOMPARE(c.sandboxUtilityPartnerKey(), c.utilityPartnerKey());
    QCOMPARE(c.sandboxUtilityUsageIntervalMs(), 60000);
    QCOMPARE(c.topupAppId(), QStringLiteral("utility-topup"));
    QCOMPARE(c.topupDeliveryDeadlineMinutes(), 60);
    QCOMPARE(c.topupMinAmount(), 100);
    QCOMPARE(c.topupMaxAmount(), 50000);
    QCOMPARE(c.topupPresets(), (QList<qint64> {1000, 2000, 5000, 10000}));
    QCOMPARE(c.topupExpirySeconds(), 900);
    QCOMPARE(c.topupLowBalanceElectricity(), 1000);
    QCOMPARE(c.topupLowBalanceWater(), 500);
    QCOMPARE(c.topupDeliveryRetrySeconds(), (QList<int> {5, 15, 30, 60, 120, 300, 600}));
    QCOMPARE(c.topupBalanceCheckSeconds(), 300);
    QVERIFY(c.hasModule(QStringLiteral("topup")));
    QCOMPARE(c.redactedValues().value(QStringLiteral("utility.partner_key")),
             QStringLiteral("***"));
    QCOMPARE(c.redactedValues().value(QStringLiteral("sandbox.utility_partner_key")),
             QStringLiteral("***"));

    const Config set =
        Config::load({},
                     {QStringLiteral("POMELO_TOPUP_PRESETS=500, 800"),
                      QStringLiteral("POMELO_TOPUP_DELIVERY_RETRY_SECONDS=1,2"),
                      QStringLiteral("POMELO_UTILITY_BASE_URL=https://energy.campus.edu.cn/api")},
                     {});
    QCOMPARE(set.topupPresets(), (QList<qint64> {500, 800}));
    QCOMPARE(set.topupDeliveryRetrySeconds(), (QList<int> {1, 2}));
    QCOMPARE(set.utilityBaseUrl(), QStringLiteral("https://energy.campus.edu.cn/api"));
    // Production runs the top-up module but no sandbox by default.
    const Config production =
        Config::load({}, {QStringLiteral("POMELO_SERVER_MODE=production")}, {});
    QCOMPARE(
        production.modules(),
        (QStringList {QStringLiteral("booking"), QStringLiteral("topup"), QStringLiteral("pay"),
                      QStringLiteral("workers"), QStringLiteral("admin")}));
}

void TestConfig::topupAmountsTogether_data()
{
    QTest::addColumn<Overrides>("values");
    QTest::addColumn<QString>("refusedKey"); // empty: accepted
    const QString min = QStringLiteral("topup.min_amount");
    const QString max = QStringLiteral("topup.max_amount");
    const QString presets = QStringLiteral("topup.presets");
    QTest::newRow("min = max") << Overrides {{min, QStringLiteral("1000")},
                                             {max, QStringLiteral("1000")},
                                             {presets, QStringLiteral("1000")}}
                               << QString();
    QTest::newRow("min > max") << Overrides {{min, QStringLiteral("2000")},
                                             {max, QStringLiteral("1000")},
                                             {presets, QStringLiteral("1000")}}
                               << min;
    QTest::newRow("min above the default max") << Overrides {{min, QStringLiteral("60000")}} << min;
    QTest::newRow("a preset under min") << Overrides {{min, QStringLiteral("2000")}} << presets;
    QTest::newRow("a preset over max") << Overrides {{max, QStringLiteral("5000")}} << presets;
    QTest::newRow("presets within")
        << Overrides {{max, QStringLiteral("5000")}, {presets, QStringLiteral("1000,5000")}}
        << QString();
}

void TestConfig::topupAmountsTogether()
{
    QFETCH(Overrides, values);
    QFETCH(QString, refusedKey);
    try {
        const Config c = Config::load({}, {}, values);
        QVERIFY2(refusedKey.isEmpty(), "accepted");
        QVERIFY(c.topupMinAmount() <= c.topupMaxAmount());
    } catch (const ConfigError &e) {
        QCOMPARE(e.key(), refusedKey);
        QVERIFY2(e.message().contains(QStringLiteral("expected")), qPrintable(e.message()));
    }
}

void TestConfig::utilityInProduction_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("refusedKeys"); // among the utility.* keys
    const QString url = QStringLiteral("POMELO_UTILITY_BASE_URL=https://energy.campus.edu.cn/api");
    const QString id = QStringLiteral("POMELO_UTILITY_PARTNER_ID=P-2026-17");
    const QString key = QStringLiteral("POMELO_UTILITY_PARTNER_KEY=the-real-utility-key-1");
    QTest::newRow("nothing set") << QStringList {}
                                 << QStringList {QStringLiteral("utility.base_url"),
                                                 QStringLiteral("utility.partner_id"),
                                                 QStringLiteral("utility.partner_key")};
    QTest::newRow("only the key left at the sandbox's")
        << QStringList {url, id} << QStringList {QStringLiteral("utility.partner_key")};
    QTest::newRow("only the URL empty")
        << QStringList {id, key} << QStringList {QStringLiteral("utility.base_url")};
    QTest::newRow("all set") << QStringList {url, id, key} << QStringList {};
    QTest::newRow("without the topup module")
        << QStringList {QStringLiteral("POMELO_SERVER_MODULES=booking,pay,workers,admin")}
        << QStringList {};
}

void TestConfig::utilityInProduction()
{
    QFETCH(QStringList, env);
    QFETCH(QStringList, refusedKeys);
    env += QStringLiteral("POMELO_SERVER_MODE=production");
    const Config c = Config::load({}, env, {});
    QStringList refused;
    for (const ConfigError &e : c.productionProblems()) {
        if (e.key().startsWith(QLatin1String("utility."))) {
            refused.append(e.key());
            QVERIFY2(!e.message().contains(QLatin1String("the-real-utility-key-1")),
                     qPrintable(e.message()));
            QVERIFY2(!e.message().contains(QLatin1String("sandbox-utility-partner-key")),
                     qPrintable(e.message()));
        }
    }
    refused.sort();
    QCOMPARE(refused, refusedKeys);
    // Development refuses nothing.
    QVERIFY(Config::load({}, {QStringLiteral("POMELO_SERVER_MODE=development")}, {})
                .productionProblems()
                .isEmpty());
}

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
