"""The evidence trigger of 0002 with the fields of consistency 0018: what a photo's capture checks read (sharpness,
brightness, quality_issue, edited_with, captured_after_upload, its GPS position and distance, far_from_site, its
C2PA content credentials) never changes once it has a verdict, like the rest of its inspection; what its reuse
flag says (reuse_kind, reuse_score, reuse_detail) is written once, with reused_from."""

import importlib
import re

from django.db import migrations

_0002 = importlib.import_module("audit.migrations.0002_immutable_records")
OLD_FUNCTION = re.search(r"CREATE OR REPLACE FUNCTION touchpoint_guard_evidence\(\).*?\$\$ LANGUAGE plpgsql;",
                         _0002.PG_FORWARD, re.S).group(0)

NEW_FUNCTION = """
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
           NEW.phash_band2, NEW.phash_band3, NEW.thumbnail_key, NEW.verified_at, NEW.stale_capture,
           NEW.sharpness, NEW.brightness, NEW.quality_issue, NEW.edited_with, NEW.captured_after_upload,
           NEW.gps_latitude, NEW.gps_longitude, NEW.gps_distance_m, NEW.far_from_site, NEW.content_credentials::text)
       IS DISTINCT FROM
       ROW(OLD.size, OLD.sha256, OLD.width, OLD.height, OLD.captured_at, OLD.phash, OLD.phash_band0, OLD.phash_band1,
           OLD.phash_band2, OLD.phash_band3, OLD.thumbnail_key, OLD.verified_at, OLD.stale_capture,
           OLD.sharpness, OLD.brightness, OLD.quality_issue, OLD.edited_with, OLD.captured_after_upload,
           OLD.gps_latitude, OLD.gps_longitude, OLD.gps_distance_m, OLD.far_from_site, OLD.content_credentials::text)
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
    IF OLD.reused_from_id IS NOT NULL
       AND ROW(NEW.reused_from_id, NEW.reuse_kind, NEW.reuse_score, NEW.reuse_detail)
           IS DISTINCT FROM ROW(OLD.reused_from_id, OLD.reuse_kind, OLD.reuse_score, OLD.reuse_detail) THEN
        RAISE EXCEPTION 'evidence %: the photo it repeats, and how, is written once', OLD.public_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_immutable_records"),
        ("consistency", "0018_photo_proof"),
    ]

    operations = [migrations.RunSQL(NEW_FUNCTION, OLD_FUNCTION)]
