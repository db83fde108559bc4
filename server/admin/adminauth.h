#pragma once

#include "domain/errors.h"
#include "http/httptypes.h"
#include "http/principal.h"
#include "servercontext.h"
#include "storage/staffuserrepository.h"

namespace pomelo {

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

/// Console authentication. Passwords are Argon2id hashes (crypto::hashPassword); a PBKDF2 hash of
/// the former format still verifies and is replaced by an Argon2id hash at that user's next
/// successful login. A login gives an opaque random token of which only the SHA-256 is stored, in
/// Redis (`pomelo:admin:session:{sha256}` → user id, expiring with the token).
///
/// Throttling: failed logins are counted per (username, peer address) and per peer address (an
/// IPv6 peer by its /64) in Redis over a 15-minute window. From the `admin.login_max_failures`-th
/// failure of a username from one address (4× that for the address, whatever the usernames) on,
/// logins of that username from that address (from that address) are refused with 4290 and
/// `Retry-After` for `admin.login_block_seconds`, doubled with every further failure, at most 15
/// minutes — even with the right password. There is deliberately no block per username alone:
/// it would let anyone lock the real admin out by guessing from elsewhere. A refused attempt does
/// not extend the block. Each attempt is charged before its password is checked, by one Lua script
/// that also checks and sets the blocks, so concurrent attempts cannot get more guesses past the
/// limit; a success takes its charge back and clears the count of its (username, address). Every
/// attempt (success, failure, refusal) is written to the audit log.
class AdminAuth
{
public:
    explicit AdminAuth(const ServerContext &context);

    /// 4010 for a wrong username/password or a disabled user (indistinguishable to the caller),
    /// LoginThrottled (4290) while blocked. @p clientAddress is HttpRequest::clientAddress, not
    /// the TCP peer: behind a reverse proxy every peer is the proxy, and one attacker's failures
    /// would block every console user of the proxy's address.
    AdminLoginResult login(const QString &username, const QString &password,
                           const QString &clientAddress);
    /// Ends the session of @p token (no error when it is gone already).
    void logout(const QString &token);

    /// The principal of a session token; 4010 for an unknown or expired token or a disabled user.
    StaffPrincipal authenticateToken(const QString &token) const;
    /// 4030 unless @p who's role is at least @p role.
    static void requireRole(const StaffPrincipal &who, StaffRole role);

    /// First start: when there is no enabled admin and no user named `admin`, creates `admin`
    /// with `admin.initial_password`, or with a generated password printed once to stdout (never
    /// to the log). Returns true when a user was created.
    static bool ensureInitialAdmin(const ServerContext &context);

    static constexpr int TokenLifetimeSeconds = 8 * 3600;
    static constexpr int FailureWindowSeconds = 15 * 60;
    static constexpr int MaxBlockSeconds = 15 * 60;

private:
    struct Attempt
    {
        QList<QByteArray> keys; ///< failures and blocks of (user, address) and of the address
        QByteArray userAddressCount; ///< the counts this attempt was charged as
        QByteArray addressCount;
    };
    QByteArray sessionKey(const QString &token) const;
    /// Charges one attempt as a failure, or throws LoginThrottled (audited) while blocked.
    Attempt beginAttempt(const QByteArray &userKey, const QByteArray &addressKey,
                         const QString &actor, const QString &peerAddress);
    /// Takes back the charge of @p attempt (a right password, or an attempt that could not be
    /// judged); @p success also forgets the earlier failures of its (user, address).
    void settleAttempt(const Attempt &attempt, bool success);
    /// Replaces a hash of the former format (or older costs) with a fresh Argon2id one.
    void rehashIfNeeded(const StaffUser &user, const QString &password);
    void audit(const QString &actor, const QString &action, const QString &peer,
               const QJsonObject &details) const;

    const ServerContext &m_ctx;
    int m_maxFailures;
    int m_blockSeconds;
};

} // namespace pomelo
