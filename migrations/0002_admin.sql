-- Moderator tools: a first moderator's request to publish results, waiting for a second moderator
-- (two-person publish). One open request per election; it goes when the results are published,
-- when a fresh request replaces it, or with the election.

CREATE TABLE publish_requests (
    election_id    INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    requested_by   INTEGER NOT NULL,
    requested_name TEXT NOT NULL,
    requested_at   TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    announce       INTEGER NOT NULL DEFAULT 0
);
