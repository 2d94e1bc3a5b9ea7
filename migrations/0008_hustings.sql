-- Hustings meetings (issue #17) and the Discord scheduled events the bot keeps for them and for each
-- election's milestones. The event id is kept so a change updates the event rather than duplicating it.
CREATE TABLE hustings (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    place_kind  TEXT NOT NULL,             -- 'voice', 'stage' or 'external'
    channel_id  INTEGER,                   -- voice or stage channel
    location    TEXT NOT NULL DEFAULT '',  -- link or address (external)
    candidates  TEXT NOT NULL DEFAULT '[]', -- JSON list of names; [] means everyone on the ballot
    chair       TEXT NOT NULL DEFAULT '',
    cancelled   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE INDEX hustings_guild ON hustings (guild_id, starts_at);
CREATE INDEX hustings_election ON hustings (election_id);

-- Elections whose events are switched off (absent: on, the default).
CREATE TABLE election_events_off (
    election_id INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE
);

-- The scheduled events the bot created: key is 'hustings:<id>' or 'milestone:<election id>:<field>'.
CREATE TABLE scheduled_events (
    guild_id    INTEGER NOT NULL,
    key         TEXT NOT NULL,
    event_id    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- An election's "how to vote" text, posted when the ballot opens (set with /announce reminders).
CREATE TABLE election_vote_info (
    election_id INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    how_to_vote TEXT NOT NULL
);
