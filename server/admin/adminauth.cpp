#include "adminauth.h"

#include "domain/crypto.h"
#include "redis/redisclient.h"
#include "redis/rediskeys.h"
#include "storage/auditrepository.h"
#include "telemetry/logging.h"

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

void AdminAuth::countFailure(const QByteArray &userKey, const QByteArray &addressKey)
{
    const QByteArray window = QByteArray::number(FailureWindowSeconds);
    QList<QList<QByteArray>> commands;
    const QByteArray failUser = m_ctx.keys.key("pomelo:admin:login-fail:user:" + userKey);
    const QByteArray failAddr = m_ctx.keys.key("pomelo:admin:login-fail:addr:" + addressKey);
    // EXPIRE NX: the window starts at the first failure and is not pushed back by later ones.
    const QList<RedisReply> replies = m_ctx.redis.pipeline({{"INCR", failUser},
                                                            {"EXPIRE", failUser, window, "NX"},
                                                            {"INCR", failAddr},
                                                            {"EXPIRE", failAddr, window, "NX"}});
    for (const RedisReply &r : replies)
        r.throwIfError("login failure count");
    const auto block = [this](const QByteArray &key, qint64 failures, qint64 limit) {
        if (failures < limit)
            return;
        const qint64 doublings = std::min<qint64>(failures - limit, 20);
        const qint64 seconds =
            std::min<qint64>(qint64(m_blockSeconds) << doublings, MaxBlockSeconds);
        m_ctx.redis.command({"SET", key, "1", "EX", QByteArray::number(seconds)})
            .throwIfError("SET login block");
    };
    block(m_ctx.keys.key("pomelo:admin:login-block:user:" + userKey), replies.at(0).toInteger(),
          m_maxFailures);
    block(m_ctx.keys.key("pomelo:admin:login-block:addr:" + addressKey), replies.at(2).toInteger(),
          qint64(m_maxFailures) * 4);
}

AdminLoginResult AdminAuth::login(const QString &username, const QString &password,
                                  const QString &peerAddress)
{
    // Keys carry the username only when it could be one (anything else cannot exist anyway).
    const bool plausible = usernamePattern().match(username).hasMatch();
    const QByteArray userKey = plausible
        ? username.toLower().toUtf8()
        : QByteArrayLiteral("~") + crypto::sha256(username.toUtf8()).toHex().left(16);
    const QByteArray addressKey = peerAddress.toUtf8();
    const QString actor = plausible ? username : QStringLiteral("?");

    const QList<RedisReply> blocks = m_ctx.redis.pipeline(
        {{"PTTL", m_ctx.keys.key("pomelo:admin:login-block:user:" + userKey)},
         {"PTTL", m_ctx.keys.key("pomelo:admin:login-block:addr:" + addressKey)}},
        Idempotent::Yes);
    qint64 blockedMs = 0;
    for (const RedisReply &r : blocks)
        blockedMs = std::max(blockedMs, r.throwIfError("PTTL login block").toInteger());
    if (blockedMs > 0) {
        const int retryAfter = static_cast<int>((blockedMs + 999) / 1000);
        audit(actor, QStringLiteral("login_refused"), peerAddress,
              {{QStringLiteral("retryAfterSeconds"), retryAfter}});
        qCWarning(lcHttp).noquote()
            << "console login refused (too many failures) from" << peerAddress;
        throw LoginThrottled(retryAfter);
    }

    StaffUserRepository users(m_ctx.db);
    const std::optional<StaffUser> user = plausible ? users.findByUsername(username) : std::nullopt;
    const bool passwordOk =
        crypto::verifyPassword(password, user ? user->passwordHash : dummyHash()) && user;
    if (!passwordOk || user->disabled) {
        countFailure(userKey, addressKey);
        const QString why = !user ? QStringLiteral("unknown user")
            : !passwordOk         ? QStringLiteral("wrong password")
                                  : QStringLiteral("user disabled");
        audit(actor, QStringLiteral("login_failed"), peerAddress, {{QStringLiteral("cause"), why}});
        throw Error(ErrorCode::Unauthorized, QStringLiteral("console login failed: ") + why);
    }

    m_ctx.redis.command({"DEL", m_ctx.keys.key("pomelo:admin:login-fail:user:" + userKey)})
        .throwIfError("DEL login failures");
    AdminLoginResult result;
    result.token = crypto::randomToken(32);
    result.role = user->role;
    result.expiresIn = TokenLifetimeSeconds;
    m_ctx.redis
        .command({"SET", sessionKey(result.token), QByteArray::number(user->id), "EX",
                  QByteArray::number(TokenLifetimeSeconds)})
        .throwIfError("SET admin session");
    users.recordLogin(user->id);
    audit(user->username, QStringLiteral("login"), peerAddress,
          {{QStringLiteral("role"), staffRoleName(user->role)}});
    return result;
}

void AdminAuth::logout(const HttpRequest &request)
{
    const QByteArray header = request.header("Authorization");
    if (header.startsWith("Bearer "))
        m_ctx.redis.command({"DEL", sessionKey(QString::fromLatin1(header.mid(7)))})
            .throwIfError("DEL admin session");
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

StaffPrincipal AdminAuth::authenticate(const HttpRequest &request) const
{
    const QByteArray header = request.header("Authorization");
    if (!header.startsWith("Bearer "))
        throw Error(ErrorCode::Unauthorized, QStringLiteral("no bearer token"));
    return authenticateToken(QString::fromLatin1(header.mid(7)));
}

void AdminAuth::requireRole(const StaffPrincipal &who, StaffRole role)
{
    if (who.role < role)
        throw Error(ErrorCode::Forbidden,
                    QStringLiteral("%1 is %2").arg(who.username, staffRoleName(who.role)));
}

StaffPrincipal AdminAuth::require(const HttpRequest &request, StaffRole role) const
{
    const StaffPrincipal who = authenticate(request);
    requireRole(who, role);
    return who;
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
