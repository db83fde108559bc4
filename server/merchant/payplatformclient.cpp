#include "payplatformclient.h"

#include "domain/errors.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "net/httpclient.h"
#include "storage/apprepository.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QUrl>

namespace pomelo {

namespace {

constexpr int PayCallTimeoutMs = 5000;

/// @p fields signed as @p app for @p target, with a fresh nonce and timestamp.
QJsonObject signedAsApp(const signing::Target &target, QJsonObject fields, const App &app)
{
    fields.insert(QStringLiteral("appId"), app.appId);
    fields.insert(QStringLiteral("nonce"), signing::generateNonce());
    fields.insert(QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch());
    return signing::withSignature(target, fields, app.secret);
}

} // namespace

PayPlatformClient::PayPlatformClient(const ServerContext &context, QString appId, QString appIdKey)
    : m_ctx(context)
    , m_appId(std::move(appId))
    , m_appIdKey(std::move(appIdKey))
{ }

App PayPlatformClient::app() const
{
    const std::optional<App> app = AppRepository(m_ctx.db, m_ctx.secrets).find(m_appId);
    if (!app)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("the app %1 (%2) is not registered; run pomelo-server init")
                        .arg(m_appId, m_appIdKey));
    return *app;
}

QJsonObject PayPlatformClient::post(const QString &path, const QJsonObject &fields, const App &app,
                                    const QString &spanName) const
{
    HttpClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = QUrl(m_ctx.config.publicBaseUrl() + path);
    request.body = QJsonDocument(signedAsApp(signing::Target::post(path), fields, app))
                       .toJson(QJsonDocument::Compact);
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    request.timeoutMs = PayCallTimeoutMs;
    request.spanName = spanName;
    const HttpClientResponse response = HttpClient::send(request);
    const QJsonObject answer = QJsonDocument::fromJson(response.body).object();
    if (!response.ok()) {
        if (response.status == 503 || answer.value(QStringLiteral("code")).toInt() == 5030) {
            // The pay platform is up but its Redis or database is not: the student retries
            // later (5030), this is no channel's fault (3001).
            throw Error(ErrorCode::DependencyUnavailable,
                        QStringLiteral("pay platform unavailable: HTTP %1").arg(response.status));
        }
        if (response.status >= 400 && response.status < 500) {
            // The pay platform's own verdict (e.g. 2009): pass it on. Only its own codes (2xxx)
            // are a verdict; anything else (404 of a server without the pay module, a proxy's
            // 4xx) means the platform is not there: 3001.
            const int code = answer.value(QStringLiteral("code")).toInt();
            if (const std::optional<ErrorCode> known = errorCodeFromInt(code);
                known && code / 1000 == 2)
                throw Error(*known, QStringLiteral("pay platform refused: ") + path);
        }
        throw Error(
            ErrorCode::ChannelError,
            QStringLiteral("pay platform: HTTP %1 %2").arg(response.status).arg(response.error));
    }
    return answer;
}

qint64 PayPlatformClient::createOrder(const QJsonObject &order) const
{
    const QJsonObject answer =
        post(QStringLiteral("/pay/v1/orders"), order, app(), QStringLiteral("pay.createOrder"));
    const std::optional<qint64> orderId =
        snowflakeFromString(answer.value(QStringLiteral("orderId")).toString());
    if (!orderId)
        throw Error(ErrorCode::ChannelError, QStringLiteral("pay platform answered no order id"));
    return *orderId;
}

QJsonObject PayPlatformClient::cashier(qint64 orderId, qint64 amount) const
{
    // Signed for the one route the front end may pass it to; `channel` is added unsigned there.
    return signedAsApp(signing::Target::post(QStringLiteral("/pay/v1/cashier")),
                       QJsonObject {{QStringLiteral("orderId"), snowflakeToString(orderId)},
                                    {QStringLiteral("amount"), amount}},
                       app());
}

QString PayPlatformClient::refund(qint64 orderId, const QString &outRefundNo, qint64 amount,
                                  const QString &reason) const
{
    const QJsonObject fields {
        {QStringLiteral("orderId"), snowflakeToString(orderId)},
        {QStringLiteral("outRefundNo"), outRefundNo},
        {QStringLiteral("amount"), amount},
        {QStringLiteral("reason"), reason},
    };
    try {
        return post(QStringLiteral("/pay/v1/refunds"), fields, app(), QStringLiteral("pay.refund"))
            .value(QStringLiteral("orderStatus"))
            .toString();
    } catch (const Error &e) {
        if (e.code() != ErrorCode::OrderFinished)
            throw;
        return QStringLiteral("REFUNDED"); // refunded earlier (2007)
    }
}

QString PayPlatformClient::close(qint64 orderId) const
{
    try {
        return post(QStringLiteral("/pay/v1/orders/%1/close").arg(snowflakeToString(orderId)), {},
                    app(), QStringLiteral("pay.close"))
            .value(QStringLiteral("status"))
            .toString();
    } catch (const Error &e) {
        if (e.code() != ErrorCode::OrderFinished)
            throw;
    }
    // Finished already: closed by an earlier call or its timeout, or paid meanwhile.
    return orderStatus(orderId);
}

QString PayPlatformClient::orderStatus(qint64 orderId) const
{
    const QString path = QStringLiteral("/pay/v1/orders/") + snowflakeToString(orderId);
    const App a = app();
    const QJsonObject s =
        signing::withSignature(signing::Target::get(path),
                               {{QStringLiteral("appId"), a.appId},
                                {QStringLiteral("nonce"), signing::generateNonce()},
                                {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()}},
                               a.secret);
    QStringList query;
    for (auto it = s.constBegin(); it != s.constEnd(); ++it) {
        const QString value = it->isString() ? it->toString() : QString::number(it->toInteger());
        query.append(it.key() + u'=' + QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    HttpClientRequest request;
    request.method = QByteArrayLiteral("GET");
    request.url = QUrl(m_ctx.config.publicBaseUrl() + path);
    request.url.setQuery(query.join(u'&'), QUrl::StrictMode);
    request.timeoutMs = PayCallTimeoutMs;
    request.spanName = QStringLiteral("pay.queryOrder");
    const HttpClientResponse response = HttpClient::send(request);
    const QString status =
        QJsonDocument::fromJson(response.body).object().value(QStringLiteral("status")).toString();
    if (!response.ok() || status.isEmpty())
        throw Error(response.status == 503 ? ErrorCode::DependencyUnavailable
                                           : ErrorCode::ChannelError,
                    QStringLiteral("pay platform: order query HTTP %1").arg(response.status));
    return status;
}

} // namespace pomelo
