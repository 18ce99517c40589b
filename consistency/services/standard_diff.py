"""What changed between two versions of the standard: touch points and criteria added, removed and changed.

One rule for the API (``GET /api/v1/standard/diff/``) and the page (``/app/standard/diff/``): both call
:func:`diff_for`, which finds the two versions as the person may see them (a draft is head office's alone), and
:func:`version_diff`, which compares them. The answer is plain data (dataclasses); what it means to a reader
("at most 3 rings") is :func:`requirement`, written once here so the document and the diff say it alike.

Criteria and touch points are matched by key, which never changes inside a version's life: a criterion whose key
changed reads as one removed and one added, which is what it is to the history of results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.errors import NotFound

from ..models import Criterion, Department, StandardVersion, TouchPoint
from ..selectors import standard as selectors
from .criterion_text import quantity, requirement, tolerance_text  # noqa: F401  (the page's words)

# What a reader of the standard sees of a criterion; "order" is left out (a criterion moved within its touch
# point asks nothing new of a site), the touch point it sits in is compared apart (``touch_point``).
CRITERION_FIELDS = ("prompt", "kind", "target", "comparison", "tolerance", "unit", "minimum", "maximum", "weight",
                    "critical", "photos_required")
TOUCH_POINT_FIELDS = ("name", "why", "department")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CriterionEntry:
    """A criterion added or removed, as the version that has it describes it."""

    key: str
    prompt: str
    touch_point: str
    touch_point_name: str
    requirement: str


@dataclass(frozen=True)
class CriterionChange:
    key: str
    prompt: str  # as the newer side ("to") says it
    touch_point: str
    touch_point_name: str
    requirement_before: str
    requirement_after: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class TouchPointEntry:
    key: str
    name: str
    why: str
    criteria: int


@dataclass(frozen=True)
class TouchPointChange:
    key: str
    name: str
    changes: list[FieldChange]


@dataclass
class VersionDiff:
    """From version ``number_from`` to ``number_to``: what a reader of ``from`` finds different in ``to``."""

    number_from: int
    number_to: int
    touch_points_added: list[TouchPointEntry] = field(default_factory=list)
    touch_points_removed: list[TouchPointEntry] = field(default_factory=list)
    touch_points_changed: list[TouchPointChange] = field(default_factory=list)
    # The shared touch points' keys in each side's order, when that order differs; else None.
    touch_point_order: FieldChange | None = None
    criteria_added: list[CriterionEntry] = field(default_factory=list)
    criteria_removed: list[CriterionEntry] = field(default_factory=list)
    criteria_changed: list[CriterionChange] = field(default_factory=list)

    @property
    def change_count(self) -> int:
        return (len(self.touch_points_added) + len(self.touch_points_removed) + len(self.touch_points_changed)
                + len(self.criteria_added) + len(self.criteria_removed) + len(self.criteria_changed)
                + (self.touch_point_order is not None))

    @property
    def is_empty(self) -> bool:
        return self.change_count == 0


def _touch_points(version: StandardVersion) -> list[TouchPoint]:
    # The selectors prefetch the contents in order (touch points, then their criteria).
    return list(version.touch_points.all())


def _criteria(tps: list[TouchPoint]) -> dict[str, tuple[Criterion, TouchPoint]]:
    return {c.key: (c, tp) for tp in tps for c in tp.criteria.all()}


def _field(item, name: str):
    # A touch point's department is compared and shown by its key (None: the site's daily check reports it).
    value = getattr(item, name)
    return value.key if isinstance(value, Department) else value


def _translated(item) -> dict[str, str]:
    """An item's translations flattened to ``translations.<language>.<field>`` -> text."""
    return {f"translations.{lang}.{name}": text for lang, texts in sorted((item.translations or {}).items())
            for name, text in texts.items()}


def _changes(old, new, names) -> list[FieldChange]:
    """The fields that differ, then each translated text that differs (``translations.fr.prompt``; None on the
    side that has none)."""
    changes = [FieldChange(name, _field(old, name), _field(new, name)) for name in names
               if _field(old, name) != _field(new, name)]
    before, after = _translated(old), _translated(new)
    return changes + [FieldChange(name, before.get(name), after.get(name)) for name in sorted(before | after)
                      if before.get(name) != after.get(name)]


def version_diff(*, old: StandardVersion, new: StandardVersion) -> VersionDiff:
    """Compare two versions whose contents are loaded (``selectors.version_get`` loads them): ``old`` is the
    "from" side, ``new`` the "to" side; either may be the later one, and comparing a version with itself is an
    empty diff. Lists follow the order of the side that has the item (the newer side for changes)."""
    diff = VersionDiff(number_from=old.number, number_to=new.number)
    old_tps, new_tps = _touch_points(old), _touch_points(new)
    old_tp_by_key, new_tp_by_key = {tp.key: tp for tp in old_tps}, {tp.key: tp for tp in new_tps}

    for tp in new_tps:
        if tp.key not in old_tp_by_key:
            diff.touch_points_added.append(TouchPointEntry(tp.key, tp.name, tp.why, len(tp.criteria.all())))
        elif changes := _changes(old_tp_by_key[tp.key], tp, TOUCH_POINT_FIELDS):
            diff.touch_points_changed.append(TouchPointChange(tp.key, tp.name, changes))
    diff.touch_points_removed = [TouchPointEntry(tp.key, tp.name, tp.why, len(tp.criteria.all()))
                                 for tp in old_tps if tp.key not in new_tp_by_key]
    shared_old = [tp.key for tp in old_tps if tp.key in new_tp_by_key]
    shared_new = [tp.key for tp in new_tps if tp.key in old_tp_by_key]
    if shared_old != shared_new:
        diff.touch_point_order = FieldChange("order", shared_old, shared_new)

    old_criteria, new_criteria = _criteria(old_tps), _criteria(new_tps)
    for key, (c, tp) in new_criteria.items():
        if key not in old_criteria:
            diff.criteria_added.append(CriterionEntry(key, c.prompt, tp.key, tp.name, requirement(c)))
            continue
        was, was_tp = old_criteria[key]
        changes = _changes(was, c, CRITERION_FIELDS)
        if was_tp.key != tp.key:
            changes.append(FieldChange("touch_point", was_tp.key, tp.key))
        if changes:
            diff.criteria_changed.append(CriterionChange(key, c.prompt, tp.key, tp.name, requirement(was),
                                                         requirement(c), changes))
    diff.criteria_removed = [CriterionEntry(key, c.prompt, tp.key, tp.name, requirement(c))
                             for key, (c, tp) in old_criteria.items() if key not in new_criteria]
    return diff


def _version_for(*, user, number: int, param: str) -> StandardVersion:
    """Version ``number`` as ``user`` may see it; a 404 naming the parameter that asked for it (``from`` or
    ``to``). A draft is 404 to anyone but head office, as if it did not exist (selectors.version_get)."""
    try:
        return selectors.version_get(number=number, user=user)
    except NotFound as exc:
        raise NotFound(f"{param}: {exc.message}", field=param) from exc


def diff_for(*, user, number_from: int, number_to: int) -> VersionDiff:
    """The diff between versions ``number_from`` and ``number_to`` for ``user``: what the API and the page answer."""
    old = _version_for(user=user, number=number_from, param="from")
    new = old if number_to == number_from else _version_for(user=user, number=number_to, param="to")
    return version_diff(old=old, new=new)
