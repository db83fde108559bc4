#pragma once

#include "domain/snowflake.h"
#include "redisclient.h"
#include "rediskeys.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace pomelo {

/// Leases a Snowflake worker id (0..1023) from Redis so that several server instances never
/// generate ids with the same worker bits: `SET {prefix}pomelo:snowflake:worker:<n> <owner> NX PX`
/// on the first free n, renewed by a thread every ttl/3 (only while still ours, by a Lua
/// compare-and-renew). Released on destruction.
///
/// The lease is published as a SnowflakeLease (lease()) for a SnowflakeGenerator: held until the
/// time the last confirmed renewal was *sent* plus the TTL, less a margin (Redis cannot have let
/// the key expire before that), so a generator stops by itself when renewals fail for that long,
/// even while this thread is stuck in a Redis call. A renewal that finds the key gone or someone
/// else's revokes it at once; the thread then leases an id again (the same one when it is free,
/// else another) and only then does the generator resume, with that id.
class WorkerIdLease
{
public:
    /// Throws Error(DependencyUnavailable) when Redis is down, Error(Internal) when every id is
    /// taken.
    WorkerIdLease(RedisOptions options, RedisKeys keys,
                  std::chrono::milliseconds ttl = std::chrono::seconds(60));
    ~WorkerIdLease();
    WorkerIdLease(const WorkerIdLease &) = delete;
    WorkerIdLease &operator=(const WorkerIdLease &) = delete;

    /// The id held now; -1 while none is (lost, not yet leased again).
    int workerId() const;
    /// What generators follow; it outlives this object (revoked by the destructor).
    std::shared_ptr<SnowflakeLease> lease() const { return m_lease; }
    /// The value of this instance's worker key in Redis (operators, tests).
    QByteArray owner() const { return m_owner; }
    /// The key of worker id @p id.
    QByteArray workerKey(int id) const;

private:
    /// SET NX of @p preferred, then of the others from a random start. The id, or -1 when every id
    /// is taken. Throws when Redis fails.
    int acquire(int preferred, SnowflakeLease::TimePoint &validUntil);
    void renewLoop();

    RedisPool m_pool;
    RedisKeys m_keys;
    std::chrono::milliseconds m_ttl;
    std::chrono::milliseconds m_margin;
    QByteArray m_owner;
    std::shared_ptr<SnowflakeLease> m_lease;
    int m_heldId = -1; ///< the key we hold (or last held); renew thread only after construction
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace pomelo
