#pragma once

#include "database.h"

#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

/// A bookable venue: its day runs from openFrom to openTo ("HH:MM") in slots of slotMinutes.
struct Venue
{
    qint64 id = 0;
    QString name;
    QString sport; ///< badminton, basketball, table_tennis, swimming, …
    QString openFrom; ///< "HH:MM"
    QString openTo; ///< "HH:MM", after openFrom
    int slotMinutes = 60;
    qint64 pricePerSlot = 0; ///< cents
    bool active = true;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
};

class VenueRepository
{
public:
    explicit VenueRepository(Database &db)
        : m_db(db)
    { }

    /// Ordered by id.
    QList<Venue> list(bool activeOnly = true) const;
    std::optional<Venue> find(qint64 id) const;
    /// In @p tx. ForShare: bookings of the venue read it this way (PostgreSQL `FOR SHARE`), so a
    /// closure (which takes it ForUpdate) waits for the bookings in flight and they wait for it:
    /// a booking never commits inside a closure that its transaction could not see.
    enum class Lock { None, ForShare, ForUpdate };
    std::optional<Venue> find(Transaction &tx, qint64 id, Lock lock) const;
    qint64 count() const;

    /// Inserts and returns the new id.
    qint64 insert(Transaction &tx, const Venue &venue);
    /// Updates every field but id and createdAt; false if there is no such venue.
    bool update(Transaction &tx, const Venue &venue);

private:
    Database &m_db;
};

} // namespace pomelo
