-- Abuse limits (#13 item 9): repeated refusals collapse into one audit row with a count, and audit rows
-- are pruned after a retention period each server chooses (/admin config audit).
--
-- A row's content stays immutable: only its repeat count and last time may change. Deleting is left to
-- retention pruning (bot/store/audit.py `prune`), the one place rows are deleted.

ALTER TABLE audit_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_at TEXT;

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, guild_id, actor_id, actor_name, action, entity, before, after, denied, at ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

DROP TRIGGER audit_log_no_delete;
CREATE INDEX audit_log_guild_at ON audit_log (guild_id, at);

ALTER TABLE guild_settings ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365;
