-- Pomelo Pay schema, version 3: an app may be registered as internal (`app add --internal`): a
-- campus service on the intranet whose notifyUrl may point at private addresses (and at loopback
-- in development). Every other app is notified on public addresses only (no SSRF inward).
ALTER TABLE apps ADD COLUMN internal BOOLEAN NOT NULL DEFAULT FALSE;
