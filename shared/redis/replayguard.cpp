#include "replayguard.h"

#include <algorithm>

namespace pomelo {

ReplayGuard::ReplayGuard(RedisPool &pool, RedisKeys keys)
    : m_pool(pool)
    , m_keys(std::move(keys))
{ }

bool ReplayGuard::claimNonce(const QString &appId, const QString &nonce, int ttlSeconds)
{
    const RedisReply reply =
        m_pool.command({QByteArrayLiteral("SET"), m_keys.nonce(appId, nonce),
                        QByteArrayLiteral("1"), QByteArrayLiteral("NX"), QByteArrayLiteral("EX"),
                        QByteArray::number(std::max(ttlSeconds, 1))});
    reply.throwIfError("replay guard SET NX");
    return reply.isStatus(); // OK when set; nil when the key existed
}

} // namespace pomelo
