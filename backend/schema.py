"""The OpenAPI schema's refusals: every 4xx has one shape (``backend.errors``), documented once and named on
every operation, so that generated clients parse a refusal as the API sends it."""

from __future__ import annotations

_ENTRY = {"type": "object", "required": ["code", "message", "field"], "properties": {
    "code": {"type": "string", "description": "Machine-readable, e.g. invalid, required, not_found, too_late."},
    "message": {"type": "string", "description": "For a person: what is wrong and what to do, naming the field."},
    "field": {"type": "string", "nullable": True,
              "description": "The field, e.g. results[2].value; null when the request as a whole is refused."},
}}
ERROR = {
    "type": "object", "required": ["code", "message", "field", "errors"],
    "description": "Every refusal (4xx). code/message/field describe the first problem; errors lists them all.",
    "properties": {**_ENTRY["properties"], "errors": {"type": "array", "items": _ENTRY}},
}

_WHY = {
    "400": "Bad input: the message names the field.",
    "401": "No valid token or session.",
    "403": "You may read this but not change it (or your role may not do this).",
    "404": "Not found among what you can see: a site, region or id in the path or the query (another site's data answers the same).",
    "409": "Conflicts with what is stored (e.g. the day already has a check; the version is released).",
    "413": "The request body is over the limit.",
    "415": "Send JSON (Content-Type: application/json).",
    "422": "An Idempotency-Key reused with another body, or a photo that is not an acceptable image.",
    "429": "Too many attempts: wait a minute and try again.",
    "503": "The database took longer than REQUEST_STATEMENT_TIMEOUT_MS to answer: try again shortly.",
}
# Answers some operations give besides: a report's download before the report is done; a file behind its signed
# link, which on S3 is a redirect to a presigned GET of seconds (consistency.storage.serve).
_REDIRECT = {"302": "On S3: a redirect (Location) to the file, by a presigned GET valid for seconds."}
_ALSO = {"reports_download_retrieve": {"409": "The report is not done yet (its status says where it is)."},
         "evidence_files_retrieve": _REDIRECT, "reports_files_retrieve": _REDIRECT,
         "standard_reference_photos_retrieve": _REDIRECT}
# Operations that count against a person's daily quota (backend.quotas): their 429 says so.
_QUOTA = {"checks_evidence_create", "actions_evidence_create", "audits_evidence_create", "reports_create"}
_QUOTA_WHY = ("Today's quota of photos (PHOTO_QUOTA_PER_DAY) or report orders (REPORT_ORDER_QUOTA_PER_DAY) is "
              "used; the message says when it resets (00:00 UTC), and Retry-After in how many seconds.")
# Operations whose refusals are not the general ones: logging in needs no token and is throttled.
_ONLY = {"auth_token_create": ["400", "413", "415", "429", "503"]}
_WRITES = {"post", "put", "patch", "delete"}


def document_refusals(result, generator, request, public):
    """drf-spectacular post-processing hook: the Error component, and the refusals of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            # Every operation: a role that may not (403), and a site, region or id named in the path or the query
            # that is not among what the person can see (404).
            codes = ["400", "401", "403", "404"]
            if method in _WRITES:
                codes += ["409", "413"]
                if "requestBody" in operation and "application/json" in operation["requestBody"].get("content", {}):
                    codes += ["415"]
                if method == "post":
                    codes.append("422")
            # Any request's SQL may be cut at REQUEST_STATEMENT_TIMEOUT_MS (backend.timeouts).
            codes.append("503")
            responses = operation.setdefault("responses", {})
            for code in sorted(set(_ONLY.get(operation.get("operationId"), codes))):
                responses.setdefault(code, {"description": _WHY[code], "content": ref})
            for code, why in _ALSO.get(operation.get("operationId"), {}).items():
                responses.setdefault(code, {"description": why} if code == "302" else {"description": why,
                                                                                       "content": ref})
            if operation.get("operationId") in _QUOTA:
                responses["429"] = {"description": _QUOTA_WHY, "content": ref, "headers": {"Retry-After": {
                    "schema": {"type": "integer"}, "description": "Seconds until the quota resets."}}}
    return result
