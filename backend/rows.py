"""Model instances from rows of hand-written SQL, with each field's database converters applied.

The few hot-path queries written in plain SQL (compiling them through the ORM cost more CPU than
running them: bench/RESULTS-submit.md) still hand back ordinary model instances. What each model needs
(its columns, attribute names and converters) is worked out once per process.
"""

from __future__ import annotations

from functools import cache

from django.db import connection


@cache
def _plan(model) -> tuple[list[str], list[tuple[int, list, object]]]:
    fields = model._meta.concrete_fields
    converters = []
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((i, found, col))
    return [f.attname for f in fields], converters


@cache
def columns(model, alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in the order :func:`from_row` expects."""
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def width(model) -> int:
    return len(model._meta.concrete_fields)


def from_row(model, values):
    """An instance of ``model`` from the values of :func:`columns`, as if the ORM had loaded it."""
    attnames, converters = _plan(model)
    if converters:
        values = list(values)
        for i, found, col in converters:
            v = values[i]
            for convert in found:
                v = convert(v, col, connection)
            values[i] = v
    return model.from_db(connection.alias, attnames, values)
