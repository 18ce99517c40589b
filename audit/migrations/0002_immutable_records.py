"""Database triggers: the audit trail is append-only; evidence and released report runs cannot be changed or
deleted. The services never do either; these make the database refuse too, so no admin action, shell session
or bug can (only someone who can disable triggers can, and the audit chain shows what they did to it).

The exact rules:

- ``audit_auditentry`` and ``audit_chaincheck``: INSERT only. UPDATE and DELETE are refused, always.
- ``consistency_evidence`` (a photo on record):
  - DELETE is refused, always.
  - What identifies the photo never changes: id, public_id, key (the object's storage key), site, criterion,
    uploaded_by, daily_check, audit, action, day, declared_content_type, declared_size, declared_sha256.
  - Once it has a verdict (status is no longer ``pending``), what its inspection found never changes: size,
    sha256, width, height, captured_at, phash and its four bands, thumbnail_key, verified_at, stale_capture.
  - status only moves forward: pending -> verified or rejected (the confirmation's verdict), verified -> rejected
    (a head-office or auditor review); a rejected photo stays rejected. reject_reason is written only together
    with that move to rejected.
  - reused_from is written once, from empty to the earlier photo it repeats (a later photo's verdict flags its
    copies).
  - Left writable: created_at, the time the upload was asked for (the demo writes the upload's time after its
    bulk insert; tests age a pending request). It is no evidence of anything: verified_at and captured_at are.
- ``reports_reportrun``: a run that is ``done`` (released: its PDF stored with its SHA-256) cannot be changed
  (any column; a save writing the same values is let through) or deleted; queued, running and failed runs are
  the workers' and stay writable. Its scope (``reports_reportrun_sites``) cannot change either.
- TRUNCATE of any of these tables is refused unless the session sets ``touchpoint.allow_purge`` to ``on``.
  Only the test settings do (backend/settings/test.py: pytest-django empties the database with TRUNCATE
  between transactional tests); no deployment sets it. A test of the refusal turns it off with SET LOCAL.

Refusals raise SQLSTATE 23000 (integrity_constraint_violation): Django raises IntegrityError.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION touchpoint_purge_allowed() RETURNS boolean AS $$
    SELECT COALESCE(current_setting('touchpoint.allow_purge', true), '') = 'on'
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION touchpoint_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF touchpoint_purge_allowed() THEN RETURN NULL; END IF;
    RAISE EXCEPTION '% can never be truncated', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION touchpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION touchpoint_append_only();
CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_refuse_truncate();
CREATE TRIGGER chaincheck_append_only BEFORE UPDATE OR DELETE ON audit_chaincheck
    FOR EACH ROW EXECUTE FUNCTION touchpoint_append_only();
CREATE TRIGGER chaincheck_no_truncate BEFORE TRUNCATE ON audit_chaincheck
    FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_refuse_truncate();

CREATE OR REPLACE FUNCTION touchpoint_guard_evidence() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'evidence % can never be deleted', OLD.public_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF ROW(NEW.id, NEW.public_id, NEW.key, NEW.site_id, NEW.criterion_id, NEW.uploaded_by_id, NEW.daily_check_id,
           NEW.audit_id, NEW.action_id, NEW.day, NEW.declared_content_type, NEW.declared_size, NEW.declared_sha256)
       IS DISTINCT FROM
       ROW(OLD.id, OLD.public_id, OLD.key, OLD.site_id, OLD.criterion_id, OLD.uploaded_by_id, OLD.daily_check_id,
           OLD.audit_id, OLD.action_id, OLD.day, OLD.declared_content_type, OLD.declared_size, OLD.declared_sha256)
    THEN
        RAISE EXCEPTION 'evidence %: what identifies a photo (its key, links, uploader, declared bytes) never changes',
            OLD.public_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status <> 'pending' AND
       ROW(NEW.size, NEW.sha256, NEW.width, NEW.height, NEW.captured_at, NEW.phash, NEW.phash_band0, NEW.phash_band1,
           NEW.phash_band2, NEW.phash_band3, NEW.thumbnail_key, NEW.verified_at, NEW.stale_capture)
       IS DISTINCT FROM
       ROW(OLD.size, OLD.sha256, OLD.width, OLD.height, OLD.captured_at, OLD.phash, OLD.phash_band0, OLD.phash_band1,
           OLD.phash_band2, OLD.phash_band3, OLD.thumbnail_key, OLD.verified_at, OLD.stale_capture)
    THEN
        RAISE EXCEPTION 'evidence % is %: what its inspection found (size, sha256, capture time...) never changes',
            OLD.public_id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT (OLD.status = 'pending' AND NEW.status IN ('verified', 'rejected')
                OR OLD.status = 'verified' AND NEW.status = 'rejected') THEN
        RAISE EXCEPTION 'evidence % is % and cannot become %', OLD.public_id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.reject_reason IS DISTINCT FROM OLD.reject_reason
       AND NOT (NEW.status = 'rejected' AND OLD.status <> 'rejected') THEN
        RAISE EXCEPTION 'evidence %: a reason is written only when the photo is rejected', OLD.public_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.reused_from_id IS NOT NULL AND NEW.reused_from_id IS DISTINCT FROM OLD.reused_from_id THEN
        RAISE EXCEPTION 'evidence %: the photo it repeats is written once', OLD.public_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER evidence_immutable BEFORE UPDATE OR DELETE ON consistency_evidence
    FOR EACH ROW EXECUTE FUNCTION touchpoint_guard_evidence();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON consistency_evidence
    FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_refuse_truncate();

CREATE OR REPLACE FUNCTION touchpoint_guard_released_run() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'done' OR TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'report run % is released (done) and can never change: % refused', OLD.public_id, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reportrun_released_immutable BEFORE UPDATE OR DELETE ON reports_reportrun
    FOR EACH ROW EXECUTE FUNCTION touchpoint_guard_released_run();
CREATE TRIGGER reportrun_no_truncate BEFORE TRUNCATE ON reports_reportrun
    FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_refuse_truncate();

CREATE OR REPLACE FUNCTION touchpoint_guard_released_run_scope() RETURNS trigger AS $$
DECLARE
    run_ids bigint[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN run_ids := array_append(run_ids, OLD.reportrun_id::bigint); END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN run_ids := array_append(run_ids, NEW.reportrun_id::bigint); END IF;
    IF EXISTS (SELECT 1 FROM reports_reportrun WHERE id = ANY(run_ids) AND status = 'done') THEN
        RAISE EXCEPTION 'a released (done) report run''s sites can never change: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reportrun_sites_released_immutable BEFORE INSERT OR UPDATE OR DELETE ON reports_reportrun_sites
    FOR EACH ROW EXECUTE FUNCTION touchpoint_guard_released_run_scope();
CREATE TRIGGER reportrun_sites_no_truncate BEFORE TRUNCATE ON reports_reportrun_sites
    FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_refuse_truncate();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS auditentry_append_only ON audit_auditentry;
DROP TRIGGER IF EXISTS auditentry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS chaincheck_append_only ON audit_chaincheck;
DROP TRIGGER IF EXISTS chaincheck_no_truncate ON audit_chaincheck;
DROP TRIGGER IF EXISTS evidence_immutable ON consistency_evidence;
DROP TRIGGER IF EXISTS evidence_no_truncate ON consistency_evidence;
DROP TRIGGER IF EXISTS reportrun_released_immutable ON reports_reportrun;
DROP TRIGGER IF EXISTS reportrun_no_truncate ON reports_reportrun;
DROP TRIGGER IF EXISTS reportrun_sites_released_immutable ON reports_reportrun_sites;
DROP TRIGGER IF EXISTS reportrun_sites_no_truncate ON reports_reportrun_sites;
DROP FUNCTION IF EXISTS touchpoint_guard_released_run_scope();
DROP FUNCTION IF EXISTS touchpoint_guard_released_run();
DROP FUNCTION IF EXISTS touchpoint_guard_evidence();
DROP FUNCTION IF EXISTS touchpoint_append_only();
DROP FUNCTION IF EXISTS touchpoint_refuse_truncate();
DROP FUNCTION IF EXISTS touchpoint_purge_allowed();
"""


def forward(apps, schema_editor):
    schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("consistency", "0016_c_retake_overdue_notice"),
        ("reports", "0005_e1_language"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
