-- Exactly once beyond Discord's nonce window; guilds the bot was removed from
-- (twin of ../0010_delivery_reconcile.sql).
ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT;
ALTER TABLE deliveries ADD COLUMN marks TEXT NOT NULL DEFAULT '[]';

CREATE TABLE removed_guilds (
    guild_id   BIGINT PRIMARY KEY,
    removed_at TEXT NOT NULL
);
