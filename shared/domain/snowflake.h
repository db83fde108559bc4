#pragma once

#include "errors.h"

#include <QString>
#include <QStringView>
#include <QtGlobal>

#include <atomic>
#include <functional>
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
/// Uniqueness across restarts relies on the worker id lease: two live generators must never share
/// a worker id.
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

    /// Throws Error(Internal) when @p workerId is outside 0..MaxWorkerId. Without @p clock, the
    /// system wall clock (std::chrono::system_clock, as QDateTime::currentMSecsSinceEpoch).
    explicit SnowflakeGenerator(int workerId, Clock clock = {});
    SnowflakeGenerator(const SnowflakeGenerator &) = delete;
    SnowflakeGenerator &operator=(const SnowflakeGenerator &) = delete;

    /// The next id. Throws ClockMovedBackwards (see above), or Error(Internal) when the clock is
    /// before Epoch or after the 41-bit range.
    qint64 next();

    int workerId() const noexcept { return m_workerId; }

    /// The parts of @p id. Throws Error(Internal) for a negative value (never an id).
    static SnowflakeParts decode(qint64 id);
    /// The id made of these parts; throws Error(Internal) when a part is out of range. Also gives
    /// the bounds of the ids of a time range: compose(t, 0, 0) is the smallest id of ms t.
    static qint64 compose(qint64 timestampMs, int workerId, int sequence);
    static qint64 systemClockMs();

private:
    qint64 nowSinceEpoch() const;

    const int m_workerId;
    const Clock m_clock;
    /// (ms since Epoch << SequenceBits) | sequence of the last id issued; -1 before the first.
    std::atomic<qint64> m_last {-1};
};

/// An id as the API sends it: a decimal JSON string.
QString snowflakeToString(qint64 id);
/// Strict: only the digits of a positive qint64 without sign, spaces or leading zeros.
std::optional<qint64> snowflakeFromString(QStringView text);

} // namespace pomelo
