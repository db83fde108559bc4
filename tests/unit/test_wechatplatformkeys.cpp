// WechatPlatformKeys: the key chosen by Wechatpay-Serial (public key or certificate), a rotation
// keeps the old certificates, the /v3/certificates answer is decrypted and verified (bootstrap
// with a certificate it contains), a tampered or undecryptable answer changes nothing, the
// refresh rate limit and the metrics.
#include "channels/wechatplatformkeys.h"
#include "channels/wechatprotocol.h"
#include "domain/crypto.h"
#include "telemetry/metrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace pomelo;
using namespace pomelo::wechat;

namespace {

const QByteArray ApiV3Key = QByteArrayLiteral("0123456789abcdefghijABCDEFGHIJ01");

struct Signer
{
    crypto::RsaPrivateKey key;
    QString serial;
    QByteArray pem; ///< the certificate (empty for the public key)
};

Signer newCertificate(const QString &serial, int days = 365)
{
    const auto pair = crypto::generateRsaKeyPair(2048);
    const auto key = *crypto::RsaPrivateKey::fromPem(pair.privateKeyPem);
    return {key, serial,
            crypto::selfSignedCertificatePem(key, QStringLiteral("test"), serial, days)};
}

Signer newPublicKey(const QString &id)
{
    const auto pair = crypto::generateRsaKeyPair(2048);
    return {*crypto::RsaPrivateKey::fromPem(pair.privateKeyPem), id, {}};
}

qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

HeaderList signedBy(const Signer &s, const QByteArray &body)
{
    return toHeaderList(signAnswer(s.key, s.serial, body, now()));
}

/// A /v3/certificates answer body listing @p certificates.
QByteArray certificatesBody(const QList<Signer> &certificates, const QByteArray &key = ApiV3Key)
{
    QJsonArray data;
    for (const Signer &c : certificates) {
        const EncryptedResource r = encryptResource(key, c.pem, QStringLiteral("certificate"),
                                                    QStringLiteral("certificate"));
        data.append(QJsonObject {
            {QStringLiteral("serial_no"), c.serial},
            {QStringLiteral("effective_time"), QStringLiteral("2026-01-01T00:00:00+08:00")},
            {QStringLiteral("expire_time"), QStringLiteral("2031-01-01T00:00:00+08:00")},
            {QStringLiteral("encrypt_certificate"),
             QJsonObject {{QStringLiteral("algorithm"), r.algorithm},
                          {QStringLiteral("nonce"), r.nonce},
                          {QStringLiteral("associated_data"), r.associatedData},
                          {QStringLiteral("ciphertext"), r.ciphertext}}},
        });
    }
    return QJsonDocument(QJsonObject {{QStringLiteral("data"), data}})
        .toJson(QJsonDocument::Compact);
}

SignatureHeaders headersOf(const HeaderList &list)
{
    return signatureHeadersFrom(list);
}

Verdict verifyWith(const WechatPlatformKeys &keys, const Signer &s,
                   WechatPlatformKeys::Kind kind = WechatPlatformKeys::Kind::Notification)
{
    const QByteArray body = QByteArrayLiteral("{\"id\":\"n-1\"}");
    return keys.verify(headersOf(signedBy(s, body)), body, kind, now());
}

double metricValue(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace

class TestWechatPlatformKeys : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void selectsTheKeyBySerial_data();
    void selectsTheKeyBySerial();
    void bootstrapWithACertificateOfTheAnswer();
    void rotationKeepsTheOldCertificates();
    void refusedAnswersChangeNothing_data();
    void refusedAnswersChangeNothing();
    void notFoundIsPublicKeyMode();
    void expiredCertificatesAreDroppedAndRefused();
    void refreshIsRateLimited();
    void metrics();
    void parsesCertificateValidity();

private:
    std::optional<Signer> m_a, m_b, m_c, m_public;
};

void TestWechatPlatformKeys::initTestCase()
{
    m_a = newCertificate(QStringLiteral("1A2B3C4D5E6F708192A3B4C5D6E7F80910111213"));
    m_b = newCertificate(QStringLiteral("2B2B3C4D5E6F708192A3B4C5D6E7F80910111214"));
    m_c = newCertificate(QStringLiteral("3C2B3C4D5E6F708192A3B4C5D6E7F80910111215"));
    m_public = newPublicKey(QStringLiteral("PUB_KEY_ID_0114232025112700000000000000000001"));
}

void TestWechatPlatformKeys::selectsTheKeyBySerial_data()
{
    QTest::addColumn<QString>("signer");
    QTest::addColumn<QString>("serialHeader");
    QTest::addColumn<int>("verdict");
    const QString a = m_a->serial, pub = m_public->serial;
    QTest::newRow("certificate") << "a" << a << int(Verdict::Ok);
    QTest::newRow("certificate, lower-case serial") << "a" << a.toLower() << int(Verdict::Ok);
    QTest::newRow("public key") << "public" << pub << int(Verdict::Ok);
    QTest::newRow("certificate key named as the public key")
        << "a" << pub << int(Verdict::BadSignature);
    QTest::newRow("public key named as the certificate")
        << "public" << a << int(Verdict::BadSignature);
    QTest::newRow("unknown certificate") << "c" << m_c->serial << int(Verdict::WrongSerial);
    QTest::newRow("unknown key id")
        << "public" << QStringLiteral("PUB_KEY_ID_9") << int(Verdict::WrongSerial);
}

void TestWechatPlatformKeys::selectsTheKeyBySerial()
{
    QFETCH(QString, signer);
    QFETCH(QString, serialHeader);
    QFETCH(int, verdict);
    // Migration: the public key and a certificate at once.
    WechatPlatformKeys keys(ApiV3Key);
    keys.setPublicKey(m_public->key.publicKey(), m_public->serial);
    const QByteArray body = certificatesBody({*m_a});
    QVERIFY(keys.acceptCertificatesAnswer(200, signedBy(*m_a, body), body, now()).ok);

    const Signer &s = signer == QLatin1String("a") ? *m_a
        : signer == QLatin1String("c")             ? *m_c
                                                   : *m_public;
    Signer named = s;
    named.serial = serialHeader;
    QCOMPARE(int(verifyWith(keys, named)), verdict);
}

void TestWechatPlatformKeys::bootstrapWithACertificateOfTheAnswer()
{
    WechatPlatformKeys keys(ApiV3Key);
    QVERIFY(keys.certificates().isEmpty());
    QCOMPARE(verifyWith(keys, *m_a), Verdict::WrongSerial);
    const QByteArray body = certificatesBody({*m_a});
    const auto r = keys.acceptCertificatesAnswer(200, signedBy(*m_a, body), body, now());
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.added, QStringList {m_a->serial});
    QVERIFY(keys.knows(m_a->serial));
    QCOMPARE(verifyWith(keys, *m_a), Verdict::Ok);
    QVERIFY(keys.lastRefreshMs() > 0);

    // Signed by the configured public key (migration) is fine too.
    WechatPlatformKeys migrating(ApiV3Key);
    migrating.setPublicKey(m_public->key.publicKey(), m_public->serial);
    QVERIFY(migrating.acceptCertificatesAnswer(200, signedBy(*m_public, body), body, now()).ok);
    QCOMPARE(verifyWith(migrating, *m_a), Verdict::Ok);
}

void TestWechatPlatformKeys::rotationKeepsTheOldCertificates()
{
    WechatPlatformKeys keys(ApiV3Key);
    QByteArray body = certificatesBody({*m_a});
    QVERIFY(keys.acceptCertificatesAnswer(200, signedBy(*m_a, body), body, now()).ok);
    // Rotation: WeChat lists old and new and signs with the new one.
    body = certificatesBody({*m_a, *m_b});
    auto r = keys.acceptCertificatesAnswer(200, signedBy(*m_b, body), body, now());
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.added, QStringList {m_b->serial});
    // Later WeChat lists only the new one: the old stays until it expires (retried notifications).
    body = certificatesBody({*m_b});
    r = keys.acceptCertificatesAnswer(200, signedBy(*m_b, body), body, now());
    QVERIFY(r.ok);
    QVERIFY(r.dropped.isEmpty());
    QCOMPARE(keys.certificates().size(), 2);
    QCOMPARE(verifyWith(keys, *m_a), Verdict::Ok);
    QCOMPARE(verifyWith(keys, *m_b), Verdict::Ok);
}

void TestWechatPlatformKeys::refusedAnswersChangeNothing_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("tampered body") << "tampered";
    QTest::newRow("signed by a stranger") << "stranger";
    QTest::newRow("signed with a serial not in the answer") << "unknown-serial";
    QTest::newRow("another APIv3 key (decrypt failure)") << "apiv3";
    QTest::newRow("corrupted ciphertext") << "ciphertext";
    QTest::newRow("serial_no not the certificate's") << "serial-mismatch";
    QTest::newRow("HTTP 500") << "status";
    QTest::newRow("no data") << "empty";
    QTest::newRow("stale signature") << "stale";
}

void TestWechatPlatformKeys::refusedAnswersChangeNothing()
{
    QFETCH(QString, kind);
    WechatPlatformKeys keys(ApiV3Key);
    QByteArray first = certificatesBody({*m_a});
    QVERIFY(keys.acceptCertificatesAnswer(200, signedBy(*m_a, first), first, now()).ok);

    int status = 200;
    QByteArray body = certificatesBody({*m_a, *m_b});
    HeaderList headers = signedBy(*m_b, body);
    if (kind == QLatin1String("tampered")) {
        body = certificatesBody({*m_a, *m_b, *m_c}); // another list under the old signature
    } else if (kind == QLatin1String("stranger")) {
        Signer stranger = *m_c;
        stranger.serial = m_b->serial;
        headers = signedBy(stranger, body);
    } else if (kind == QLatin1String("unknown-serial")) {
        headers = signedBy(*m_c, body);
    } else if (kind == QLatin1String("apiv3")) {
        body =
            certificatesBody({*m_a, *m_b}, QByteArrayLiteral("ZZZZ456789abcdefghijABCDEFGHIJ01"));
        headers = signedBy(*m_b, body);
    } else if (kind == QLatin1String("ciphertext")) {
        QJsonObject o = QJsonDocument::fromJson(body).object();
        QJsonArray data = o[QStringLiteral("data")].toArray();
        QJsonObject item = data[1].toObject();
        QJsonObject enc = item[QStringLiteral("encrypt_certificate")].toObject();
        QByteArray raw =
            QByteArray::fromBase64(enc[QStringLiteral("ciphertext")].toString().toLatin1());
        raw[10] = char(raw[10] ^ 0x01);
        enc[QStringLiteral("ciphertext")] = QString::fromLatin1(raw.toBase64());
        item[QStringLiteral("encrypt_certificate")] = enc;
        data[1] = item;
        o[QStringLiteral("data")] = data;
        body = QJsonDocument(o).toJson(QJsonDocument::Compact);
        headers = signedBy(*m_a, body);
    } else if (kind == QLatin1String("serial-mismatch")) {
        body.replace(m_b->serial.toLatin1(), m_c->serial.toLatin1());
        headers = signedBy(*m_a, body);
    } else if (kind == QLatin1String("status")) {
        status = 500;
        headers = signedBy(*m_a, body);
    } else if (kind == QLatin1String("empty")) {
        body = QByteArrayLiteral("{\"data\":[]}");
        headers = signedBy(*m_a, body);
    } else if (kind == QLatin1String("stale")) {
        headers = toHeaderList(signAnswer(m_b->key, m_b->serial, body, now() - 3600));
    }
    const auto r = keys.acceptCertificatesAnswer(status, headers, body, now());
    QVERIFY(!r.ok);
    QVERIFY(!r.error.isEmpty());
    QVERIFY(!r.error.contains(QString::fromLatin1(ApiV3Key)));
    QCOMPARE(keys.certificates().size(), 1);
    QVERIFY(!keys.knows(m_b->serial));
    QCOMPARE(verifyWith(keys, *m_b), Verdict::WrongSerial);
    QCOMPARE(verifyWith(keys, *m_a), Verdict::Ok);
}

void TestWechatPlatformKeys::notFoundIsPublicKeyMode()
{
    WechatPlatformKeys keys(ApiV3Key);
    keys.setPublicKey(m_public->key.publicKey(), m_public->serial);
    const QByteArray body =
        QByteArrayLiteral("{\"code\":\"RESOURCE_NOT_EXISTS\",\"message\":\"x\"}");
    const auto r = keys.acceptCertificatesAnswer(404, signedBy(*m_public, body), body, now());
    QVERIFY(r.ok);
    QVERIFY(r.notProvided);
    QVERIFY(keys.certificates().isEmpty());
    QCOMPARE(verifyWith(keys, *m_public), Verdict::Ok);
}

void TestWechatPlatformKeys::expiredCertificatesAreDroppedAndRefused()
{
    WechatPlatformKeys keys(ApiV3Key);
    const Signer shortLived =
        newCertificate(QStringLiteral("4D2B3C4D5E6F708192A3B4C5D6E7F80910111216"), 1);
    QByteArray body = certificatesBody({shortLived, *m_a});
    QVERIFY(keys.acceptCertificatesAnswer(200, signedBy(*m_a, body), body, now()).ok);
    QCOMPARE(keys.certificates().size(), 2);
    // Two days later: the short-lived one is expired; it no longer verifies and is dropped.
    const qint64 later = now() + 2 * 86400;
    const QByteArray n = QByteArrayLiteral("{}");
    QCOMPARE(keys.verify(signatureHeadersFrom(
                             toHeaderList(signAnswer(shortLived.key, shortLived.serial, n, later))),
                         n, WechatPlatformKeys::Kind::Notification, later),
             Verdict::WrongSerial);
    body = certificatesBody({*m_a});
    const auto r = keys.acceptCertificatesAnswer(
        200, toHeaderList(signAnswer(m_a->key, m_a->serial, body, later)), body, later);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.dropped, QStringList {shortLived.serial});
    QCOMPARE(keys.certificates().size(), 1);
}

void TestWechatPlatformKeys::refreshIsRateLimited()
{
    WechatPlatformKeys keys(ApiV3Key);
    const qint64 t = 1'000'000'000;
    QCOMPARE(keys.claimRefreshFor(QStringLiteral("AA"), t), 0);
    QVERIFY(keys.claimRefreshFor(QStringLiteral("aa"), t + 5000) < 0); // same serial, within 60 s
    QCOMPARE(keys.claimRefreshFor(QStringLiteral("BB"), t + 5100), 0);
    QCOMPARE(keys.claimRefreshFor(QStringLiteral("CC"), t + 5200), 150); // any serial: 250 ms apart
    QCOMPARE(keys.claimRefreshFor(QStringLiteral("CC"), t + 5350), 0);
    QCOMPARE(keys.claimRefreshFor(QStringLiteral("AA"), t + 61000), 0); // again after 60 s
    // Made-up serials: at most 64 remembered, then none until they age out.
    qint64 at = t + 61000;
    int claimed = 0;
    for (int i = 0; i < 100; ++i) {
        at += 250;
        if (keys.claimRefreshFor(QStringLiteral("D%1").arg(i), at) == 0)
            ++claimed;
    }
    QVERIFY(claimed < 64);
}

void TestWechatPlatformKeys::metrics()
{
    const QByteArray before = Metrics::instance().serialize();
    const double failures = std::max(
        0.0, metricValue(before, "pomelo_wechat_signature_failures_total{kind=\"notification\"}"));
    {
        WechatPlatformKeys keys(ApiV3Key);
        const QByteArray body = certificatesBody({*m_c});
        QVERIFY(keys.acceptCertificatesAnswer(200, signedBy(*m_c, body), body, now()).ok);
        const auto certificate = parseWechatPlatformCertificate(m_c->pem);
        QVERIFY(certificate);
        const QByteArray series =
            "pomelo_wechat_platform_certificate_expiry_timestamp_seconds{serial=\""
            + m_c->serial.toLatin1() + "\"}";
        QCOMPARE(metricValue(Metrics::instance().serialize(), series),
                 double(certificate->notAfter.toSecsSinceEpoch()));
        QCOMPARE(verifyWith(keys, *m_a), Verdict::WrongSerial);
        QCOMPARE(verifyWith(keys, *m_c), Verdict::Ok);
        // Not counted when asked (a retried 5xx answer, maybe a gateway's and unsigned).
        QCOMPARE(keys.verify({}, {}, WechatPlatformKeys::Kind::Notification, now(),
                             TimestampWindowSeconds, false),
                 Verdict::Malformed);
        const QByteArray after = Metrics::instance().serialize();
        QCOMPARE(
            metricValue(after, "pomelo_wechat_signature_failures_total{kind=\"notification\"}"),
            failures + 1);
        QVERIFY(metricValue(after, "pomelo_wechat_signature_failures_total{kind=\"response\"}")
                >= 0);
    }
    // A keystore gone (its certificates dropped): no series left behind.
    QVERIFY(!Metrics::instance().serialize().contains(m_c->serial.toLatin1()));
}

void TestWechatPlatformKeys::parsesCertificateValidity()
{
    const auto c = parseWechatPlatformCertificate(m_a->pem);
    QVERIFY(c);
    QCOMPARE(c->serial, m_a->serial);
    QVERIFY(c->notBefore <= QDateTime::currentDateTimeUtc());
    QVERIFY(qAbs(c->notBefore.daysTo(c->notAfter) - 365) <= 1);
    QVERIFY(!parseWechatPlatformCertificate(QByteArrayLiteral("not a pem")));
    QVERIFY(!parseWechatPlatformCertificate(m_a->key.publicKey().toPem()));
}

QTEST_GUILESS_MAIN(TestWechatPlatformKeys)
#include "test_wechatplatformkeys.moc"
