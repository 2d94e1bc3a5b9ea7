-- Announcements, automatic election reminders, member reminder subscriptions and the delivery
-- ledger. The ledger is the truth about what was sent: one row per (item, occurrence).
-- Times are ISO 8601 UTC text.

CREATE TABLE announcements (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('message', 'view')),
    content         TEXT NOT NULL DEFAULT '',
    view            TEXT CHECK (view IS NULL OR view IN ('nominations', 'results', 'timeline', 'slates')),
    election_id     INTEGER REFERENCES elections (id) ON DELETE SET NULL,
    first_at        TEXT NOT NULL,
    repeat          TEXT NOT NULL DEFAULT 'none',
    until_at        TEXT,
    timezone        TEXT NOT NULL,
    ping_role_id    INTEGER,
    ping_everyone   INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished', 'cancelled')),
    -- occurrences up to this instant are in the ledger; next_due is the first one after it
    checked_until   TEXT NOT NULL,
    next_due        TEXT
);
CREATE INDEX announcements_due ON announcements (status, next_due);
CREATE INDEX announcements_guild ON announcements (guild_id, id);

CREATE TABLE election_reminders (
    election_id   INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    offsets       TEXT NOT NULL,
    checked_until TEXT NOT NULL,
    updated_by    INTEGER,
    updated_at    TEXT NOT NULL
);
CREATE INDEX election_reminders_guild ON election_reminders (guild_id);

CREATE TABLE subscriptions (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('branch', 'deadlines')),
    body_id        INTEGER REFERENCES bodies (id) ON DELETE CASCADE,
    election_id    INTEGER REFERENCES elections (id) ON DELETE CASCADE,
    before_seconds INTEGER NOT NULL CHECK (before_seconds >= 0),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_reason  TEXT,
    created_at     TEXT NOT NULL,
    checked_until  TEXT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_unique
    ON subscriptions (guild_id, user_id, kind, coalesce(body_id, 0), coalesce(election_id, 0));
CREATE INDEX subscriptions_active ON subscriptions (status, guild_id);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('announcement', 'election', 'subscription', 'alert')),
    source_id       INTEGER NOT NULL,
    occurrence      TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    lane            TEXT NOT NULL CHECK (lane IN ('channel', 'dm')),
    target_id       INTEGER,
    detail          TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'sending', 'sent', 'late', 'missed', 'failed', 'cancelled', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    channel_id      INTEGER,
    message_id      INTEGER,
    reason          TEXT,
    alerted         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, source_id, occurrence)
);
CREATE INDEX deliveries_open ON deliveries (lane, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_item ON deliveries (source, source_id, due_at);
CREATE INDEX deliveries_unalerted ON deliveries (guild_id, status) WHERE alerted = 0;

-- DM channels the bot opened, so a reminder fan-out opens each member's DM only once ever.
CREATE TABLE dm_channels (
    user_id    INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL
);
