"""Database triggers that make a released standard version immutable.

The services already refuse; these make the database refuse too, so no admin action, shell session or
bug can rewrite a version that past checks and reports were judged by. A released version may only move
from published to retired.

The database refuses INSERT, UPDATE and DELETE of a released version's touch points and criteria, and
any change to the version itself but published -> retired.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION touchpoint_refuse_released_contents() RETURNS trigger AS $$
DECLARE
    old_status text;
    new_status text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO old_status FROM consistency_standardversion WHERE id = OLD.version_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT status INTO new_status FROM consistency_standardversion WHERE id = NEW.version_id;
    END IF;
    IF old_status IS DISTINCT FROM NULL AND old_status <> 'draft'
       OR new_status IS DISTINCT FROM NULL AND new_status <> 'draft' THEN
        RAISE EXCEPTION 'standard version is % and can never change', COALESCE(NULLIF(old_status, 'draft'), new_status)
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER criterion_released_immutable BEFORE INSERT OR UPDATE OR DELETE ON consistency_criterion
    FOR EACH ROW EXECUTE FUNCTION touchpoint_refuse_released_contents();
CREATE TRIGGER touchpoint_released_immutable BEFORE INSERT OR UPDATE OR DELETE ON consistency_touchpoint
    FOR EACH ROW EXECUTE FUNCTION touchpoint_refuse_released_contents();

CREATE OR REPLACE FUNCTION touchpoint_refuse_released_version_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a % standard version can never be deleted', OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NOT (OLD.status = 'published' AND NEW.status IN ('published', 'retired'))
       OR NEW.standard_id <> OLD.standard_id OR NEW.number <> OLD.number OR NEW.notes <> OLD.notes
       OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
       OR NEW.published_at IS DISTINCT FROM OLD.published_at THEN
        RAISE EXCEPTION 'standard version is % and can never change (only published -> retired)', OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER standardversion_released_immutable BEFORE UPDATE OR DELETE ON consistency_standardversion
    FOR EACH ROW EXECUTE FUNCTION touchpoint_refuse_released_version_change();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS criterion_released_immutable ON consistency_criterion;
DROP TRIGGER IF EXISTS touchpoint_released_immutable ON consistency_touchpoint;
DROP TRIGGER IF EXISTS standardversion_released_immutable ON consistency_standardversion;
DROP FUNCTION IF EXISTS touchpoint_refuse_released_contents();
DROP FUNCTION IF EXISTS touchpoint_refuse_released_version_change();
"""


def forward(apps, schema_editor):
    schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("consistency", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
