#pragma once

#include "domain/errors.h"
#include "domain/text.h" // hasControlCharacters(), for the handlers that read free text
#include "httptypes.h"

#include <QJsonObject>
#include <QJsonValue>

#include <optional>

namespace pomelo {

/// The body of @p request as a JSON object. Malformed JSON, a non-object, invalid UTF-8 or a
/// duplicated top-level key (QJsonDocument would silently keep the last one, and a signature could
/// cover the other) throw Error(MalformedJson) — 4000.
QJsonObject parseJsonObject(const HttpRequest &request);

/// Typed reads of a parsed request field; each throws Error(@p code) on a missing field, a wrong
/// JSON type or a value out of its bounds, so a handler states the error code once per field.
struct JsonFields
{
    const QJsonObject &object;
    ErrorCode code;

    /// A string of 1..@p maxLength characters (after no trimming: what was sent is checked).
    QString string(const QString &key, int maxLength = 256) const;
    std::optional<QString> optionalString(const QString &key, int maxLength = 256) const;
    /// An integer in [@p min, @p max]; a JSON number with a fraction, a string or a bool is
    /// refused.
    qint64 integer(const QString &key, qint64 min, qint64 max) const;
};

} // namespace pomelo
