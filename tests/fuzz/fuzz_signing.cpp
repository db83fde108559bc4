// The Pay API's request signature: the body as the pay module reads it (parseJsonObject), then
// the envelope (parseSignedRequest), the canonical string and the HMAC check (checkSignedRequest,
// verify) for a request route and for a merchant notification.
//
// The fuzzer cannot forge an HMAC, so every object is also signed with the test secret, to check
// that what is signed verifies, for its own target only, and that the canonical string names each
// signed field once: two objects with the same canonical string share every signature.
#include "domain/errors.h"
#include "domain/signing.h"
#include "fuzzsupport.h"
#include "http/jsonbody.h"

#include <QJsonValue>

#include <cstring>

using namespace pomelo;
using namespace pomelo::signing;

namespace {

const QByteArray TestSecret = QByteArrayLiteral("fuzz-app-secret-0123456789abcdef");
const QStringList UnsignedFields = {QStringLiteral("channel")};
constexpr qint64 FixedNow = 1714536000;

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~';
}

// The fields part of the canonical string reads back as one `key=value` pair per signed field.
void checkCanonical(const Target &target, const QJsonObject &object)
{
    const QByteArray canonical = canonicalString(target, object, UnsignedFields).toUtf8();
    const QByteArray prefix = target.method.toUtf8() + '\n' + target.path.toUtf8() + '\n';
    FUZZ_CHECK(canonical.startsWith(prefix));
    const QByteArray fields = canonical.sliced(prefix.size());

    qsizetype signedFields = 0;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QJsonValue v = it.value();
        const bool empty = v.isNull() || (v.isString() && v.toString().isEmpty())
            || (v.isArray() && v.toArray().isEmpty()) || (v.isObject() && v.toObject().isEmpty());
        if (!empty && it.key() != QLatin1String("sign") && !UnsignedFields.contains(it.key()))
            ++signedFields;
    }
    const QByteArrayList pairs = fields.isEmpty() ? QByteArrayList() : fields.split('&');
    FUZZ_CHECK(pairs.size() == signedFields);
    for (const QByteArray &pair : pairs) {
        FUZZ_CHECK(pair.count('=') == 1);
        for (const char c : pair)
            FUZZ_CHECK(isUnreserved(c) || c == '%' || c == '=');
    }
}

void checkSigned(const Target &target, const Target &other, const QJsonObject &object)
{
    const QJsonObject signedObject = withSignature(target, object, TestSecret, UnsignedFields);
    FUZZ_CHECK(verify(target, signedObject, TestSecret, UnsignedFields));
    FUZZ_CHECK(!verify(other, signedObject, TestSecret, UnsignedFields));
    FUZZ_CHECK(!verify(target, signedObject, TestSecret + 'x', UnsignedFields));
    // An unsigned key may change after signing (the mini-program picks the channel).
    QJsonObject channel = signedObject;
    channel.insert(QStringLiteral("channel"), QStringLiteral("WECHAT_JSAPI"));
    FUZZ_CHECK(verify(target, channel, TestSecret, UnsignedFields));

    try {
        const SignedRequest envelope = parseSignedRequest(signedObject);
        const SignedRequest checked = checkSignedRequest(target, signedObject, TestSecret,
                                                         envelope.timestamp, UnsignedFields);
        FUZZ_CHECK(checked.appId == envelope.appId && checked.nonce == envelope.nonce);
    } catch (const Error &e) {
        // Only the envelope can be wrong: the signature is right and the clock is its own.
        FUZZ_CHECK(e.code() == ErrorCode::InvalidSignature);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2 * sizeof(qint64)) {
        qint64 a = 0;
        qint64 b = 0;
        std::memcpy(&a, data, sizeof a);
        std::memcpy(&b, data + sizeof a, sizeof b);
        isTimestampFresh(a, b);
        isTimestampFresh(a, b, int(b));
    }

    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/pay/v1/cashier");
    request.body = fuzz::bytes(data, size);
    QJsonObject object;
    try {
        object = parseJsonObject(request);
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::MalformedJson);
        return 0;
    }

    const Target cashier = Target::post(request.path);
    const Target notify = Target::notify();
    try {
        const SignedRequest envelope = parseSignedRequest(object);
        FUZZ_CHECK(!envelope.appId.isEmpty() && isValidNonce(envelope.nonce));
        FUZZ_CHECK(envelope.timestamp >= 0);
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidSignature);
    }
    for (const Target &target : {cashier, notify}) {
        try {
            checkSignedRequest(target, object, TestSecret, FixedNow, UnsignedFields);
        } catch (const Error &e) {
            FUZZ_CHECK(e.code() == ErrorCode::InvalidSignature
                       || e.code() == ErrorCode::RequestExpiredOrReplayed);
        }
        verify(target, object, TestSecret);
    }

    checkCanonical(cashier, object);
    checkSigned(cashier, notify, object);
    checkSigned(notify, cashier, object);
    return 0;
}
