"""Which version of the standard was in force on which day, and what it expected.

Loaded in one query (every criterion of every released version, with its touch point and version).
A day is judged by the released version with the latest ``effective_from`` on or before it (the same
rule as ``selectors.standard.version_in_force``); before the first version nothing is expected.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from ...models import Criterion, VersionStatus


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    weight: float
    touch_point: str        # touch point key
    touch_point_name: str
    order: tuple[int, int]  # (touch point order, criterion order) for stable listings
    prompt: str = ""        # what a person reads for the criterion (the key is the API's name for it)


@dataclass
class VersionSpec:
    id: int
    number: int
    effective_from: dt.date
    criteria: dict[str, CriterionSpec] = field(default_factory=dict)


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
        # Sorted by effective_from; a later publication on the same day wins, as in version_in_force.
        self.versions = versions
        self._starts = [v.effective_from for v in versions]

    @classmethod
    def load(cls) -> Timeline:
        rows = (Criterion.objects.exclude(version__status=VersionStatus.DRAFT)
                .exclude(version__effective_from__isnull=True)
                .values_list("version_id", "version__number", "version__effective_from", "version__published_at",
                             "key", "weight", "touch_point__key", "touch_point__name", "touch_point__order",
                             "order", "prompt"))
        versions: dict[int, VersionSpec] = {}
        published: dict[int, object] = {}
        for vid, number, eff, pub, key, weight, tp_key, tp_name, tp_order, order, prompt in rows:
            spec = versions.get(vid)
            if spec is None:
                spec = versions[vid] = VersionSpec(id=vid, number=number, effective_from=eff)
                published[vid] = pub
            spec.criteria[key] = CriterionSpec(key, weight, tp_key, tp_name, (tp_order, order), prompt)
        ordered = sorted(versions.values(), key=lambda v: (v.effective_from, published[v.id] or dt.datetime.min,
                                                           v.number))
        # Of several versions effective the same day only the last published one is ever in force.
        deduped: list[VersionSpec] = []
        for v in ordered:
            if deduped and deduped[-1].effective_from == v.effective_from:
                deduped[-1] = v
            else:
                deduped.append(v)
        return cls(deduped)

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
