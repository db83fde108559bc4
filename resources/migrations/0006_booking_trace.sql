-- Pomelo Pay schema, version 6: one trace per payment.
--
-- The W3C traceparent of the span that created a booking. Signing, cancelling and the pay
-- platform's verdict arrive in later requests (each with a trace of its own); they continue the
-- booking's trace from here and link the request's span, so one trace runs from the student's
-- tap to the merchant's answer. NULL for bookings made before this version.
ALTER TABLE bookings ADD COLUMN traceparent TEXT;
