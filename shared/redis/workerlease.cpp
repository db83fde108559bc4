#include "workerlease.h"

#include "domain/errors.h"
#include "telemetry/logging.h"

#include <QUuid>

namespace pomelo {

namespace {

const RedisScript &renewScript()
{
    static const RedisScript script(
        QByteArrayLiteral("if redis.call('GET', KEYS[1]) == ARGV[1] then return "
                          "redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
                          "return 0"));
    return script;
}

const RedisScript &releaseScript()
{
    static const RedisScript script(
        QByteArrayLiteral("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', "
                          "KEYS[1]) end return 0"));
    return script;
}

} // namespace

QByteArray WorkerIdLease::workerKey(int id) const
{
    return m_keys.key(QByteArrayLiteral("pomelo:snowflake:worker:") + QByteArray::number(id));
}

WorkerIdLease::WorkerIdLease(RedisOptions options, RedisKeys keys, std::chrono::milliseconds ttl)
    : m_pool(std::move(options))
    , m_keys(std::move(keys))
    , m_ttl(ttl)
    // Slack for a Redis that applies the expiry a little after we sent the command, and for
    // clocks that tick at slightly different rates.
    , m_margin(std::max<std::chrono::milliseconds>(ttl / 10, std::chrono::milliseconds(1)))
    , m_owner(QUuid::createUuid().toByteArray(QUuid::WithoutBraces))
{
    SnowflakeLease::TimePoint validUntil;
    // Start the search at a random id: instances that start together rarely collide on SET NX.
    const int id = acquire(static_cast<int>(QUuid::createUuid().data1 % 1024), validUntil);
    if (id < 0)
        throw Error(ErrorCode::Internal, QStringLiteral("every Snowflake worker id is leased"));
    m_heldId = id;
    m_lease = std::make_shared<SnowflakeLease>(id, validUntil);
    qCInfo(lcRedis) << "leased Snowflake worker id" << id;
    m_thread = std::thread([this] { renewLoop(); });
}

WorkerIdLease::~WorkerIdLease()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    // A generator that outlives us must not go on with an id that is about to be free.
    m_lease->revoke();
    try {
        m_pool.evalSha(releaseScript(), {workerKey(m_heldId)}, {m_owner});
    } catch (const Error &) {
        // The lease expires by itself.
    }
}

int WorkerIdLease::workerId() const
{
    return m_lease->workerId().value_or(-1);
}

int WorkerIdLease::acquire(int preferred, SnowflakeLease::TimePoint &validUntil)
{
    for (int i = 0; i < 1024; ++i) {
        const int id = (preferred + i) % 1024;
        // Taken before sending: the key cannot expire in Redis before sent + ttl.
        const auto sent = std::chrono::steady_clock::now();
        const RedisReply r = m_pool.command(
            {"SET", workerKey(id), m_owner, "NX", "PX", QByteArray::number(qint64(m_ttl.count()))});
        r.throwIfError("SET worker id");
        if (!r.isNil()) {
            validUntil = sent + m_ttl - m_margin;
            return id;
        }
    }
    return -1;
}

void WorkerIdLease::renewLoop()
{
    std::unique_lock lock(m_mutex);
    bool held = true;
    bool failing = false;
    // Normally every ttl/3; while the lease is lost or Redis fails, more often, so that ids flow
    // again soon after Redis does.
    while (!m_wake.wait_for(lock, held && !failing ? m_ttl / 3 : m_ttl / 10,
                            [this] { return m_stop; })) {
        lock.unlock();
        try {
            if (held) {
                const auto sent = std::chrono::steady_clock::now();
                const RedisReply r = m_pool.evalSha(
                    renewScript(), {workerKey(m_heldId)},
                    {m_owner, QByteArray::number(qint64(m_ttl.count()))}, Idempotent::Yes);
                r.throwIfError("renew worker id");
                if (r.toInteger() == 1) {
                    // Ours all along (the key never expired, or nobody could have used it): the
                    // generator may go on, even if it had stopped at the old expiry.
                    m_lease->renew(sent + m_ttl - m_margin);
                } else {
                    m_lease->revoke();
                    held = false;
                    qCCritical(lcRedis) << "lost the Snowflake worker id" << m_heldId
                                        << "(expired or taken by another instance); no ids until "
                                           "a worker id is leased again";
                }
            }
            if (!held) {
                SnowflakeLease::TimePoint validUntil;
                // The same id if it is free (an expiry during an outage), else any other.
                const int id = acquire(m_heldId, validUntil);
                if (id >= 0) {
                    m_heldId = id;
                    m_lease->replace(id, validUntil);
                    held = true;
                    qCWarning(lcRedis) << "leased Snowflake worker id" << id << "again";
                } else {
                    qCCritical(lcRedis) << "every Snowflake worker id is leased; retrying";
                }
            }
            failing = false;
        } catch (const Error &e) {
            failing = true;
            qCWarning(lcRedis).noquote()
                << "cannot renew the Snowflake worker id lease:" << e.detail();
        }
        lock.lock();
    }
}

} // namespace pomelo
