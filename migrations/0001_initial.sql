-- Core election data, guild settings, audit log and bot state.
-- Times are ISO 8601 UTC text ("2026-12-01T18:00:00+00:00"); dates are "YYYY-MM-DD".

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    timezone            TEXT,
    moderator_role_ids  TEXT NOT NULL DEFAULT '[]',
    organiser_role_ids  TEXT NOT NULL DEFAULT '[]',
    announce_channel_id INTEGER,
    alert_channel_id    INTEGER,
    two_person_publish  INTEGER NOT NULL DEFAULT 0,
    grace_minutes       INTEGER NOT NULL DEFAULT 60
);

CREATE TABLE elections (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    slug              TEXT NOT NULL CHECK (slug GLOB '[a-z0-9-]*' AND length(slug) BETWEEN 1 AND 64),
    name              TEXT NOT NULL,
    committee         TEXT NOT NULL DEFAULT '',
    seats             INTEGER NOT NULL CHECK (seats >= 1),
    voting_system     TEXT NOT NULL CHECK (voting_system IN ('bloc', 'fptp', 'stv')),
    threshold         TEXT,
    electorate        INTEGER,
    nominations_open  TEXT,
    nominations_close TEXT,
    ballot_open       TEXT,
    ballot_close      TEXT,
    results_due       TEXT,
    results_published INTEGER NOT NULL DEFAULT 0,
    valid_ballots     INTEGER,
    invalid_ballots   INTEGER,
    UNIQUE (guild_id, slug)
);

CREATE TABLE slates (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    short       TEXT NOT NULL DEFAULT '',
    colour      TEXT,
    backers     TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL DEFAULT '',
    url         TEXT,
    UNIQUE (election_id, name)
);

CREATE TABLE candidates (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    slate_id    INTEGER REFERENCES slates (id) ON DELETE SET NULL,
    bio         TEXT NOT NULL DEFAULT '',
    photo_url   TEXT,
    links       TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'seeking nominations',
    UNIQUE (election_id, name)
);
CREATE INDEX candidates_slate ON candidates (slate_id);

CREATE TABLE bodies (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT 'branch',
    region   TEXT NOT NULL DEFAULT '',
    members  INTEGER,
    meeting  TEXT,
    UNIQUE (guild_id, name)
);

CREATE TABLE nominations (
    election_id  INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    body_id      INTEGER NOT NULL REFERENCES bodies (id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    nominated_on TEXT,
    PRIMARY KEY (election_id, body_id, candidate_id)
);
CREATE INDEX nominations_candidate ON nominations (candidate_id);
CREATE INDEX nominations_body ON nominations (body_id);

CREATE TABLE result_votes (
    election_id  INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    round        INTEGER NOT NULL CHECK (round >= 1),
    candidate_id INTEGER NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    votes        REAL NOT NULL CHECK (votes >= 0),
    elected      INTEGER NOT NULL DEFAULT 0,
    excluded     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (election_id, round, candidate_id)
);

-- When each guild's data last changed and through what: read caches key on `version`.
CREATE TABLE data_versions (
    guild_id   INTEGER PRIMARY KEY,
    version    INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT NOT NULL,
    source     TEXT
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL DEFAULT '',
    before     TEXT,
    after      TEXT,
    denied     INTEGER NOT NULL DEFAULT 0,
    at         TEXT NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Small key/value facts the bot keeps about itself (e.g. the hash of the last synced command tree).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
