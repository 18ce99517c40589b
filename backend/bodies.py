"""Request bodies with a fixed set of fields: a field a body does not have is refused, naming it and the fields it
has. DRF drops an unknown field silently, so a typo (``{"targt": 2}``) answered 200 and changed nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

UNKNOWN_FIELD = "unknown_field"


def unknown_fields(data: Mapping, known: Iterable[str], *, what: str) -> dict[str, str]:
    """Each key of ``data`` that is not one of ``known``, with the message that refuses it (without the field's
    name, which the caller puts before it with the path it knows), e.g. ``is not a criterion field (expected one
    of ...)``."""
    known = sorted(known)
    message = f"is not {what} (expected one of {', '.join(known)})."
    return {name: message for name in sorted(map(str, data)) if name not in known}


class ClosedSerializer(serializers.Serializer):
    """A serializer for a request body that refuses the fields it does not declare (each named, as a field error
    with code ``unknown_field``) along with whatever else is wrong with the body."""

    # How a refusal names a field it does not know: "is not {unknown_field_of} (expected one of ...)".
    unknown_field_of = "a field of this request"

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            unknown = {name: [ErrorDetail(message, code=UNKNOWN_FIELD)]
                       for name, message in unknown_fields(data, writable, what=self.unknown_field_of).items()}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not unknown or not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**unknown, **exc.detail}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
