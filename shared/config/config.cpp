#include "config.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QThread>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>
#include <functional>

namespace pomelo {

namespace {

const QString KnownModules[] = {QStringLiteral("booking"), QStringLiteral("topup"),
                                QStringLiteral("pay"),     QStringLiteral("sandbox"),
                                QStringLiteral("workers"), QStringLiteral("admin")};

// A validator returns an empty string when the value is acceptable, else what is wrong with it.
using Validator = std::function<QString(const QString &)>;

// Built-in values that only the sandboxes know: production refuses them (productionProblems()).
constexpr char SandboxEcardPartnerId[] = "pomelo-sandbox-partner";
constexpr char SandboxEcardPartnerKey[] = "sandbox-ecard-partner-key";
constexpr char SandboxWechatAppId[] = "wxd0c0ffee5a4db0x1";
constexpr char SandboxWechatAppSecret[] = "sandbox-mini-program-secret";
constexpr char SandboxWechatMchId[] = "1900000109";
constexpr char SandboxUtilityPartnerId[] = "pomelo-sandbox-utility";
constexpr char SandboxUtilityPartnerKey[] = "sandbox-utility-partner-key";
/// What one recharge of the utility protocol may carry (docs/utility-protocol.md), fen.
constexpr qint64 MaxRechargeAmount = 10'000'000;

QString checkHostPort(const QString &v)
{
    const qsizetype colon = v.lastIndexOf(u':');
    if (colon <= 0)
        return QStringLiteral("missing the port");
    QString host = v.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const int port = v.mid(colon + 1).toInt(&ok);
    if (!ok || port < 0 || port > 65535)
        return QStringLiteral("the port is not a number from 0 to 65535");
    if (host != QLatin1String("localhost") && QHostAddress(host).isNull())
        return QStringLiteral("the host is not an IP address or localhost");
    return {};
}

QString checkInt(const QString &v, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 n = v.toLongLong(&ok);
    if (!ok || v.trimmed() != v || v.startsWith(u'+'))
        return QStringLiteral("not an integer");
    if (n < min || n > max)
        return QStringLiteral("out of range");
    return {};
}

QString checkRatio(const QString &v)
{
    bool ok = false;
    const double r = v.toDouble(&ok);
    if (!ok || v.trimmed() != v)
        return QStringLiteral("not a number");
    if (!(r >= 0.0 && r <= 1.0)) // also refuses nan
        return QStringLiteral("out of range");
    return {};
}

QString checkHttpUrl(const QString &v, bool allowEmpty)
{
    if (v.isEmpty())
        return allowEmpty ? QString() : QStringLiteral("empty");
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        || url.host().isEmpty())
        return QStringLiteral("not an http(s) URL");
    return {};
}

/// A trace viewer's URL with the placeholder `{traceId}` (checked as a URL with an id in its
/// place: the braces themselves are no valid URL characters).
QString checkTraceUrlTemplate(const QString &v)
{
    if (v.isEmpty())
        return {};
    if (!v.contains(QLatin1String("{traceId}")))
        return QStringLiteral("no {traceId} in it");
    QString sample = v;
    sample.replace(QLatin1String("{traceId}"), QLatin1String("0af7651916cd43dd8448eb211c80319c"));
    return checkHttpUrl(sample, false);
}

QString checkRedisUrl(const QString &v)
{
    if (v == QLatin1String("embedded"))
        return {};
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid())
        return QStringLiteral("not a URL");
    if (url.scheme() == QLatin1String("unix"))
        return url.path().isEmpty() ? QStringLiteral("missing the socket path") : QString();
    if (url.scheme() != QLatin1String("redis"))
        return QStringLiteral("unknown scheme");
    if (url.host().isEmpty())
        return QStringLiteral("missing the host");
    if (url.port() == 0)
        return QStringLiteral("bad port");
    const QString db = url.path().mid(1);
    if (!db.isEmpty() && !checkInt(db, 0, 15).isEmpty())
        return QStringLiteral("the database is not a number from 0 to 15");
    return {};
}

QString checkDatabaseUrl(const QString &v)
{
    if (v.startsWith(QLatin1String("sqlite:")))
        return v.size() > 7 ? QString() : QStringLiteral("missing the file path");
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid()
        || (url.scheme() != QLatin1String("postgres")
            && url.scheme() != QLatin1String("postgresql")))
        return QStringLiteral("unknown scheme");
    if (url.host().isEmpty())
        return QStringLiteral("missing the host");
    if (url.path().size() <= 1)
        return QStringLiteral("missing the database name");
    return {};
}

QString checkModules(const QString &v)
{
    const QStringList parts = v.split(u',');
    for (const QString &p : parts) {
        if (std::find(std::begin(KnownModules), std::end(KnownModules), p.trimmed())
            == std::end(KnownModules))
            return QStringLiteral("unknown module");
    }
    return {};
}

QString checkSchedule(const QString &v)
{
    const QStringList parts = v.split(u',');
    if (parts.size() > 50)
        return QStringLiteral("more than 50 attempts");
    for (const QString &p : parts) {
        if (!checkInt(p.trimmed(), 1, 7 * 24 * 3600).isEmpty())
            return QStringLiteral("each delay must be an integer from 1 to 604800");
    }
    return {};
}

/// A comma-separated list of 1..12 amounts in fen, each 1..MaxRechargeAmount.
QString checkFenList(const QString &v)
{
    const QStringList parts = v.split(u',');
    if (parts.size() > 12)
        return QStringLiteral("more than 12 amounts");
    for (const QString &p : parts) {
        if (!checkInt(p.trimmed(), 1, MaxRechargeAmount).isEmpty())
            return QStringLiteral("each amount must be an integer from 1 to 10000000 (fen)");
    }
    return {};
}

QList<qint64> fenList(const QString &v)
{
    QList<qint64> list;
    const QStringList parts = v.split(u',');
    for (const QString &p : parts)
        list.append(p.trimmed().toLongLong());
    return list;
}

QString checkAppId(const QString &v)
{
    return QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]{1,64}$")).match(v).hasMatch()
        ? QString()
        : QStringLiteral("not 1 to 64 of A-Z a-z 0-9 _ -");
}

struct KeyDef
{
    ConfigKey key;
    Validator validate;
};

QString str(const char *s)
{
    return QString::fromUtf8(s);
}

Validator intRange(qint64 min, qint64 max)
{
    return [min, max](const QString &v) {
        return checkInt(v, min, max);
    };
}

Validator oneOf(QStringList allowed)
{
    return [allowed](const QString &v) {
        return allowed.contains(v) ? QString() : QStringLiteral("unknown value");
    };
}

QString anything(const QString &)
{
    return QString();
}

/// server.trusted_proxies (server/http/clientaddress.cpp parses it the same way).
QString checkTrustedProxies(const QString &v)
{
    if (v.trimmed().isEmpty())
        return {};
    for (const QString &raw : v.split(u',')) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            return QStringLiteral("empty entry");
        QHostAddress address;
        const bool ok = entry.contains(u'/')
            ? QHostAddress::parseSubnet(entry).second >= 0
            : address.setAddress(entry) && address.scopeId().isEmpty();
        if (!ok)
            return QStringLiteral("'%1' is not an IP address or CIDR subnet").arg(entry);
    }
    return {};
}

/// The keys of the server process: listen address, data dir, mode, modules, threads.
void addServerKeys(QList<KeyDef> &d)
{
    d.append({{str("server.listen"), str("127.0.0.1:8080"),
               str("HOST:PORT (port 0 picks a free one)"), str("address and port to listen on")},
              checkHostPort});
    d.append({{str("server.data_dir"), str("./var"), str("a directory path"),
               str("SQLite file, embedded Redis, generated keys")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append({{str("server.mode"), str("auto"), str("auto, development or production"),
               str("development (sandboxes, demo data) or production (refuses sandboxes and "
                   "sandbox credentials); auto: development only with embedded Redis and "
                   "SQLite")},
              oneOf({str("auto"), str("development"), str("production")})});
    d.append({{str("server.modules"), str("booking,topup,pay,sandbox,workers,admin"),
               str("comma-separated subset of booking,topup,pay,sandbox,workers,admin"),
               str("what this instance runs (production default: without sandbox)")},
              checkModules});
    d.append({{str("server.public_base_url"), QString(), str("http(s)://host[:port] or empty"),
               str("base of callback and notify URLs (default: from server.listen)")},
              [](const QString &v) {
                  return checkHttpUrl(v, true);
              }});
    d.append({{str("server.worker_threads"), str("0"),
               str("integer 0..256 (0: 2 x CPU cores, at least 4)"),
               str("threads that run blocking request handlers")},
              intRange(0, 256)});
    d.append({{str("server.max_queued_requests"), str("4096"), str("integer 1..100000"),
               str("requests waiting for a worker (per API) before the server answers 503")},
              intRange(1, 100000)});
    d.append({{str("server.max_queue_wait_ms"), str("5000"), str("integer 100..60000"),
               str("longest wait of a queued request for a worker; beyond it 503 with "
                   "Retry-After")},
              intRange(100, 60000)});
    d.append({{str("server.max_connections"), str("4096"), str("integer 16..1000000"),
               str("open client connections; the file-descriptor limit is raised to fit")},
              intRange(16, 1000000)});
    d.append({{str("server.demo_data"), str("auto"), str("auto, on or off"),
               str("load demo venues and apps into an empty database (auto: in development "
                   "mode only)")},
              oneOf({str("auto"), str("on"), str("off")})});
    d.append({{str("server.time_zone"), str("Asia/Shanghai"), str("an IANA time zone name"),
               str("zone of booking dates and times and of RFC 3339 output")},
              [](const QString &v) {
                  return QTimeZone(v.toUtf8()).isValid() ? QString()
                                                         : QStringLiteral("unknown time zone");
              }});
    d.append({{str("server.trusted_proxies"), QString(),
               str("comma-separated IP addresses and CIDR subnets, or empty"),
               str("reverse proxies whose X-Forwarded-For names the client (login throttle, "
                   "logs, audit); empty trusts nobody")},
              checkTrustedProxies});
}

/// The keys of Redis and the database.
void addStorageKeys(QList<KeyDef> &d)
{
    d.append({{str("redis.url"), str("embedded"),
               str("embedded, redis://[user:pass@]host:port/db or unix:///path"),
               str("Redis to use"), true},
              checkRedisUrl});
    d.append({{str("redis.key_prefix"), QString(), str("characters without spaces"),
               str("prefix of every Redis key")},
              [](const QString &v) {
                  return v.contains(QRegularExpression(QStringLiteral("\\s")))
                      ? QStringLiteral("contains white space")
                      : QString();
              }});
    d.append(
        {{str("database.url"), str("sqlite:{data_dir}/pomelo.db"),
          str("sqlite:PATH or postgres://user:pass@host:port/db"), str("database to use"), true},
         checkDatabaseUrl});
}

/// The keys of the payment flow: pay, booking, merchant notifications.
void addFlowKeys(QList<KeyDef> &d)
{
    d.append({{str("pay.order_timeout_seconds"), str("900"), str("integer 1..86400"),
               str("delay before an unpaid order is closed")},
              intRange(1, 86400)});
    d.append({{str("pay.refund_retry_seconds"), str("30"), str("integer 1..3600"),
               str("first delay before a payment exception's refund is asked again (doubles, "
                   "at most an hour)")},
              intRange(1, 3600)});
    d.append({{str("pay.channels"), str("ECARD,WECHAT_JSAPI"),
               str("comma-separated of ECARD, WECHAT_JSAPI"),
               str("payment channels the cashier offers (WeChat needs its keys)")},
              [](const QString &v) {
                  const QStringList known {QStringLiteral("ECARD"), QStringLiteral("WECHAT_JSAPI")};
                  const QStringList items = v.split(u',', Qt::SkipEmptyParts);
                  for (const QString &c : items) {
                      if (!known.contains(c.trimmed()))
                          return QString(QStringLiteral("unknown channel ") + c.trimmed());
                  }
                  return QString();
              }});
    d.append({{str("booking.expiry_seconds"), str("900"), str("integer 1..86400"),
               str("delay before an unsigned booking is cancelled")},
              intRange(1, 86400)});
    d.append(
        {{str("booking.app_id"), str("venue-booking"), str("an app id of 1..64 of A-Z a-z 0-9 _ -"),
          str("the pay app the booking module signs as (`pomelo-server init` creates it)")},
         checkAppId});
    d.append({{str("booking.refund_cutoff_minutes"), str("0"), str("integer 0..10080"),
               str("a paid booking is refunded when cancelled at least this long before it "
                   "starts")},
              intRange(0, 10080)});
    d.append({{str("booking.days_ahead"), str("7"), str("integer 0..90"),
               str("the furthest day a student may book, in days after today")},
              intRange(0, 90)});
    d.append({{str("booking.open_time"), str("08:00"), str("HH:MM"),
               str("the time of day at which the furthest day (today + booking.days_ahead) "
                   "opens for booking")},
              [](const QString &v) {
                  const QRegularExpression hhmm(QStringLiteral("^([01][0-9]|2[0-3]):[0-5][0-9]$"));
                  return hhmm.match(v).hasMatch() ? QString() : QStringLiteral("not HH:MM");
              }});
    d.append({{str("booking.max_per_day"), str("0"), str("integer 0..100"),
               str("active bookings a student may hold on one day (0: no limit)")},
              intRange(0, 100)});
    d.append({{str("booking.max_per_week"), str("0"), str("integer 0..500"),
               str("active bookings a student may hold in one week, Monday to Sunday (0: no "
                   "limit)")},
              intRange(0, 500)});
    d.append({{str("notify.schedule_seconds"),
               str("15,15,30,180,600,1200,1800,1800,1800,3600,10800,10800,10800,21600,21600"),
               str("comma-separated delays in seconds"), str("merchant notify retries")},
              checkSchedule});
    d.append({{str("notify.timeout_ms"), str("5000"), str("integer 100..60000"),
               str("one merchant delivery attempt")},
              intRange(100, 60000)});
}

/// The keys of the utility top-up module (server/topup). topup.min_amount <= topup.max_amount and
/// the presets within them are checked once every layer is loaded (Config::load()).
void addTopupKeys(QList<KeyDef> &d)
{
    d.append(
        {{str("topup.app_id"), str("utility-topup"), str("an app id of 1..64 of A-Z a-z 0-9 _ -"),
          str("the pay app the top-up module signs as (`pomelo-server init` creates it)")},
         checkAppId});
    d.append({{str("topup.min_amount"), str("100"), str("integer 1..10000000 (fen)"),
               str("smallest top-up a student may pay, in fen")},
              intRange(1, MaxRechargeAmount)});
    d.append({{str("topup.max_amount"), str("50000"), str("integer 1..10000000 (fen)"),
               str("largest top-up a student may pay, in fen")},
              intRange(1, MaxRechargeAmount)});
    d.append({{str("topup.presets"), str("1000,2000,5000,10000"),
               str("comma-separated amounts in fen, within topup.min_amount..max_amount"),
               str("the amounts the mini-program offers as buttons")},
              checkFenList});
    d.append({{str("topup.expiry_seconds"), str("900"), str("integer 1..86400"),
               str("delay before an unsigned top-up is cancelled")},
              intRange(1, 86400)});
    d.append({{str("topup.delivery_deadline_minutes"), str("60"), str("integer 1..1440"),
               str("a paid top-up the utility system has not confirmed this long after the "
                   "payment is refunded")},
              intRange(1, 1440)});
    d.append({{str("topup.delivery_retry_seconds"), str("5,15,30,60,120,300,600"),
               str("comma-separated delays in seconds"),
               str("delays between delivery attempts (the last one repeats until the deadline)")},
              checkSchedule});
    d.append({{str("topup.low_balance_electricity"), str("1000"), str("integer 0..10000000 (fen)"),
               str("a room's students are reminded when its electricity balance falls under it "
                   "(0: never)")},
              intRange(0, MaxRechargeAmount)});
    d.append({{str("topup.low_balance_water"), str("500"), str("integer 0..10000000 (fen)"),
               str("a room's students are reminded when its water balance falls under it (0: "
                   "never)")},
              intRange(0, MaxRechargeAmount)});
    d.append({{str("topup.balance_check_seconds"), str("300"), str("integer 10..86400"),
               str("how often the balances of bound rooms are checked for the reminders")},
              intRange(10, 86400)});
}

/// The keys of WeChat (mini-program login and WeChat Pay).
void addWechatKeys(QList<KeyDef> &d)
{
    d.append({{str("channels.wechat_base_url"), QString(),
               str("http(s) URL or empty (local sandbox)"), str("WeChat Pay API endpoint")},
              [](const QString &v) {
                  return checkHttpUrl(v, true);
              }});
    d.append({{str("wechat.app_id"), str(SandboxWechatAppId), str("the mini-program's AppID"),
               str("mini-program AppID used for jscode2session and JSAPI payments")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append({{str("wechat.app_secret"), str(SandboxWechatAppSecret),
               str("the mini-program's AppSecret"),
               str("AppSecret for jscode2session (the default only works with the sandbox)"), true},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append({{str("wechat.api_base_url"), str("https://api.weixin.qq.com"),
               str("http(s) URL (development with the sandbox module: the local sandbox)"),
               str("WeChat API endpoint of jscode2session (student login), not the pay host")},
              [](const QString &v) {
                  return checkHttpUrl(v, false);
              }});
    // WeChat Pay APIv3 merchant credentials. Key files empty with the sandbox module on: the
    // sandbox's generated keys in <data_dir>/sandbox/wechat/ are used (WechatClientOptions).
    d.append({{str("wechat.mch_id"), str(SandboxWechatMchId), str("the merchant id (digits)"),
               str("WeChat Pay merchant id (商户号); the default is the sandbox's")},
              [](const QString &v) {
                  return QRegularExpression(QStringLiteral("^[0-9]{1,32}$")).match(v).hasMatch()
                      ? QString()
                      : QStringLiteral("not 1 to 32 digits");
              }});
    d.append({{str("wechat.merchant_key_file"), QString(),
               str("a PEM file path or empty (sandbox keys)"),
               str("merchant API private key (apiclient_key.pem)")},
              anything});
    d.append({{str("wechat.merchant_serial"), QString(),
               str("hex certificate serial or empty (sandbox keys)"),
               str("serial number of the merchant API certificate")},
              [](const QString &v) {
                  return v.isEmpty()
                          || QRegularExpression(QStringLiteral("^[0-9A-Fa-f]{1,64}$"))
                                 .match(v)
                                 .hasMatch()
                      ? QString()
                      : QStringLiteral("not hexadecimal");
              }});
    d.append(
        {{str("wechat.apiv3_key"), QString(), str("32 ASCII characters or empty (sandbox keys)"),
          str("APIv3 key that decrypts notifications"), true},
         [](const QString &v) {
             const bool ascii = std::all_of(v.begin(), v.end(), [](QChar c) {
                 return c.unicode() > 0x20 && c.unicode() < 0x7f;
             });
             return v.isEmpty() || (v.size() == 32 && ascii)
                 ? QString()
                 : QStringLiteral("not 32 printable ASCII characters");
         }});
    // Public-key mode: the key file + its id. Certificate mode: both empty, the platform
    // certificates are downloaded from /v3/certificates. Both during a migration.
    d.append({{str("wechat.platform_public_key_file"), QString(),
               str("a PEM file path or empty (certificate mode / sandbox keys)"),
               str("WeChat Pay public key (pub_key.pem); a platform certificate PEM is pinned")},
              anything});
    d.append({{str("wechat.platform_public_key_id"), QString(),
               str("PUB_KEY_ID_… or empty (certificate mode)"),
               str("id of the WeChat Pay public key (Wechatpay-Serial of what it signs)")},
              [](const QString &v) {
                  return v.isEmpty()
                          || QRegularExpression(QStringLiteral("^PUB_KEY_ID_[0-9A-Za-z]{1,64}$"))
                                 .match(v)
                                 .hasMatch()
                      ? QString()
                      : QStringLiteral("not PUB_KEY_ID_…");
              }});
    d.append(
        {{str("wechat.platform_key_id"), QString(),
          str("PUB_KEY_ID_… or a hex certificate serial, or empty"),
          str("deprecated alias of wechat.platform_public_key_id")},
         [](const QString &v) {
             return v.isEmpty()
                     || QRegularExpression(
                            QStringLiteral("^(PUB_KEY_ID_[0-9A-Za-z]{1,64}|[0-9A-Fa-f]{1,64})$"))
                            .match(v)
                            .hasMatch()
                 ? QString()
                 : QStringLiteral("not PUB_KEY_ID_… nor hexadecimal");
         }});
}

/// The keys of the campus card center and of the sandboxes.
void addEcardKeys(QList<KeyDef> &d)
{
    d.append({{str("channels.ecard_base_url"), QString(),
               str("http(s) URL or empty (local sandbox)"), str("campus e-card endpoint")},
              [](const QString &v) {
                  return checkHttpUrl(v, true);
              }});
    d.append({{str("ecard.partner_id"), str(SandboxEcardPartnerId),
               str("the partner id issued by the card center"), str("campus e-card partner id")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append(
        {{str("ecard.partner_key"), str(SandboxEcardPartnerKey), str("the partner signing key"),
          str("campus e-card HMAC key (the default only works with the sandbox)"), true},
         [](const QString &v) {
             return v.size() < 8 ? QStringLiteral("shorter than 8 characters") : QString();
         }});
    d.append({{str("sandbox.ecard_partner_id"), str(SandboxEcardPartnerId), str("a partner id"),
               str("the partner the e-card sandbox (card center) expects")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append({{str("sandbox.ecard_partner_key"), str(SandboxEcardPartnerKey),
               str("at least 8 characters"),
               str("the key the e-card sandbox signs and verifies with"), true},
              [](const QString &v) {
                  return v.size() < 8 ? QStringLiteral("shorter than 8 characters") : QString();
              }});
}

/// The keys of the campus utility system (docs/utility-protocol.md) and of its sandbox.
void addUtilityKeys(QList<KeyDef> &d)
{
    d.append({{str("utility.base_url"), QString(), str("http(s) URL or empty (local sandbox)"),
               str("campus utility system endpoint (empty: <public_base_url>/sandbox/utility, "
                   "development only)")},
              [](const QString &v) {
                  return checkHttpUrl(v, true);
              }});
    d.append({{str("utility.partner_id"), str(SandboxUtilityPartnerId),
               str("the partner id issued by the utility system"),
               str("campus utility system partner id")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append(
        {{str("utility.partner_key"), str(SandboxUtilityPartnerKey),
          str("the partner signing key, at least 8 characters"),
          str("campus utility system HMAC key (the default only works with the sandbox)"), true},
         [](const QString &v) {
             return v.size() < 8 ? QStringLiteral("shorter than 8 characters") : QString();
         }});
    d.append({{str("sandbox.utility_partner_id"), str(SandboxUtilityPartnerId), str("a partner id"),
               str("the partner the utility sandbox (utility system) expects")},
              [](const QString &v) {
                  return v.isEmpty() ? QStringLiteral("empty") : QString();
              }});
    d.append({{str("sandbox.utility_partner_key"), str(SandboxUtilityPartnerKey),
               str("at least 8 characters"),
               str("the key the utility sandbox signs and verifies with"), true},
              [](const QString &v) {
                  return v.size() < 8 ? QStringLiteral("shorter than 8 characters") : QString();
              }});
    d.append({{str("sandbox.utility_usage_interval_ms"), str("60000"),
               str("0 (off) or an integer 100..86400000"),
               str("how often the utility sandbox's rooms use some electricity and water")},
              [](const QString &v) {
                  return v == QLatin1String("0") ? QString() : checkInt(v, 100, 86'400'000);
              }});
}

/// The keys of the console and telemetry.
void addOperationsKeys(QList<KeyDef> &d)
{
    d.append({{str("admin.initial_password"), QString(),
               str("at least 8 characters, or empty (generated)"),
               str("password of the first admin user"), true},
              [](const QString &v) {
                  return !v.isEmpty() && v.size() < 8 ? QStringLiteral("shorter than 8 characters")
                                                      : QString();
              }});
    // ---- Admin API (server/admin): login throttling; read with Config::value() ----
    d.append({{str("admin.login_max_failures"), str("5"), str("integer 1..100"),
               str("failed console logins of one user (4x that of one address) within "
                   "15 minutes before logins are refused for a while")},
              intRange(1, 100)});
    d.append({{str("admin.login_block_seconds"), str("30"), str("integer 1..3600"),
               str("first refusal period after too many failed logins; doubles with every "
                   "further failure, at most 15 minutes")},
              intRange(1, 3600)});
    // ---- end of admin API ----
    d.append({{str("log.format"), str("text"), str("text or json"), str("log line format")},
              oneOf({str("text"), str("json")})});
    d.append(
        {{str("log.file"), QString(), str("a file path or empty (stderr)"), str("where logs go")},
         anything});
    d.append({{str("telemetry.otlp_endpoint"), QString(), str("http(s) URL or empty (off)"),
               str("OTLP/HTTP collector base URL; spans go to {endpoint}/v1/traces")},
              [](const QString &v) {
                  return checkHttpUrl(v, true);
              }});
    d.append({{str("telemetry.trace_file"), QString(), str("a file path or empty (off)"),
               str("spans as JSON lines")},
              anything});
    // ---- Console trace links (telemetry.trace_url_template) ----
    d.append({{str("telemetry.trace_url_template"), QString(),
               str("http(s) URL containing {traceId}, or empty (the console copies the id)"),
               str("where the console opens a trace, e.g. http://jaeger:16686/trace/{traceId}")},
              checkTraceUrlTemplate});
    // ---- end of console trace links ----
    d.append({{str("telemetry.sample_ratio"), str("1.0"), str("a number 0.0..1.0"),
               str("share of new traces kept (decided from the trace id, so alike on every "
                   "instance); spans that end in error are always kept")},
              checkRatio});
}

const QList<KeyDef> &keyDefs()
{
    static const QList<KeyDef> defs = [] {
        QList<KeyDef> d;
        addServerKeys(d);
        addStorageKeys(d);
        addFlowKeys(d);
        addTopupKeys(d);
        addWechatKeys(d);
        addEcardKeys(d);
        addUtilityKeys(d);
        addOperationsKeys(d);
        return d;
    }();
    return defs;
}

const KeyDef *findKey(const QString &name)
{
    for (const KeyDef &def : keyDefs()) {
        if (def.key.name == name)
            return &def;
    }
    return nullptr;
}

QString envName(const QString &name)
{
    QString n = name.toUpper();
    n.replace(u'.', u'_');
    return QStringLiteral("POMELO_") + n;
}

} // namespace

ConfigError::ConfigError(QString key, QString problem)
    : std::runtime_error(QString(key + QStringLiteral(": ") + problem).toStdString())
    , m_key(std::move(key))
    , m_problem(std::move(problem))
{ }

QString ConfigError::message() const
{
    return m_key + QStringLiteral(": ") + m_problem;
}

const QList<ConfigKey> &configKeys()
{
    static const QList<ConfigKey> keys = [] {
        QList<ConfigKey> k;
        for (const KeyDef &d : keyDefs())
            k.append(d.key);
        return k;
    }();
    return keys;
}

Config::Config()
{
    for (const KeyDef &d : keyDefs())
        m_values.insert(d.key.name, d.key.defaultValue);
    resolveDerived();
}

void Config::set(const QString &name, const QString &value)
{
    const KeyDef *def = findKey(name);
    if (!def)
        throw ConfigError(name, QStringLiteral("unknown key"));
    const QString problem = def->validate(value);
    if (!problem.isEmpty()) {
        // The expected form is safe to print; the value is echoed only for non-secret keys.
        QString text = problem + QStringLiteral("; expected ") + def->key.expected;
        if (!def->key.secret)
            text += QStringLiteral(" (got \"") + value + QStringLiteral("\")");
        throw ConfigError(name, text);
    }
    m_values.insert(name, value);
    if (!m_explicit.contains(name))
        m_explicit.append(name);
}

void Config::resolveDerived()
{
    QString mode = m_values.value(QStringLiteral("server.mode"));
    if (mode == QLatin1String("auto")) {
        const bool embedded =
            m_values.value(QStringLiteral("redis.url")) == QLatin1String("embedded")
            && m_values.value(QStringLiteral("database.url")).startsWith(QLatin1String("sqlite:"));
        mode = embedded ? QStringLiteral("development") : QStringLiteral("production");
        m_values.insert(QStringLiteral("server.mode"), mode);
    }
    // Production runs no sandbox unless told to (and then refuses to start: productionProblems()).
    if (mode == QLatin1String("production")
        && !m_explicit.contains(QStringLiteral("server.modules"))) {
        QStringList modules = m_values.value(QStringLiteral("server.modules")).split(u',');
        modules.removeAll(QStringLiteral("sandbox"));
        m_values.insert(QStringLiteral("server.modules"), modules.join(u','));
    }
    QString db = m_values.value(QStringLiteral("database.url"));
    db.replace(QStringLiteral("{data_dir}"), m_values.value(QStringLiteral("server.data_dir")));
    m_values.insert(QStringLiteral("database.url"), db);
}

Config Config::load(const QString &iniPath, const QStringList &environment,
                    const QMap<QString, QString> &overrides)
{
    Config config;
    // Re-seed the templated default so a data_dir from any layer reaches it, and the mode so
    // that it is derived from the loaded Redis and database URLs.
    config.m_values.insert(QStringLiteral("database.url"),
                           QStringLiteral("sqlite:{data_dir}/pomelo.db"));
    config.m_values.insert(QStringLiteral("server.mode"), QStringLiteral("auto"));

    if (!iniPath.isEmpty()) {
        if (!QFileInfo(iniPath).isReadable())
            throw ConfigError(QStringLiteral("--config"),
                              QStringLiteral("cannot read the file ") + iniPath);
        QSettings ini(iniPath, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError)
            throw ConfigError(QStringLiteral("--config"),
                              QStringLiteral("not a valid INI file: ") + iniPath);
        const QStringList keys = ini.allKeys();
        for (const QString &k : keys) {
            // QSettings names keys "section/key"; keys outside a section land in "General".
            QString name = k;
            name.replace(u'/', u'.');
            config.set(name, ini.value(k).toStringList().join(u','));
        }
    }

    for (const QString &kv : environment) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0 || !kv.startsWith(QLatin1String("POMELO_")))
            continue;
        const QString var = kv.left(eq);
        // Unknown POMELO_* variables are left alone: test harnesses and tools use the prefix too.
        for (const KeyDef &d : keyDefs()) {
            if (envName(d.key.name) == var) {
                config.set(d.key.name, kv.mid(eq + 1));
                break;
            }
        }
    }

    for (auto it = overrides.cbegin(); it != overrides.cend(); ++it)
        config.set(it.key(), it.value());

    // Keys that are only right together, checked once every layer has had its say.
    const qint64 minAmount = config.topupMinAmount();
    const qint64 maxAmount = config.topupMaxAmount();
    if (minAmount > maxAmount)
        throw ConfigError(QStringLiteral("topup.min_amount"),
                          QStringLiteral("greater than topup.max_amount; expected at most %1 (got "
                                         "\"%2\")")
                              .arg(maxAmount)
                              .arg(minAmount));
    const QList<qint64> presets = config.topupPresets();
    for (const qint64 preset : presets) {
        if (preset < minAmount || preset > maxAmount)
            throw ConfigError(QStringLiteral("topup.presets"),
                              QStringLiteral("%1 is outside topup.min_amount..topup.max_amount; "
                                             "expected amounts from %2 to %3 (fen)")
                                  .arg(preset)
                                  .arg(minAmount)
                                  .arg(maxAmount));
    }

    config.resolveDerived();
    return config;
}

QString Config::value(const QString &name) const
{
    return m_values.value(name);
}

QString Config::listenHost() const
{
    const QString v = value(QStringLiteral("server.listen"));
    QString host = v.left(v.lastIndexOf(u':'));
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    return host;
}

quint16 Config::listenPort() const
{
    const QString v = value(QStringLiteral("server.listen"));
    return static_cast<quint16>(v.mid(v.lastIndexOf(u':') + 1).toUInt());
}

void Config::setListenPort(quint16 port)
{
    const QString v = value(QStringLiteral("server.listen"));
    m_values.insert(QStringLiteral("server.listen"),
                    v.left(v.lastIndexOf(u':') + 1) + QString::number(port));
}

QHostAddress Config::listenAddress() const
{
    const QString host = listenHost();
    return host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                              : QHostAddress(host);
}

QString Config::dataDir() const
{
    return value(QStringLiteral("server.data_dir"));
}

QStringList Config::modules() const
{
    QStringList list;
    const QStringList parts = value(QStringLiteral("server.modules")).split(u',');
    for (const QString &p : parts)
        list.append(p.trimmed());
    return list;
}

bool Config::hasModule(const QString &module) const
{
    return modules().contains(module);
}

QString Config::publicBaseUrl() const
{
    const QString v = value(QStringLiteral("server.public_base_url"));
    if (!v.isEmpty())
        return v.endsWith(u'/') ? v.chopped(1) : v;
    QString host = listenHost();
    if (QHostAddress(host).protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return QStringLiteral("http://") + host + u':' + QString::number(listenPort());
}

QString Config::redisUrl() const
{
    return value(QStringLiteral("redis.url"));
}
QString Config::redisKeyPrefix() const
{
    return value(QStringLiteral("redis.key_prefix"));
}
QString Config::databaseUrl() const
{
    return value(QStringLiteral("database.url"));
}
int Config::orderTimeoutSeconds() const
{
    return value(QStringLiteral("pay.order_timeout_seconds")).toInt();
}

int Config::refundRetrySeconds() const
{
    return value(QStringLiteral("pay.refund_retry_seconds")).toInt();
}
QStringList Config::payChannels() const
{
    QStringList channels;
    const QStringList items = value(QStringLiteral("pay.channels")).split(u',', Qt::SkipEmptyParts);
    for (const QString &c : items)
        channels.append(c.trimmed());
    return channels;
}

int Config::bookingExpirySeconds() const
{
    return value(QStringLiteral("booking.expiry_seconds")).toInt();
}

int Config::refundCutoffMinutes() const
{
    return value(QStringLiteral("booking.refund_cutoff_minutes")).toInt();
}

QList<int> Config::notifyScheduleSeconds() const
{
    QList<int> list;
    const QStringList parts = value(QStringLiteral("notify.schedule_seconds")).split(u',');
    for (const QString &p : parts)
        list.append(p.trimmed().toInt());
    return list;
}

int Config::notifyTimeoutMs() const
{
    return value(QStringLiteral("notify.timeout_ms")).toInt();
}
QString Config::wechatBaseUrl() const
{
    return value(QStringLiteral("channels.wechat_base_url"));
}
QString Config::wechatApiBaseUrl() const
{
    const QString v = value(QStringLiteral("wechat.api_base_url"));
    // Development with the sandbox module logs students in at the local sandbox unless a value
    // is set (as before this key existed); production and explicit values use the key.
    if (!isProduction() && hasModule(QStringLiteral("sandbox"))
        && !m_explicit.contains(QStringLiteral("wechat.api_base_url")))
        return publicBaseUrl() + QStringLiteral("/sandbox/wechat");
    return v.endsWith(u'/') ? v.chopped(1) : v;
}
QString Config::bookingAppId() const
{
    return value(QStringLiteral("booking.app_id"));
}
QString Config::ecardBaseUrl() const
{
    return value(QStringLiteral("channels.ecard_base_url"));
}
QTimeZone Config::timeZone() const
{
    return QTimeZone(value(QStringLiteral("server.time_zone")).toUtf8());
}
QString Config::wechatAppId() const
{
    return value(QStringLiteral("wechat.app_id"));
}
QString Config::wechatAppSecret() const
{
    return value(QStringLiteral("wechat.app_secret"));
}
QString Config::wechatMchId() const
{
    return value(QStringLiteral("wechat.mch_id"));
}
QString Config::wechatMerchantKeyFile() const
{
    return value(QStringLiteral("wechat.merchant_key_file"));
}
QString Config::wechatMerchantSerial() const
{
    return value(QStringLiteral("wechat.merchant_serial"));
}
QString Config::wechatApiV3Key() const
{
    return value(QStringLiteral("wechat.apiv3_key"));
}
QString Config::wechatPlatformPublicKeyFile() const
{
    return value(QStringLiteral("wechat.platform_public_key_file"));
}
QString Config::wechatPlatformKeyId() const
{
    return value(QStringLiteral("wechat.platform_key_id"));
}
QString Config::wechatPlatformPublicKeyId() const
{
    return value(QStringLiteral("wechat.platform_public_key_id"));
}
QString Config::ecardPartnerId() const
{
    return value(QStringLiteral("ecard.partner_id"));
}
QString Config::ecardPartnerKey() const
{
    return value(QStringLiteral("ecard.partner_key"));
}

QString Config::sandboxEcardPartnerId() const
{
    return value(QStringLiteral("sandbox.ecard_partner_id"));
}

QString Config::sandboxEcardPartnerKey() const
{
    return value(QStringLiteral("sandbox.ecard_partner_key"));
}

QString Config::utilityBaseUrl() const
{
    return value(QStringLiteral("utility.base_url"));
}

QString Config::utilityPartnerId() const
{
    return value(QStringLiteral("utility.partner_id"));
}

QString Config::utilityPartnerKey() const
{
    return value(QStringLiteral("utility.partner_key"));
}

QString Config::sandboxUtilityPartnerId() const
{
    return value(QStringLiteral("sandbox.utility_partner_id"));
}

QString Config::sandboxUtilityPartnerKey() const
{
    return value(QStringLiteral("sandbox.utility_partner_key"));
}

int Config::sandboxUtilityUsageIntervalMs() const
{
    return value(QStringLiteral("sandbox.utility_usage_interval_ms")).toInt();
}

QString Config::topupAppId() const
{
    return value(QStringLiteral("topup.app_id"));
}

qint64 Config::topupMinAmount() const
{
    return value(QStringLiteral("topup.min_amount")).toLongLong();
}

qint64 Config::topupMaxAmount() const
{
    return value(QStringLiteral("topup.max_amount")).toLongLong();
}

QList<qint64> Config::topupPresets() const
{
    return fenList(value(QStringLiteral("topup.presets")));
}

int Config::topupExpirySeconds() const
{
    return value(QStringLiteral("topup.expiry_seconds")).toInt();
}

int Config::topupDeliveryDeadlineMinutes() const
{
    return value(QStringLiteral("topup.delivery_deadline_minutes")).toInt();
}

QList<int> Config::topupDeliveryRetrySeconds() const
{
    QList<int> list;
    const QStringList parts = value(QStringLiteral("topup.delivery_retry_seconds")).split(u',');
    for (const QString &p : parts)
        list.append(p.trimmed().toInt());
    return list;
}

qint64 Config::topupLowBalanceElectricity() const
{
    return value(QStringLiteral("topup.low_balance_electricity")).toLongLong();
}

qint64 Config::topupLowBalanceWater() const
{
    return value(QStringLiteral("topup.low_balance_water")).toLongLong();
}

int Config::topupBalanceCheckSeconds() const
{
    return value(QStringLiteral("topup.balance_check_seconds")).toInt();
}

bool Config::isProduction() const
{
    return value(QStringLiteral("server.mode")) == QLatin1String("production");
}

bool Config::loadsDemoData() const
{
    const QString v = value(QStringLiteral("server.demo_data"));
    return v == QLatin1String("on") || (v == QLatin1String("auto") && !isProduction());
}

QList<ConfigError> Config::productionProblems() const
{
    QList<ConfigError> problems;
    if (!isProduction())
        return problems;
    const auto refuse = [&](const char *key, const QString &problem) {
        problems.append(ConfigError(QLatin1String(key), problem));
    };
    const auto isDefault = [&](const char *key) {
        const KeyDef *def = findKey(QLatin1String(key));
        return def && value(QLatin1String(key)) == def->key.defaultValue;
    };
    const QString sandboxValue =
        QStringLiteral("is the built-in sandbox value; production needs the real one");
    if (hasModule(QStringLiteral("sandbox")))
        refuse("server.modules", QStringLiteral("the sandbox module is not allowed in production"));
    const QStringList channels = payChannels();
    const bool pay = hasModule(QStringLiteral("pay")) || hasModule(QStringLiteral("workers"));
    if (pay && channels.contains(QStringLiteral("ECARD"))) {
        if (ecardBaseUrl().isEmpty())
            refuse("channels.ecard_base_url",
                   QStringLiteral("empty (the local sandbox); production needs the card center's "
                                  "URL"));
        for (const char *key : {"ecard.partner_id", "ecard.partner_key"}) {
            if (isDefault(key))
                refuse(key, sandboxValue);
        }
    }
    if (pay && channels.contains(QStringLiteral("WECHAT_JSAPI"))) {
        if (wechatBaseUrl().isEmpty())
            refuse("channels.wechat_base_url",
                   QStringLiteral("empty (the local sandbox); production needs WeChat Pay's URL"));
        if (isDefault("wechat.mch_id"))
            refuse("wechat.mch_id", sandboxValue);
        // Both modes sign requests with the merchant key; certificate mode (no public key
        // file) needs the APIv3 key to decrypt the downloaded certificates.
        for (const char *key : {"wechat.merchant_key_file", "wechat.merchant_serial",
                                "wechat.apiv3_key", "wechat.platform_public_key_file"}) {
            const QString v = value(QLatin1String(key));
            if (v.isEmpty()
                && QLatin1String(key) != QLatin1String("wechat.platform_public_key_file"))
                refuse(key,
                       QStringLiteral("not set; production never uses the keys the sandbox "
                                      "generates (both the public-key and the certificate mode "
                                      "need it)"));
            else if (QString(v).replace(u'\\', u'/').contains(QLatin1String("/sandbox/wechat/")))
                refuse(key, QStringLiteral("a key generated by the sandbox"));
        }
        const QString publicKeyFile = wechatPlatformPublicKeyFile();
        if (!publicKeyFile.isEmpty() && wechatPlatformPublicKeyId().isEmpty()
            && wechatPlatformKeyId().isEmpty()) {
            QFile f(publicKeyFile);
            if (!f.open(QIODevice::ReadOnly) || !f.readAll().contains("BEGIN CERTIFICATE"))
                refuse("wechat.platform_public_key_id",
                       QStringLiteral("not set although wechat.platform_public_key_file is: the "
                                      "public-key mode needs the 公钥ID (PUB_KEY_ID_…); for the "
                                      "certificate mode leave both empty"));
        }
    }
    if (hasModule(QStringLiteral("topup"))) {
        if (utilityBaseUrl().isEmpty())
            refuse("utility.base_url",
                   QStringLiteral("empty (the local sandbox); production needs the utility "
                                  "system's URL"));
        for (const char *key : {"utility.partner_id", "utility.partner_key"}) {
            if (isDefault(key))
                refuse(key, sandboxValue);
        }
    }
    if (hasModule(QStringLiteral("booking"))
        || (pay && channels.contains(QStringLiteral("WECHAT_JSAPI")))) {
        for (const char *key : {"wechat.app_id", "wechat.app_secret"}) {
            if (isDefault(key))
                refuse(key, sandboxValue);
        }
    }
    if (value(QStringLiteral("server.public_base_url")).isEmpty())
        refuse("server.public_base_url",
               QStringLiteral("not set; production needs the load balancer's URL (callbacks and "
                              "notifications must reach every instance)"));
    const QString password = adminInitialPassword();
    if (hasModule(QStringLiteral("admin")) && !password.isEmpty() && password.size() < 12)
        refuse("admin.initial_password", QStringLiteral("shorter than 12 characters (production)"));
    return problems;
}
QString Config::adminInitialPassword() const
{
    return value(QStringLiteral("admin.initial_password"));
}
QString Config::logFormat() const
{
    return value(QStringLiteral("log.format"));
}
QString Config::logFile() const
{
    return value(QStringLiteral("log.file"));
}
QString Config::otlpEndpoint() const
{
    return value(QStringLiteral("telemetry.otlp_endpoint"));
}
QString Config::traceFile() const
{
    return value(QStringLiteral("telemetry.trace_file"));
}
QString Config::traceUrlTemplate() const
{
    return value(QStringLiteral("telemetry.trace_url_template"));
}

double Config::telemetrySampleRatio() const
{
    return value(QStringLiteral("telemetry.sample_ratio")).toDouble();
}

int Config::workerThreads() const
{
    const int n = value(QStringLiteral("server.worker_threads")).toInt();
    return n > 0 ? n : std::max(4, 2 * QThread::idealThreadCount());
}

int Config::maxQueuedRequests() const
{
    return value(QStringLiteral("server.max_queued_requests")).toInt();
}

int Config::maxQueueWaitMs() const
{
    return value(QStringLiteral("server.max_queue_wait_ms")).toInt();
}

int Config::maxConnections() const
{
    return value(QStringLiteral("server.max_connections")).toInt();
}

QMap<QString, QString> Config::redactedValues() const
{
    QMap<QString, QString> out;
    for (const KeyDef &d : keyDefs()) {
        QString v = value(d.key.name);
        if (d.key.secret && !v.isEmpty()) {
            if (d.key.name.endsWith(QLatin1String("password"))
                || d.key.name.endsWith(QLatin1String("secret"))
                || d.key.name.endsWith(QLatin1String("_key"))) {
                v = QStringLiteral("***");
            } else {
                // URLs keep their shape so an operator sees which server; only the password goes.
                QUrl url(v);
                if (url.isValid() && !url.password().isEmpty()) {
                    url.setPassword(QStringLiteral("***"));
                    v = url.toString();
                }
            }
        }
        out.insert(d.key.name, v);
    }
    return out;
}

} // namespace pomelo
