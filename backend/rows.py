"""Model instances from rows of hand-written SQL, with each field's database converters applied.

The few hot-path queries written in plain SQL (compiling them through the ORM cost more CPU than
running them: bench/RESULTS-submit.md) still hand back ordinary model instances.
"""

from __future__ import annotations

from django.db import connection


def columns(model, alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in the order :func:`from_row` expects."""
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def width(model) -> int:
    return len(model._meta.concrete_fields)


def from_row(model, values):
    """An instance of ``model`` from the values of :func:`columns`, as if the ORM had loaded it."""
    fields = model._meta.concrete_fields
    converted = []
    for f, v in zip(fields, values, strict=True):
        col = f.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            v = convert(v, col, connection)
        converted.append(v)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)
