// The JSON body of every API request: parseJsonObject() (UTF-8, one object, no duplicated key),
// then the typed field reads of JsonFields, as the handlers do them, and the amount of the pay
// API (paymodule: parseJsonObject, then amountFromJsonBody on the same bytes).
#include "domain/errors.h"
#include "domain/money.h"
#include "fuzzsupport.h"
#include "http/jsonbody.h"

#include <QJsonValue>

#include <limits>

using namespace pomelo;

namespace {

constexpr int MaxKeysRead = 64;

void readFields(const QJsonObject &object)
{
    const JsonFields fields {object, ErrorCode::InvalidParameter};
    const auto expect = [](const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidParameter);
    };
    int n = 0;
    for (auto it = object.begin(); it != object.end() && n < MaxKeysRead; ++it, ++n) {
        const QString key = it.key();
        try {
            const QString s = fields.string(key, 64);
            FUZZ_CHECK(!s.isEmpty() && s.size() <= 64 && !hasControlCharacters(s));
        } catch (const Error &e) {
            expect(e);
        }
        try {
            const std::optional<QString> s = fields.optionalString(key);
            FUZZ_CHECK(!s || (!s->isEmpty() && s->size() <= 256));
        } catch (const Error &e) {
            expect(e);
        }
        try {
            const qint64 v = fields.integer(key, MinAmount, MaxAmount);
            FUZZ_CHECK(isValidAmount(v));
        } catch (const Error &e) {
            expect(e);
        }
        try {
            fields.integer(key, std::numeric_limits<qint64>::min(),
                           std::numeric_limits<qint64>::max());
        } catch (const Error &e) {
            expect(e);
        }
        if (it.value().isString())
            hasControlCharacters(it.value().toString());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/pay/v1/orders");
    request.body = fuzz::bytes(data, size);

    QJsonObject object;
    try {
        object = parseJsonObject(request);
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::MalformedJson);
        return 0;
    }
    readFields(object);
    try {
        const qint64 amount = amountFromJsonBody(request.body);
        // parseJsonObject refused duplicates, so the literal is the value that the signature
        // covers (the members as iteration gives them; see fuzz_money for why not value()).
        bool found = false;
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("amount")) {
                FUZZ_CHECK(!found && it.value().toInteger(-1) == amount);
                found = true;
            }
        }
        FUZZ_CHECK(found);
    } catch (const Error &e) {
        FUZZ_CHECK(e.code() == ErrorCode::InvalidAmount);
    }
    return 0;
}
