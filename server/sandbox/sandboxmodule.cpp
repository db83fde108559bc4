#include "sandboxmodule.h"

#include "config/config.h"
#include "domain/crypto.h"
#include "http/router.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace pomelo {

namespace {

HttpResponse wechatJson(const QJsonObject &o)
{
    // WeChat's auth API answers 200 with errcode/errmsg in the body, success or not.
    return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

HttpResponse wechatError(int code, const char *message)
{
    return wechatJson(QJsonObject {{QStringLiteral("errcode"), code},
                                   {QStringLiteral("errmsg"), QString::fromLatin1(message)}});
}

} // namespace

SandboxOptions SandboxOptions::fromConfig(const Config &config)
{
    return {config.wechatAppId(), config.wechatAppSecret(), EcardSandboxOptions::fromConfig(config),
            WechatSandboxOptions::fromConfig(config), UtilitySandboxOptions::fromConfig(config)};
}

SandboxModule::SandboxModule(SandboxOptions options)
    : m_options(std::move(options))
{ }

void SandboxModule::registerRoutes(Router &router)
{
    EcardSandbox::mount(router, m_options.ecard); // owned by its routes
    UtilitySandbox::mount(router, m_options.utility); // owned by its routes
    if (!m_options.wechat.mchId.isEmpty())
        WechatSandbox::mount(router, m_options.wechat); // owned by its routes
    // GET /sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code, as
    // api.weixin.qq.com. The sandbox's user model: code "u-NAME" logs in the student whose openid
    // is "o-NAME"; `err-40029`, `err-40163`, `err-45011` and `err-busy` (-1) answer those errors;
    // any other code is rejected as WeChat rejects a bad code (40029). Codes are reusable here
    // (WeChat's are single-use) so a developer can log in again by hand.
    router.add(
        "GET", QStringLiteral("/sandbox/wechat/sns/jscode2session"), HandlerMode::Inline,
        [this](const HttpRequest &r) {
            const QString appId = r.query.queryItemValue(QStringLiteral("appid"));
            const QString secret = r.query.queryItemValue(QStringLiteral("secret"));
            const QString code = r.query.queryItemValue(QStringLiteral("js_code"));
            if (r.query.queryItemValue(QStringLiteral("grant_type"))
                != QLatin1String("authorization_code"))
                return wechatError(40002, "invalid grant_type");
            if (appId != m_options.wechatAppId)
                return wechatError(40013, "invalid appid");
            if (!crypto::constantTimeEquals(secret.toUtf8(), m_options.wechatAppSecret.toUtf8()))
                return wechatError(40125, "invalid appsecret");
            // Codes that make the sandbox answer as WeChat does when it refuses, so the login's
            // mapping of each answer is tested through real sockets.
            if (code == QLatin1String("err-40029"))
                return wechatError(40029, "invalid code");
            if (code == QLatin1String("err-40163"))
                return wechatError(40163, "code been used");
            if (code == QLatin1String("err-45011"))
                return wechatError(45011, "api minute-quota reach limit");
            if (code == QLatin1String("err-busy"))
                return wechatError(-1, "system error");
            static const QRegularExpression userCode(QStringLiteral("^u-([A-Za-z0-9_-]{1,32})$"));
            const QRegularExpressionMatch m = userCode.match(code);
            if (!m.hasMatch())
                return wechatError(40029, "invalid code");
            return wechatJson(QJsonObject {
                {QStringLiteral("openid"), QString(QStringLiteral("o-") + m.captured(1))},
                {QStringLiteral("session_key"), crypto::randomToken(16)}});
        });
}

} // namespace pomelo
