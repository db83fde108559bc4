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

QByteArray workerKey(const RedisKeys &keys, int id)
{
    return keys.key(QByteArrayLiteral("pomelo:snowflake:worker:") + QByteArray::number(id));
}

} // namespace

WorkerIdLease::WorkerIdLease(RedisOptions options, RedisKeys keys, std::chrono::milliseconds ttl)
    : m_pool(std::move(options))
    , m_keys(std::move(keys))
    , m_ttl(ttl)
    , m_owner(QUuid::createUuid().toByteArray(QUuid::WithoutBraces))
{
    // Start the search at a random id: instances that start together rarely collide on SET NX.
    const int first = static_cast<int>(QUuid::createUuid().data1 % 1024);
    for (int i = 0; i < 1024; ++i) {
        const int id = (first + i) % 1024;
        const RedisReply r = m_pool.command({"SET", workerKey(m_keys, id), m_owner, "NX", "PX",
                                             QByteArray::number(qint64(m_ttl.count()))});
        r.throwIfError("SET worker id");
        if (!r.isNil()) {
            m_workerId = id;
            break;
        }
    }
    if (m_workerId < 0)
        throw Error(ErrorCode::Internal, QStringLiteral("every Snowflake worker id is leased"));
    qCInfo(lcRedis) << "leased Snowflake worker id" << m_workerId;
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
    try {
        m_pool.evalSha(releaseScript(), {workerKey(m_keys, m_workerId)}, {m_owner});
    } catch (const Error &) {
        // The lease expires by itself.
    }
}

void WorkerIdLease::renewLoop()
{
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, m_ttl / 3, [this] { return m_stop; })) {
        lock.unlock();
        try {
            const RedisReply r = m_pool.evalSha(
                renewScript(), {workerKey(m_keys, m_workerId)},
                {m_owner, QByteArray::number(qint64(m_ttl.count()))}, Idempotent::Yes);
            if (r.toInteger() != 1) {
                // Lost (Redis was down longer than the TTL and the key expired): take it back if
                // still free. Ids stay unique unless another instance took this id meanwhile, which
                // is logged loudly for operators.
                const RedisReply again =
                    m_pool.command({"SET", workerKey(m_keys, m_workerId), m_owner, "NX", "PX",
                                    QByteArray::number(qint64(m_ttl.count()))});
                if (again.isNil())
                    qCCritical(lcRedis)
                        << "Snowflake worker id" << m_workerId << "was taken by another instance";
            }
        } catch (const Error &e) {
            qCWarning(lcRedis).noquote()
                << "cannot renew the Snowflake worker id lease:" << e.detail();
        }
        lock.lock();
    }
}

} // namespace pomelo
