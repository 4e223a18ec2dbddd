-- Accounts, users and their roles, named API keys with a role, short-lived bootstrap tokens,
-- revocable nodes, and a fair queue order across projects.

-- An account is known by its slug, which `projects.account` already holds.
CREATE TABLE accounts (
    slug        TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

INSERT INTO accounts (slug, created_at)
    SELECT account, MIN(created_at) FROM projects GROUP BY account;

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- owner, admin, developer or viewer.
CREATE TABLE memberships (
    account     TEXT NOT NULL REFERENCES accounts (slug) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account, user_id)
);

-- A user's own token for account-level calls (projects, members); stored hashed.
CREATE TABLE user_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

-- Keys made before this migration are the server's own start-up key: full project access.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';

CREATE TABLE bootstrap_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    uses_left   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

ALTER TABLE nodes ADD COLUMN revoked_at INTEGER;

-- `turn` is a virtual time per project and priority: a project's next job gets the later of
-- one more than its own last queued turn and the earliest queued turn, both at the job's
-- priority. Claims take priority first, then the lowest turn, so projects interleave (FIFO
-- inside each) and a project arriving late waits for one turn, not for another's batch.
ALTER TABLE queue ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
DROP INDEX queue_order;
CREATE INDEX queue_fair ON queue (priority DESC, turn, enqueued);
CREATE INDEX queue_turn_by_project ON queue (project_id, priority, turn);
