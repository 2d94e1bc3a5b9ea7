-- Abuse limits: repeated refusals collapse into one row with a count; retention pruning
-- (twin of ../0007_audit_limits.sql). Only a row's repeat count and last time may change, and only
-- rows older than the cut-off pruning sets for their guild (audit_prune) may be deleted.
ALTER TABLE audit_log ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_at TEXT;

DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, guild_id, actor_id, actor_name, action, entity, before, after, denied, at ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE audit_prune (
    guild_id BIGINT PRIMARY KEY,
    before   TEXT NOT NULL
);

-- PostgreSQL allows no subquery in a trigger's WHEN: the cut-off is read inside the function.
CREATE FUNCTION audit_log_prune_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(OLD.last_at, OLD.at)
        >= coalesce((SELECT p.before FROM audit_prune p WHERE p.guild_id = OLD.guild_id), '') THEN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$;

DROP TRIGGER audit_log_no_delete ON audit_log;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_prune_only();
CREATE INDEX audit_log_guild_at ON audit_log (guild_id, at);

ALTER TABLE guild_settings ADD COLUMN audit_retention_days BIGINT NOT NULL DEFAULT 365;
