"""A list of scalars in one column: a PostgreSQL array.

The running totals keep one row per site and day with a list per measure (models/summary.py); a
PostgreSQL array is what lets the database unnest them in the variance engine's aggregate and build them
in the rollup's statement. ``django.contrib.postgres``'s ArrayField makes the same columns; swapping to it
would change nothing in the database and cost a migration of its own, so this small field stays.
"""

from __future__ import annotations

from django.db import models

ITEM_TYPES = {"text": str, "integer": int, "double precision": float}


class ScalarListField(models.Field):
    description = "A list of text, integers or floats"

    def __init__(self, item_type: str, **kwargs):
        if item_type not in ITEM_TYPES:
            raise ValueError(f"item_type must be one of {', '.join(ITEM_TYPES)}")
        self.item_type = item_type
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_type"] = self.item_type
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        return f"{self.item_type}[]"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        cast = ITEM_TYPES[self.item_type]
        return [cast(v) for v in value]
