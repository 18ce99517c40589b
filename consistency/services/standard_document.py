"""Parse and validate a standard document (JSON or YAML, from a file or the API).

A bad document is refused whole: every problem is collected, each naming the touch point, the
criterion and the field, e.g. ``touch_points[2] (restroom).criteria[1] (restroom_clean).target``.

Translations: the document's own text is in ``settings.LANGUAGE_CODE``; ``languages: [fr]`` declares the others
it comes in, and then every touch point carries ``translations: {fr: {name, why}}`` and every criterion
``translations: {fr: {prompt}}`` beside its own text (a why only where the item has one). A declared language
that misses an item is refused naming each item it misses (``fr: touch point 'phone' has no name``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml
from django.conf import settings

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
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # {language: {"prompt": ...}}


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
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # {language: {"name": ..., "why": ...}}


@dataclass
class StandardDocument:
    slug: str
    name: str
    notes: str
    touch_points: list[TouchPointSpec]
    departments: list[DepartmentSpec] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # besides settings.LANGUAGE_CODE, each covering every item


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
    translations = _translations(col, path, data, CRITERION_TRANSLATED)
    if kind is None or target is None:
        return None
    return CriterionDocument(key=key, prompt=prompt, kind=kind, target=float(target), comparison=comparison,
                         tolerance=float(tolerance) if is_finite_number(tolerance) else 0.0, unit=unit,
                         weight=float(weight) if is_finite_number(weight) else 1.0, critical=bool(critical),
                         photos_required=photos if isinstance(photos, int) else 0, minimum=minimum, maximum=maximum,
                         translations=translations)


# The fields a translation gives, with the longest text each may be (as the item's own field).
TOUCH_POINT_TRANSLATED = {"name": 160, "why": 2000}
CRITERION_TRANSLATED = {"prompt": 300}


def translation_languages() -> list[str]:
    """The languages a standard may be translated into: settings.LANGUAGES but the standard's own."""
    return [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _translations(col, path, data, fields: dict[str, int]) -> dict[str, dict[str, str]]:
    """An item's ``translations``: {language: {field: text}}, read as given (which languages it must cover is
    checked against ``languages`` once the whole document is read: :func:`_coverage`)."""
    raw = data.get("translations")
    if raw is None:
        return {}
    tpath = _join(path, "translations")
    if not isinstance(raw, dict):
        col.add(tpath, "must be a mapping of language to its texts, e.g. {fr: {...}}.")
        return {}
    out: dict[str, dict[str, str]] = {}
    for language, texts in raw.items():
        lpath = f"{tpath}.{language}"
        if language not in translation_languages():
            col.add(lpath, f"{language!r} is not a language a standard can be translated into; use one of "
                    f"{', '.join(translation_languages()) or 'none (settings.LANGUAGES has no other)'}.",
                    "invalid_choice")
            continue
        if not isinstance(texts, dict):
            col.add(lpath, f"must be a mapping of {', '.join(fields)} to text.")
            continue
        col.refuse_unknown(lpath, texts, fields, "a translated field")
        given = {name: _text(col, lpath, texts, name, required=False, max_length=limit)
                 for name, limit in fields.items()}
        out[language] = {name: text for name, text in given.items() if text}
    return out


def _coverage(col, doc_languages: list[str], items) -> None:
    """Every declared language gives every item's text (a touch point's name, and its why where it has one; a
    criterion's prompt), and no item is translated into a language the document does not declare. ``items``:
    (path, what, key, own texts by field, translations)."""
    for path, what, key, own, translations in items:
        for language in translations:
            if language not in doc_languages:
                col.add(f"{path}.translations.{language}", f"{language}: {what} {key!r} is translated into "
                        f"{language!r}, which 'languages' does not declare; add it to languages.", "undeclared")
        for language in doc_languages:
            texts = translations.get(language, {})
            for name, text in own.items():
                if text and not texts.get(name):
                    col.add(f"{path}.translations.{language}.{name}", f"{language}: {what} {key!r} has no {name}.",
                            "missing_translation")


def _languages(col, raw) -> list[str]:
    """The top-level ``languages``: the languages besides the standard's own that every item is translated into."""
    if raw is None:
        return []
    allowed = translation_languages()
    if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
        col.add("languages", f"must be a list of language codes, e.g. [{', '.join(allowed) or 'fr'}].")
        return []
    out: list[str] = []
    for i, code in enumerate(raw):
        if code == settings.LANGUAGE_CODE:
            col.add(f"languages[{i}]", f"{code!r} is the standard's own language: its items' own text is in it.")
        elif code not in allowed:
            col.add(f"languages[{i}]", f"{code!r} is not a language Touchpoint comes in; use one of "
                    f"{', '.join(allowed) or 'none'}.", "invalid_choice")
        elif code in out:
            col.add(f"languages[{i}]", f"{code!r} is declared twice.", "duplicate_key")
        else:
            out.append(code)
    return out


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
    col.refuse_unknown("", data, ("standard", "languages", "departments", "notes", "touch_points"),
                       "a field of a standard document")
    standard = data.get("standard") or {}
    if not isinstance(standard, dict):
        col.add("standard", "must be a mapping with 'slug' and 'name'.")
        standard = {}
    col.refuse_unknown("standard", standard, ("slug", "name"), "a field of 'standard'")
    slug = _text(col, "standard", standard, "slug", max_length=64)
    name = _text(col, "standard", standard, "name", max_length=160)
    notes = _text(col, "", data, "notes", required=False, max_length=NOTES_MAX)

    languages = _languages(col, data.get("languages"))
    departments = _departments(col, data.get("departments"))
    declared = {d.key for d in departments}

    raw_tps = data.get("touch_points")
    touch_points: list[TouchPointSpec] = []
    if not isinstance(raw_tps, list) or not raw_tps:
        col.add("touch_points", "is required: a list of touch points, each with its criteria.", "required")
        raw_tps = []
    tp_keys: dict[str, str] = {}
    criterion_keys: dict[str, str] = {}
    translated: list[tuple] = []  # every item with its own texts and translations, for _coverage
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
        col.refuse_unknown(path, raw_tp, ("key", "name", "why", "translations", "department", "criteria"),
                           "a touch point field")
        tp = TouchPointSpec(key=key, name=_text(col, path, raw_tp, "name", max_length=160),
                            why=_text(col, path, raw_tp, "why", required=False, max_length=2000),
                            department=_department_of(col, path, raw_tp, declared),
                            translations=_translations(col, path, raw_tp, TOUCH_POINT_TRANSLATED))
        translated.append((path, "touch point", key, {"name": tp.name, "why": tp.why}, tp.translations))
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
            translated.append((cpath, "criterion", spec.key, {"prompt": spec.prompt}, spec.translations))
        touch_points.append(tp)
    _coverage(col, languages, translated)
    if col.errors:
        raise AppError(f"The standard has {len(col.errors)} problem(s); nothing was loaded.",
                       errors=col.errors, field=col.errors[0].field)
    return StandardDocument(slug=slug, name=name, notes=notes, touch_points=touch_points, departments=departments,
                            languages=languages)


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
    # The languages its items are translated into (load_standard made each cover every item), in settings' order.
    given = {lang for tp in tps for item in (tp, *tp.criteria.all()) for lang in (item.translations or {})}
    return {
        "standard": {"slug": version.standard.slug, "name": version.standard.name},
        "languages": [code for code in translation_languages() if code in given],
        "notes": version.notes,
        "departments": [{"key": d.key, "name": d.name, "submitted_by": d.submitted_by} for d in departments],
        "touch_points": [
            {
                "key": tp.key, "name": tp.name, "why": tp.why, "translations": tp.translations or {},
                "department": tp.department.key if tp.department is not None else None,
                "criteria": [
                    {"key": c.key, "prompt": c.prompt, "kind": c.kind, "target": c.target,
                     "comparison": c.comparison, "tolerance": c.tolerance, "unit": c.unit, "weight": c.weight,
                     "critical": c.critical, "photos_required": c.photos_required, "minimum": c.minimum,
                     "maximum": c.maximum, "translations": c.translations or {}}
                    for c in tp.criteria.all()
                ],
            }
            for tp in tps
        ],
    }
