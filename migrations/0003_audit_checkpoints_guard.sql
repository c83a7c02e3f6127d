-- Signed checkpoints are evidence: they can be added and marked verified, never changed or removed.
CREATE OR REPLACE FUNCTION audit_checkpoints_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash AND NEW.signed_at = OLD.signed_at
     AND NEW.key_id = OLD.key_id AND NEW.signature = OLD.signature THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_checkpoints: % refused (only verified_at and verified_by may change)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_change
  BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_guard();
