#pragma once

#include "domain/errors.h"
#include "http/httptypes.h"
#include "servercontext.h"
#include "storage/staffuserrepository.h"

namespace pomelo {

/// A signed-in console user, as of this request (role and enabled state come from the database
/// on every request, so disabling a user or changing a role takes effect at once).
struct StaffPrincipal
{
    qint64 id = 0;
    QString username;
    StaffRole role = StaffRole::Staff;
};

struct AdminLoginResult
{
    QString token;
    StaffRole role = StaffRole::Staff;
    int expiresIn = 0; ///< seconds
};

/// Login refused because of earlier failures (code 4290); the handler sends `Retry-After`.
class LoginThrottled : public Error
{
public:
    explicit LoginThrottled(int retryAfterSeconds)
        : Error(ErrorCode::TooManyAttempts, QStringLiteral("login throttled"))
        , m_retryAfter(retryAfterSeconds)
    { }
    int retryAfterSeconds() const { return m_retryAfter; }

private:
    int m_retryAfter;
};

/// Console authentication. Passwords are PBKDF2 hashes (crypto::hashPassword); a login gives an
/// opaque random token of which only the SHA-256 is stored, in Redis
/// (`pomelo:admin:session:{sha256}` → user id, expiring with the token).
///
/// Throttling: failed logins are counted per username and per peer address in Redis over a
/// 15-minute window. From the `admin.login_max_failures`-th failure of a user (4× that for an
/// address) on, logins of that user (address) are refused with 4290 and `Retry-After` for
/// `admin.login_block_seconds`, doubled with every further failure, at most 15 minutes — even with
/// the right password. A refused attempt does not extend the block. A success clears the user's
/// count. Every attempt (success, failure, refusal) is written to the audit log.
class AdminAuth
{
public:
    explicit AdminAuth(const ServerContext &context);

    /// 4010 for a wrong username/password or a disabled user (indistinguishable to the caller),
    /// LoginThrottled (4290) while blocked.
    AdminLoginResult login(const QString &username, const QString &password,
                           const QString &peerAddress);
    /// Ends the session of @p request's token (no error when it is gone already).
    void logout(const HttpRequest &request);

    /// The principal of `Authorization: Bearer <token>`; 4010 otherwise.
    StaffPrincipal authenticate(const HttpRequest &request) const;
    /// The principal of a bare token; 4010 for an unknown or expired token or a disabled user.
    StaffPrincipal authenticateToken(const QString &token) const;
    /// authenticate() and then 4030 unless the user's role is at least @p role.
    StaffPrincipal require(const HttpRequest &request, StaffRole role) const;
    static void requireRole(const StaffPrincipal &who, StaffRole role);

    /// First start: when there is no enabled admin and no user named `admin`, creates `admin`
    /// with `admin.initial_password`, or with a generated password printed once to stdout (never
    /// to the log). Returns true when a user was created.
    static bool ensureInitialAdmin(const ServerContext &context);

    static constexpr int TokenLifetimeSeconds = 8 * 3600;
    static constexpr int FailureWindowSeconds = 15 * 60;
    static constexpr int MaxBlockSeconds = 15 * 60;

private:
    QByteArray sessionKey(const QString &token) const;
    /// Counts one failure; blocks the user/address when over their limits.
    void countFailure(const QByteArray &userKey, const QByteArray &addressKey);
    void audit(const QString &actor, const QString &action, const QString &peer,
               const QJsonObject &details) const;

    const ServerContext &m_ctx;
    int m_maxFailures;
    int m_blockSeconds;
};

} // namespace pomelo
