-- Two-person publish requests (PostgreSQL twin of ../0002_admin.sql).
CREATE TABLE publish_requests (
    election_id    BIGINT PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    guild_id       BIGINT NOT NULL,
    requested_by   BIGINT NOT NULL,
    requested_name TEXT NOT NULL,
    requested_at   TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    announce       BIGINT NOT NULL DEFAULT 0
);
