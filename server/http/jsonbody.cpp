#include "jsonbody.h"

#include "domain/money.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>
#include <QStringDecoder>

#include <cmath>

namespace pomelo {

QJsonObject parseJsonObject(const HttpRequest &request)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    [[maybe_unused]] const QString decoded = utf8(request.body);
    if (utf8.hasError())
        throw Error(ErrorCode::MalformedJson, QStringLiteral("body is not UTF-8"));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        throw Error(ErrorCode::MalformedJson,
                    error.error != QJsonParseError::NoError ? error.errorString()
                                                            : QStringLiteral("not an object"));
    // The literal document sees a key that QJsonDocument collapsed. One pass for all names: a scan
    // per key made a 64 KiB body of short members cost seconds.
    const QStringList names = rawJsonMemberNames(request.body);
    QSet<QString> seen;
    seen.reserve(names.size());
    for (const QString &name : names) {
        if (seen.contains(name))
            throw Error(ErrorCode::MalformedJson, QStringLiteral("duplicated key ") + name);
        seen.insert(name);
    }
    return doc.object();
}

QString JsonFields::string(const QString &key, int maxLength) const
{
    const QJsonValue v = object.value(key);
    if (!v.isString())
        throw Error(code, key + QStringLiteral(": missing or not a string"));
    const QString s = v.toString();
    if (s.isEmpty() || s.size() > maxLength || hasControlCharacters(s))
        throw Error(code, key + QStringLiteral(": empty, too long or with control characters"));
    return s;
}

std::optional<QString> JsonFields::optionalString(const QString &key, int maxLength) const
{
    if (!object.contains(key) || object.value(key).isNull())
        return std::nullopt;
    return string(key, maxLength);
}

qint64 JsonFields::integer(const QString &key, qint64 min, qint64 max) const
{
    const QJsonValue v = object.value(key);
    if (!v.isDouble())
        throw Error(code, key + QStringLiteral(": missing or not a number"));
    const double d = v.toDouble();
    // Beyond 2^53 a double no longer holds every integer: such a value cannot be trusted. The range
    // is checked before any conversion: converting a double outside qint64's range (1e300) is
    // undefined behaviour.
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != std::trunc(d))
        throw Error(code, key + QStringLiteral(": not an integer"));
    const qint64 n = static_cast<qint64>(d);
    if (n < min || n > max)
        throw Error(code, key + QStringLiteral(": out of range"));
    return n;
}

} // namespace pomelo
