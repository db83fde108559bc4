#pragma once

#include "channels/wechatprotocol.h"
#include "domain/crypto.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <mutex>
#include <optional>
#include <shared_mutex>

namespace pomelo {

/// A WeChat Pay platform certificate as this instance holds it.
struct WechatPlatformCertificate
{
    QString serial; ///< upper-case hex, what `Wechatpay-Serial` names
    QDateTime notBefore;
    QDateTime notAfter;
    crypto::RsaPublicKey key;
    bool pinned = false; ///< from the configuration (a certificate file): never dropped
};

/// Reads an X.509 certificate PEM: its serial, validity and RSA public key (OpenSSL). nullopt
/// when it is not an RSA certificate.
std::optional<WechatPlatformCertificate> parseWechatPlatformCertificate(const QByteArray &pem);

/// The keys that verify what WeChat Pay signs (answers and notifications), in both of its modes,
/// chosen by `Wechatpay-Serial`:
/// - the WeChat Pay **public key** (`PUB_KEY_ID_…`, configured: wechat.platform_public_key_file
///   + wechat.platform_public_key_id);
/// - **platform certificates** (a hex serial each), downloaded from `GET /v3/certificates` and
///   merged by acceptCertificatesAnswer(). Several are held at once: a certificate WeChat no
///   longer lists stays until it expires, so a notification signed before a rotation and retried
///   after it still verifies.
/// During a migration both are held and either verifies. State is per instance, in memory (every
/// instance downloads for itself). Thread-safe. No network here: WechatClient downloads.
///
/// Metrics: `pomelo_wechat_platform_certificate_expiry_timestamp_seconds{serial}` (notAfter of
/// each certificate held; a dropped one's series is removed) and
/// `pomelo_wechat_signature_failures_total{kind="notification"|"response"}`.
class WechatPlatformKeys
{
public:
    enum class Kind { Response, Notification };

    /// @p apiV3Key (32 bytes) decrypts `encrypt_certificate`.
    explicit WechatPlatformKeys(QByteArray apiV3Key);
    ~WechatPlatformKeys();
    WechatPlatformKeys(const WechatPlatformKeys &) = delete;
    WechatPlatformKeys &operator=(const WechatPlatformKeys &) = delete;

    /// The WeChat Pay public key and its id (`PUB_KEY_ID_…`).
    void setPublicKey(const crypto::RsaPublicKey &key, const QString &keyId);
    /// A certificate from the configuration (legacy wechat.platform_public_key_file holding a
    /// certificate): held like a downloaded one, never dropped.
    void pinCertificate(WechatPlatformCertificate certificate);

    bool hasPublicKey() const;
    QString publicKeyId() const;
    /// The certificates held, newest notAfter first.
    QList<WechatPlatformCertificate> certificates() const;
    /// True when @p serial names the public key or a certificate held (case-insensitive).
    bool knows(const QString &serial) const;
    /// True when @p serial looks like a certificate serial (hex), not a `PUB_KEY_ID_…`.
    static bool isCertificateSerial(const QString &serial);

    /// Checks a signed answer or notification with the key its `Wechatpay-Serial` names
    /// (wechat::verifyAnswer): WrongSerial when no key held has that serial (or its certificate
    /// is outside its validity). A failure counts in pomelo_wechat_signature_failures_total
    /// unless @p count is false (a gateway's unsigned 502 is no forgery).
    wechat::Verdict verify(const wechat::SignatureHeaders &headers, const QByteArray &body,
                           Kind kind, qint64 nowSeconds,
                           int windowSeconds = wechat::TimestampWindowSeconds,
                           bool count = true) const;

    /// Result of acceptCertificatesAnswer().
    struct RefreshResult
    {
        bool ok = false;
        bool notProvided = false; ///< 404: a public-key-mode merchant (no certificates)
        QString error; ///< why it was refused (no secret in it)
        QStringList added; ///< serials new to this instance
        QStringList dropped; ///< serials expired and dropped
    };
    /// Merges a `GET /v3/certificates` answer: each `encrypt_certificate` decrypted with the
    /// APIv3 key (AEAD_AES_256_GCM, its nonce and associated_data) and parsed; then the answer's
    /// signature checked with the key its serial names — one already held, or else one of the
    /// certificates in the answer (the first download: the answer can only be verified so; it is
    /// authentic because only WeChat Pay can encrypt with our APIv3 key). Anything wrong (status,
    /// JSON, decryption, a serial that differs from the certificate's, the signature) refuses the
    /// whole answer and changes nothing. Expired certificates are dropped.
    RefreshResult acceptCertificatesAnswer(int status, const wechat::HeaderList &headers,
                                           const QByteArray &body, qint64 nowSeconds);

    /// Rate limit of the refresh an unknown serial triggers. 0: claimed (and remembered), refresh
    /// now. Negative: a refresh for @p serial was triggered in the last @p perSerialSeconds (or
    /// too many serials were): do not. Positive: the last refresh (any serial) was less than
    /// @p globalGapMs ago: wait that many ms and ask again. Guards WeChat (and us) against a
    /// flood of made-up serials: at most one refresh per serial a minute and 4 a second.
    qint64 claimRefreshFor(const QString &serial, qint64 nowMs, int perSerialSeconds = 60,
                           qint64 globalGapMs = 250);

    /// The last successful merge (Unix ms), 0 when never.
    qint64 lastRefreshMs() const;

private:
    void publishLocked();
    std::optional<crypto::RsaPublicKey> keyForLocked(const QString &serial, qint64 now) const;

    const QByteArray m_apiV3Key;
    mutable std::shared_mutex m_mutex;
    std::optional<crypto::RsaPublicKey> m_publicKey;
    QString m_publicKeyId;
    QHash<QString, WechatPlatformCertificate> m_certificates; // by upper-case serial
    QStringList m_published; // serials with an expiry series
    qint64 m_lastRefreshMs = 0;

    std::mutex m_claimMutex;
    QHash<QString, qint64> m_claimed; // serial → ms of the refresh it triggered
    qint64 m_lastClaimMs = 0;
};

} // namespace pomelo
