#pragma once

#include "redisclient.h"
#include "rediskeys.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace pomelo {

class RedisSubscriber;

/// Points in the lock service where LockServiceOptions::testHook is called, so that a test can
/// order a renewal and a release the way a loaded machine sometimes does.
enum class LockHookPoint {
    RenewBeforeEval, ///< watchdog thread: the renewal of this lock is about to be sent
    RenewAfterEval, ///< watchdog thread: its reply came, not yet acted on
    RenewDone, ///< watchdog thread: its reply was acted on
    UnlockAfterEval, ///< releasing thread: the release script ran, not yet recorded
};

struct LockServiceOptions
{
    /// First half of every owner id (`instanceId:threadSerial`). Empty: a random UUID, so two
    /// processes never share an owner id.
    QByteArray instanceId;
    /// Lease of locks taken without an explicit lease; the watchdog renews them every lease/3
    /// while their owner holds them (Redisson's lockWatchdogTimeout).
    std::chrono::milliseconds watchdogLease {30000};
    /// Tests only: called at each LockHookPoint with the lock's key. Empty in production.
    std::function<void(LockHookPoint, const QByteArray &key)> testHook;
};

/// One grant of a lock.
struct LockGrant
{
    QByteArray key;
    /// Who holds it: `instanceId:threadSerial` of the thread that called tryLock().
    QByteArray ownerId;
    /// Fencing token: `INCR {key}:fence` at every first grant, so strictly increasing per lock
    /// name across all owners and instances (the counter has no expiry). A re-entrant grant
    /// returns the token of the grant it re-enters. Storage that records the highest token it
    /// has seen for a resource and rejects a write carrying a lower one is safe even when a
    /// lease expires during a pause of its holder.
    qint64 fencingToken = 0;
    /// 1 for a first grant, n for the (n-1)th re-entry.
    qint64 holdCount = 1;
};

enum class UnlockResult {
    Released, ///< the last hold was released; waiters were notified
    StillHeld, ///< a re-entrant hold was released; the owner still holds the lock
    NotHeld, ///< the caller does not hold it (never did, released already, or its lease expired)
};

/// State of a lock as Redis has it (for the console's lock view).
struct LockInfo
{
    QByteArray key;
    QList<QPair<QByteArray, qint64>> owners; // owner id → hold count
    qint64 ttlMs = -1;
};

/// Re-entrant distributed locks with Redisson RLock semantics, plus fencing tokens:
/// a hash per lock (field: owner id → hold count) with a lease; locks taken without an explicit
/// lease are renewed by a watchdog thread (its own connection) every lease/3 while held, and a
/// renewal that finds the lock gone stops renewing it; unlock is owner-only (Lua) and publishes on
/// the lock's channel (RedisKeys::lockChannel) when someone waits; tryLock() waits on that channel
/// (one pattern subscription per service, on a dedicated connection, fanned out to waiters)
/// bounded by the holder's TTL and the remaining wait, so a waiter wakes as soon as the lock is
/// released rather than on a poll interval.
///
/// Unlike Redisson, an uncontended release publishes nothing: a failed attempt of a caller that is
/// going to wait sets `{key}:waiters` (expiring with its wait) in the same script that saw the lock
/// held, and the release publishes only while that marker exists. No announcement a waiter needs
/// can be skipped, and the common case saves Redis a message and the subscriber a wake-up.
///
/// Owner ids are per thread: lock and unlock on the same thread, or unlock the LockGrant (which
/// carries its owner id). Thread-safe. Redis failures throw Error(DependencyUnavailable).
class RedisLockService
{
public:
    RedisLockService(RedisPool &pool, RedisKeys keys, LockServiceOptions options = {});
    ~RedisLockService();
    RedisLockService(const RedisLockService &) = delete;
    RedisLockService &operator=(const RedisLockService &) = delete;

    /// One attempt, then waits for an unlock up to @p wait. @p lease <= 0: the watchdog lease,
    /// renewed while held; > 0: a fixed lease, not renewed. Nothing when not granted in time.
    std::optional<LockGrant>
    tryLock(const QByteArray &key, std::chrono::milliseconds wait,
            std::chrono::milliseconds lease = std::chrono::milliseconds(-1));
    /// Releases one hold of the calling thread. Idempotent: NotHeld when there is nothing to
    /// release. Not retried on a broken connection (it would release a re-entrant hold twice).
    UnlockResult unlock(const QByteArray &key);
    /// Releases one hold of @p grant's owner (from any thread).
    UnlockResult unlock(const LockGrant &grant);
    /// Admin intervention: deletes the lock whoever holds it and wakes its waiters.
    bool forceUnlock(const QByteArray &key);

    std::optional<LockInfo> inspect(const QByteArray &key);
    /// Locks whose keys match the SCAN pattern @p match (e.g. keys.key("paying:*")), at most
    /// @p limit.
    QList<LockInfo> heldLocks(const QByteArray &match, int limit = 1000);
    bool isHeldByCurrentThread(const QByteArray &key);

    QByteArray currentOwnerId() const;
    const QByteArray &instanceId() const { return m_instanceId; }
    const RedisKeys &keys() const { return m_keys; }
    /// Whether the unlock subscription is up (while it is not, waiters poll every 100 ms).
    bool isSubscribed() const;
    bool waitSubscribed(int timeoutMs) const;
    /// Locks the watchdog currently renews (tests, metrics).
    int watchdogCount() const;
    /// Threads currently waiting in tryLock() (tests, metrics).
    int waiterCount() const;

private:
    struct Held
    {
        qint64 count = 0;
        qint64 leaseMs = 0;
        bool watchdog = false;
        /// Which first grant this is (a new one after a release and a new acquisition by the
        /// same owner): a renewal sent for an earlier grant says nothing about this one.
        quint64 grant = 0;
        /// Releases of this owner in flight (sent, reply not yet recorded).
        int releasing = 0;
    };
    struct Waiters
    {
        int refs = 0;
        quint64 generation = 0;
        std::condition_variable cv;
    };
    class WaiterRef;

    UnlockResult unlockAs(const QByteArray &key, const QByteArray &owner);
    void onUnlockMessage(const QByteArray &key);
    void onSubscribed();
    void watchdogLoop();
    void renewAll();
    void hook(LockHookPoint point, const QByteArray &key) const
    {
        if (m_options.testHook)
            m_options.testHook(point, key);
    }

    RedisPool &m_pool;
    const RedisKeys m_keys;
    const LockServiceOptions m_options;
    const QByteArray m_instanceId;

    mutable std::mutex m_heldMutex;
    std::map<std::pair<QByteArray, QByteArray>, Held> m_held; // (key, owner)
    quint64 m_grants = 0; // serial of the last first grant; guarded by m_heldMutex

    mutable std::mutex m_waitMutex;
    std::map<QByteArray, Waiters> m_waiters;

    std::mutex m_watchdogMutex;
    std::condition_variable m_watchdogCv;
    bool m_stopping = false;
    std::thread m_watchdog;
    std::unique_ptr<RedisSubscriber> m_subscriber;
};

/// Holds a lock for a scope and releases it on every path out, exceptions included.
///
///     auto guard = LockGuard::tryAcquire(locks, keys.payingLock(id), 5s);
///     if (!guard)
///         throw Error(ErrorCode::DuplicatePayment);
class LockGuard
{
public:
    LockGuard() = default;
    static LockGuard tryAcquire(RedisLockService &service, const QByteArray &key,
                                std::chrono::milliseconds wait,
                                std::chrono::milliseconds lease = std::chrono::milliseconds(-1));
    ~LockGuard();
    LockGuard(LockGuard &&other) noexcept;
    LockGuard &operator=(LockGuard &&other) noexcept;
    LockGuard(const LockGuard &) = delete;
    LockGuard &operator=(const LockGuard &) = delete;

    bool owns() const { return m_grant.has_value(); }
    explicit operator bool() const { return owns(); }
    const std::optional<LockGrant> &grant() const { return m_grant; }
    qint64 fencingToken() const { return m_grant ? m_grant->fencingToken : 0; }

    /// Releases now; throws Error(DependencyUnavailable) if Redis cannot be reached (the lock then
    /// expires with its lease). The destructor does the same but logs instead of throwing.
    void unlock();

private:
    RedisLockService *m_service = nullptr;
    std::optional<LockGrant> m_grant;
};

} // namespace pomelo
