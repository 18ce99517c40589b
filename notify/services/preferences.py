"""How each person gets each event: immediate, in the daily digest, or not at all.

A person without a Preference row for an event gets its default (``events.DEFAULT_MODES``); publish() reads the
same rows and defaults in SQL, so what this answers is what publishing does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from backend.errors import AppError, FieldError

from ..events import DEFAULT_MODES, Event, Mode
from ..models import Preference


@dataclass(frozen=True)
class EventMode:
    event: str
    label: str
    mode: str
    default_mode: str
    chosen: bool  # False: the person follows the default

    @property
    def mode_label(self) -> str:
        return str(Mode(self.mode).label)


def modes_of(user) -> list[EventMode]:
    """Every event, in Event's order, with the person's mode and its default (one query)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("event", "mode"))
    return [EventMode(event=event, label=str(label), mode=chosen.get(event, DEFAULT_MODES[event]),
                      default_mode=str(DEFAULT_MODES[event]), chosen=event in chosen)
            for event, label in Event.choices]


def _named(value, kind: str, names: list[str]) -> str | None:
    """Why ``value`` is no ``kind`` (event, mode), or None."""
    if value is None:
        return f"required: one of {', '.join(names)}."
    if value not in names:
        return f"{value!r} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind}; one of {', '.join(names)}."
    return None


def validate_choices(choices: list[tuple], *, prefix: str = "events") -> dict[str, str]:
    """[(event, mode), ...] as given, each checked (all of them: every problem is named at once): 400 naming
    ``events[i].event`` / ``events[i].mode``."""
    errors, seen = [], {}
    for i, (event, mode) in enumerate(choices):
        problem = _named(event, "event", Event.values)
        if problem is None and event in seen:
            problem = f"{event!r} is named twice (also {prefix}[{seen[event]}])."
        if problem is None:
            seen.setdefault(event, i)
        if problem:
            errors.append(FieldError(f"{prefix}[{i}].event: {problem}", f"{prefix}[{i}].event"))
        problem = _named(mode, "mode", Mode.values)
        if problem:
            errors.append(FieldError(f"{prefix}[{i}].mode: {problem}", f"{prefix}[{i}].mode"))
    if errors:
        raise AppError(errors=errors)
    return dict(choices)


def choices_of(body) -> list[tuple]:
    """The (event, mode) pairs of a request body ``{"events": [{"event": ..., "mode": ...}, ...]}``: its shape
    checked here, its names by validate_choices."""
    if not isinstance(body, Mapping) or "events" not in body:
        raise AppError("events: required: a list of {event, mode}.", field="events")
    events = body["events"]
    if not isinstance(events, list):
        raise AppError("events: a list of {event, mode}.", field="events")
    bad = [FieldError(f"events[{i}]: an object {{event, mode}}.", f"events[{i}]")
           for i, item in enumerate(events) if not isinstance(item, Mapping)]
    if bad:
        raise AppError(errors=bad)
    return [(item.get("event"), item.get("mode")) for item in events]


def modes_set(user, choices: Mapping[str, str]) -> list[EventMode]:
    """Set the mode of each event named (validated first: nothing is stored if one is wrong); events not named
    keep theirs. Returns every event's mode afterwards."""
    validate_choices(list(choices.items()))
    with transaction.atomic():
        Preference.objects.bulk_create([Preference(user=user, event=event, mode=mode) for event, mode in choices.items()],
                                       update_conflicts=True, unique_fields=["user", "event"], update_fields=["mode"])
    return modes_of(user)
