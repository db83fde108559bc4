#pragma once

#include "redisclient.h"
#include "rediskeys.h"

namespace pomelo {

/// Remembers request nonces so that a signed request cannot be replayed (API.md code 2004):
/// `SET {prefix}pomelo:nonce:{appId}:{nonce} 1 NX EX ttl`.
class ReplayGuard
{
public:
    ReplayGuard(RedisPool &pool, RedisKeys keys);

    /// True the first time a nonce is seen within @p ttlSeconds (it is then remembered), false
    /// when it was seen already. Throws Error(DependencyUnavailable) when Redis is unreachable.
    /// Not retried on a broken connection: had the first SET gone through, the retry would call
    /// a fresh request a replay.
    bool claimNonce(const QString &appId, const QString &nonce, int ttlSeconds);

private:
    RedisPool &m_pool;
    const RedisKeys m_keys;
};

} // namespace pomelo
