#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

/// The request signature of the Pay API (API.md, "Pay API"), also used for merchant notifications.
///
/// sign = lower-case hex HMAC-SHA256(appSecret, canonicalString(request)).
///
/// The canonical string binds the signature to its request (API.md, docs/signing.md):
///
///     METHOD "\n" PATH "\n" FIELDS
///
/// METHOD is the HTTP method in capitals and PATH the request path without the query string; a
/// merchant notification uses Target::notify() (`NOTIFY` and an empty path), so that a signed
/// object is good for exactly one route, and a notification never passes as a request (nor the
/// other way round). FIELDS holds every top-level field except `sign` (and except the caller's
/// @p unsignedKeys, e.g. `channel` on /cashier) whose value is not empty, as `key=value`, sorted by
/// the UTF-8 bytes of the key, joined by `&`, each key and value percent-encoded (below). Values:
///  - strings as their UTF-8 bytes;
///  - numbers as JSON text: an integer-valued number with |n| ≤ 2^53 as a plain integer (`100`,
///    never `100.0` or `1e+2`); any other number as Qt's compact JSON writes it (`1.5`, `1e+21`);
///  - booleans `true` / `false`;
///  - objects and arrays as compact JSON (QJsonDocument::Compact: no whitespace, keys of nested
///    objects in Qt's order, i.e. sorted by UTF-16 code units, non-ASCII as raw UTF-8).
/// Empty, hence skipped: null, "", {} and [] (all of them mean "no value", as absent fields do).
/// A signer must therefore never rely on an empty value being signed.
/// The key and the value text are then percent-encoded: every byte outside RFC 3986's unreserved
/// set (`A-Z a-z 0-9 - . _ ~`) as `%XX` with upper-case hex, so that no key or value can contain
/// `&` or `=` and pose as another field (the keys of the Pay API are unreserved characters, hence
/// written as they are).
namespace pomelo::signing {

/// What a signature is for: a request (method and path) or a merchant notification.
struct Target
{
    QString method; ///< `POST`, `GET`, … in capitals, or `NOTIFY`
    QString path; ///< the path without the query string; empty for a notification

    static Target post(const QString &path) { return {QStringLiteral("POST"), path}; }
    static Target get(const QString &path) { return {QStringLiteral("GET"), path}; }
    /// A merchant notification: `NOTIFY` and the empty path.
    static Target notify() { return {QStringLiteral("NOTIFY"), QString()}; }
};

/// Percent-encodes @p bytes: unreserved characters as they are, every other byte `%XX`.
QByteArray percentEncode(const QByteArray &bytes);

/// |now − timestamp| allowed, in seconds (API.md: 300 s; error 2004 beyond).
inline constexpr int TimestampWindowSeconds = 300;
inline constexpr int NonceMinLength = 16;
inline constexpr int NonceMaxLength = 32;

QString canonicalString(const Target &target, const QJsonObject &object,
                        const QStringList &unsignedKeys = {});

/// The `sign` value of @p object: 64 lower-case hex characters. Throws Error(Internal) for an
/// empty secret (an app without a secret must never sign).
QString sign(const Target &target, const QJsonObject &object, const QByteArray &secret,
             const QStringList &unsignedKeys = {});

/// @p object with `sign` set (replaced if present).
QJsonObject withSignature(const Target &target, QJsonObject object, const QByteArray &secret,
                          const QStringList &unsignedKeys = {});

/// True iff `sign` is a string of exactly 64 lower-case hex characters equal (compared in constant
/// time) to sign(object, secret, unsignedKeys). False for an empty secret.
bool verify(const Target &target, const QJsonObject &object, const QByteArray &secret,
            const QStringList &unsignedKeys = {});

/// 32 lower-case hex characters (128 bits) from the CSPRNG; passes isValidNonce().
QString generateNonce();
/// 16–32 characters of [A-Za-z0-9_-].
bool isValidNonce(const QString &nonce);

/// |nowSeconds − unixSeconds| ≤ windowSeconds (both directions: clocks of callers drift). Safe for
/// any qint64 input; a negative window is never fresh.
bool isTimestampFresh(qint64 unixSeconds, qint64 nowSeconds,
                      int windowSeconds = TimestampWindowSeconds);

/// The envelope fields of a signed request.
struct SignedRequest
{
    QString appId;
    QString nonce;
    qint64 timestamp = 0; ///< Unix seconds
    QString sign;
};

/// Reads `appId` (non-empty string), `nonce` (string passing isValidNonce), `timestamp` (a
/// non-negative integer JSON number, or a string of decimal digits as a query string carries it)
/// and `sign` (string). Throws Error(InvalidSignature) when one is missing or ill-typed. Does not
/// check the signature: use it to find the app whose secret checkSignedRequest() needs.
SignedRequest parseSignedRequest(const QJsonObject &object);

/// parseSignedRequest(), then the signature (Error InvalidSignature, 2003), then the timestamp
/// window (Error RequestExpiredOrReplayed, 2004). The nonce-reuse check is the caller's: on
/// success, the returned nonce must still be claimed (e.g. Redis SET NX with a TTL of twice the
/// window). The signature is checked first so that a forged request learns nothing about the clock.
SignedRequest checkSignedRequest(const Target &target, const QJsonObject &object,
                                 const QByteArray &secret, qint64 nowSeconds,
                                 const QStringList &unsignedKeys = {},
                                 int windowSeconds = TimestampWindowSeconds);

} // namespace pomelo::signing
