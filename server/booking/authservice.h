#pragma once

#include "domain/errors.h"
#include "servercontext.h"

namespace pomelo {

struct LoginResult
{
    QString token;
    QString openId;
    int expiresIn = 0; ///< seconds
};

/// Mini-program login: a `wx.login()` code is exchanged through WeChat's jscode2session for the
/// user's openId; the user is created on first login and gets an opaque random token. Only the
/// token's SHA-256 is stored (in Redis, with the token's lifetime), so a Redis dump reveals no
/// usable token; the WeChat session key is never stored nor returned.
class AuthService
{
public:
    explicit AuthService(const ServerContext &context);

    /// Throws loginErrorCode() of WeChat's errcode for a code WeChat refuses, Error(ChannelError)
    /// when WeChat cannot be reached or answers nonsense, Error(DependencyUnavailable) for
    /// Redis/database.
    LoginResult login(const QString &code);

    /// The user id of a login's @p token; Error(Unauthorized) for an unknown or expired token.
    qint64 authenticate(const QString &token) const;

    static constexpr int TokenLifetimeSeconds = 7200;

    /// What a jscode2session errcode means for the caller: 40029/40163 → 1010 (log in again),
    /// 45011 → 1011 (rate limit, 429), -1 → 1012 (WeChat busy, 503), 40013/40125 (our AppID or
    /// AppSecret) → 3001, anything else → 4010.
    static ErrorCode loginErrorCode(int errcode);

private:
    QString exchangeCode(const QString &code) const;
    QByteArray sessionKey(const QString &token) const;

    const ServerContext &m_ctx;
};

} // namespace pomelo
