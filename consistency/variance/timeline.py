"""Which version of the standard was in force on which day, and what it expected.

Loaded in one query (every criterion of every released version, with its touch point and version).
A day is judged by the version ``selectors.standard`` says is in force on it: the versions are read in its
order (``IN_FORCE_ORDER``) and the first that took effect on or before the day wins; before the first
version nothing is expected.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from ..models import Criterion
from ..selectors.standard import IN_FORCE_ORDER, released_versions


@dataclass(frozen=True)
class WeightedCriterion:
    """A criterion as the engine weighs it across versions: its weight and where it is listed."""

    key: str
    weight: float
    touch_point: str        # touch point key
    touch_point_name: str
    order: tuple[int, int]  # (touch point order, criterion order) for stable listings
    prompt: str = ""        # what a person reads for the criterion (the key is the API's name for it)
    department: str | None = None  # its touch point's department (key), None: none
    department_name: str = ""
    department_order: int = 0


@dataclass
class VersionSpec:
    id: int
    number: int
    effective_from: dt.date
    criteria: dict[str, WeightedCriterion] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """Consecutive days judged by one version (``version`` None: no standard in force yet)."""

    start: dt.date
    end: dt.date
    version: VersionSpec | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Timeline:
    def __init__(self, versions: list[VersionSpec]):
        # Sorted by effective_from, one version per day: the one in force from that day on.
        self.versions = versions
        self._starts = [v.effective_from for v in versions]

    @classmethod
    def load(cls) -> Timeline:
        rows = (Criterion.objects.filter(version__in=released_versions())
                .order_by(*(f"{o[0]}version__{o[1:]}" for o in IN_FORCE_ORDER), "id")
                .values_list("version_id", "version__number", "version__effective_from", "key", "weight",
                             "touch_point__key", "touch_point__name", "touch_point__order", "order", "prompt",
                             "touch_point__department__key", "touch_point__department__name",
                             "touch_point__department__order"))
        versions: dict[int, VersionSpec] = {}  # in the rule's order: the one in force first
        for vid, number, eff, key, weight, tp_key, tp_name, tp_order, order, prompt, dep, dep_name, dep_order in rows:
            spec = versions.get(vid)
            if spec is None:
                spec = versions[vid] = VersionSpec(id=vid, number=number, effective_from=eff)
            spec.criteria[key] = WeightedCriterion(key, weight, tp_key, tp_name, (tp_order, order), prompt, dep,
                                                   dep_name or "", dep_order or 0)
        # Of several versions effective the same day, the first in the rule's order is the one ever in force.
        by_day: dict[dt.date, VersionSpec] = {}
        for v in versions.values():
            by_day.setdefault(v.effective_from, v)
        return cls(sorted(by_day.values(), key=lambda v: v.effective_from))

    def in_force(self, day: dt.date) -> VersionSpec | None:
        i = bisect.bisect_right(self._starts, day)
        return self.versions[i - 1] if i else None

    def segments(self, start: dt.date, end: dt.date, *, cuts: tuple[dt.date, ...] = ()) -> list[Segment]:
        """[start, end] split where the version in force changes and before each day in ``cuts``."""
        if end < start:
            return []
        edges = {start} | {v.effective_from for v in self.versions if start < v.effective_from <= end}
        edges |= {c for c in cuts if start < c <= end}
        points = sorted(edges)
        out = []
        for i, a in enumerate(points):
            b = points[i + 1] - dt.timedelta(days=1) if i + 1 < len(points) else end
            out.append(Segment(a, b, self.in_force(a)))
        return out

    def keys_expected(self, day: dt.date) -> frozenset[str]:
        v = self.in_force(day)
        return frozenset(v.criteria) if v else frozenset()
