-- Pomelo Pay schema, version 5: venues managed by staff.
--
-- Closures of a venue (maintenance, a sports meet): from starts_at to ends_at (Unix ms, ends_at
-- exclusive), and within that span, when set, only the ISO weekdays of `days` (bit d-1 for
-- weekday d; 0 = every day) and only daily_from..daily_to (minutes after midnight, daily_to
-- exclusive, may be 1440). A closure refuses new bookings at once; the bookings it covers are
-- cancelled (refunded when paid) only when an admin confirms it (state CONFIRMED).
CREATE TABLE venue_closures (
    id {{autoid}},
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    days INTEGER NOT NULL DEFAULT 0 CHECK (days >= 0 AND days < 128),
    daily_from INTEGER,
    daily_to INTEGER,
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('PENDING_CONFIRMATION', 'CONFIRMED')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_by TEXT,
    confirmed_at BIGINT,
    confirm_reason TEXT,
    CHECK (starts_at < ends_at),
    CHECK ((daily_from IS NULL AND daily_to IS NULL)
           OR (daily_from >= 0 AND daily_from < daily_to AND daily_to <= 1440))
);
CREATE INDEX venue_closures_venue ON venue_closures (venue_id, ends_at);

-- Slot rows become 5-minute units (shared/domain/bookingpolicy.h): a booking holds one row per
-- 5 minutes it covers, so that the unique index booking_slots_taken refuses any overlap, also
-- between bookings made on different grids of a venue (hours or slot length changed since).
-- The rows of the bookings made so far (one per slot of their grid) get the units they lack; a
-- unit is active as the booking's existing rows are.
WITH RECURSIVE units (booking_id, venue_id, date, m, end_m, active) AS (
    SELECT b.id, b.venue_id, b.date,
           CAST(substr(b.start_time, 1, 2) AS INTEGER) * 60
               + CAST(substr(b.start_time, 4, 2) AS INTEGER),
           CAST(substr(b.end_time, 1, 2) AS INTEGER) * 60
               + CAST(substr(b.end_time, 4, 2) AS INTEGER),
           EXISTS (SELECT 1 FROM booking_slots s WHERE s.booking_id = b.id AND s.active)
    FROM bookings b
    UNION ALL
    SELECT booking_id, venue_id, date, m + 5, end_m, active FROM units WHERE m + 5 < end_m
),
labelled (booking_id, venue_id, date, slot_start, active) AS (
    SELECT booking_id, venue_id, date,
           CASE WHEN m / 60 < 10 THEN '0' ELSE '' END || CAST(m / 60 AS TEXT) || ':'
               || CASE WHEN m % 60 < 10 THEN '0' ELSE '' END || CAST(m % 60 AS TEXT),
           active
    FROM units
)
INSERT INTO booking_slots (booking_id, venue_id, date, slot_start, active)
SELECT l.booking_id, l.venue_id, l.date, l.slot_start, l.active
FROM labelled l
WHERE NOT EXISTS (SELECT 1 FROM booking_slots s
                  WHERE s.booking_id = l.booking_id AND s.slot_start = l.slot_start);
