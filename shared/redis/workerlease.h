#pragma once

#include "redisclient.h"
#include "rediskeys.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace pomelo {

/// Leases a Snowflake worker id (0..1023) from Redis so that several server instances never
/// generate ids with the same worker bits: `SET {prefix}pomelo:snowflake:worker:<n> <owner> NX PX`
/// on the first free n, renewed by a thread every ttl/3 (only while still ours, by a Lua
/// compare-and-renew). Released on destruction.
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

    int workerId() const { return m_workerId; }

private:
    void renewLoop();

    RedisPool m_pool;
    RedisKeys m_keys;
    std::chrono::milliseconds m_ttl;
    QByteArray m_owner;
    int m_workerId = -1;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace pomelo
