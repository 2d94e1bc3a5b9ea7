-- "Remind me 1 h before" on a hustings (issue #17 part 3): one row per member and hustings. Its DM goes
-- through the delivery ledger like every DM (source 'subscription', source_id = -id, so it never meets a
-- subscription's id); checked_until is the planning cursor, as for subscriptions.
CREATE TABLE hustings_reminders (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    hustings_id   INTEGER NOT NULL REFERENCES hustings (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    checked_until TEXT NOT NULL,
    UNIQUE (hustings_id, user_id)
);
CREATE INDEX hustings_reminders_member ON hustings_reminders (guild_id, user_id);

-- Where a guild's questions threads (or forum posts) open, set by organisers; absent: where the first
-- question is asked.
CREATE TABLE question_channels (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL
);
