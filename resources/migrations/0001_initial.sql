-- Pomelo Pay schema, version 1. One file for SQLite and PostgreSQL (docs/storage.md):
--   {{autoid}}   an auto-increment BIGINT primary key that never reuses a value
--   "-- dialect: postgres" / "-- dialect: sqlite" / "-- dialect: all" switch the lines that follow.
-- Conventions: every timestamp is BIGINT Unix milliseconds (UTC); money is BIGINT cents (fen);
-- dates are TEXT 'YYYY-MM-DD' and times TEXT 'HH:MM' (both sort as text); statuses are the API
-- names; a statement ends with ';' at the end of a line.

-- ---------------------------------------------------------------------------------------------
-- Booking module
-- ---------------------------------------------------------------------------------------------

CREATE TABLE venues (
    id {{autoid}},
    name TEXT NOT NULL,
    sport TEXT NOT NULL,
    open_from TEXT NOT NULL,
    open_to TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes > 0),
    price_per_slot BIGINT NOT NULL CHECK (price_per_slot >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    CHECK (open_from < open_to)
);

CREATE TABLE users (
    id {{autoid}},
    open_id TEXT NOT NULL UNIQUE,
    student_id TEXT,
    name TEXT,
    phone TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE bookings (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'CANCELLED', 'REFUNDING',
                                           'REFUNDED', 'CHECKED_IN')),
    -- The pay order of the platform (another module, maybe another database): no foreign key.
    pay_order_id BIGINT,
    version INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (start_time < end_time)
);
-- "My bookings", newest first, keyset pages on (created_at, id).
CREATE INDEX bookings_user_created ON bookings (user_id, created_at, id);
-- The bookings of a day, of one venue or of all (venue board).
CREATE INDEX bookings_date_venue ON bookings (date, venue_id);
-- Unsigned bookings to expire (a sweep behind the delayed queue).
CREATE INDEX bookings_pending_expiry ON bookings (expires_at) WHERE status = 'PENDING_PAYMENT';
CREATE INDEX bookings_pay_order ON bookings (pay_order_id) WHERE pay_order_id IS NOT NULL;

-- One row per slot of a booking. A slot is held while its row is active (the booking is pending,
-- paid, being refunded or checked in); cancelling or refunding deactivates the rows.
CREATE TABLE booking_slots (
    booking_id BIGINT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    venue_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    slot_start TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (booking_id, slot_start)
);
-- The final guard against double booking: at most one ACTIVE row per (venue, date, slot), whatever
-- the locks did. Inactive rows (freed slots) do not count, so a slot can be booked again.
CREATE UNIQUE INDEX booking_slots_taken ON booking_slots (venue_id, date, slot_start) WHERE active;
CREATE INDEX booking_slots_date ON booking_slots (date, venue_id) WHERE active;

-- ---------------------------------------------------------------------------------------------
-- Pay platform
-- ---------------------------------------------------------------------------------------------

CREATE TABLE apps (
    app_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The HMAC key of the app, AES-256-GCM sealed with the instance's secret key file
    -- ("v1:" + base64(nonce | ciphertext | tag), the app id as associated data).
    secret_sealed TEXT NOT NULL,
    -- JSON array of the hosts allowed in notifyUrl.
    notify_hosts TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE pay_orders (
    id BIGINT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (app_id),
    out_trade_no TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    refunded_amount BIGINT NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    open_id TEXT NOT NULL,
    student_id TEXT,
    notify_url TEXT NOT NULL,
    channel TEXT,
    channel_trade_no TEXT,
    prepay_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('INIT', 'PAYING', 'PAID', 'FAILED', 'CLOSED',
                                           'REFUNDING', 'REFUNDED')),
    version INTEGER NOT NULL DEFAULT 0,
    -- A channel reported success for an order that was already CLOSED/FAILED: the money must go back.
    needs_refund BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at BIGINT NOT NULL,
    paid_at BIGINT,
    closed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (app_id, out_trade_no),
    CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
-- Console lists, newest first, keyset pages on (created_at, id): all, by status, by app.
CREATE INDEX pay_orders_created ON pay_orders (created_at, id);
CREATE INDEX pay_orders_status_created ON pay_orders (status, created_at, id);
CREATE INDEX pay_orders_app_created ON pay_orders (app_id, created_at, id);
-- Search by outTradeNo without the app; callbacks that carry the channel's transaction id.
CREATE INDEX pay_orders_out_trade_no ON pay_orders (out_trade_no);
CREATE INDEX pay_orders_channel_trade_no ON pay_orders (channel_trade_no)
    WHERE channel_trade_no IS NOT NULL;
-- Unfinished orders past their expiry (a sweep behind the delayed queue), orders owed a refund.
CREATE INDEX pay_orders_open_expiry ON pay_orders (expires_at) WHERE status IN ('INIT', 'PAYING');
CREATE INDEX pay_orders_needs_refund ON pay_orders (updated_at) WHERE needs_refund;

-- The transactional outbox: one row per committed status change, written in the transaction of
-- the change. The id gives the publication order (docs/storage.md, "Outbox").
CREATE TABLE order_events (
    id {{autoid}},
    order_id BIGINT NOT NULL REFERENCES pay_orders (id),
    app_id TEXT NOT NULL,
    prev_status TEXT,
    new_status TEXT NOT NULL,
    payload TEXT NOT NULL,
    traceparent TEXT,
    created_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX order_events_unpublished ON order_events (id) WHERE published_at IS NULL;
-- The timeline of an order.
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Every callback of a payment channel, once: (channel, notify_id) de-duplicates repeats.
CREATE TABLE channel_callbacks (
    id {{autoid}},
    channel TEXT NOT NULL,
    notify_id TEXT NOT NULL,
    -- Not a foreign key: a callback for an unknown order is recorded too.
    order_id BIGINT,
    event_type TEXT,
    payload TEXT NOT NULL,
    outcome TEXT,
    received_at BIGINT NOT NULL,
    UNIQUE (channel, notify_id)
);
CREATE INDEX channel_callbacks_order ON channel_callbacks (order_id, id);

-- Notifications to merchants (DESIGN.md step 10): one per order event a merchant must know.
CREATE TABLE merchant_notifications (
    id {{autoid}},
    order_id BIGINT NOT NULL REFERENCES pay_orders (id),
    app_id TEXT NOT NULL,
    event_id BIGINT NOT NULL UNIQUE REFERENCES order_events (id),
    order_status TEXT NOT NULL,
    url TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    last_error TEXT,
    last_http_status INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT
);
-- The notifier's due query; the console's lists by state and by app.
CREATE INDEX merchant_notifications_due ON merchant_notifications (state, next_attempt_at);
CREATE INDEX merchant_notifications_state_id ON merchant_notifications (state, id);
CREATE INDEX merchant_notifications_app_state ON merchant_notifications (app_id, state, id);
CREATE INDEX merchant_notifications_order ON merchant_notifications (order_id, id);

CREATE TABLE notification_attempts (
    id {{autoid}},
    notification_id BIGINT NOT NULL REFERENCES merchant_notifications (id),
    attempt INTEGER NOT NULL,
    at BIGINT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error TEXT,
    response_excerpt TEXT
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification_id, id);

CREATE TABLE refunds (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES pay_orders (id),
    app_id TEXT NOT NULL,
    out_refund_no TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL')),
    channel TEXT,
    channel_refund_no TEXT,
    -- Who asked: APP (the pay API), ADMIN (console), SYSTEM (late success on a closed order).
    initiator TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (app_id, out_refund_no)
);
CREATE INDEX refunds_order ON refunds (order_id, id);
CREATE INDEX refunds_created ON refunds (created_at, id);
-- Refunds still waiting for the channel (polled when no notification comes).
CREATE INDEX refunds_processing ON refunds (updated_at) WHERE status = 'PROCESSING';

-- ---------------------------------------------------------------------------------------------
-- Console
-- ---------------------------------------------------------------------------------------------

CREATE TABLE staff_users (
    id {{autoid}},
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE audit_log (
    id {{autoid}},
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    reason TEXT,
    remote_address TEXT,
    details TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_target ON audit_log (target, at, id);
