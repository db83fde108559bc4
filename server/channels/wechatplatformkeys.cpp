#include "channels/wechatplatformkeys.h"

#include "telemetry/logging.h"
#include "telemetry/metrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace pomelo {

namespace {

using namespace wechat;

/// Certificates kept at most: a rotation every few years never comes near it; a flood can't grow
/// it.
constexpr int MaxCertificates = 16;

QDateTime fromAsn1Time(const ASN1_TIME *time)
{
    struct tm t = {};
    if (!time || ASN1_TIME_to_tm(time, &t) != 1)
        return {};
    return QDateTime(QDate(t.tm_year + 1900, t.tm_mon + 1, t.tm_mday),
                     QTime(t.tm_hour, t.tm_min, t.tm_sec), QTimeZone::utc());
}

prometheus::Family<prometheus::Gauge> &expiryFamily()
{
    return Metrics::instance().gaugeFamily(
        "pomelo_wechat_platform_certificate_expiry_timestamp_seconds",
        "notAfter (Unix seconds) of each WeChat Pay platform certificate this instance holds");
}

prometheus::Counter &failures(WechatPlatformKeys::Kind kind)
{
    static prometheus::Family<prometheus::Counter> &family = Metrics::instance().counterFamily(
        "pomelo_wechat_signature_failures_total",
        "WeChat Pay answers and notifications whose platform signature did not verify");
    static prometheus::Counter &notification = family.Add({{"kind", "notification"}});
    static prometheus::Counter &response = family.Add({{"kind", "response"}});
    return kind == WechatPlatformKeys::Kind::Notification ? notification : response;
}

} // namespace

std::optional<WechatPlatformCertificate> parseWechatPlatformCertificate(const QByteArray &pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.constData(), int(pem.size())),
                                                  &BIO_free);
    if (!bio)
        return std::nullopt;
    std::unique_ptr<X509, decltype(&X509_free)> x509(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!x509)
        return std::nullopt;
    const auto key = crypto::RsaPublicKey::fromCertificatePem(pem);
    const auto serial = crypto::certificateSerialHex(pem);
    if (!key || !serial)
        return std::nullopt;
    WechatPlatformCertificate c {*serial, fromAsn1Time(X509_get0_notBefore(x509.get())),
                                 fromAsn1Time(X509_get0_notAfter(x509.get())), *key, false};
    if (!c.notBefore.isValid() || !c.notAfter.isValid())
        return std::nullopt;
    return c;
}

WechatPlatformKeys::WechatPlatformKeys(QByteArray apiV3Key)
    : m_apiV3Key(std::move(apiV3Key))
{
    failures(Kind::Response); // both series exist from the start: a rate over them works at once
}

WechatPlatformKeys::~WechatPlatformKeys()
{
    std::unique_lock lock(m_mutex);
    m_certificates.clear();
    publishLocked();
}

void WechatPlatformKeys::setPublicKey(const crypto::RsaPublicKey &key, const QString &keyId)
{
    std::unique_lock lock(m_mutex);
    m_publicKey = key;
    m_publicKeyId = keyId;
}

void WechatPlatformKeys::pinCertificate(WechatPlatformCertificate certificate)
{
    std::unique_lock lock(m_mutex);
    certificate.pinned = true;
    certificate.serial = certificate.serial.toUpper();
    m_certificates.insert(certificate.serial, certificate);
    publishLocked();
}

bool WechatPlatformKeys::hasPublicKey() const
{
    std::shared_lock lock(m_mutex);
    return m_publicKey.has_value();
}

QString WechatPlatformKeys::publicKeyId() const
{
    std::shared_lock lock(m_mutex);
    return m_publicKeyId;
}

QList<WechatPlatformCertificate> WechatPlatformKeys::certificates() const
{
    std::shared_lock lock(m_mutex);
    QList<WechatPlatformCertificate> out = m_certificates.values();
    std::sort(out.begin(), out.end(),
              [](const auto &a, const auto &b) { return a.notAfter > b.notAfter; });
    return out;
}

bool WechatPlatformKeys::knows(const QString &serial) const
{
    std::shared_lock lock(m_mutex);
    return (m_publicKey && serial.compare(m_publicKeyId, Qt::CaseInsensitive) == 0)
        || m_certificates.contains(serial.toUpper());
}

bool WechatPlatformKeys::isCertificateSerial(const QString &serial)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9A-Fa-f]{1,64}$"));
    return hex.match(serial).hasMatch();
}

std::optional<crypto::RsaPublicKey> WechatPlatformKeys::keyForLocked(const QString &serial,
                                                                     qint64 now) const
{
    if (m_publicKey && serial.compare(m_publicKeyId, Qt::CaseInsensitive) == 0)
        return m_publicKey;
    const auto it = m_certificates.constFind(serial.toUpper());
    if (it == m_certificates.cend())
        return std::nullopt;
    if (now < it->notBefore.toSecsSinceEpoch() || now > it->notAfter.toSecsSinceEpoch())
        return std::nullopt; // not (or no longer) valid: as if unknown
    return it->key;
}

Verdict WechatPlatformKeys::verify(const SignatureHeaders &headers, const QByteArray &body,
                                   Kind kind, qint64 nowSeconds, int windowSeconds,
                                   bool count) const
{
    Verdict verdict = Verdict::WrongSerial;
    {
        std::shared_lock lock(m_mutex);
        if (const auto key = keyForLocked(headers.serial, nowSeconds))
            verdict = verifyAnswer(headers, body, *key, headers.serial, nowSeconds, windowSeconds);
        else if (headers.timestamp.isEmpty() || headers.nonce.isEmpty()
                 || headers.signature.isEmpty() || headers.serial.isEmpty())
            verdict = Verdict::Malformed;
    }
    if (verdict != Verdict::Ok && count)
        failures(kind).Increment();
    return verdict;
}

WechatPlatformKeys::RefreshResult
WechatPlatformKeys::acceptCertificatesAnswer(int status, const HeaderList &headers,
                                             const QByteArray &body, qint64 nowSeconds)
{
    RefreshResult result;
    auto refuse = [&](const QString &why) {
        result.error = why;
        qCWarning(lcChannels).noquote() << "wechat /v3/certificates refused:" << why;
        return result;
    };
    if (status == 404) {
        // New merchants (since late 2024) have no platform certificates, only the public key.
        result.ok = true;
        result.notProvided = true;
        return result;
    }
    if (status != 200)
        return refuse(QStringLiteral("HTTP %1").arg(status));
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    const QJsonArray data = doc.object().value(QLatin1String("data")).toArray();
    if (!doc.isObject() || data.isEmpty())
        return refuse(QStringLiteral("no data[] in the answer"));

    QHash<QString, WechatPlatformCertificate> fresh;
    for (const QJsonValue &v : data) {
        const QJsonObject item = v.toObject();
        const QString serialNo = item.value(QLatin1String("serial_no")).toString().toUpper();
        const QJsonObject enc = item.value(QLatin1String("encrypt_certificate")).toObject();
        EncryptedResource resource;
        resource.algorithm = enc.value(QLatin1String("algorithm")).toString();
        resource.nonce = enc.value(QLatin1String("nonce")).toString();
        resource.associatedData = enc.value(QLatin1String("associated_data")).toString();
        resource.ciphertext = enc.value(QLatin1String("ciphertext")).toString();
        const auto pem = decryptResource(m_apiV3Key, resource);
        if (!pem)
            return refuse(
                QStringLiteral("certificate %1 does not decrypt with the APIv3 key").arg(serialNo));
        auto certificate = parseWechatPlatformCertificate(*pem);
        if (!certificate)
            return refuse(QStringLiteral("certificate %1 is not an RSA X.509 PEM").arg(serialNo));
        if (certificate->serial != serialNo)
            return refuse(QStringLiteral("serial_no %1 is not the certificate's (%2)")
                              .arg(serialNo, certificate->serial));
        fresh.insert(serialNo, *certificate);
    }

    const SignatureHeaders signature = signatureHeadersFrom(headers);
    std::unique_lock lock(m_mutex);
    std::optional<crypto::RsaPublicKey> key = keyForLocked(signature.serial, nowSeconds);
    if (!key) {
        const auto it = fresh.constFind(signature.serial.toUpper());
        if (it != fresh.cend())
            key = it->key;
    }
    if (!key) {
        lock.unlock();
        failures(Kind::Response).Increment();
        return refuse(
            QStringLiteral("signed with %1, neither held nor in the answer").arg(signature.serial));
    }
    const Verdict verdict = verifyAnswer(signature, body, *key, signature.serial, nowSeconds);
    if (verdict != Verdict::Ok) {
        lock.unlock();
        failures(Kind::Response).Increment();
        return refuse(QStringLiteral("signature: ") + verdictName(verdict));
    }

    for (auto it = fresh.cbegin(); it != fresh.cend(); ++it) {
        if (it->notAfter.toSecsSinceEpoch() < nowSeconds)
            continue;
        const auto held = m_certificates.constFind(it.key());
        if (held == m_certificates.cend())
            result.added.append(it.key());
        if (held == m_certificates.cend() || !held->pinned)
            m_certificates.insert(it.key(), *it);
    }
    // Those WeChat no longer lists stay until they expire: a notification signed with one before
    // the rotation may still be retried.
    for (auto it = m_certificates.begin(); it != m_certificates.end();) {
        if (!it->pinned && it->notAfter.toSecsSinceEpoch() < nowSeconds) {
            result.dropped.append(it.key());
            it = m_certificates.erase(it);
        } else {
            ++it;
        }
    }
    while (m_certificates.size() > MaxCertificates) {
        auto oldest =
            std::min_element(m_certificates.begin(), m_certificates.end(),
                             [](const auto &a, const auto &b) { return a.notAfter < b.notAfter; });
        result.dropped.append(oldest.key());
        m_certificates.erase(oldest);
    }
    m_lastRefreshMs = nowSeconds * 1000;
    publishLocked();
    result.ok = true;
    if (!result.added.isEmpty() || !result.dropped.isEmpty())
        qCInfo(lcChannels).noquote()
            << "wechat platform certificates: added" << result.added.join(u',') << "dropped"
            << result.dropped.join(u',') << "now" << m_certificates.size();
    return result;
}

void WechatPlatformKeys::publishLocked()
{
    auto &family = expiryFamily();
    for (const QString &serial : std::as_const(m_published)) {
        if (!m_certificates.contains(serial))
            family.Remove(&family.Add({{"serial", serial.toStdString()}}));
    }
    m_published.clear();
    for (auto it = m_certificates.cbegin(); it != m_certificates.cend(); ++it) {
        family.Add({{"serial", it.key().toStdString()}})
            .Set(double(it->notAfter.toSecsSinceEpoch()));
        m_published.append(it.key());
    }
}

qint64 WechatPlatformKeys::claimRefreshFor(const QString &serial, qint64 nowMs,
                                           int perSerialSeconds, qint64 globalGapMs)
{
    std::lock_guard lock(m_claimMutex);
    for (auto it = m_claimed.begin(); it != m_claimed.end();) {
        if (nowMs - *it >= perSerialSeconds * 1000LL)
            it = m_claimed.erase(it);
        else
            ++it;
    }
    const QString key = serial.toUpper();
    if (m_claimed.contains(key) || m_claimed.size() >= 64)
        return -1;
    if (nowMs - m_lastClaimMs < globalGapMs)
        return globalGapMs - (nowMs - m_lastClaimMs);
    m_claimed.insert(key, nowMs);
    m_lastClaimMs = nowMs;
    return 0;
}

qint64 WechatPlatformKeys::lastRefreshMs() const
{
    std::shared_lock lock(m_mutex);
    return m_lastRefreshMs;
}

} // namespace pomelo
