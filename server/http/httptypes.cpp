#include "httptypes.h"

#include <QDateTime>
#include <QJsonDocument>

namespace pomelo {

QByteArray HttpRequest::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QString HttpRequest::bearerToken() const
{
    const QByteArray value = header("Authorization");
    return value.startsWith("Bearer ") ? QString::fromLatin1(value.mid(7)) : QString();
}

HttpResponse HttpResponse::json(int status, const QByteArray &compactJson)
{
    HttpResponse r;
    r.status = status;
    r.body = compactJson;
    return r;
}

HttpResponse HttpResponse::later(std::function<void(Reply)> start)
{
    HttpResponse r;
    r.deferred = std::move(start);
    return r;
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    HttpResponse r = json(status, QJsonDocument(object).toJson(QJsonDocument::Compact));
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    return r;
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    HttpResponse r = json(status, QJsonDocument(array).toJson(QJsonDocument::Compact));
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    return r;
}

QString rfc3339(qint64 unixMs, const QTimeZone &zone)
{
    return QDateTime::fromMSecsSinceEpoch(unixMs, zone).toString(Qt::ISODateWithMs);
}

HttpResponse HttpResponse::text(int status, const QByteArray &body, const QByteArray &contentType)
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.contentType = contentType;
    return r;
}

} // namespace pomelo
