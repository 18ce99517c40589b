"""Which part of the standard a daily check covers, and who may submit it.

A version's touch points belong to departments (or to none). The site's daily check (``department`` omitted)
covers every touch point with no department or a department the site reports ("submitted_by: site"); a
department whose own staff report its touch points ("submitted_by: department", e.g. accounting) submits a
check of its own for each site it serves, holding exactly its touch points' criteria. Both are judged, scored
and counted like any check (``check_rules.judge_results(part=...)``).

Who: a site's manager gives the site's part only; department staff give their department's part only (it is
what they give when they name none); head office may give any part.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.errors import AppError, Forbidden
from sites import access
from sites.models import Role

from ..models import SubmittedBy
from ..selectors.checks import VersionCriteria
from .check_rules import EVERY_CRITERION, Part

FIELD = "department"


@dataclass(frozen=True)
class DepartmentRow:
    """A department as the submission reads it (with the site's lock, in the same statement)."""

    id: int
    key: str
    name: str
    submitted_by: str

    @property
    def by_its_staff(self) -> bool:
        return self.submitted_by == SubmittedBy.DEPARTMENT


@dataclass(frozen=True)
class CheckPart:
    department: DepartmentRow | None  # None: the site's own daily check
    part: Part


SITE_PART_NAME = "the site's daily check"


def department_part_name(department) -> str:
    return f"the {department.name} department's touch points"


def covers(part: str | None, department: str | None, by_its_staff: bool) -> bool:
    """The one rule of which part a touch point belongs to: whether the part ``part`` (a department's key, None:
    the site's) covers a touch point of ``department`` (None: of no department), whose staff report it
    themselves when ``by_its_staff``."""
    if part is not None:
        return department == part
    return department is None or not by_its_staff


def part_keys(criteria: VersionCriteria, departments: dict[str, DepartmentRow],
              department: DepartmentRow | None) -> frozenset[str]:
    """The criterion keys of a version that a part covers (``department`` None: the site's part)."""
    part = department.key if department is not None else None
    return frozenset(k for k, rule in criteria.by_key.items()
                     if covers(part, rule.department, _by_its_staff(departments, rule.department)))


def _by_its_staff(departments: dict[str, DepartmentRow], key: str | None) -> bool:
    found = departments.get(key) if key is not None else None
    return found is not None and found.by_its_staff


def check_part(*, user, key: str | None, departments: dict[str, DepartmentRow],
               criteria: VersionCriteria) -> CheckPart:
    """The part ``user`` submits: the body's ``department`` key (None: the site's, or for department staff their
    department's), checked against who may submit it. 400 for a key that is no department or one the site's
    check covers, 403 for a part that is someone else's to submit."""
    role = access.role_of(user)
    if key is None and role == Role.DEPARTMENT:
        own = access.department_of(user)
        if own is None:
            raise Forbidden("Your profile names no department: ask head office to set the department you work in.",
                            field=FIELD, code="no_department")
        key = own.key
    department = None
    if key is not None:
        department = departments.get(key)
        if department is None:
            known = ", ".join(sorted(k for k, d in departments.items() if d.by_its_staff)) or "none"
            raise AppError(f"department: {key!r} is not a department that submits checks of its own ({known}).",
                           field=FIELD, code="unknown_department")
        if not department.by_its_staff:
            raise AppError(f"department: the {department.name} department's touch points are part of the site's "
                           "daily check; send it without a department.", field=FIELD, code="site_department")
    _may_submit(user, role, department)
    if department is None:
        keys = part_keys(criteria, departments, None)
        if len(keys) == len(criteria.by_key):
            return CheckPart(None, EVERY_CRITERION)  # no department of its own in this version: every criterion
        return CheckPart(None, Part(allowed=keys, name=f"{SITE_PART_NAME} (version {criteria.number})"))
    keys = part_keys(criteria, departments, department)
    if not keys:
        raise AppError(f"department: version {criteria.number} of the standard has no touch point of the "
                       f"{department.name} department.", field=FIELD, code="empty_part")
    return CheckPart(department, Part(allowed=keys, name=department_part_name(department)))


def _may_submit(user, role, department: DepartmentRow | None) -> None:
    if role == Role.HEAD_OFFICE:
        return
    if department is None:
        if role == Role.DEPARTMENT:
            raise Forbidden("The site's daily check is given by its manager; you submit your department's touch "
                            "points (send your department's key, or no department).", field=FIELD,
                            code="not_your_part")
        return
    if role == Role.DEPARTMENT:
        own = access.department_of(user)
        if own is not None and own.pk == department.id:
            return
    raise Forbidden(f"The {department.name} department's touch points are submitted by the {department.name} "
                    "department's own staff, for the sites they serve.", field=FIELD, code="not_your_part")
