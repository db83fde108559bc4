#include "adminauth.h"

#include "domain/crypto.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "storage/auditrepository.h"
#include "telemetry/logging.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cstdio>

namespace pomelo {

namespace {

const QRegularExpression &usernamePattern()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    return re;
}

/// A hash to verify against when the user does not exist, so that an unknown username costs as
/// much time as a wrong password (no user enumeration by timing).
const QString &dummyHash()
{
    static const QString hash = crypto::hashPassword(crypto::randomToken(16));
    return hash;
}

/// Charges one login attempt, unless blocked. KEYS: failures of (user, address), failures of the
/// address, block of (user, address), block of the address. ARGV: window (s), limit of the pair,
/// limit of the address, first block (s), longest block (s). Returns {0, ms left} while blocked,
/// else {1, pair count, address count}. The attempt that reaches a limit sets the block at once,
/// before its password is checked: the attempts running beside it are already refused. A block
/// holds the count that set it, so that a success can lift exactly the block it set itself.
const RedisScript &beginScript()
{
    static const RedisScript script(QByteArrayLiteral(R"LUA(
local wait = math.max(redis.call('PTTL', KEYS[3]), redis.call('PTTL', KEYS[4]))
if wait > 0 then return {0, wait} end
local function charge(failKey, blockKey, limit)
  local n = redis.call('INCR', failKey)
  -- EXPIRE NX: the window starts at the first failure and is not pushed back by later ones.
  redis.call('EXPIRE', failKey, ARGV[1], 'NX')
  if n >= limit then
    local seconds = math.min(tonumber(ARGV[4]) * 2 ^ math.min(n - limit, 20), tonumber(ARGV[5]))
    redis.call('SET', blockKey, n, 'EX', math.floor(seconds))
  end
  return n
end
local pair = charge(KEYS[1], KEYS[3], tonumber(ARGV[2]))
local address = charge(KEYS[2], KEYS[4], tonumber(ARGV[3]))
return {1, pair, address}
)LUA"));
    return script;
}

/// Takes back the charge of one attempt. KEYS as above; ARGV: the pair and address counts of the
/// attempt, "1" when it succeeded (the pair's failures are then forgotten).
const RedisScript &settleScript()
{
    static const RedisScript script(QByteArrayLiteral(R"LUA(
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
if redis.call('GET', KEYS[4]) == ARGV[2] then redis.call('DEL', KEYS[4]) end
local function refund(key)
  local n = tonumber(redis.call('GET', key) or '0')
  if n > 1 then redis.call('DECR', key) elseif n == 1 then redis.call('DEL', key) end
end
if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) else refund(KEYS[1]) end
refund(KEYS[2])
return 1
)LUA"));
    return script;
}

/// The address that failures are counted for: IPv4 (also when mapped into IPv6) as it is, IPv6 by
/// its /64, the smallest block a single client usually gets, so that it cannot rotate addresses.
QByteArray throttleAddress(const QString &peer)
{
    const QHostAddress address(peer);
    if (address.isNull())
        return peer.toUtf8().left(64);
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString().toLatin1();
    Q_IPV6ADDR v6 = address.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        v6[i] = 0;
    return QHostAddress(v6).toString().toLatin1() + "/64";
}

} // namespace

AdminAuth::AdminAuth(const ServerContext &context)
    : m_ctx(context)
    , m_maxFailures(context.config.value(QStringLiteral("admin.login_max_failures")).toInt())
    , m_blockSeconds(context.config.value(QStringLiteral("admin.login_block_seconds")).toInt())
{
    if (m_maxFailures < 1)
        m_maxFailures = 5;
    if (m_blockSeconds < 1)
        m_blockSeconds = 30;
}

QByteArray AdminAuth::sessionKey(const QString &token) const
{
    return m_ctx.keys.key(QByteArrayLiteral("pomelo:admin:session:")
                          + crypto::sha256(token.toUtf8()).toHex());
}

void AdminAuth::audit(const QString &actor, const QString &action, const QString &peer,
                      const QJsonObject &details) const
{
    AuditEntry e;
    e.actor = actor;
    e.action = action;
    e.target = QStringLiteral("staff:") + actor;
    e.remoteAddress = peer;
    e.details = QJsonDocument(details).toJson(QJsonDocument::Compact);
    AuditRepository(m_ctx.db).append(e);
}

AdminAuth::Attempt AdminAuth::beginAttempt(const QByteArray &userKey, const QByteArray &addressKey,
                                           const QString &actor, const QString &peerAddress)
{
    // User and address in one key: a username has no ':' (usernamePattern, or "~" and hex), so
    // "user:address" cannot be read two ways.
    const QByteArray pair = userKey + ':' + addressKey;
    Attempt attempt;
    attempt.keys = {m_ctx.keys.key("pomelo:admin:login-fail:user-addr:" + pair),
                    m_ctx.keys.key("pomelo:admin:login-fail:addr:" + addressKey),
                    m_ctx.keys.key("pomelo:admin:login-block:user-addr:" + pair),
                    m_ctx.keys.key("pomelo:admin:login-block:addr:" + addressKey)};
    // Not idempotent: a resent script would charge twice.
    const RedisReply r = m_ctx.redis.evalSha(
        beginScript(), attempt.keys,
        {QByteArray::number(FailureWindowSeconds), QByteArray::number(m_maxFailures),
         QByteArray::number(qint64(m_maxFailures) * 4), QByteArray::number(m_blockSeconds),
         QByteArray::number(MaxBlockSeconds)});
    r.throwIfError("login attempt");
    const bool allowed = r.size() == 3 && r.at(0).toInteger() == 1;
    if (!allowed && r.size() != 2)
        throw Error(ErrorCode::Internal, QStringLiteral("login attempt: unexpected reply"));
    if (!allowed) {
        const int retryAfter = static_cast<int>((r.at(1).toInteger() + 999) / 1000);
        audit(actor, QStringLiteral("login_refused"), peerAddress,
              {{QStringLiteral("retryAfterSeconds"), retryAfter}});
        qCWarning(lcHttp).noquote()
            << "console login refused (too many failures) from" << peerAddress;
        throw LoginThrottled(retryAfter);
    }
    attempt.userAddressCount = QByteArray::number(r.at(1).toInteger());
    attempt.addressCount = QByteArray::number(r.at(2).toInteger());
    return attempt;
}

void AdminAuth::settleAttempt(const Attempt &attempt, bool success)
{
    m_ctx.redis
        .evalSha(settleScript(), attempt.keys,
                 {attempt.userAddressCount, attempt.addressCount,
                  success ? QByteArrayLiteral("1") : QByteArrayLiteral("0")})
        .throwIfError("settle login attempt");
}

void AdminAuth::rehashIfNeeded(const StaffUser &user, const QString &password)
{
    if (!crypto::passwordNeedsRehash(user.passwordHash))
        return;
    // The login has succeeded already: a failure here only postpones the upgrade to the next one.
    try {
        const QString fresh = crypto::hashPassword(password);
        StaffUserRepository users(m_ctx.db);
        const bool replaced = m_ctx.db.transact([&](Transaction &tx) {
            return users.replacePasswordHash(tx, user.id, user.passwordHash, fresh);
        });
        if (replaced)
            qCInfo(lcAdmin).noquote()
                << "console user" << user.username << "password hash upgraded to Argon2id";
    } catch (const Error &e) {
        qCWarning(lcAdmin).noquote() << "cannot upgrade the password hash of console user"
                                     << user.username << ":" << e.detail();
    }
}

AdminLoginResult AdminAuth::login(const QString &username, const QString &password,
                                  const QString &clientAddress)
{
    // Keys carry the username only when it could be one (anything else cannot exist anyway).
    const bool plausible = usernamePattern().match(username).hasMatch();
    const QByteArray userKey = plausible
        ? username.toLower().toUtf8()
        : QByteArrayLiteral("~") + crypto::sha256(username.toUtf8()).toHex().left(16);
    const QByteArray addressKey = throttleAddress(clientAddress);
    const QString actor = plausible ? username : QStringLiteral("?");

    const Attempt attempt = beginAttempt(userKey, addressKey, actor, clientAddress);

    std::optional<StaffUser> user;
    bool passwordOk = false;
    try {
        StaffUserRepository users(m_ctx.db);
        user = plausible ? users.findByUsername(username) : std::nullopt;
        passwordOk =
            crypto::verifyPassword(password, user ? user->passwordHash : dummyHash()) && user;
    } catch (...) {
        // Not judged (database down): not a failure either.
        try {
            settleAttempt(attempt, false);
        } catch (const Error &) {
            // Redis is down too; the charge expires with its window.
        }
        throw;
    }
    if (!passwordOk || user->disabled) {
        const QString why = !user ? QStringLiteral("unknown user")
            : !passwordOk         ? QStringLiteral("wrong password")
                                  : QStringLiteral("user disabled");
        audit(actor, QStringLiteral("login_failed"), clientAddress,
              {{QStringLiteral("cause"), why}});
        throw Error(ErrorCode::Unauthorized, QStringLiteral("console login failed: ") + why);
    }

    settleAttempt(attempt, true);
    rehashIfNeeded(*user, password);
    AdminLoginResult result;
    result.token = crypto::randomToken(32);
    result.role = user->role;
    result.expiresIn = TokenLifetimeSeconds;
    m_ctx.redis
        .command({"SET", sessionKey(result.token), QByteArray::number(user->id), "EX",
                  QByteArray::number(TokenLifetimeSeconds)})
        .throwIfError("SET admin session");
    StaffUserRepository(m_ctx.db).recordLogin(user->id);
    audit(user->username, QStringLiteral("login"), clientAddress,
          {{QStringLiteral("role"), staffRoleName(user->role)}});
    return result;
}

void AdminAuth::logout(const QString &token)
{
    if (!token.isEmpty())
        m_ctx.redis.command({"DEL", sessionKey(token)}).throwIfError("DEL admin session");
}

StaffPrincipal AdminAuth::authenticateToken(const QString &token) const
{
    static const QRegularExpression tokenRe(QStringLiteral("^[A-Za-z0-9_-]{20,128}$"));
    if (!tokenRe.match(token).hasMatch())
        throw Error(ErrorCode::Unauthorized, QStringLiteral("no console token"));
    const RedisReply r = m_ctx.redis.command({"GET", sessionKey(token)}, Idempotent::Yes);
    r.throwIfError("GET admin session");
    if (r.isNil())
        throw Error(ErrorCode::Unauthorized, QStringLiteral("unknown or expired console token"));
    bool ok = false;
    const qint64 userId = r.toByteArray().toLongLong(&ok);
    const std::optional<StaffUser> user =
        ok ? StaffUserRepository(m_ctx.db).find(userId) : std::nullopt;
    if (!user || user->disabled)
        throw Error(ErrorCode::Unauthorized, QStringLiteral("console user gone or disabled"));
    return {user->id, user->username, user->role};
}

void AdminAuth::requireRole(const StaffPrincipal &who, StaffRole role)
{
    if (who.role < role)
        throw Error(ErrorCode::Forbidden,
                    QStringLiteral("%1 is %2").arg(who.username, staffRoleName(who.role)));
}

bool AdminAuth::ensureInitialAdmin(const ServerContext &context)
{
    StaffUserRepository users(context.db);
    if (users.countAdmins() > 0)
        return false;
    const QString name = QStringLiteral("admin");
    if (users.findByUsername(name)) {
        qCWarning(lcApp).noquote()
            << "there is no enabled console admin; the user 'admin' exists but is disabled or "
               "staff: use `pomelo-server user add --role admin` to create one";
        return false;
    }
    QString password = context.config.adminInitialPassword();
    const bool generated = password.isEmpty();
    if (generated)
        password = crypto::randomToken(12);
    StaffUser user;
    user.username = name;
    user.role = StaffRole::Admin;
    user.passwordHash = crypto::hashPassword(password);
    const std::optional<qint64> id =
        context.db.transact([&](Transaction &tx) { return users.insert(tx, user); });
    if (!id)
        return false; // another instance created it meanwhile
    qCInfo(lcApp).noquote() << "console user 'admin' created"
                            << (generated ? "(password printed on stdout once)"
                                          : "(password from admin.initial_password)");
    if (generated) {
        // stdout only, never the log: it is shown this one time.
        std::fprintf(stdout,
                     "Console admin user created: username 'admin', password '%s' "
                     "(shown only this once; change it with `pomelo-server user passwd admin`)\n",
                     qUtf8Printable(password));
        std::fflush(stdout);
    }
    return true;
}

} // namespace pomelo
