-- Pomelo Pay schema, version 7: utility top-ups (issue #16), the second merchant of the pay
-- platform beside bookings.
--
-- The room a student tops up: one per student at a time, several students per room. The room's
-- accounts live in the campus utility system (docs/utility-protocol.md); this is only the binding,
-- with the building and room number as that system named them when the student bound it.
CREATE TABLE room_bindings (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    room_id TEXT NOT NULL,
    building TEXT NOT NULL,
    room TEXT NOT NULL,
    bound_at BIGINT NOT NULL
);
CREATE INDEX room_bindings_room ON room_bindings (room_id);

-- A top-up: paid through the pay platform (pay_order_id; outTradeNo = id), then delivered to the
-- utility system with the id as its serial, so a retried delivery credits once.
CREATE TABLE topups (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    room_id TEXT NOT NULL,
    building TEXT NOT NULL,
    room TEXT NOT NULL,
    utility TEXT NOT NULL CHECK (utility IN ('ELECTRICITY', 'WATER')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'DELIVERED',
                                           'DELIVERY_FAILED', 'REFUNDING', 'REFUNDED',
                                           'CANCELLED')),
    -- The pay order of the platform (another module, maybe another database): no foreign key.
    pay_order_id BIGINT,
    channel TEXT,
    -- Delivery: attempts so far, the last one's error, when the next one is due (Unix ms; the
    -- sweep's work list), and what the utility system answered on success.
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at BIGINT,
    -- The last delivery attempt that got no signed answer (Unix ms): it may still arrive at the
    -- utility system, so a refund waits for its timestamp window to pass first.
    unsettled_at BIGINT,
    balance_after BIGINT,
    -- Why the delivery failed or the top-up was refunded: told to the student.
    failure_reason TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    paid_at BIGINT,
    -- When the current delivery run began (the payment, or staff's re-deliver): the delivery
    -- deadline counts from here.
    delivery_started_at BIGINT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    traceparent TEXT
);
-- "My top-ups" and a room's top-ups, newest first (keyset on created_at, id).
CREATE INDEX topups_user_created ON topups (user_id, created_at, id);
CREATE INDEX topups_room_created ON topups (room_id, created_at, id);
CREATE INDEX topups_created ON topups (created_at, id);
CREATE INDEX topups_pay_order ON topups (pay_order_id) WHERE pay_order_id IS NOT NULL;
CREATE INDEX topups_pending_expiry ON topups (expires_at) WHERE status = 'PENDING_PAYMENT';
-- Work the sweep finds when its queue item was lost (a crash between commit and schedule).
CREATE INDEX topups_due ON topups (next_attempt_at)
    WHERE status IN ('PAID', 'DELIVERY_FAILED', 'REFUNDING');

-- What happened to a top-up, in order: each transition (written in the transaction that makes it)
-- and each delivery attempt, with who did it and why.
CREATE TABLE topup_events (
    id {{autoid}},
    topup_id BIGINT NOT NULL REFERENCES topups (id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('TRANSITION', 'ATTEMPT')),
    from_status TEXT,
    to_status TEXT,
    actor TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX topup_events_topup ON topup_events (topup_id, id);
