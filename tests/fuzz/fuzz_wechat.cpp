// WeChat Pay APIv3 notifications as /pay/v1/notify/wechat receives them (WechatClient::
// verifyNotification): the Wechatpay-* signature headers, the JSON envelope, the AEAD_AES_256_GCM
// resource and the transaction or refund inside; also the Authorization header that the sandbox
// parses on merchant requests.
//
// Input: header lines (`Name: value`), an empty line, the body; an input that starts with `{` is
// all body. The fuzzer cannot forge a GCM tag or an RSA signature, so the body is also read as an
// already decrypted resource, and encrypted and decrypted again through the envelope.
#include "channels/wechatprotocol.h"
#include "domain/crypto.h"
#include "fuzzsupport.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <optional>

using namespace pomelo;
using namespace pomelo::wechat;

namespace {

// The seeds in corpus/fuzz_wechat are encrypted with this key, and dated around FixedNow.
const QByteArray ApiV3Key = QByteArrayLiteral("fuzzApiV3Key0123456789abcdefghij");
constexpr qint64 FixedNow = 1714536000; // 2024-05-01T12:00:00+08:00
const QString MchId = QStringLiteral("1900000109");
const QString TestSerial = QStringLiteral("PUB_KEY_ID_0114232130452025040100000000000001");

std::optional<crypto::RsaPublicKey> g_platformKey;

void checkTransaction(const QJsonObject &json)
{
    QString error;
    const std::optional<Transaction> t = parseTransaction(json, &error);
    if (!t) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    FUZZ_CHECK(t->total >= 0);
    // What the sandbox writes, the client reads back the same (times to the second: formatTime
    // writes no fraction).
    const std::optional<Transaction> again = parseTransaction(transactionToJson(*t));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->outTradeNo == t->outTradeNo && again->tradeState == t->tradeState
               && again->total == t->total);
    FUZZ_CHECK(again->successTime.isValid() == t->successTime.isValid());
    if (t->successTime.isValid())
        FUZZ_CHECK(again->successTime.toSecsSinceEpoch() == t->successTime.toSecsSinceEpoch());
}

void checkRefund(const QJsonObject &json)
{
    QString error;
    const std::optional<Refund> r = parseRefund(json, &error);
    if (!r) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    FUZZ_CHECK(r->refund > 0 && r->refund <= r->total);
    for (bool asNotification : {false, true}) {
        const std::optional<Refund> again = parseRefund(refundToJson(*r, asNotification, MchId));
        FUZZ_CHECK(again.has_value());
        FUZZ_CHECK(again->outRefundNo == r->outRefundNo && again->status == r->status
                   && again->refund == r->refund && again->total == r->total);
    }
}

QJsonObject jsonObject(const QByteArray &bytes)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject();
}

void checkHeaders(const HeaderList &headers, const QByteArray &body)
{
    verifyAnswer(signatureHeadersFrom(headers), body, *g_platformKey, TestSerial, FixedNow);
    const QByteArray authorization = headerValue(headers, QLatin1String("Authorization"));
    if (const std::optional<Authorization> a = parseAuthorization(authorization)) {
        FUZZ_CHECK(parseAuthorization(authorizationHeader(*a)).has_value());
        verifyRequest(*a, QByteArrayLiteral("POST"), QString(path::jsapi), body, *g_platformKey,
                      MchId, TestSerial, FixedNow);
    }
}

void checkEnvelope(const QJsonObject &json)
{
    const std::optional<NotificationEnvelope> envelope = envelopeFromJson(json);
    if (!envelope)
        return;
    parseTime(envelope->createTime);
    const std::optional<QByteArray> plaintext = decryptResource(ApiV3Key, envelope->resource);
    if (!plaintext)
        return;
    const QJsonObject resource = jsonObject(*plaintext);
    if (envelope->eventType == event::transactionSuccess)
        checkTransaction(resource);
    else
        checkRefund(resource);
}

// The body as plaintext of a resource: through encryptResource, the envelope's JSON and back.
void checkAeadRoundTrip(const QByteArray &body)
{
    NotificationEnvelope e;
    e.id = QStringLiteral("EV-2018022511223320873");
    e.createTime = QStringLiteral("2024-05-01T12:00:00+08:00");
    e.eventType = QString(event::transactionSuccess);
    e.summary = QStringLiteral("支付成功");
    e.resource = encryptResource(ApiV3Key, body, QStringLiteral("transaction"),
                                 QStringLiteral("transaction"), QStringLiteral("fuzzNonce123"));
    const QByteArray wire = QJsonDocument(envelopeToJson(e)).toJson(QJsonDocument::Compact);
    const std::optional<NotificationEnvelope> read = envelopeFromJson(jsonObject(wire));
    FUZZ_CHECK(read.has_value());
    const std::optional<QByteArray> plaintext = decryptResource(ApiV3Key, read->resource);
    FUZZ_CHECK(plaintext.has_value() && *plaintext == body);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceQtMessages();
    g_platformKey = crypto::RsaPublicKey::fromPem(crypto::generateRsaKeyPair().publicKeyPem);
    FUZZ_CHECK(g_platformKey.has_value());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    HeaderList headers;
    QByteArray body = input;
    const qsizetype end = input.startsWith('{') ? -1 : input.indexOf("\n\n");
    if (end >= 0) {
        for (const QByteArray &line : input.first(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                headers.append({line.first(colon).trimmed(), line.sliced(colon + 1).trimmed()});
        }
        body = input.sliced(end + 2);
    }

    checkHeaders(headers, body);
    const QJsonObject json = jsonObject(body);
    checkEnvelope(json);
    checkTransaction(json);
    checkRefund(json);
    checkAeadRoundTrip(body);
    return 0;
}
