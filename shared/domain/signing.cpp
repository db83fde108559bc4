#include "domain/signing.h"

#include "domain/crypto.h"
#include "domain/errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QList>

#include <algorithm>
#include <cmath>
#include <utility>

namespace pomelo::signing {

namespace {

const QLatin1String SignKey("sign");

/// 2^53: beyond it a double no longer holds every integer, so "integer-valued" means little.
constexpr double MaxExactInteger = 9007199254740992.0;

QByteArray numberText(const QJsonValue &value)
{
    const double d = value.toDouble();
    if (std::abs(d) <= MaxExactInteger && std::trunc(d) == d) {
        // toInteger() is exact even when Qt stored a parsed integer that a double cannot hold.
        const qint64 exact = value.toInteger(qint64(d));
        return QByteArray::number(double(exact) == d ? exact : qint64(d));
    }
    // Large or fractional: the text Qt's JSON writer produces, as in nested objects.
    const QByteArray json = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    return json.mid(1, json.size() - 2);
}

/// The canonical text of @p value, or a null QByteArray when the value counts as empty.
QByteArray valueText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString().toUtf8();
    case QJsonValue::Double:
        return numberText(value);
    case QJsonValue::Bool:
        return value.toBool() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        return array.isEmpty() ? QByteArray() : QJsonDocument(array).toJson(QJsonDocument::Compact);
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        return object.isEmpty() ? QByteArray()
                                : QJsonDocument(object).toJson(QJsonDocument::Compact);
    }
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return {};
}

QByteArray canonicalBytes(const Target &target, const QJsonObject &object,
                          const QStringList &unsignedKeys)
{
    QList<std::pair<QByteArray, QByteArray>> fields;
    fields.reserve(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        if (key == SignKey || unsignedKeys.contains(key))
            continue;
        QByteArray text = valueText(it.value());
        if (text.isEmpty())
            continue;
        fields.emplace_back(key.toUtf8(), std::move(text));
    }
    // QJsonObject orders keys by UTF-16 code units; the contract says UTF-8 bytes (they differ for
    // characters above U+FFFF against U+E000..U+FFFF), and QByteArray compares bytes unsigned.
    std::sort(fields.begin(), fields.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out = target.method.toUtf8();
    out += '\n';
    out += target.path.toUtf8();
    out += '\n';
    bool first = true;
    for (const auto &[key, text] : std::as_const(fields)) {
        if (!first)
            out += '&';
        first = false;
        // Keys too: a key holding `=` or `&` could otherwise pose as other fields, e.g.
        // {"a=1&b":"2"} as {"a":"1","b":"2"}, so one signature would cover both.
        out += percentEncode(key);
        out += '=';
        out += percentEncode(text);
    }
    return out;
}

QByteArray signatureHex(const Target &target, const QJsonObject &object, const QByteArray &secret,
                        const QStringList &unsignedKeys)
{
    return crypto::hmacSha256(secret, canonicalBytes(target, object, unsignedKeys)).toHex();
}

bool isLowerHex64(const QString &text)
{
    if (text.size() != 64)
        return false;
    return std::all_of(text.begin(), text.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f');
    });
}

[[noreturn]] void invalidField(const char *field)
{
    throw Error(ErrorCode::InvalidSignature,
                QStringLiteral("signed request: missing or ill-typed field ")
                    + QLatin1String(field));
}

/// A caller-chosen value fit for a log line: bounded and without control characters.
QString forLog(const QString &text)
{
    QString out = text.left(64);
    for (QChar &c : out) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            c = QLatin1Char('?');
    }
    return out;
}

qint64 parseTimestamp(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d >= 0 && d <= MaxExactInteger && std::trunc(d) == d)
            return qint64(d);
    } else if (value.isString()) {
        const QString text = value.toString();
        const bool digits = !text.isEmpty() && text.size() <= 15
            && std::all_of(text.begin(), text.end(),
                           [](QChar c) { return c >= QLatin1Char('0') && c <= QLatin1Char('9'); });
        if (digits)
            return text.toLongLong();
    }
    invalidField("timestamp");
}

} // namespace

QByteArray percentEncode(const QByteArray &bytes)
{
    static constexpr char Hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z')
            || (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += Hex[u >> 4];
            out += Hex[u & 0x0f];
        }
    }
    return out;
}

QString canonicalString(const Target &target, const QJsonObject &object,
                        const QStringList &unsignedKeys)
{
    return QString::fromUtf8(canonicalBytes(target, object, unsignedKeys));
}

QString sign(const Target &target, const QJsonObject &object, const QByteArray &secret,
             const QStringList &unsignedKeys)
{
    if (secret.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("signing: empty app secret"));
    return QString::fromLatin1(signatureHex(target, object, secret, unsignedKeys));
}

QJsonObject withSignature(const Target &target, QJsonObject object, const QByteArray &secret,
                          const QStringList &unsignedKeys)
{
    object.insert(SignKey, sign(target, object, secret, unsignedKeys));
    return object;
}

bool verify(const Target &target, const QJsonObject &object, const QByteArray &secret,
            const QStringList &unsignedKeys)
{
    const QJsonValue given = object.value(SignKey);
    if (!given.isString() || secret.isEmpty())
        return false;
    const QString text = given.toString();
    // The format check depends only on the request, never on the secret: no timing leak.
    if (!isLowerHex64(text))
        return false;
    return crypto::constantTimeEquals(signatureHex(target, object, secret, unsignedKeys),
                                      text.toLatin1());
}

QString generateNonce()
{
    return QString::fromLatin1(crypto::randomBytes(16).toHex());
}

bool isValidNonce(const QString &nonce)
{
    if (nonce.size() < NonceMinLength || nonce.size() > NonceMaxLength)
        return false;
    return std::all_of(nonce.begin(), nonce.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'A' && u <= u'Z') || (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9')
            || u == u'_' || u == u'-';
    });
}

bool isTimestampFresh(qint64 unixSeconds, qint64 nowSeconds, int windowSeconds)
{
    if (windowSeconds < 0)
        return false;
    // Unsigned arithmetic: the distance of any two qint64 values fits in quint64, no overflow.
    const quint64 distance = unixSeconds > nowSeconds ? quint64(unixSeconds) - quint64(nowSeconds)
                                                      : quint64(nowSeconds) - quint64(unixSeconds);
    return distance <= quint64(windowSeconds);
}

SignedRequest parseSignedRequest(const QJsonObject &object)
{
    SignedRequest request;
    const QJsonValue appId = object.value(QLatin1String("appId"));
    if (!appId.isString() || appId.toString().isEmpty())
        invalidField("appId");
    request.appId = appId.toString();
    const QJsonValue nonce = object.value(QLatin1String("nonce"));
    if (!nonce.isString() || !isValidNonce(nonce.toString()))
        invalidField("nonce");
    request.nonce = nonce.toString();
    request.timestamp = parseTimestamp(object.value(QLatin1String("timestamp")));
    const QJsonValue signature = object.value(SignKey);
    if (!signature.isString())
        invalidField("sign");
    request.sign = signature.toString();
    return request;
}

SignedRequest checkSignedRequest(const Target &target, const QJsonObject &object,
                                 const QByteArray &secret, qint64 nowSeconds,
                                 const QStringList &unsignedKeys, int windowSeconds)
{
    SignedRequest request = parseSignedRequest(object);
    if (!verify(target, object, secret, unsignedKeys))
        throw Error(ErrorCode::InvalidSignature,
                    QStringLiteral("signature mismatch for appId ") + forLog(request.appId));
    if (!isTimestampFresh(request.timestamp, nowSeconds, windowSeconds))
        throw Error(ErrorCode::RequestExpiredOrReplayed,
                    QStringLiteral("timestamp %1 outside the %2 s window (now %3), appId %4")
                        .arg(request.timestamp)
                        .arg(windowSeconds)
                        .arg(nowSeconds)
                        .arg(forLog(request.appId)));
    return request;
}

} // namespace pomelo::signing
