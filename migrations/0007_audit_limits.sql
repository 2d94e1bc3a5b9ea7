-- Abuse limits (#13 item 9): repeated refusals collapse into one audit row with a count, and audit rows
-- are pruned after a retention period each server chooses (/admin config audit).
--
-- A row's content stays immutable: only its repeat count and last time may change, and only retention
-- pruning (bot/store/audit.py `prune`) may delete rows, those older than the guild's retention period.

ALTER TABLE audit_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_at TEXT;

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, guild_id, actor_id, actor_name, action, entity, before, after, denied, at ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Rows may be deleted only below the cut-off retention pruning sets for its guild, inside its transaction.
CREATE TABLE audit_prune (
    guild_id INTEGER PRIMARY KEY,
    before   TEXT NOT NULL
);
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN coalesce(OLD.last_at, OLD.at) >= coalesce((SELECT before FROM audit_prune WHERE guild_id = OLD.guild_id), '')
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE INDEX audit_log_guild_at ON audit_log (guild_id, at);

ALTER TABLE guild_settings ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365;
