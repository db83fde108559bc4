// Money out of request bodies: the literal JSON token of `amount` (amountFromJsonBody, the raw
// top-level scanner rawJsonMembers), cross-checked against QJsonDocument, which reads the same
// bytes in the HTTP layer.
#include "domain/errors.h"
#include "domain/money.h"
#include "fuzzsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QList>

#include <cstring>
#include <optional>

using namespace pomelo;

namespace {

std::optional<qint64> amountOf(QByteArrayView body)
{
    try {
        const qint64 amount = amountFromJsonBody(body);
        FUZZ_CHECK(isValidAmount(amount));
        return amount;
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidAmount || e.code() == ErrorCode::MalformedJson);
        return std::nullopt;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    // The input as one token.
    try {
        const qint64 amount = amountFromJsonToken(input);
        FUZZ_CHECK(isValidAmount(amount));
        // Only the canonical spelling is money: no sign, zero, fraction or exponent.
        FUZZ_CHECK(QByteArray::number(amount) == input);
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidAmount);
    }

    // The input as a body.
    const std::optional<qint64> amount = amountOf(input);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(input, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return 0;
    const QJsonObject object = doc.object();
    try {
        // Every member QJsonDocument saw, the scanner sees too: otherwise a duplicate could hide.
        for (auto it = object.begin(); it != object.end(); ++it)
            FUZZ_CHECK(!rawJsonMembers(input, it.key()).isEmpty());
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::MalformedJson);
        // Stricter than QJsonDocument is allowed (the body is refused), but then it is refused.
        FUZZ_CHECK(!amount);
        return 0;
    }
    if (amount) {
        // One `amount` literal, so QJsonDocument cannot have kept another value. Compared with the
        // members as iteration gives them, which is what the signature covers: Qt 6.4 reads a key
        // that starts with a raw U+FEFF as `amount` there, but object.value("amount") misses it.
        QList<QJsonValue> values;
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("amount"))
                values.append(it.value());
        }
        FUZZ_CHECK(values.size() == 1);
        FUZZ_CHECK(values.front().toInteger(-1) == *amount);
        FUZZ_CHECK(amountFromJsonValue(values.front()) == *amount);
    }
    try {
        const qint64 fromValue = amountFromJsonValue(object.value(QLatin1String("amount")));
        FUZZ_CHECK(isValidAmount(fromValue));
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidAmount);
    }

    if (size >= sizeof(qint64)) {
        qint64 cents = 0;
        std::memcpy(&cents, data, sizeof cents);
        const QString yuan = formatYuan(cents);
        FUZZ_CHECK(yuan.size() >= 4 && yuan.at(yuan.size() - 3) == u'.');
    }
    return 0;
}
