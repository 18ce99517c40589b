"""A critical failure, told at once: the region's contact (else head office) hears of each critical criterion a
check did not meet, in the transaction that writes the check, so the message goes when it commits (and never
for a check that was rolled back).

The failure is the one rule of ``consistency.services.actions.opens_action``: the actions the check's plan
opens are exactly its critical criteria not met. An amendment that carries an earlier check's action over
opens nothing new, so it tells nobody again; a criterion that fails anew in an amendment is told (its key is
the new check's). A check with no critical failure costs no statement here.
"""

from __future__ import annotations

import orjson
from django.db import connection

from consistency.models import Criterion
from notify.events import Event
from notify.services.publish import Occurrence, publish
from sites.models import Site

from . import people


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def check_written(plan) -> None:
    """Publish ``check.critical_failure`` for each action ``plan`` (a ``consistency.services.check_plan.CheckPlan``,
    just written by ``check_write``) opened. Key "<check id>:<criterion key>"."""
    if not plan.opens:
        return
    check, site = plan.check, plan.check.site
    failed = {r.spec.id: r for r in plan.results}
    with connection.cursor() as cursor:
        # Who is told, and the criteria's translations (the e-mail shows the prompt in each reader's language).
        cursor.execute(f"WITH {people.ctes()} SELECT {people.CONTACT_OR_HEAD_OFFICE}, (SELECT jsonb_object_agg(c.id, "
                       f"c.translations) FROM {_t(Criterion)} c WHERE c.id = ANY(%s)) FROM {_t(Site)} s "
                       f"{people.CONTACT} WHERE s.id = %s", [[a.criterion_id for a in plan.opens], site.pk])
        recipients, translations = cursor.fetchone()
    translations = orjson.loads(translations) if isinstance(translations, str) else (translations or {})
    occurrences = []
    for action in plan.opens:
        result = failed[action.criterion_id]
        spec = result.spec
        occurrences.append(Occurrence(
            event=Event.CRITICAL_FAILURE, key=f"{check.pk}:{spec.key}", recipients=recipients, site_id=site.pk,
            link=f"/app/sites/{site.code}/",
            data={"site": site.code, "site_name": site.name, "date": check.date.isoformat(), "check": check.pk,
                  "late": check.late, "criterion": spec.key, "prompt": spec.prompt,
                  "translations": translations.get(str(spec.id), {}), "kind": spec.kind, "value": result.value,
                  "target": spec.target, "comparison": spec.comparison, "unit": spec.unit, "action": action.pk,
                  "due_on": action.due_on.isoformat()}))
    publish(occurrences)
