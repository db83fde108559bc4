#pragma once

#include "errors.h"

#include <QString>
#include <QStringView>
#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace pomelo {

/// The parts of a Snowflake id (for display: console, logs).
struct SnowflakeParts
{
    qint64 timestampMs = 0; ///< Unix time in milliseconds
    int workerId = 0;
    int sequence = 0;

    friend bool operator==(const SnowflakeParts &, const SnowflakeParts &) = default;
};

/// The clock went back further than the generator waits out. Never a duplicate id instead: the
/// caller fails the request (HTTP 5000) and the next call succeeds once the clock has caught up.
class ClockMovedBackwards : public Error
{
public:
    explicit ClockMovedBackwards(qint64 driftMs);
    qint64 driftMs() const noexcept { return m_driftMs; }

private:
    qint64 m_driftMs;
};

/// The worker id a SnowflakeGenerator may use and until when: shared between the generator and
/// whatever holds the id (WorkerIdLease, which leases it from Redis). Thread-safe; all members
/// may be called from any thread while generators use it.
///
/// Ids are unique across instances only while each worker id is used by one of them. A lease held
/// in Redis guarantees that until its expiry, so a generator issues no id after validUntil unless
/// the holder renewed it in time, none once it was revoked (another instance holds the id), and
/// continues only after replace() with an id that is again held: next() throws
/// Error(DependencyUnavailable) — 5030 — meanwhile.
class SnowflakeLease
{
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// Held until @p validUntil (default: for good, a fixed id without a lease).
    explicit SnowflakeLease(int workerId, TimePoint validUntil = TimePoint::max());

    /// The same id, still held (a renewal that Redis confirmed): valid until @p validUntil.
    void renew(TimePoint validUntil);
    /// Another lease, possibly of another id, held until @p validUntil. Throws Error(Internal) for
    /// an id outside 0..MaxWorkerId.
    void replace(int workerId, TimePoint validUntil);
    /// Lost: no id until replace().
    void revoke();

    /// The id held now, nullopt while revoked (expiry is not considered).
    std::optional<int> workerId() const;
    bool isRevoked() const;
    TimePoint validUntil() const;

private:
    friend class SnowflakeGenerator;
    // generation << 11 | revoked << 10 | worker id: one word, so that a generator sees a change
    // of lease (even back to the same id) between two reads of it.
    static constexpr quint64 RevokedBit = quint64(1) << 10;
    std::atomic<quint64> m_word;
    std::atomic<qint64> m_validUntilNs; ///< steady_clock, nanoseconds since its epoch
};

/// 64-bit ids, increasing with time, unique per worker id:
///
///   bit 63      0 (ids are positive qint64, and JSON strings in the API)
///   bits 62..22 41 bits: milliseconds since Epoch, 2024-01-01T00:00:00Z (runs out in 2093-09)
///   bits 21..12 10 bits: worker id, 0..1023 (leased from Redis per server instance)
///   bits 11..0  12 bits: sequence within the millisecond, 0..4095
///
/// So one worker issues at most 4096 ids per millisecond (4,096,000/s); beyond that next() waits
/// for the next millisecond. Thread-safe and lock-free: the last (millisecond, sequence) pair is
/// one atomic 64-bit word updated by compare-and-swap, so ids of one generator are strictly
/// increasing in the order in which next() calls take effect, across all threads.
///
/// A wall clock that steps back by at most MaxBackwardDriftMs is waited out (next() blocks until
/// it is past the last id's millisecond again); a larger step throws ClockMovedBackwards.
/// Uniqueness across instances relies on the worker id lease: two live generators must never share
/// a worker id. A generator built on a SnowflakeLease stops issuing ids when the lease expires or
/// is revoked, and takes the lease's new worker id when it is replaced (the first id with the new
/// id is in a later millisecond than the last one, so ids stay strictly increasing).
class SnowflakeGenerator
{
public:
    /// Milliseconds since the Unix epoch. Tests inject their own.
    using Clock = std::function<qint64()>;

    static constexpr qint64 Epoch = 1704067200000; // 2024-01-01T00:00:00Z in Unix ms
    static constexpr int TimestampBits = 41;
    static constexpr int WorkerIdBits = 10;
    static constexpr int SequenceBits = 12;
    static constexpr int MaxWorkerId = (1 << WorkerIdBits) - 1;
    static constexpr int MaxSequence = (1 << SequenceBits) - 1;
    static constexpr qint64 MaxTimestampMs = Epoch + (qint64(1) << TimestampBits) - 1;
    static constexpr qint64 MaxBackwardDriftMs = 5;
    static constexpr qint64 MaxIdsPerSecond = qint64(MaxSequence + 1) * 1000;

    /// A fixed worker id that nothing can revoke (tools, tests). Throws Error(Internal) when
    /// @p workerId is outside 0..MaxWorkerId. Without @p clock, the system wall clock
    /// (std::chrono::system_clock, as QDateTime::currentMSecsSinceEpoch).
    explicit SnowflakeGenerator(int workerId, Clock clock = {});
    /// The worker id of @p lease, for as long as it is held (WorkerIdLease::lease()).
    explicit SnowflakeGenerator(std::shared_ptr<SnowflakeLease> lease, Clock clock = {});
    SnowflakeGenerator(const SnowflakeGenerator &) = delete;
    SnowflakeGenerator &operator=(const SnowflakeGenerator &) = delete;

    /// The next id. Throws ClockMovedBackwards (see above), Error(Internal) when the clock is
    /// before Epoch or after the 41-bit range, Error(DependencyUnavailable) while the worker id is
    /// not held (lease expired or revoked).
    qint64 next();

    /// The worker id of the lease now; -1 while it is revoked.
    int workerId() const;

    /// The parts of @p id. Throws Error(Internal) for a negative value (never an id).
    static SnowflakeParts decode(qint64 id);
    /// The id made of these parts; throws Error(Internal) when a part is out of range. Also gives
    /// the bounds of the ids of a time range: compose(t, 0, 0) is the smallest id of ms t.
    static qint64 compose(qint64 timestampMs, int workerId, int sequence);
    static qint64 systemClockMs();

private:
    qint64 nowSinceEpoch() const;

    const std::shared_ptr<SnowflakeLease> m_lease;
    const Clock m_clock;
    /// The last id issued (its time, worker id and sequence); -1 before the first.
    std::atomic<qint64> m_last {-1};
};

/// An id as the API sends it: a decimal JSON string.
QString snowflakeToString(qint64 id);
/// Strict: only the digits of a positive qint64 without sign, spaces or leading zeros.
std::optional<qint64> snowflakeFromString(QStringView text);
/// snowflakeFromString(), or Error(@p notFound): a malformed id in a path or a field names no
/// record, so it is answered like an unknown one (no hint that the format was wrong).
qint64 snowflakeOr(QStringView text, ErrorCode notFound);

} // namespace pomelo
