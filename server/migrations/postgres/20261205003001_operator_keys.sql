-- Operator keys: the grid-wide credential (nodes, draining, node revocation, every project's
-- cost), apart from project API keys. Personal tokens get a name for their listing.

CREATE TABLE operator_keys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);

ALTER TABLE user_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
