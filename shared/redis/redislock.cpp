#include "redislock.h"

#include "domain/errors.h"
#include "redissubscriber.h"
#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QUuid>

#include <atomic>

namespace pomelo {

namespace {

using namespace std::chrono;

// KEYS: lock, fence, waiters marker. ARGV: lease ms, owner, marker ms. Free lock: take it with a
// new fencing token. Held by the caller: one more hold, lease reset, same token. Else: the holder's
// TTL, and a caller that is going to wait (marker ms > 0) marks the lock as waited on for that
// long, in the same atomic step, so that the release after this attempt announces itself.
const RedisScript acquireScript(QByteArrayLiteral(R"lua(
if redis.call('exists', KEYS[1]) == 0 then
  redis.call('hset', KEYS[1], ARGV[2], 1)
  redis.call('pexpire', KEYS[1], ARGV[1])
  return {1, redis.call('incr', KEYS[2]), 1}
end
if redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
  local n = redis.call('hincrby', KEYS[1], ARGV[2], 1)
  redis.call('pexpire', KEYS[1], ARGV[1])
  return {1, tonumber(redis.call('get', KEYS[2]) or '0'), n}
end
local marker = tonumber(ARGV[3])
if marker > 0 and redis.call('pttl', KEYS[3]) < marker then
  redis.call('set', KEYS[3], '1', 'PX', marker)
end
return {0, redis.call('pttl', KEYS[1])}
)lua"));

// KEYS: lock, waiters marker. ARGV: owner, lease ms, channel, message. -1: not the owner;
// n > 0: still held n times (lease reset); 0: released, and announced if someone waits. An
// uncontended release publishes nothing: no message for Redis to send, no subscriber to wake.
const RedisScript unlockScript(QByteArrayLiteral(R"lua(
local holds = tonumber(redis.call('hget', KEYS[1], ARGV[1]))
if not holds then
  return -1
end
if holds > 1 then
  redis.call('hset', KEYS[1], ARGV[1], holds - 1)
  redis.call('pexpire', KEYS[1], ARGV[2])
  return holds - 1
end
redis.call('del', KEYS[1])
if redis.call('exists', KEYS[2]) == 1 then
  redis.call('publish', ARGV[3], ARGV[4])
end
return 0
)lua"));

// KEYS: lock. ARGV: lease ms, owner. 1: renewed; 0: the owner no longer holds it.
const RedisScript renewScript(QByteArrayLiteral(R"lua(
if redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
  redis.call('pexpire', KEYS[1], ARGV[1])
  return 1
end
return 0
)lua"));

// KEYS: lock. ARGV: channel, message.
const RedisScript forceUnlockScript(QByteArrayLiteral(R"lua(
if redis.call('del', KEYS[1]) == 1 then
  redis.call('publish', ARGV[1], ARGV[2])
  return 1
end
return 0
)lua"));

// Never reused within a process, unlike kernel thread ids: a new thread that got a dead thread's
// tid would otherwise "re-enter" a lock that thread leaked.
quint64 threadSerial()
{
    static std::atomic<quint64> next {1};
    thread_local const quint64 serial = next.fetch_add(1);
    return serial;
}

constexpr milliseconds degradedPoll {100};

} // namespace

class RedisLockService::WaiterRef
{
public:
    WaiterRef(RedisLockService &service, const QByteArray &key)
        : m_service(service)
    {
        std::lock_guard lock(m_service.m_waitMutex);
        m_it = m_service.m_waiters.try_emplace(key).first;
        ++m_it->second.refs;
    }
    ~WaiterRef()
    {
        std::lock_guard lock(m_service.m_waitMutex);
        if (--m_it->second.refs == 0)
            m_service.m_waiters.erase(m_it);
    }
    WaiterRef(const WaiterRef &) = delete;
    WaiterRef &operator=(const WaiterRef &) = delete;

    quint64 generation() const
    {
        std::lock_guard lock(m_service.m_waitMutex);
        return m_it->second.generation;
    }
    void waitForChange(quint64 seen, steady_clock::time_point until)
    {
        std::unique_lock lock(m_service.m_waitMutex);
        m_it->second.cv.wait_until(lock, until, [&] { return m_it->second.generation != seen; });
    }

private:
    RedisLockService &m_service;
    std::map<QByteArray, Waiters>::iterator m_it;
};

RedisLockService::RedisLockService(RedisPool &pool, RedisKeys keys, LockServiceOptions options)
    : m_pool(pool)
    , m_keys(std::move(keys))
    , m_options(std::move(options))
    , m_instanceId(m_options.instanceId.isEmpty()
                       ? QUuid::createUuid().toByteArray(QUuid::WithoutBraces)
                       : m_options.instanceId)
{
    RedisOptions subscriberOptions = m_pool.options();
    if (!subscriberOptions.clientName.isEmpty())
        subscriberOptions.clientName += "-locksub";
    m_subscriber = std::make_unique<RedisSubscriber>(
        subscriberOptions, QList<QByteArray> {}, QList<QByteArray> {m_keys.lockChannelPattern()},
        [this](const QByteArray &, const QByteArray &message) { onUnlockMessage(message); },
        [this] { onSubscribed(); });
    m_subscriber->start();
    m_watchdog = std::thread([this] { watchdogLoop(); });
}

RedisLockService::~RedisLockService()
{
    {
        std::lock_guard lock(m_watchdogMutex);
        m_stopping = true;
    }
    m_watchdogCv.notify_all();
    if (m_watchdog.joinable())
        m_watchdog.join();
    m_subscriber->stop();
}

QByteArray RedisLockService::currentOwnerId() const
{
    return m_instanceId + ':' + QByteArray::number(threadSerial());
}

bool RedisLockService::isSubscribed() const
{
    return m_subscriber->isSubscribed();
}

bool RedisLockService::waitSubscribed(int timeoutMs) const
{
    return m_subscriber->waitSubscribed(timeoutMs);
}

int RedisLockService::watchdogCount() const
{
    std::lock_guard lock(m_heldMutex);
    int n = 0;
    for (const auto &[id, held] : m_held)
        n += held.watchdog ? 1 : 0;
    return n;
}

int RedisLockService::waiterCount() const
{
    std::lock_guard lock(m_waitMutex);
    int n = 0;
    for (const auto &[key, waiters] : m_waiters)
        n += waiters.refs;
    return n;
}

std::optional<LockGrant> RedisLockService::tryLock(const QByteArray &key, milliseconds wait,
                                                   milliseconds lease)
{
    const QByteArray owner = currentOwnerId();
    const bool watchdog = lease <= milliseconds::zero();
    const qint64 leaseMs = watchdog ? m_options.watchdogLease.count() : lease.count();
    const auto deadline = steady_clock::now() + std::max(wait, milliseconds::zero());
    const QList<QByteArray> scriptKeys {key, RedisKeys::lockFence(key),
                                        RedisKeys::lockWaiters(key)};

    // Registered before the first attempt so that an unlock announced between a failed attempt
    // and the wait is not missed: it bumps the generation we compare against.
    std::optional<WaiterRef> waiter;
    if (wait > milliseconds::zero())
        waiter.emplace(*this, key);

    for (;;) {
        const quint64 seen = waiter ? waiter->generation() : 0;
        // Not retried on a broken connection: a grant we never heard of would be counted twice.
        // The marker outlives our wait by a margin for latency; a waiter that gave up leaves at
        // worst a few needless announcements behind.
        const qint64 markerMs =
            waiter ? duration_cast<milliseconds>(deadline - steady_clock::now()).count() + 1000 : 0;
        const RedisReply reply =
            m_pool.evalSha(acquireScript, scriptKeys,
                           {QByteArray::number(leaseMs), owner,
                            QByteArray::number(std::max<qint64>(markerMs, 0))});
        reply.throwIfError("lock acquire");
        if (reply.at(0).toInteger() == 1) {
            LockGrant grant {key, owner, reply.at(1).toInteger(), reply.at(2).toInteger()};
            std::lock_guard lock(m_heldMutex);
            Held &held = m_held[{key, owner}];
            if (grant.holdCount == 1)
                held.grant = ++m_grants;
            held.count = grant.holdCount;
            held.leaseMs = leaseMs;
            held.watchdog = held.watchdog || watchdog;
            return grant;
        }
        const auto now = steady_clock::now();
        if (!waiter || now >= deadline)
            return std::nullopt;
        const qint64 ttl = reply.at(1).toInteger();
        // PTTL is 0 in the last millisecond of a lease: wake up then too, not at the deadline.
        auto until =
            ttl >= 0 ? std::min(deadline, now + milliseconds(std::max<qint64>(ttl, 1))) : deadline;
        if (!m_subscriber->isSubscribed())
            until = std::min(until, now + degradedPoll);
        waiter->waitForChange(seen, until);
    }
}

UnlockResult RedisLockService::unlock(const QByteArray &key)
{
    return unlockAs(key, currentOwnerId());
}

UnlockResult RedisLockService::unlock(const LockGrant &grant)
{
    return unlockAs(grant.key, grant.ownerId);
}

UnlockResult RedisLockService::unlockAs(const QByteArray &key, const QByteArray &owner)
{
    const std::pair<QByteArray, QByteArray> id {key, owner};
    qint64 leaseMs = m_options.watchdogLease.count();
    {
        // Marked as being released before the script is sent: a renewal that runs in Redis after
        // it and finds the lock gone must not take our own release for a loss (see renewAll()).
        std::lock_guard lock(m_heldMutex);
        const auto it = m_held.find(id);
        if (it != m_held.end()) {
            leaseMs = it->second.leaseMs;
            ++it->second.releasing;
        }
    }
    // Undoes the mark of an entry that survives the release (a re-entrant hold, or a failure).
    const auto unmark = [this, &id] {
        const auto it = m_held.find(id);
        if (it != m_held.end() && it->second.releasing > 0)
            --it->second.releasing;
        return it;
    };
    RedisReply reply;
    try {
        reply = m_pool.evalSha(unlockScript, {key, RedisKeys::lockWaiters(key)},
                               {owner, QByteArray::number(leaseMs), m_keys.lockChannel(key), key});
        reply.throwIfError("lock release");
    } catch (const Error &) {
        // Whatever Redis did, this hold is over for us: stop renewing it so that, at worst, the
        // lock expires with its lease.
        std::lock_guard lock(m_heldMutex);
        const auto it = unmark();
        if (it != m_held.end() && --it->second.count <= 0)
            m_held.erase(it);
        throw;
    }
    hook(LockHookPoint::UnlockAfterEval, key);
    const qint64 left = reply.toInteger();
    std::lock_guard lock(m_heldMutex);
    if (left > 0) {
        const auto it = unmark();
        if (it != m_held.end())
            it->second.count = left;
        return UnlockResult::StillHeld;
    }
    m_held.erase(id);
    return left == 0 ? UnlockResult::Released : UnlockResult::NotHeld;
}

bool RedisLockService::forceUnlock(const QByteArray &key)
{
    const RedisReply reply =
        m_pool.evalSha(forceUnlockScript, {key}, {m_keys.lockChannel(key), key}, Idempotent::Yes);
    reply.throwIfError("lock force-unlock");
    qCInfo(lcRedis).noquote() << "lock" << QString::fromUtf8(key) << "force-unlocked:"
                              << (reply.toInteger() == 1 ? "was held" : "was free");
    return reply.toInteger() == 1;
}

std::optional<LockInfo> RedisLockService::inspect(const QByteArray &key)
{
    const QList<RedisReply> replies = m_pool.pipeline(
        {{QByteArrayLiteral("HGETALL"), key}, {QByteArrayLiteral("PTTL"), key}}, Idempotent::Yes);
    replies.at(0).throwIfError("lock inspect");
    const auto &fields = replies.at(0).elements();
    if (fields.isEmpty())
        return std::nullopt;
    LockInfo info;
    info.key = key;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2)
        info.owners.append({fields.at(i).toByteArray(), fields.at(i + 1).toInteger()});
    info.ttlMs = replies.at(1).toInteger();
    return info;
}

QList<LockInfo> RedisLockService::heldLocks(const QByteArray &match, int limit)
{
    QList<LockInfo> out;
    QByteArray cursor = "0";
    do {
        const RedisReply page =
            m_pool.command({QByteArrayLiteral("SCAN"), cursor, QByteArrayLiteral("MATCH"), match,
                            QByteArrayLiteral("COUNT"), QByteArrayLiteral("500"),
                            QByteArrayLiteral("TYPE"), QByteArrayLiteral("hash")},
                           Idempotent::Yes);
        page.throwIfError("SCAN");
        cursor = page.at(0).toByteArray();
        for (const RedisReply &k : page.at(1).elements()) {
            if (out.size() >= limit)
                return out;
            if (auto info = inspect(k.toByteArray()))
                out.append(*info);
        }
    } while (cursor != "0");
    return out;
}

bool RedisLockService::isHeldByCurrentThread(const QByteArray &key)
{
    const RedisReply reply =
        m_pool.command({QByteArrayLiteral("HEXISTS"), key, currentOwnerId()}, Idempotent::Yes);
    reply.throwIfError("HEXISTS");
    return reply.toInteger() == 1;
}

void RedisLockService::onUnlockMessage(const QByteArray &key)
{
    std::lock_guard lock(m_waitMutex);
    const auto it = m_waiters.find(key);
    if (it == m_waiters.end())
        return;
    ++it->second.generation;
    // All waiters of this lock try again; one wins, the others wait for the next release. Waking
    // one only (Redisson) is cheaper but loses a wake-up when that waiter has just given up.
    it->second.cv.notify_all();
}

void RedisLockService::onSubscribed()
{
    // Unlocks published while the subscription was down were missed: everyone tries again.
    std::lock_guard lock(m_waitMutex);
    for (auto &[key, waiters] : m_waiters) {
        ++waiters.generation;
        waiters.cv.notify_all();
    }
}

void RedisLockService::watchdogLoop()
{
    const auto interval = std::max(m_options.watchdogLease / 3, milliseconds(1));
    std::unique_lock lock(m_watchdogMutex);
    while (!m_stopping) {
        m_watchdogCv.wait_for(lock, interval, [this] { return m_stopping; });
        if (m_stopping)
            break;
        lock.unlock();
        renewAll();
        lock.lock();
    }
}

// A renewal is sent for the locks held when the round began, without holding m_heldMutex across
// the round trip. Its owner may release the lock meanwhile. The release script deletes the hash,
// a renewal evaluated after it finds the owner gone, and the watchdog may read that reply before
// the releasing thread has read its own and removed the entry from m_held: the watchdog used to
// take the entry still there for a lock that expired, drop it and warn "lock … was lost" (seen
// once in ~52k bookings with 200 ms holds and a 30 s lease: the release had to land inside the
// renewal's round trip). Worse, when the same owner took the lock again before the watchdog read
// the reply, it dropped the new hold, whose lease then ran out unrenewed. So a "not held" reply
// counts as a loss only for the very grant it was sent for (Held::grant) and only when no release
// of that owner is in flight (Held::releasing, set before the release script is sent): otherwise
// the release, or the new grant, settles the entry.
void RedisLockService::renewAll()
{
    struct Renewal
    {
        std::pair<QByteArray, QByteArray> id;
        quint64 grant;
    };
    std::vector<Renewal> renew;
    {
        std::lock_guard lock(m_heldMutex);
        for (const auto &[id, held] : m_held) {
            if (held.watchdog)
                renew.push_back({id, held.grant});
        }
    }
    const QByteArray lease = QByteArray::number(m_options.watchdogLease.count());
    for (const Renewal &r : renew) {
        const auto &[key, owner] = r.id;
        try {
            hook(LockHookPoint::RenewBeforeEval, key);
            const RedisReply reply =
                m_pool.evalSha(renewScript, {key}, {lease, owner}, Idempotent::Yes);
            reply.throwIfError("lock renew");
            hook(LockHookPoint::RenewAfterEval, key);
            if (reply.toInteger() == 0) {
                std::lock_guard lock(m_heldMutex);
                const auto it = m_held.find(r.id);
                if (it != m_held.end() && it->second.grant == r.grant
                    && it->second.releasing == 0) {
                    m_held.erase(it);
                    qCWarning(lcRedis).noquote()
                        << "lock" << QString::fromUtf8(key) << "was lost by"
                        << QString::fromUtf8(owner) << "(expired or force-unlocked)";
                }
            }
            hook(LockHookPoint::RenewDone, key);
        } catch (const Error &e) {
            qCWarning(lcRedis).noquote() << "lock watchdog:" << e.detail();
            return; // same outage for the others; the next tick tries again
        }
    }
}

// ---------------------------------------------------------------------------------------------

namespace {

QString unlockResultName(UnlockResult result)
{
    switch (result) {
    case UnlockResult::Released:
        return QStringLiteral("released");
    case UnlockResult::StillHeld:
        return QStringLiteral("still_held");
    case UnlockResult::NotHeld:
        return QStringLiteral("not_held");
    }
    return {};
}

} // namespace

LockGuard LockGuard::tryAcquire(RedisLockService &service, const QByteArray &key, milliseconds wait,
                                milliseconds lease)
{
    Span span(QStringLiteral("lock.acquire"));
    const auto started = steady_clock::now();
    LockGuard guard;
    try {
        guard.m_grant = service.tryLock(key, wait, lease);
    } catch (const Error &e) {
        span.setError(e.detail());
        throw;
    }
    if (guard.m_grant)
        guard.m_service = &service;
    if (span.isRecording()) {
        span.setAttribute(QStringLiteral("lock.key"), QString::fromUtf8(key));
        span.setAttribute(
            QStringLiteral("lock.wait_ms"),
            qint64(duration_cast<milliseconds>(steady_clock::now() - started).count()));
        span.setAttribute(QStringLiteral("lock.acquired"), guard.owns());
        // Busy is an answer (the caller refuses politely or retries later), not a failure.
        if (guard.m_grant)
            span.setAttribute(QStringLiteral("lock.fencing_token"), guard.m_grant->fencingToken);
        else
            span.addEvent(QStringLiteral("lock.busy"),
                          {{QStringLiteral("lock.wait_limit_ms"), qint64(wait.count())}});
    }
    return guard;
}

LockGuard::~LockGuard()
{
    try {
        unlock();
    } catch (const Error &e) {
        qCWarning(lcRedis).noquote()
            << "lock guard: release failed, the lease will expire:" << e.detail();
    }
}

LockGuard::LockGuard(LockGuard &&other) noexcept
    : m_service(std::exchange(other.m_service, nullptr))
    , m_grant(std::exchange(other.m_grant, std::nullopt))
{ }

LockGuard &LockGuard::operator=(LockGuard &&other) noexcept
{
    if (this != &other) {
        try {
            unlock();
        } catch (const Error &e) {
            qCWarning(lcRedis).noquote() << "lock guard: release failed:" << e.detail();
        }
        m_service = std::exchange(other.m_service, nullptr);
        m_grant = std::exchange(other.m_grant, std::nullopt);
    }
    return *this;
}

void LockGuard::unlock()
{
    if (!m_grant || !m_service)
        return;
    const LockGrant grant = *std::exchange(m_grant, std::nullopt);
    Span span(QStringLiteral("lock.release"));
    if (span.isRecording()) {
        span.setAttribute(QStringLiteral("lock.key"), QString::fromUtf8(grant.key));
        span.setAttribute(QStringLiteral("lock.fencing_token"), grant.fencingToken);
    }
    try {
        const UnlockResult result = m_service->unlock(grant);
        if (span.isRecording())
            span.setAttribute(QStringLiteral("lock.result"), unlockResultName(result));
    } catch (const Error &e) {
        span.setError(e.detail());
        throw;
    }
}

} // namespace pomelo
