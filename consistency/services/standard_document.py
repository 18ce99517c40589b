"""Parse and validate a standard document (JSON or YAML, from a file or the API).

A bad document is refused whole: every problem is collected, each naming the touch point, the
criterion and the field, e.g. ``touch_points[2] (restroom).criteria[1] (restroom_clean).target``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml

from backend.bodies import UNKNOWN_FIELD, unknown_fields
from backend.errors import AppError, FieldError
from backend.inputs import NUL, NUL_MESSAGE, is_finite_number

from ..models import Comparison, Kind, SubmittedBy

KEY_MAX = 64
NOTES_MAX = 2000  # a version's notes, as a new draft's are
MAX_WEIGHT = 1000
MAX_MAGNITUDE = 1e12  # as a result's value: targets, tolerances and bounds stay where arithmetic is exact enough


@dataclass
class CriterionDocument:
    """A criterion as a standard document (JSON/YAML, or a PUT body) describes it, checked, before it is stored."""

    key: str
    prompt: str
    kind: str
    target: float
    comparison: str = ""
    tolerance: float = 0.0
    unit: str = ""
    weight: float = 1.0
    critical: bool = False
    photos_required: int = 0
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class DepartmentSpec:
    """A department the document declares: who reports its touch points (``SubmittedBy``)."""

    key: str
    name: str
    submitted_by: str = SubmittedBy.SITE


@dataclass
class TouchPointSpec:
    key: str
    name: str
    why: str = ""
    criteria: list[CriterionDocument] = field(default_factory=list)
    department: str | None = None  # a declared department's key; None: the site's daily check reports it


@dataclass
class StandardDocument:
    slug: str
    name: str
    notes: str
    touch_points: list[TouchPointSpec]
    departments: list[DepartmentSpec] = field(default_factory=list)


class DuplicateKeyError(ValueError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal mapping keys silently; a standard must not."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _json_pairs(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load_text(text: str, *, filename: str = "") -> dict:
    """Read JSON or YAML text into plain data, refusing duplicate keys anywhere."""
    try:
        if filename.endswith(".json") or text.lstrip().startswith("{"):
            data = json.loads(text, object_pairs_hook=_json_pairs,
                              parse_constant=lambda c: (_ for _ in ()).throw(ValueError(f"{c} is not allowed")))
        else:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKeyError as exc:
        raise AppError(f"The file has a {exc}.", code="duplicate_key") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise AppError(f"The file is not valid JSON or YAML: {exc}", code="parse_error") from exc
    if not isinstance(data, dict):
        raise AppError("The file must hold a mapping with 'standard' and 'touch_points'.", code="parse_error")
    return data


class _Collector:
    def __init__(self):
        self.errors: list[FieldError] = []

    def add(self, path: str, message: str, code: str = "invalid"):
        self.errors.append(FieldError(f"{path}: {message}", path, code))

    def refuse_unknown(self, path: str, data: dict, known, what: str):
        for name, message in unknown_fields(data, known, what=what).items():
            self.add(_join(path, name), message, UNKNOWN_FIELD)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text(col, path, data, name, *, required=True, max_length=300) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            col.add(_join(path, name), "is required.", "required")
        return ""
    if not isinstance(value, str):
        col.add(_join(path, name), "must be text.")
        return ""
    if len(value) > max_length:
        col.add(_join(path, name), f"must be at most {max_length} characters.")
    if NUL in value:
        col.add(_join(path, name), NUL_MESSAGE)
    return value


def _key(col, path, data) -> str:
    key = _text(col, path, data, "key", max_length=KEY_MAX)
    if key and not all((ch.isascii() and ch.isalnum()) or ch in "-_" for ch in key):
        col.add(_join(path, "key"), f"{key!r} may hold only letters a-z and A-Z, digits, '-' and '_'.")
    return key


def _criterion(col, path, data) -> CriterionDocument | None:
    if not isinstance(data, dict):
        col.add(path, "must be a mapping.")
        return None
    col.refuse_unknown(path, data, CriterionDocument.__dataclass_fields__, "a criterion field")
    key = _key(col, path, data)
    prompt = _text(col, path, data, "prompt")
    kind = data.get("kind")
    if kind not in Kind.values:
        col.add(_join(path, "kind"), f"{kind!r} is not a kind; use one of {', '.join(Kind.values)}.", "invalid_choice")
        kind = None
    target = data.get("target", 1 if kind == Kind.BOOLEAN else None)
    comparison = data.get("comparison", "") or ""
    tolerance = data.get("tolerance", 0)
    unit = data.get("unit", "") or ""
    weight = data.get("weight", 1)
    critical = data.get("critical", False)
    photos = data.get("photos_required", 0)

    if not is_finite_number(target):
        col.add(_join(path, "target"), "must be a finite number.", "required" if target is None else "invalid")
        target = None
    elif abs(target) > MAX_MAGNITUDE:
        col.add(_join(path, "target"), f"must be between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}.")
        target = None
    if kind == Kind.BOOLEAN:
        if target is not None and target not in (1, True):
            col.add(_join(path, "target"), "a boolean criterion always expects yes (target 1).")
        if comparison:
            col.add(_join(path, "comparison"), "applies only to number criteria.")
    elif kind == Kind.SCORE:
        if target is not None and not (1 <= target <= 5):
            col.add(_join(path, "target"), f"a score target is a minimum between 1 and 5, not {target}.")
        if comparison:
            col.add(_join(path, "comparison"), "applies only to number criteria.")
    elif kind == Kind.NUMBER:
        if comparison not in Comparison.values:
            col.add(_join(path, "comparison"), f"{comparison!r} is not a comparison; use 'lte' or 'gte'.",
                    "invalid_choice")
        if not unit:
            col.add(_join(path, "unit"), "is required for a number criterion (minutes, rings, %, °C...).", "required")
    if not is_finite_number(tolerance) or not 0 <= tolerance <= MAX_MAGNITUDE:
        col.add(_join(path, "tolerance"), f"must be a number from 0 to {MAX_MAGNITUDE:g}.")
        tolerance = 0.0
    if not is_finite_number(weight) or not 0 < weight <= MAX_WEIGHT:
        # Bounded: weights are summed for a check's score; 1e308 twice overflowed to a NaN score.
        col.add(_join(path, "weight"), f"must be a number greater than zero and at most {MAX_WEIGHT}.")
        weight = 1.0
    if not isinstance(critical, bool):
        col.add(_join(path, "critical"), "must be true or false.")
    if not isinstance(photos, int) or isinstance(photos, bool) or not (0 <= photos <= 10):
        col.add(_join(path, "photos_required"), "must be a whole number from 0 to 10.")
    if not isinstance(unit, str) or len(unit) > 24:
        col.add(_join(path, "unit"), "must be text of at most 24 characters.")
    elif NUL in unit:
        col.add(_join(path, "unit"), NUL_MESSAGE)
    minimum, maximum = _bounds(col, path, data, kind=kind, unit=unit, target=target)
    if kind is None or target is None:
        return None
    return CriterionDocument(key=key, prompt=prompt, kind=kind, target=float(target), comparison=comparison,
                         tolerance=float(tolerance) if is_finite_number(tolerance) else 0.0, unit=unit,
                         weight=float(weight) if is_finite_number(weight) else 1.0, critical=bool(critical),
                         photos_required=photos if isinstance(photos, int) else 0, minimum=minimum, maximum=maximum)


def _bounds(col, path, data, *, kind, unit, target) -> tuple[float | None, float | None]:
    """The readings a number criterion can have. Unless the document says otherwise: none below 0 (rings,
    minutes, days, invoices) and, for a percentage, none above 100. ``null`` lifts a bound (a temperature)."""
    if kind != Kind.NUMBER:
        for name in ("minimum", "maximum"):
            if data.get(name) is not None:
                col.add(_join(path, name), "applies only to number criteria.")
        return None, None

    def bound(name: str, default: float | None) -> float | None:
        value = data.get(name, default)
        if value is None:
            return None
        if not is_finite_number(value) or abs(value) > MAX_MAGNITUDE:
            col.add(_join(path, name), f"must be a number between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}, or null "
                    "for no bound.")
            return None
        return float(value)

    minimum = bound("minimum", 0)
    maximum = bound("maximum", 100 if unit == "%" else None)
    if minimum is not None and maximum is not None and minimum >= maximum:
        col.add(_join(path, "maximum"), f"must be greater than the minimum ({minimum:g}).")
    elif is_finite_number(target):
        if minimum is not None and target < minimum:
            col.add(_join(path, "target"), f"{target:g} is below the lowest possible reading ({minimum:g} {unit}); "
                    "set a minimum (null for none) if readings can go lower.")
        if maximum is not None and target > maximum:
            col.add(_join(path, "target"), f"{target:g} is above the highest possible reading ({maximum:g} {unit}).")
    return minimum, maximum


def parse_criterion(data: dict) -> CriterionDocument:
    """Validate one criterion on its own; field paths are the bare field names."""
    col = _Collector()
    spec = _criterion(col, "", data)
    if col.errors:
        raise AppError(errors=col.errors)
    return spec


def parse_document(data: dict) -> StandardDocument:
    """Validate plain data (already read from JSON/YAML or a request body); raise AppError listing
    every problem, or return the document."""
    col = _Collector()
    if not isinstance(data, dict):
        raise AppError("The standard must be a mapping.", field=None)
    col.refuse_unknown("", data, ("standard", "departments", "notes", "touch_points"),
                       "a field of a standard document")
    standard = data.get("standard") or {}
    if not isinstance(standard, dict):
        col.add("standard", "must be a mapping with 'slug' and 'name'.")
        standard = {}
    col.refuse_unknown("standard", standard, ("slug", "name"), "a field of 'standard'")
    slug = _text(col, "standard", standard, "slug", max_length=64)
    name = _text(col, "standard", standard, "name", max_length=160)
    notes = _text(col, "", data, "notes", required=False, max_length=NOTES_MAX)

    departments = _departments(col, data.get("departments"))
    declared = {d.key for d in departments}

    raw_tps = data.get("touch_points")
    touch_points: list[TouchPointSpec] = []
    if not isinstance(raw_tps, list) or not raw_tps:
        col.add("touch_points", "is required: a list of touch points, each with its criteria.", "required")
        raw_tps = []
    tp_keys: dict[str, str] = {}
    criterion_keys: dict[str, str] = {}
    for i, raw_tp in enumerate(raw_tps):
        path = f"touch_points[{i}]"
        if not isinstance(raw_tp, dict):
            col.add(path, "must be a mapping.")
            continue
        key = _key(col, path, raw_tp)
        if key:
            path = f"{path} ({key})"
            if key in tp_keys:
                col.add(_join(path, "key"), f"duplicate touch point key; {tp_keys[key]} uses it already.", "duplicate_key")
            tp_keys.setdefault(key, path)
        col.refuse_unknown(path, raw_tp, ("key", "name", "why", "department", "criteria"), "a touch point field")
        tp = TouchPointSpec(key=key, name=_text(col, path, raw_tp, "name", max_length=160),
                            why=_text(col, path, raw_tp, "why", required=False, max_length=2000),
                            department=_department_of(col, path, raw_tp, declared))
        raw_criteria = raw_tp.get("criteria")
        if not isinstance(raw_criteria, list) or not raw_criteria:
            col.add(_join(path, "criteria"), "is required: a touch point needs at least one criterion.", "required")
            raw_criteria = []
        for j, raw_c in enumerate(raw_criteria):
            cpath = f"{path}.criteria[{j}]"
            if isinstance(raw_c, dict) and isinstance(raw_c.get("key"), str) and raw_c.get("key"):
                cpath = f"{cpath} ({raw_c['key']})"
            spec = _criterion(col, cpath, raw_c)
            if spec is None:
                continue
            if spec.key in criterion_keys:
                col.add(f"{cpath}.key", f"duplicate criterion key; {criterion_keys[spec.key]} uses it already.",
                        "duplicate_key")
            criterion_keys.setdefault(spec.key, cpath)
            tp.criteria.append(spec)
        touch_points.append(tp)
    if col.errors:
        raise AppError(f"The standard has {len(col.errors)} problem(s); nothing was loaded.",
                       errors=col.errors, field=col.errors[0].field)
    return StandardDocument(slug=slug, name=name, notes=notes, touch_points=touch_points, departments=departments)


def _departments(col, raw) -> list[DepartmentSpec]:
    """The top-level ``departments``: optional; each {key, name, submitted_by: site|department}."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        col.add("departments", "must be a list of departments, each with key, name and submitted_by.")
        return []
    out: list[DepartmentSpec] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        path = f"departments[{i}]"
        if not isinstance(item, dict):
            col.add(path, "must be a mapping with key, name and submitted_by.")
            continue
        key = _key(col, path, item)
        if key:
            path = f"{path} ({key})"
            if key in seen:
                col.add(_join(path, "key"), f"duplicate department key; {seen[key]} uses it already.", "duplicate_key")
            seen.setdefault(key, path)
        col.refuse_unknown(path, item, ("key", "name", "submitted_by"), "a department field")
        name = _text(col, path, item, "name", max_length=120)
        submitted_by = item.get("submitted_by", SubmittedBy.SITE)
        if submitted_by not in SubmittedBy.values:
            col.add(_join(path, "submitted_by"), f"{submitted_by!r} is not who submits a department's touch points; "
                    "use 'site' (the site's daily check) or 'department' (the department's own staff).",
                    "invalid_choice")
            submitted_by = SubmittedBy.SITE
        out.append(DepartmentSpec(key=key, name=name, submitted_by=submitted_by))
    return out


def _department_of(col, path, raw_tp, declared: set[str]) -> str | None:
    """A touch point's ``department``: the key of a department the document declares, or absent."""
    value = raw_tp.get("department")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        col.add(_join(path, "department"), "must be the key of a department declared under 'departments'.")
        return None
    if value not in declared:
        known = ", ".join(sorted(declared)) or "none is declared"
        col.add(_join(path, "department"), f"{value!r} is not a department of this standard ({known}); declare "
                "it under 'departments'.", "unknown_department")
        return None
    return value


def document_of(version) -> dict:
    """The document form of a stored version (the inverse of parse_document). Its departments: those its touch
    points name (with their touch points' ``department`` loaded)."""
    tps = list(version.touch_points.all())
    departments = sorted({tp.department.pk: tp.department for tp in tps if tp.department is not None}.values(),
                         key=lambda d: (d.order, d.key))
    return {
        "standard": {"slug": version.standard.slug, "name": version.standard.name},
        "notes": version.notes,
        "departments": [{"key": d.key, "name": d.name, "submitted_by": d.submitted_by} for d in departments],
        "touch_points": [
            {
                "key": tp.key, "name": tp.name, "why": tp.why,
                "department": tp.department.key if tp.department is not None else None,
                "criteria": [
                    {"key": c.key, "prompt": c.prompt, "kind": c.kind, "target": c.target,
                     "comparison": c.comparison, "tolerance": c.tolerance, "unit": c.unit, "weight": c.weight,
                     "critical": c.critical, "photos_required": c.photos_required, "minimum": c.minimum,
                     "maximum": c.maximum}
                    for c in tp.criteria.all()
                ],
            }
            for tp in tps
        ],
    }
