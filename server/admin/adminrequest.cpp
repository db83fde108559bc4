#include "adminrequest.h"

#include "domain/errors.h"
#include "http/jsonbody.h"

#include <QDate>
#include <QDateTime>
#include <QRegularExpression>
#include <QTime>

namespace pomelo::admin {

QString queryValue(const HttpRequest &r, const QString &key)
{
    return r.query.queryItemValue(key, QUrl::FullyDecoded);
}

int limitParam(const HttpRequest &r, int defaultLimit, int max)
{
    if (!r.query.hasQueryItem(QStringLiteral("limit")))
        return defaultLimit;
    bool ok = false;
    const int limit = queryValue(r, QStringLiteral("limit")).toInt(&ok);
    if (!ok || limit < 1 || limit > max)
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("limit out of range"));
    return limit;
}

std::optional<PageCursor> cursorParam(const HttpRequest &r)
{
    if (!r.query.hasQueryItem(QStringLiteral("cursor")))
        return std::nullopt;
    const auto cursor = PageCursor::fromToken(queryValue(r, QStringLiteral("cursor")));
    if (!cursor)
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("malformed cursor"));
    return cursor;
}

std::optional<QString> optionalReason(const QJsonObject &body, const HttpRequest &r)
{
    if (!body.contains(QStringLiteral("reason")) && !r.query.hasQueryItem(QStringLiteral("reason")))
        return std::nullopt;
    QString reason;
    if (body.contains(QStringLiteral("reason"))) {
        const QJsonValue v = body.value(QStringLiteral("reason"));
        if (!v.isString())
            throw Error(ErrorCode::InvalidParameter, QStringLiteral("reason is not a string"));
        reason = v.toString();
    } else {
        reason = queryValue(r, QStringLiteral("reason"));
    }
    reason = reason.trimmed();
    if (reason.size() > MaxReasonLength || hasControlCharacters(reason))
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("reason too long or not text"));
    if (reason.isEmpty())
        return std::nullopt;
    return reason;
}

QString requiredReason(const QJsonObject &body, const HttpRequest &r)
{
    const std::optional<QString> reason = optionalReason(body, r);
    if (!reason)
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("a reason is required"));
    return *reason;
}

QJsonObject optionalBody(const HttpRequest &r)
{
    return r.body.trimmed().isEmpty() ? QJsonObject {} : parseJsonObject(r);
}

qint64 dayStartMs(const QString &text, const QTimeZone &zone)
{
    static const QRegularExpression re(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    const QDate date = QDate::fromString(text, Qt::ISODate);
    if (!re.match(text).hasMatch() || !date.isValid())
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("malformed date"));
    return QDateTime(date, QTime(0, 0), zone).toMSecsSinceEpoch();
}

} // namespace pomelo::admin
