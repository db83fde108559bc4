-- Pomelo Pay schema, version 8: the day's money by when it moved (issue #17).
--
-- The dashboard's paid figure is what the channels took that day (pay_orders.paid_at), its refunded
-- figure what went back (refunds that succeeded that day, finished_at), and net the difference:
-- both sums read one day's rows through these indexes, whatever the tables' size.
CREATE INDEX pay_orders_paid_at ON pay_orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX refunds_finished ON refunds (finished_at) WHERE status = 'SUCCESS';
