#pragma once

// Reading admin API requests the same way in every route file: page parameters, the reason of an
// intervention, the `{items, nextCursor}` page shape (API.md "Admin API").

#include "http/httptypes.h"
#include "storage/pagination.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>

#include <optional>

namespace pomelo::admin {

/// The longest reason an intervention keeps (the audit log's column is free text).
inline constexpr int MaxReasonLength = 500;

QString queryValue(const HttpRequest &r, const QString &key);
/// `limit`: @p defaultLimit when absent; 4001 outside 1..@p max.
int limitParam(const HttpRequest &r, int defaultLimit = 50, int max = 200);
/// `cursor`: nullopt when absent; 4001 when it is no cursor of ours.
std::optional<PageCursor> cursorParam(const HttpRequest &r);
/// The `reason` of an intervention (trimmed): from the JSON body, else the `reason` query item;
/// 4001 when it is missing, blank, longer than MaxReasonLength or not text.
QString requiredReason(const QJsonObject &body, const HttpRequest &r);
/// Like requiredReason(), but nullopt when it is missing or blank (4001 still when too long or
/// not text).
std::optional<QString> optionalReason(const QJsonObject &body, const HttpRequest &r);
/// The JSON body, or an empty object for an empty body (actions whose fields are optional).
QJsonObject optionalBody(const HttpRequest &r);
/// Start of @p text (a date, YYYY-MM-DD) in @p zone, as Unix ms; 4001 when it is no date.
qint64 dayStartMs(const QString &text, const QTimeZone &zone);

} // namespace pomelo::admin
