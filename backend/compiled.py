"""A queryset's SQL, compiled by Django once per process and run again with other values.

On the check submission's path, compiling a few small querysets (the profile, the site this user may
write, the version in force) cost more CPU than running them (bench/RESULTS-submit.md). A
:class:`CompiledQuery` keeps the rule where it is, written once as a queryset: ``build(*values)`` returns
it; it is compiled once with ``sentinels`` (values found nowhere else among its parameters), and each call
puts the real values where the sentinels were. The SQL is the SQL Django generates for that queryset.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

from . import rows


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *sentinels):
        self._build, self._sentinels = build, sentinels
        self._compiled = None
        self._lock = threading.Lock()

    def _compile(self):
        if self._compiled is None:
            with self._lock:
                qs = self._build(*self._sentinels)
                if qs.query.select_related or qs.query.deferred_loading != (frozenset(), True) or qs._fields:
                    raise ValueError("CompiledQuery reads whole rows of one model: no select_related, only or values")
                sql, params = qs.query.sql_with_params()
                slots = []
                for param in params:
                    found = [i for i, s in enumerate(self._sentinels) if type(param) is type(s) and param == s]
                    slots.append(found[0] if found else None)
                missing = set(range(len(self._sentinels))) - set(slots)
                if missing:
                    raise ValueError(f"Sentinels {sorted(missing)} do not appear in the parameters of {sql!r}")
                self._compiled = (qs.model, sql, list(params), slots)
        return self._compiled

    def first(self, *values):
        """The first row as a model instance (as the ORM would load it), or None."""
        model, sql, params, slots = self._compile()
        bound = [values[slot] if slot is not None else param for param, slot in zip(params, slots, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            row = cursor.fetchone()
        return None if row is None else rows.from_row(model, row)


def inlined_sql(queryset: QuerySet, expressions: Callable[[object], str | None], *, prefix: str) -> tuple[str, dict]:
    """A queryset as a parenthesised subquery for hand-written SQL with named parameters: each parameter for
    which ``expressions(value)`` gives an SQL expression (a sentinel standing for a column or an outer
    parameter) becomes that expression; the others become parameters named ``<prefix>_<n>``, returned with
    the SQL. The SQL is Django's for the queryset, so a rule written once as a queryset serves the raw SQL
    too."""
    sql, params = queryset.query.sql_with_params()
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise RuntimeError(f"Unexpected placeholders in {sql!r}")
    out, named = [parts[0]], {}
    for i, (value, rest) in enumerate(zip(params, parts[1:], strict=True)):
        expression = expressions(value)
        if expression is not None:
            out.append(f"({expression})")
        else:
            named[f"{prefix}_{i}"] = value
            out.append(f"%({prefix}_{i})s")
        out.append(rest)
    return f"({''.join(out)})", named
