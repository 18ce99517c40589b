"""The reuse search's index lookup as a function of its own (``evidence_trust.candidates`` calls it): the stored
PhotoKeys sharing a band value with a new photo's probes, by the GIN index on ``bands``.

Why a function: a band value is in one key in millions, but PostgreSQL keeps no statistics on array elements that
never repeat, and so guesses that each of the ~64 values matches 0.5-1 % of the keys. With that guess the planner
chose a sequential scan of every key (2 s at 1 M photos), and when steered to the index, its cost estimate
(64 x 1 % of the table) compiled the query with JIT (1.5 s, for a lookup of 1 ms). Planned here, with sequential
scans and JIT off for this lookup only, the index is read; and the caller's query sees a few rows (ROWS 8), not
millions, so it is planned as the small query it is."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION touchpoint_photokey_hits(probe_bands bigint[]) RETURNS TABLE (evidence_id bigint, hash bytea)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 8
SET enable_seqscan = off SET jit = off
AS $$ SELECT k.evidence_id, k.hash FROM consistency_photokey k WHERE k.bands && probe_bands $$;
"""

BACKWARD = "DROP FUNCTION touchpoint_photokey_hits(bigint[]);"


class Migration(migrations.Migration):
    dependencies = [("consistency", "0018_photo_proof")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
