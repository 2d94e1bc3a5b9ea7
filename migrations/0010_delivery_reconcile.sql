-- Exactly once beyond Discord's nonce window, and pausing a guild the bot was removed from.
-- first_attempt_at: when the first attempt of a delivery began (its outcome may be unknown); a
-- retry long after it reads the channel's messages since then before sending again.
-- marks: fingerprints of the messages each attempt sent (the nonce is not returned when reading).
ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT;
ALTER TABLE deliveries ADD COLUMN marks TEXT NOT NULL DEFAULT '[]';

-- Guilds the bot was removed from (GUILD_DELETE without `unavailable`): their deliveries wait,
-- their data is kept, and a re-invite (GUILD_CREATE) deletes the row so everything resumes.
CREATE TABLE removed_guilds (
    guild_id   INTEGER PRIMARY KEY,
    removed_at TEXT NOT NULL
);
