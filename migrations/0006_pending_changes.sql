-- Changes waiting on a button press (issue #14 item 6, #13 item 3): a confirmation the requester
-- presses, or a two-person change a different moderator confirms. Buttons carry only the row id, so
-- a press works after a restart; the row holds what to do (kind + JSON payload) and when it expires.
CREATE TABLE pending_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    payload        TEXT    NOT NULL DEFAULT '{}',
    requested_by   INTEGER NOT NULL,
    requested_name TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'open',
    resolved_by    INTEGER,
    resolved_name  TEXT,
    resolved_at    TEXT
);

CREATE INDEX pending_changes_guild ON pending_changes (guild_id, state);

-- What a paged reply shows (issue #14 item 6): its Prev/Next/Share buttons carry this row's id and
-- the page, so a press re-reads the data and re-renders it, after a restart too.
CREATE TABLE reply_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    owner_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    args       TEXT    NOT NULL DEFAULT '{}',
    created_at TEXT    NOT NULL
);
