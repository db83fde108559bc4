-- Pomelo Pay schema, version 2: payment exceptions (docs/storage.md, DESIGN.md "Invariants").
-- A payment exception is money a channel took that no order may keep: the channel's record did not
-- match its order (amount, currency, channel, merchant), named no order of ours, arrived after the
-- order was closed, or paid an order a second time. It is refunded through the channel in full,
-- retried until the channel settles it; a refusal waits for an admin.

CREATE TABLE payment_exceptions (
    id BIGINT PRIMARY KEY,
    channel TEXT NOT NULL,
    -- The channel's transaction serial: one exception per payment, however often it is reported.
    channel_trade_no TEXT NOT NULL,
    -- What the channel named as our order (out_trade_no), as it was sent.
    out_trade_no TEXT NOT NULL,
    -- The order it names, when one exists. Not a foreign key: UNKNOWN_ORDER has none.
    order_id BIGINT,
    paid_amount BIGINT NOT NULL CHECK (paid_amount > 0),
    order_amount BIGINT,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('AMOUNT_MISMATCH', 'CURRENCY', 'CHANNEL', 'MERCHANT',
                                           'UNKNOWN_ORDER', 'LATE', 'DUPLICATE')),
    detail TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'RESOLVED')),
    refund_attempts INTEGER NOT NULL DEFAULT 0,
    next_refund_at BIGINT,
    channel_refund_no TEXT,
    last_error TEXT,
    resolved_by TEXT,
    resolution TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    refunded_at BIGINT,
    resolved_at BIGINT,
    UNIQUE (channel, channel_trade_no)
);
-- The refund loop's due query; the console's list, newest first; an order's exceptions.
CREATE INDEX payment_exceptions_due ON payment_exceptions (next_refund_at)
    WHERE state = 'REFUNDING';
CREATE INDEX payment_exceptions_created ON payment_exceptions (created_at, id);
CREATE INDEX payment_exceptions_order ON payment_exceptions (order_id, id);
