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


def validate_choices(choices: list[tuple[str, str]], *, prefix: str = "events") -> dict[str, str]:
    """[(event, mode), ...] as given, each checked: 400 naming ``events[i].event`` / ``events[i].mode``."""
    errors, seen = [], {}
    for i, (event, mode) in enumerate(choices):
        if event not in Event.values:
            errors.append(FieldError(f"{prefix}[{i}].event: {event!r} is not an event; one of "
                                     f"{', '.join(Event.values)}.", f"{prefix}[{i}].event"))
        elif event in seen:
            errors.append(FieldError(f"{prefix}[{i}].event: {event!r} is named twice (also {prefix}[{seen[event]}]).",
                                     f"{prefix}[{i}].event"))
        else:
            seen[event] = i
        if mode not in Mode.values:
            errors.append(FieldError(f"{prefix}[{i}].mode: {mode!r} is not a mode; one of {', '.join(Mode.values)}.",
                                     f"{prefix}[{i}].mode"))
    if errors:
        raise AppError(errors=errors)
    return dict(choices)


def modes_set(user, choices: Mapping[str, str]) -> list[EventMode]:
    """Set the mode of each event named (validated first: nothing is stored if one is wrong); events not named
    keep theirs. Returns every event's mode afterwards."""
    validate_choices(list(choices.items()))
    with transaction.atomic():
        Preference.objects.bulk_create([Preference(user=user, event=event, mode=mode) for event, mode in choices.items()],
                                       update_conflicts=True, unique_fields=["user", "event"], update_fields=["mode"])
    return modes_of(user)
