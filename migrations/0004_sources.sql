-- Sources: published sheets or feeds the bot re-reads on a schedule to keep a guild's data in step.
-- Times are ISO 8601 UTC text. The schedule lives here (next_run_at) and is rebuilt at start.

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    election_slug   TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('pack', 'candidates', 'bodies', 'nominations', 'results')),
    url             TEXT NOT NULL,
    every_seconds   INTEGER NOT NULL CHECK (every_seconds >= 60),
    authoritative   INTEGER NOT NULL DEFAULT 1,
    paused          INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER,
    created_at      TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    content_hash    TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_change_at  TEXT,
    last_error      TEXT,
    last_error_at   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    alerted         INTEGER NOT NULL DEFAULT 0,
    next_run_at     TEXT NOT NULL,
    rows            INTEGER NOT NULL DEFAULT 0,
    rows_applied    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, election_slug, kind, url)
);
CREATE INDEX sources_due ON sources (paused, next_run_at);
CREATE INDEX sources_guild ON sources (guild_id, election_slug);

-- A run held for a moderator (it would drop too many rows): the exact content they are asked about.
CREATE TABLE source_holds (
    source_id     INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    content       BLOB NOT NULL,
    content_hash  TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    summary       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
