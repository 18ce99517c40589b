"""A small standard with departments, for the department tests: the phone belongs to the front desk (reported by
the site's daily check), delivery to accounting (its own staff submit it); the restroom to no department."""

from __future__ import annotations

from ..factories import published_version, small_standard_doc

SITE_PART = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5}
ACCOUNTING_PART = {"delivery_on_time_pct": 97.5}


def department_doc(**overrides) -> dict:
    doc = small_standard_doc()
    doc["departments"] = [{"key": "front_desk", "name": "Front desk", "submitted_by": "site"},
                          {"key": "accounting", "name": "Accounting", "submitted_by": "department"}]
    doc["touch_points"][0]["department"] = "front_desk"
    doc["touch_points"][2]["department"] = "accounting"
    doc.update(overrides)
    return doc


def department_standard():
    return published_version(department_doc())
