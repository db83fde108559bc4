-- Pomelo Pay schema, version 4: the secret key check. App secrets are sealed with the key file
-- <data_dir>/secret.key, which every instance sharing this database needs. One row holds a random
-- value sealed with that key at the first start (or `pomelo-server init`); every start opens it,
-- and an instance whose key does not open it refuses to start instead of failing every sign.

CREATE TABLE secret_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
