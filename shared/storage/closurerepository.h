#pragma once

#include "database.h"
#include "domain/bookingpolicy.h"

#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

enum class ClosureState { PendingConfirmation, Confirmed };

QString closureStateName(ClosureState state);

/// A closure of a venue (migration 0005): its times, why, who made it and who confirmed it.
struct VenueClosure
{
    qint64 id = 0;
    qint64 venueId = 0;
    ClosureTimes times;
    QString reason;
    ClosureState state = ClosureState::PendingConfirmation;
    QString createdBy;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    QString confirmedBy;
    std::optional<qint64> confirmedAt;
    QString confirmReason;
};

class ClosureRepository
{
public:
    explicit ClosureRepository(Database &db)
        : m_db(db)
    { }

    /// Inserts and returns the new id (state PENDING_CONFIRMATION).
    qint64 insert(Transaction &tx, const VenueClosure &closure);
    std::optional<VenueClosure> find(qint64 id) const;
    std::optional<VenueClosure> find(Transaction &tx, qint64 id,
                                     RowLock lock = RowLock::None) const;
    /// The closures of a venue ending after @p endingAfterMs (all with 0), by start then id.
    QList<VenueClosure> listByVenue(qint64 venueId, qint64 endingAfterMs = 0) const;
    /// The closures of a venue whose span [startsAt, endsAt) meets [@p fromMs, @p toMs) (their
    /// weekdays and daily hours are the caller's to check: closureCovers()).
    QList<VenueClosure> overlapping(qint64 venueId, qint64 fromMs, qint64 toMs) const;
    QList<VenueClosure> overlapping(Transaction &tx, qint64 venueId, qint64 fromMs,
                                    qint64 toMs) const;
    /// PENDING_CONFIRMATION → CONFIRMED with who, why and when; false when it was not pending.
    bool confirm(Transaction &tx, qint64 id, const QString &by, const QString &reason, qint64 at);
    /// false when there is no such closure.
    bool remove(Transaction &tx, qint64 id);

private:
    Database &m_db;
};

} // namespace pomelo
