#include "errorresponse.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace pomelo {

Language requestLanguage(const HttpRequest &request)
{
    return languageFromAcceptLanguage(QString::fromLatin1(request.header("Accept-Language")));
}

namespace {

HttpResponse envelope(ErrorCode code, const QStringList &args, const HttpRequest &request)
{
    const ErrorInfo &info = errorInfo(code);
    QJsonObject body {
        {QStringLiteral("code"), static_cast<int>(code)},
        {QStringLiteral("message"), errorMessage(code, requestLanguage(request), args)},
        {QStringLiteral("traceId"), request.traceId},
    };
    HttpResponse r =
        HttpResponse::json(info.httpStatus, QJsonDocument(body).toJson(QJsonDocument::Compact));
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    if (code == ErrorCode::VenueSlotBusy || code == ErrorCode::DependencyUnavailable)
        r.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")});
    return r;
}

} // namespace

HttpResponse errorResponse(ErrorCode code, const HttpRequest &request)
{
    return envelope(code, {}, request);
}

HttpResponse errorResponse(const Error &error, const HttpRequest &request)
{
    return envelope(error.code(), error.messageArgs(), request);
}

} // namespace pomelo
