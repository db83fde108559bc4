#include "authservice.h"

#include "domain/crypto.h"
#include "domain/errors.h"
#include "net/httpclient.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "storage/userrepository.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>

namespace pomelo {

AuthService::AuthService(const ServerContext &context)
    : m_ctx(context)
{ }

QByteArray AuthService::sessionKey(const QString &token) const
{
    return m_ctx.keys.key(QByteArrayLiteral("pomelo:session:")
                          + crypto::sha256(token.toUtf8()).toHex());
}

QString AuthService::exchangeCode(const QString &code) const
{
    // WeChat's API host (api.weixin.qq.com), not the pay host of channels.wechat_base_url.
    QUrl url(m_ctx.config.wechatApiBaseUrl() + QStringLiteral("/sns/jscode2session"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("appid"), m_ctx.config.wechatAppId());
    query.addQueryItem(QStringLiteral("secret"), m_ctx.config.wechatAppSecret());
    query.addQueryItem(QStringLiteral("js_code"), code);
    query.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("authorization_code"));
    url.setQuery(query);

    HttpClientRequest request;
    request.url = url;
    request.timeoutMs = 5000;
    request.spanName = QStringLiteral("wechat jscode2session");
    const HttpClientResponse response = HttpClient::send(request);
    if (response.status != 200)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("jscode2session: ")
                        + (response.status ? QString::number(response.status) : response.error));
    const QJsonObject o = QJsonDocument::fromJson(response.body).object();
    const int errcode = o.value(QStringLiteral("errcode")).toInt();
    if (errcode != 0)
        throw Error(loginErrorCode(errcode),
                    QStringLiteral("jscode2session errcode %1").arg(errcode));
    const QString openId = o.value(QStringLiteral("openid")).toString();
    if (openId.isEmpty() || openId.size() > 64)
        throw Error(ErrorCode::ChannelError, QStringLiteral("jscode2session: no openid"));
    return openId;
}

ErrorCode AuthService::loginErrorCode(int errcode)
{
    switch (errcode) {
    case 40029: // invalid code
    case 40163: // code already used
        return ErrorCode::WechatLoginCodeInvalid; // the mini-program calls wx.login() again
    case 45011: // minute quota of this AppID reached
        return ErrorCode::WechatLoginRateLimited;
    case -1: // system busy
        return ErrorCode::WechatBusy;
    case 40013: // invalid AppID
    case 40125: // invalid AppSecret
        // Our own configuration is wrong: that is our fault, not the user's.
        return ErrorCode::ChannelError;
    default:
        return ErrorCode::Unauthorized;
    }
}

LoginResult AuthService::login(const QString &code)
{
    Span span(QStringLiteral("auth.login"));
    const QString openId = exchangeCode(code);
    UserRepository users(m_ctx.db);
    const User user = users.findOrCreate(openId);
    LoginResult result;
    result.token = crypto::randomToken(32);
    result.openId = openId;
    result.expiresIn = TokenLifetimeSeconds;
    m_ctx.redis
        .command({"SET", sessionKey(result.token), QByteArray::number(user.id), "EX",
                  QByteArray::number(TokenLifetimeSeconds)})
        .throwIfError("SET session");
    span.setAttribute(QStringLiteral("user.id"), user.id);
    qCInfo(lcBooking) << "login of user" << user.id;
    return result;
}

qint64 AuthService::authenticate(const QString &token) const
{
    static const QRegularExpression tokenRe(QStringLiteral("^[A-Za-z0-9_-]{20,128}$"));
    if (!tokenRe.match(token).hasMatch())
        throw Error(ErrorCode::Unauthorized, QStringLiteral("no bearer token"));
    const RedisReply r = m_ctx.redis.command({"GET", sessionKey(token)}, Idempotent::Yes);
    r.throwIfError("GET session");
    if (r.isNil())
        throw Error(ErrorCode::Unauthorized, QStringLiteral("unknown or expired token"));
    bool ok = false;
    const qint64 userId = r.toByteArray().toLongLong(&ok);
    if (!ok)
        throw Error(ErrorCode::Unauthorized, QStringLiteral("corrupt session"));
    return userId;
}

} // namespace pomelo
