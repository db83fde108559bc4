#include "channels/wechatclient.h"

#include "channels/wechatplatformkeys.h"
#include "config/config.h"
#include "net/httpclient.h"
#include "telemetry/logging.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLockFile>
#include <QThread>
#include <QTimeZone>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <mutex>

namespace pomelo {

namespace {

using namespace wechat;

constexpr QFileDevice::Permissions OwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

[[noreturn]] void internal(const QString &what)
{
    throw Error(ErrorCode::Internal, QStringLiteral("wechat pay: ") + what);
}

QByteArray readFile(const QString &path, const QString &what)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        internal(what + QStringLiteral(": cannot read ") + path + QStringLiteral(" (")
                 + f.errorString() + u')');
    return f.readAll();
}

crypto::RsaPrivateKey loadPrivateKey(const QString &path, const QString &what)
{
    const auto key = crypto::RsaPrivateKey::fromPem(readFile(path, what));
    if (!key)
        internal(
            what + QStringLiteral(": ") + path
            + QStringLiteral(" is not an unencrypted RSA private key PEM of 2048 bits or more"));
    return *key;
}

/// A "PUBLIC KEY" PEM, or a platform certificate (then @p certificateSerial is set).
crypto::RsaPublicKey loadPublicKey(const QString &path, const QString &what,
                                   QString *certificateSerial = nullptr)
{
    const QByteArray pem = readFile(path, what);
    if (pem.contains("BEGIN CERTIFICATE")) {
        const auto key = crypto::RsaPublicKey::fromCertificatePem(pem);
        const auto serial = crypto::certificateSerialHex(pem);
        if (!key || !serial)
            internal(what + QStringLiteral(": ") + path
                     + QStringLiteral(" is not an RSA certificate"));
        if (certificateSerial)
            *certificateSerial = *serial;
        return *key;
    }
    const auto key = crypto::RsaPublicKey::fromPem(pem);
    if (!key)
        internal(what + QStringLiteral(": ") + path
                 + QStringLiteral(" is not an RSA public key PEM"));
    return *key;
}

QString randomDigits(int n)
{
    const QByteArray random = crypto::randomBytes(n);
    QString out;
    for (char c : random)
        out += QChar(char16_t(u'0' + static_cast<unsigned char>(c) % 10));
    return out;
}

QString randomAlnum(int n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const QByteArray random = crypto::randomBytes(n);
    QString out;
    for (char c : random)
        out += QLatin1Char(alphabet[static_cast<unsigned char>(c) % 62]);
    return out;
}

void writeOwnerOnly(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    // Created 0600 from the first byte: a private key never exists with wider permissions.
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate, OwnerOnly)
        || f.write(bytes) != bytes.size() || !f.flush())
        internal(QStringLiteral("cannot write ") + path + QStringLiteral(" (") + f.errorString()
                 + u')');
    f.close();
    f.setPermissions(OwnerOnly);
}

std::mutex &keysMutex()
{
    static std::mutex m;
    return m;
}

bool isRetryable(int status)
{
    return status >= 500 || status == 429;
}

QString percentEncoded(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

} // namespace

// ---- Options ------------------------------------------------------------------------------------

QString WechatSandboxKeyFiles::directoryFor(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("sandbox/wechat"));
}

WechatSandboxKeyFiles WechatSandboxKeyFiles::in(const QString &keysDir)
{
    const QDir d(keysDir);
    WechatSandboxKeyFiles f;
    f.dir = keysDir;
    f.merchantPrivateKey = d.filePath(QStringLiteral("merchant_private_key.pem"));
    f.merchantCertificate = d.filePath(QStringLiteral("merchant_certificate.pem"));
    f.platformPrivateKey = d.filePath(QStringLiteral("platform_private_key.pem"));
    f.platformPublicKey = d.filePath(QStringLiteral("platform_public_key.pem"));
    f.platformKeyId = d.filePath(QStringLiteral("platform_key_id.txt"));
    f.apiV3Key = d.filePath(QStringLiteral("apiv3_key.txt"));
    return f;
}

bool WechatSandboxKeyFiles::complete() const
{
    for (const QString &p : {merchantPrivateKey, merchantCertificate, platformPrivateKey,
                             platformPublicKey, platformKeyId, apiV3Key}) {
        if (!QFile::exists(p))
            return false;
    }
    return true;
}

WechatSandboxKeyFiles ensureWechatSandboxKeys(const QString &keysDir)
{
    const WechatSandboxKeyFiles files = WechatSandboxKeyFiles::in(keysDir);
    std::lock_guard inProcess(keysMutex());
    if (files.complete())
        return files;
    if (!QDir().mkpath(keysDir))
        internal(QStringLiteral("cannot create ") + keysDir);
    QFile::setPermissions(keysDir, OwnerOnly | QFileDevice::ExeOwner);
    QLockFile lock(QDir(keysDir).filePath(QStringLiteral(".keys.lock")));
    if (!lock.tryLock(30000))
        internal(QStringLiteral("cannot lock ") + keysDir);
    if (files.complete()) // another process was first
        return files;

    qCInfo(lcChannels).noquote() << "wechat sandbox: generating merchant and platform keys in"
                                 << keysDir;
    const crypto::RsaKeyPairPem merchant = crypto::generateRsaKeyPair(2048);
    const auto merchantKey = crypto::RsaPrivateKey::fromPem(merchant.privateKeyPem);
    if (!merchantKey)
        internal(QStringLiteral("generated merchant key does not load"));
    // 20 bytes, top bits set so that the printed serial has exactly 40 digits, as WeChat's do.
    QByteArray serial = crypto::randomBytes(20);
    serial[0] = char((static_cast<unsigned char>(serial[0]) & 0x3f) | 0x10);
    const QByteArray certificate = crypto::selfSignedCertificatePem(
        *merchantKey, QStringLiteral("Pomelo Pay sandbox merchant"),
        QString::fromLatin1(serial.toHex().toUpper()));
    const crypto::RsaKeyPairPem platform = crypto::generateRsaKeyPair(2048);
    const QByteArray keyId = QByteArrayLiteral("PUB_KEY_ID_") + randomDigits(32).toLatin1();
    const QByteArray apiV3Key = randomAlnum(ApiV3KeySize).toLatin1();

    // Each file goes to a temporary name first and is renamed into place: a crash leaves either
    // an incomplete set (regenerated next time) or a complete, consistent one.
    const QList<QPair<QString, QByteArray>> contents {
        {files.merchantPrivateKey, merchant.privateKeyPem},
        {files.merchantCertificate, certificate},
        {files.platformPrivateKey, platform.privateKeyPem},
        {files.platformPublicKey, platform.publicKeyPem},
        {files.apiV3Key, apiV3Key},
        {files.platformKeyId, keyId},
    };
    for (const auto &[path, bytes] : contents)
        writeOwnerOnly(path + QStringLiteral(".tmp"), bytes);
    for (const auto &[path, bytes] : contents) {
        std::error_code ec;
        std::filesystem::rename(QFile::encodeName(path + QStringLiteral(".tmp")).toStdString(),
                                QFile::encodeName(path).toStdString(), ec);
        if (ec)
            internal(QStringLiteral("cannot rename into ") + path);
    }
    return files;
}

WechatClientOptions WechatClientOptions::forSandbox(const QString &keysDir, const QUrl &baseUrl,
                                                    const QString &mchId, const QString &appId)
{
    const WechatSandboxKeyFiles f = WechatSandboxKeyFiles::in(keysDir);
    WechatClientOptions o;
    o.baseUrl = baseUrl;
    o.mchId = mchId;
    o.appId = appId;
    const QString what = QStringLiteral("sandbox keys");
    o.merchantKey = loadPrivateKey(f.merchantPrivateKey, what);
    const auto serial = crypto::certificateSerialHex(readFile(f.merchantCertificate, what));
    if (!serial)
        internal(what + QStringLiteral(": ") + f.merchantCertificate
                 + QStringLiteral(" is not a certificate"));
    o.merchantSerial = *serial;
    o.apiV3Key = readFile(f.apiV3Key, what).trimmed();
    o.platformKey = loadPublicKey(f.platformPublicKey, what);
    o.platformSerial = QString::fromLatin1(readFile(f.platformKeyId, what).trimmed());
    o.validate();
    return o;
}

WechatClientOptions WechatClientOptions::fromConfig(const Config &config)
{
    const QString base = config.wechatBaseUrl();
    const QUrl baseUrl(base.isEmpty() ? config.publicBaseUrl() + QStringLiteral("/sandbox/wechat")
                                      : base);
    if (config.wechatMerchantKeyFile().isEmpty() && config.hasModule(QStringLiteral("sandbox"))) {
        const WechatSandboxKeyFiles files =
            ensureWechatSandboxKeys(WechatSandboxKeyFiles::directoryFor(config.dataDir()));
        return forSandbox(files.dir, baseUrl, config.wechatMchId(), config.wechatAppId());
    }

    WechatClientOptions o;
    o.baseUrl = baseUrl;
    o.mchId = config.wechatMchId();
    o.appId = config.wechatAppId();
    auto required = [](const QString &value, const char *key) {
        if (value.isEmpty())
            internal(QLatin1String(key)
                     + QStringLiteral(" is not set (required unless the sandbox module is on and "
                                      "wechat.merchant_key_file is empty)"));
        return value;
    };
    o.merchantKey =
        loadPrivateKey(required(config.wechatMerchantKeyFile(), "wechat.merchant_key_file"),
                       QStringLiteral("wechat.merchant_key_file"));
    o.merchantSerial = required(config.wechatMerchantSerial(), "wechat.merchant_serial").toUpper();
    o.apiV3Key = required(config.wechatApiV3Key(), "wechat.apiv3_key").toLatin1();
    // Public-key mode when a key file is set; platform certificates are downloaded either way
    // (a public-key merchant's /v3/certificates answers 404), so a migration accepts both.
    if (!config.wechatPlatformPublicKeyFile().isEmpty()) {
        QString certificateSerial;
        o.platformKey =
            loadPublicKey(config.wechatPlatformPublicKeyFile(),
                          QStringLiteral("wechat.platform_public_key_file"), &certificateSerial);
        const QString keyId = config.wechatPlatformPublicKeyId().isEmpty()
            ? config.wechatPlatformKeyId() // deprecated alias
            : config.wechatPlatformPublicKeyId();
        if (config.wechatPlatformPublicKeyId().isEmpty() && !config.wechatPlatformKeyId().isEmpty())
            qCWarning(lcChannels) << "wechat.platform_key_id is deprecated: rename it to "
                                     "wechat.platform_public_key_id";
        o.platformSerial = certificateSerial.isEmpty() ? keyId : certificateSerial;
        if (o.platformSerial.isEmpty())
            internal(QStringLiteral("wechat.platform_public_key_id is not set (the 公钥ID, "
                                    "PUB_KEY_ID_…, shown next to the WeChat Pay public key)"));
    }
    o.validate();
    return o;
}

std::shared_ptr<const WechatClientOptions> WechatClientOptions::load(const Config &config)
{
    WechatClientOptions o = fromConfig(config);
    o.withPlatformKeys();
    return std::make_shared<const WechatClientOptions>(std::move(o));
}

void WechatClientOptions::withPlatformKeys()
{
    platformKeys = std::make_shared<WechatPlatformKeys>(apiV3Key);
    if (!platformKey)
        return;
    if (WechatPlatformKeys::isCertificateSerial(platformSerial)) {
        // A pinned certificate: its validity is not known here, take it as always valid.
        platformKeys->pinCertificate(
            {platformSerial.toUpper(), QDateTime::fromSecsSinceEpoch(0, QTimeZone::utc()),
             QDateTime(QDate(9999, 12, 31), QTime(0, 0), QTimeZone::utc()), *platformKey, true});
    } else {
        platformKeys->setPublicKey(*platformKey, platformSerial);
    }
}

void WechatClientOptions::validate() const
{
    if (!baseUrl.isValid() || baseUrl.host().isEmpty())
        internal(QStringLiteral("base URL is not valid"));
    if (mchId.isEmpty())
        internal(QStringLiteral("wechat.mch_id is empty"));
    if (appId.isEmpty())
        internal(QStringLiteral("wechat.app_id is empty"));
    if (!merchantKey)
        internal(QStringLiteral("no merchant private key"));
    if (merchantSerial.isEmpty())
        internal(QStringLiteral("no merchant certificate serial"));
    if (apiV3Key.size() != ApiV3KeySize)
        internal(QStringLiteral("the APIv3 key is not %1 bytes").arg(ApiV3KeySize));
    if (!platformKey && !downloadCertificates)
        internal(QStringLiteral("no WeChat Pay public key and no certificate download"));
    if (platformKey && platformSerial.isEmpty())
        internal(QStringLiteral("no platform key id / certificate serial"));
}

// ---- WechatError --------------------------------------------------------------------------------

WechatError::WechatError(int httpStatus, QString wechatCode, QString message, const QString &detail)
    : Error(ErrorCode::ChannelError, detail)
    , m_httpStatus(httpStatus)
    , m_wechatCode(std::move(wechatCode))
    , m_message(std::move(message))
{ }

// ---- WechatClient -------------------------------------------------------------------------------

WechatClient::WechatClient(WechatClientOptions options)
{
    options.validate();
    if (!options.platformKeys)
        options.withPlatformKeys();
    m_options = std::make_shared<const WechatClientOptions>(std::move(options));
}

WechatClient::WechatClient(std::shared_ptr<const WechatClientOptions> options)
    : m_options(std::move(options))
{
    if (!m_options)
        internal(QStringLiteral("no client options"));
    m_options->validate();
    if (!m_options->platformKeys) {
        WechatClientOptions copy = *m_options;
        copy.withPlatformKeys();
        m_options = std::make_shared<const WechatClientOptions>(std::move(copy));
    }
}

QUrl WechatClient::endpoint(const QString &pathAndQuery) const
{
    QUrl url = m_options->baseUrl;
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    const qsizetype q = pathAndQuery.indexOf(u'?');
    url.setPath(base + pathAndQuery.left(q < 0 ? pathAndQuery.size() : q), QUrl::StrictMode);
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1), QUrl::StrictMode);
    else
        url.setQuery(QString());
    return url;
}

namespace {

/// What is signed: the path and query as they go on the wire.
QString signedPathAndQuery(const QUrl &url)
{
    QString signedUrl = url.path(QUrl::FullyEncoded);
    if (url.hasQuery())
        signedUrl += u'?' + url.query(QUrl::FullyEncoded);
    return signedUrl;
}

/// Signed afresh for every attempt: the timestamp and nonce are part of the signature.
HttpClientRequest signedRequest(const WechatClientOptions &o, const QByteArray &method,
                                const QUrl &url, const QString &signedUrl, const QByteArray &body)
{
    const Authorization auth = signRequest(*o.merchantKey, o.mchId, o.merchantSerial, method,
                                           signedUrl, body, nowSeconds());
    HttpClientRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.headers.append({QByteArrayLiteral("Authorization"), authorizationHeader(auth)});
    req.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    req.headers.append({QByteArrayLiteral("User-Agent"), o.userAgent.toUtf8()});
    if (method != "GET")
        req.headers.append({QByteArrayLiteral("Content-Type"),
                            QByteArrayLiteral("application/json; charset=utf-8")});
    return req;
}

WechatError refusal(const QString &signedUrl, int status, const QString &code,
                    const QString &message)
{
    return WechatError(
        status, code, message,
        QStringLiteral("wechat %1: HTTP %2 %3 %4").arg(signedUrl).arg(status).arg(code, message));
}

/// What a call that runs out of attempts reports: the last attempt's failure.
struct LastFailure
{
    QString error;
    std::optional<WechatError> refusal; ///< a signed refusal that came with a 5xx or 429
};

/// The body of a verified 2xx answer; nothing when the status may be retried (then @p last says
/// why). Throws Error(ChannelError) for an answer whose signature does not verify, WechatError for
/// a refusal.
std::optional<QByteArray> readAnswer(const std::function<Verdict()> &verify,
                                     const HttpClientResponse &r, const QString &signedUrl,
                                     LastFailure *last)
{
    const Verdict verdict = verify();
    const QJsonObject json = QJsonDocument::fromJson(r.body).object();
    const QString code = json.value(QLatin1String("code")).toString();
    const QString message = json.value(QLatin1String("message")).toString();
    qCInfo(lcChannels).noquote() << "wechat <-" << signedUrl << "HTTP" << r.status << code
                                 << "signature:" << verdictName(verdict);
    if (isRetryable(r.status)) {
        // A gateway's 502 may come unsigned; either way nothing is read from it.
        last->error = QStringLiteral("HTTP %1 %2").arg(r.status).arg(code);
        last->refusal.reset();
        if (verdict == Verdict::Ok && !code.isEmpty())
            last->refusal.emplace(refusal(signedUrl, r.status, code, message));
        return std::nullopt;
    }
    if (verdict != Verdict::Ok) {
        qCWarning(lcChannels).noquote()
            << "wechat answer rejected" << signedUrl << ":" << verdictName(verdict);
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("wechat %1: answer rejected (HTTP %2, %3)")
                        .arg(signedUrl)
                        .arg(r.status)
                        .arg(verdictName(verdict)));
    }
    if (r.status >= 200 && r.status < 300)
        return r.body;
    throw refusal(signedUrl, r.status, code, message);
}

/// Longer after a 429 (WeChat's rate limit) than after a failure; never past the deadline.
void pauseBeforeRetry(int status, int attempt, const QDeadlineTimer &deadline)
{
    const qint64 step = status == 429 ? 300 : 100;
    const qint64 pause = std::min<qint64>(step * attempt, deadline.remainingTime());
    if (pause > 0)
        QThread::msleep(static_cast<unsigned long>(pause));
}

} // namespace

WechatClient::Answer WechatClient::call(const QByteArray &method, const QString &pathAndQuery,
                                        const QByteArray &body, const QString &what) const
{
    const WechatClientOptions &o = *m_options;
    const QUrl url = endpoint(pathAndQuery);
    const QString signedUrl = signedPathAndQuery(url);
    const QString spanName = QStringLiteral("wechat ") + QString::fromLatin1(method) + u' '
        + pathAndQuery.left(pathAndQuery.indexOf(u'?'));
    const QDeadlineTimer deadline(std::max(1, o.timeoutMs));
    const int attempts = std::max(1, o.maxAttempts);
    LastFailure last;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining <= 0)
            break;
        HttpClientRequest req = signedRequest(o, method, url, signedUrl, body);
        qCInfo(lcChannels).noquote()
            << "wechat ->" << method << signedUrl << what << "attempt" << attempt;
        req.timeoutMs = int(remaining);
        req.spanName = spanName;
        const HttpClientResponse r = HttpClient::send(req);

        if (r.status == 0) {
            last.error = r.error;
            qCWarning(lcChannels).noquote()
                << "wechat request failed" << signedUrl << "attempt" << attempt << ":" << r.error;
            if (r.timedOut)
                break; // the budget is used up
        } else if (const std::optional<QByteArray> answer = readAnswer(
                       [&] {
                           // A 5xx / 429 (maybe a gateway's, unsigned) is retried, not
                           // counted as a forgery.
                           return verifySigned(r.headers, r.body, false, !isRetryable(r.status));
                       },
                       r, signedUrl, &last)) {
            return {r.status, *answer};
        }
        if (attempt < attempts)
            pauseBeforeRetry(r.status, attempt, deadline);
    }
    if (last.refusal)
        throw *last.refusal;
    throw Error(ErrorCode::ChannelError,
                QStringLiteral("wechat %1: no answer (%2)").arg(signedUrl, last.error));
}

QString WechatClient::prepayJsapi(const WechatPrepayRequest &request) const
{
    const WechatClientOptions &o = *m_options;
    QJsonObject body {
        {QStringLiteral("appid"), o.appId},
        {QStringLiteral("mchid"), o.mchId},
        {QStringLiteral("description"), request.description},
        {QStringLiteral("out_trade_no"), request.outTradeNo},
        {QStringLiteral("notify_url"), request.notifyUrl.toString(QUrl::FullyEncoded)},
        {QStringLiteral("amount"),
         QJsonObject {{QStringLiteral("total"), request.total},
                      {QStringLiteral("currency"), QString(CurrencyCny)}}},
        {QStringLiteral("payer"), QJsonObject {{QStringLiteral("openid"), request.payerOpenId}}},
    };
    if (request.timeExpire.isValid())
        body.insert(QStringLiteral("time_expire"), formatTime(request.timeExpire));
    if (!request.attach.isEmpty())
        body.insert(QStringLiteral("attach"), request.attach);
    // Built once: a retry sends the identical body, which WeChat treats as the same order.
    const QByteArray bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    const Answer a = call("POST", QString(path::jsapi), bytes,
                          QStringLiteral("prepay out_trade_no=") + request.outTradeNo);
    const QString prepayId =
        QJsonDocument::fromJson(a.body).object().value(QLatin1String("prepay_id")).toString();
    if (prepayId.isEmpty())
        throw Error(
            ErrorCode::ChannelError,
            QStringLiteral("wechat prepay %1: answer without prepay_id").arg(request.outTradeNo));
    qCInfo(lcChannels).noquote() << "wechat prepay" << request.outTradeNo << "prepay_id"
                                 << prepayId;
    return prepayId;
}

QJsonObject WechatClient::requestPaymentParams(const QString &prepayId) const
{
    return wechat::requestPaymentParams(*m_options->merchantKey, m_options->appId, prepayId,
                                        nowSeconds());
}

std::optional<WechatTransaction> WechatClient::query(const QString &outTradeNo) const
{
    const QString p = path::byOutTradeNo + percentEncoded(outTradeNo) + QStringLiteral("?mchid=")
        + percentEncoded(m_options->mchId);
    Answer a;
    try {
        a = call("GET", p, {}, QStringLiteral("query"));
    } catch (const WechatError &e) {
        if (e.httpStatus() == 404
            && (e.wechatCode() == code::orderNotExist
                || e.wechatCode() == QLatin1String("ORDERNOTEXIST")))
            return std::nullopt;
        throw;
    }
    QString error;
    const auto t = parseTransaction(QJsonDocument::fromJson(a.body).object(), &error);
    if (!t)
        throw Error(
            ErrorCode::ChannelError,
            QStringLiteral("wechat query %1: malformed answer (%2)").arg(outTradeNo, error));
    if (t->outTradeNo != outTradeNo || t->mchId != m_options->mchId)
        throw Error(
            ErrorCode::ChannelError,
            QStringLiteral("wechat query %1: answer is about another order").arg(outTradeNo));
    qCInfo(lcChannels).noquote() << "wechat query" << outTradeNo << tradeStateName(t->tradeState)
                                 << t->transactionId;
    return t;
}

void WechatClient::close(const QString &outTradeNo) const
{
    const QByteArray body = QJsonDocument(QJsonObject {{QStringLiteral("mchid"), m_options->mchId}})
                                .toJson(QJsonDocument::Compact);
    call("POST", path::byOutTradeNo + percentEncoded(outTradeNo) + QStringLiteral("/close"), body,
         QStringLiteral("close"));
    qCInfo(lcChannels).noquote() << "wechat close" << outTradeNo << "done";
}

WechatRefund WechatClient::refund(const WechatRefundRequest &request) const
{
    // By transaction_id when known: it names one payment, where an out_trade_no that was paid
    // twice would name the order's first.
    QJsonObject body {
        {request.transactionId.isEmpty() ? QStringLiteral("out_trade_no")
                                         : QStringLiteral("transaction_id"),
         request.transactionId.isEmpty() ? request.outTradeNo : request.transactionId},
        {QStringLiteral("out_refund_no"), request.outRefundNo},
        {QStringLiteral("amount"),
         QJsonObject {{QStringLiteral("refund"), request.refund},
                      {QStringLiteral("total"), request.total},
                      {QStringLiteral("currency"), QString(CurrencyCny)}}},
    };
    if (!request.reason.isEmpty())
        body.insert(QStringLiteral("reason"), request.reason);
    if (!request.notifyUrl.isEmpty())
        body.insert(QStringLiteral("notify_url"), request.notifyUrl.toString(QUrl::FullyEncoded));
    const Answer a =
        call("POST", QString(path::refunds), QJsonDocument(body).toJson(QJsonDocument::Compact),
             QStringLiteral("refund out_trade_no=") + request.outTradeNo
                 + QStringLiteral(" out_refund_no=") + request.outRefundNo);
    QString error;
    const auto r = parseRefund(QJsonDocument::fromJson(a.body).object(), &error);
    if (!r)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("wechat refund %1: malformed answer (%2)")
                        .arg(request.outRefundNo, error));
    if (r->outRefundNo != request.outRefundNo)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("wechat refund %1: answer is about another refund")
                        .arg(request.outRefundNo));
    qCInfo(lcChannels).noquote() << "wechat refund" << r->outRefundNo << refundStatusName(r->status)
                                 << r->refundId;
    return *r;
}

std::optional<WechatRefund> WechatClient::queryRefund(const QString &outRefundNo) const
{
    Answer a;
    try {
        a = call("GET", path::refunds + u'/' + percentEncoded(outRefundNo), {},
                 QStringLiteral("refund query"));
    } catch (const WechatError &e) {
        if (e.httpStatus() == 404)
            return std::nullopt;
        throw;
    }
    QString error;
    const auto r = parseRefund(QJsonDocument::fromJson(a.body).object(), &error);
    if (!r)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("wechat refund query %1: malformed answer (%2)")
                        .arg(outRefundNo, error));
    if (r->outRefundNo != outRefundNo)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("wechat refund query %1: answer is about another refund")
                        .arg(outRefundNo));
    qCInfo(lcChannels).noquote() << "wechat refund query" << outRefundNo
                                 << refundStatusName(r->status);
    return r;
}

std::optional<WechatNotification>
WechatClient::verifyNotification(const wechat::HeaderList &headers, const QByteArray &body) const
{
    const WechatClientOptions &o = *m_options;
    auto reject = [](const QString &why) {
        qCWarning(lcChannels).noquote() << "wechat notification rejected:" << why;
        return std::nullopt;
    };
    const Verdict verdict = verifySigned(headers, body, true);
    if (verdict != Verdict::Ok)
        return reject(verdictName(verdict) + QStringLiteral(" (serial ")
                      + signatureHeadersFrom(headers).serial + u')');
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return reject(QStringLiteral("body is not a JSON object"));
    const auto envelope = envelopeFromJson(doc.object());
    if (!envelope)
        return reject(QStringLiteral("malformed envelope"));
    const auto plaintext = decryptResource(o.apiV3Key, envelope->resource);
    if (!plaintext)
        return reject(QStringLiteral("resource does not decrypt (APIv3 key, nonce, tag)"));
    const QJsonObject resource = QJsonDocument::fromJson(*plaintext).object();

    WechatNotification n;
    n.id = envelope->id;
    n.eventType = envelope->eventType;
    n.summary = envelope->summary;
    n.createTime = parseTime(envelope->createTime);
    QString error;
    if (n.eventType == event::transactionSuccess) {
        n.transaction = parseTransaction(resource, &error);
        if (!n.transaction)
            return reject(QStringLiteral("transaction: ") + error);
        if (n.transaction->mchId != o.mchId || n.transaction->appId != o.appId)
            return reject(QStringLiteral("transaction of another merchant or app"));
        if (n.transaction->tradeState != TradeState::Success)
            return reject(QStringLiteral("TRANSACTION.SUCCESS without trade_state SUCCESS"));
        qCInfo(lcChannels).noquote()
            << "wechat notification" << n.id << n.eventType << n.transaction->outTradeNo
            << tradeStateName(n.transaction->tradeState) << n.transaction->transactionId;
    } else if (n.eventType == event::refundSuccess || n.eventType == event::refundAbnormal
               || n.eventType == event::refundClosed) {
        n.refund = parseRefund(resource, &error);
        if (!n.refund)
            return reject(QStringLiteral("refund: ") + error);
        const QString mchId = resource.value(QLatin1String("mchid")).toString();
        if (!mchId.isEmpty() && mchId != o.mchId)
            return reject(QStringLiteral("refund of another merchant"));
        if (n.eventType != QLatin1String("REFUND.") + refundStatusName(n.refund->status))
            return reject(QStringLiteral("event type does not match refund_status"));
        qCInfo(lcChannels).noquote() << "wechat notification" << n.id << n.eventType
                                     << n.refund->outRefundNo << n.refund->refundId;
    } else {
        return reject(QStringLiteral("unknown event type ") + n.eventType);
    }
    return n;
}

Verdict WechatClient::verifySigned(const HeaderList &headers, const QByteArray &body,
                                   bool notification, bool countFailure) const
{
    WechatPlatformKeys &keys = *m_options->platformKeys;
    const auto kind =
        notification ? WechatPlatformKeys::Kind::Notification : WechatPlatformKeys::Kind::Response;
    const SignatureHeaders h = signatureHeadersFrom(headers);
    // A certificate serial not held yet: WeChat rotated (or this is the first use). One refresh,
    // rate-limited so that made-up serials cannot make us call WeChat in a loop.
    if (m_options->downloadCertificates && !h.serial.isEmpty() && !keys.knows(h.serial)
        && WechatPlatformKeys::isCertificateSerial(h.serial)) {
        qint64 wait = keys.claimRefreshFor(h.serial, QDateTime::currentMSecsSinceEpoch());
        if (wait > 0) { // another refresh just ran: at most a quarter of a second
            QThread::msleep(static_cast<unsigned long>(wait));
            wait = keys.knows(h.serial)
                ? -1
                : keys.claimRefreshFor(h.serial, QDateTime::currentMSecsSinceEpoch());
        }
        if (wait == 0) {
            qCInfo(lcChannels).noquote() << "wechat: unknown platform certificate" << h.serial
                                         << "- refreshing certificates";
            refreshPlatformCertificates();
        }
    }
    return keys.verify(h, body, kind, nowSeconds(), TimestampWindowSeconds, countFailure);
}

WechatClient::RefreshOutcome WechatClient::refreshPlatformCertificates() const
{
    const WechatClientOptions &o = *m_options;
    RefreshOutcome outcome;
    const QString p = QStringLiteral("/v3/certificates");
    const QUrl url = endpoint(p);
    const QString signedUrl = signedPathAndQuery(url);
    const QDeadlineTimer deadline(std::max(1, o.timeoutMs));
    HttpClientResponse r;
    for (int attempt = 1; attempt <= std::max(1, o.maxAttempts); ++attempt) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining <= 0)
            break;
        HttpClientRequest req = signedRequest(o, "GET", url, signedUrl, {});
        req.timeoutMs = int(remaining);
        req.spanName = QStringLiteral("wechat GET /v3/certificates");
        r = HttpClient::send(req);
        if (r.status != 0 && !isRetryable(r.status))
            break;
        if (attempt < o.maxAttempts)
            pauseBeforeRetry(r.status, attempt, deadline);
    }
    if (r.status == 0) {
        outcome.error = QStringLiteral("no answer (") + r.error + u')';
        qCWarning(lcChannels).noquote() << "wechat /v3/certificates:" << outcome.error;
        return outcome;
    }
    const WechatPlatformKeys::RefreshResult result =
        o.platformKeys->acceptCertificatesAnswer(r.status, r.headers, r.body, nowSeconds());
    outcome.ok = result.ok;
    outcome.notProvided = result.notProvided;
    outcome.error = result.error;
    outcome.added = result.added;
    if (result.notProvided)
        qCInfo(lcChannels).noquote()
            << "wechat /v3/certificates: 404, no platform certificates (public-key mode)";
    return outcome;
}

QByteArray WechatClient::notificationFailBody(const QString &message)
{
    return QJsonDocument(errorBody(QStringLiteral("FAIL"), message)).toJson(QJsonDocument::Compact);
}

} // namespace pomelo
