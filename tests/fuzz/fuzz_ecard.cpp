// The campus e-card protocol: notifications as /pay/v1/notify/ecard receives them
// (EcardClient::verifyNotification) and the envelope check of every answer (ecard::verify): the
// canonical string, the HMAC signature, the typed field reads.
//
// The fuzzer cannot forge an HMAC, so a body that is a JSON object is also stamped and signed
// with the client's key, the way the card center would send it, to reach the field checks.
#include "channels/ecardclient.h"
#include "channels/ecardprotocol.h"
#include "domain/errors.h"
#include "fuzzsupport.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonParseError>

#include <memory>

using namespace pomelo;
using namespace pomelo::ecard;

namespace {

const QString PartnerId = QStringLiteral("P1000001");
const QByteArray PartnerKey = QByteArrayLiteral("fuzz-partner-key-0123456789abcdef");
constexpr qint64 FixedNow = 1714536000;

std::unique_ptr<EcardClient> g_client;

void checkMessage(const QJsonObject &message)
{
    const std::optional<QByteArray> canonical = canonicalString(message);
    verify(message, PartnerId, PartnerKey, FixedNow);
    forLog(message);
    integerField(message, field::amount);
    stringField(message, field::outTradeNo);
    if (!canonical) {
        FUZZ_CHECK(!verifySignature(message, PartnerKey));
        return;
    }
    // Percent-encoding leaves no '&' or '=' inside a value: the pairs split back unambiguously.
    for (const QByteArray &pair : canonical->split('&'))
        FUZZ_CHECK(canonical->isEmpty() || pair.count('=') == 1);

    // Whatever we sign verifies, and only with the same key.
    const QJsonObject signedMessage = withSignature(message, PartnerKey);
    FUZZ_CHECK(verifySignature(signedMessage, PartnerKey));
    FUZZ_CHECK(!verifySignature(signedMessage, PartnerKey + 'x'));
    const Verdict verdict = verify(signedMessage, PartnerId, PartnerKey, FixedNow);
    FUZZ_CHECK(verdict != Verdict::BadSignature);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceQtMessages();
    EcardClientOptions options;
    options.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1/sandbox/ecard"));
    options.partnerId = PartnerId;
    options.partnerKey = PartnerKey;
    g_client = std::make_unique<EcardClient>(options);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body = fuzz::bytes(data, size);
    g_client->verifyNotification(body);

    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return 0;
    const QJsonObject message = doc.object();
    checkMessage(message);

    // As the card center sends it: partner id, the current time, a nonce, a valid signature.
    if (!canonicalString(message))
        return 0;
    const QJsonObject sent =
        withSignature(stamped(message, PartnerId, QDateTime::currentSecsSinceEpoch()), PartnerKey);
    const std::optional<EcardNotification> n =
        g_client->verifyNotification(QJsonDocument(sent).toJson(QJsonDocument::Compact));
    if (n) {
        FUZZ_CHECK(!n->notifyId.isEmpty() && !n->outTradeNo.isEmpty() && n->amount > 0);
        FUZZ_CHECK(n->tradeState == TradeState::Success || n->tradeState == TradeState::PayError);
    }
    return 0;
}
