#pragma once

#include "module.h"
#include "sandbox/ecardsandbox.h"
#include "sandbox/utilitysandbox.h"
#include "sandbox/wechatsandbox.h"

#include <QString>

namespace pomelo {

class Router;

/// Local stand-ins for the outside systems, mounted under /sandbox when the `sandbox` module is on.
/// They speak the real protocols so the clients under server/channels are exercised unchanged.
struct SandboxOptions
{
    QString wechatAppId; ///< the mini-program AppID jscode2session accepts
    QString wechatAppSecret; ///< its AppSecret
    EcardSandboxOptions ecard {}; ///< the campus card center; EcardSandboxOptions::fromConfig()
    /// WeChat Pay APIv3 (WechatSandboxOptions::fromConfig()); not mounted while mchId is empty.
    WechatSandboxOptions wechat {};
    /// The campus utility system (UtilitySandboxOptions::fromConfig()), at /sandbox/utility.
    UtilitySandboxOptions utility {};

    static SandboxOptions fromConfig(const Config &config);
};

class SandboxModule : public Module
{
public:
    explicit SandboxModule(SandboxOptions options);

    QString name() const override { return QStringLiteral("sandbox"); }
    void registerRoutes(Router &router) override;

private:
    SandboxOptions m_options;
};

} // namespace pomelo
