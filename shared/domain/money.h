#pragma once

#include <QByteArrayList>
#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QStringView>

class QJsonValue;

namespace pomelo {

// Money is an integer number of cents (fen) in a qint64, never a floating-point value. An `amount`
// of the API is valid when MinAmount <= amount <= MaxAmount (1 fen .. 1,000,000 yuan).
inline constexpr qint64 MinAmount = 1;
inline constexpr qint64 MaxAmount = 100'000'000;

constexpr bool isValidAmount(qint64 cents) noexcept
{
    return cents >= MinAmount && cents <= MaxAmount;
}

/// Returns @p cents, or throws Error(InvalidAmount) when it is outside [MinAmount, MaxAmount].
qint64 checkedAmount(qint64 cents);

/// The amount of a request: validates the *literal* JSON token of the top-level member @p field of
/// the raw request body. This is the function the HTTP layer must use for client input.
///
/// A QJsonDocument cannot be used for that: Qt's parser turns `12.0`, `1e2`, `1.2e1` and `-0` into
/// the same integer as `12`, `100`, `12` and `0`, so the spelling is lost. Call it on the same
/// bytes that were given to QJsonDocument::fromJson (after that parse succeeded):
/// @code
///   const QJsonDocument doc = QJsonDocument::fromJson(body, &error);   // 4000 if malformed
///   const qint64 amount = amountFromJsonBody(body);                     // 2001 if bad
/// @endcode
/// Throws Error(InvalidAmount) when the member is missing, present more than once, or its token is
/// not a plain integer literal in [MinAmount, MaxAmount] (a string, boolean, null, object, array,
/// fraction, exponent, sign, 0). Throws Error(MalformedJson) when @p body is not a JSON object.
qint64 amountFromJsonBody(QByteArrayView body, QStringView field = u"amount");

/// Validates one raw JSON value token (as it appears in the body, without surrounding whitespace):
/// only `[1-9][0-9]*` within [MinAmount, MaxAmount] is accepted. Throws Error(InvalidAmount).
qint64 amountFromJsonToken(QByteArrayView token);

/// Validates an already parsed value. Weaker than amountFromJsonBody: it rejects every non-number
/// type, fractions, values out of range, but cannot see `12.0` or `1e2` (see above; Qt also
/// stores QJsonValue(100.0) as the integer 100). Use it for
/// JSON the platform wrote itself (database, stream events), not for request bodies.
qint64 amountFromJsonValue(const QJsonValue &value);

/// The raw text of every occurrence of the top-level member @p name of the JSON object @p body,
/// in document order (a duplicated key gives several entries; QJsonDocument keeps the last one).
/// Strings, objects and arrays are returned with their delimiters. Throws Error(MalformedJson) when
/// @p body is not a well-formed JSON object.
QByteArrayList rawJsonMembers(QByteArrayView body, QStringView name);

/// The decoded names of all top-level members of the JSON object @p body, in document order, in
/// one pass (a duplicated key appears several times). Throws Error(MalformedJson) like
/// rawJsonMembers().
QStringList rawJsonMemberNames(QByteArrayView body);

/// Yuan for display with two decimals: 1234 -> "12.34", 5 -> "0.05", 100 -> "1.00", -150 ->
/// "-1.50".
QString formatYuan(qint64 cents);

} // namespace pomelo
