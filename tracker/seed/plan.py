"""What a synthetic seed is asked for, the programmes it draws, and what it wrote."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from ..models import DeadlineKind, Treaty
from .words import PREFIXES, QUALIFIERS, SUFFIXES


class SyntheticError(ValueError):
    """The generated data cannot go into this database; one line for the operator."""


@dataclass(frozen=True)
class SyntheticPlan:
    programmes: int
    actions: int
    events_per_action: int
    seed: int = 1
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def check(self) -> None:
        if self.programmes < 1:
            raise SyntheticError("--programmes must be at least 1")
        if self.actions < self.programmes:
            raise SyntheticError("--actions must be at least --programmes (one per programme)")
        if self.events_per_action < 1:
            raise SyntheticError("--events-per-action must be at least 1 (the created event)")

    def actions_in(self, index: int) -> int:
        """Actions of programme ``index``: N spread as evenly as it divides."""
        base, extra = divmod(self.actions, self.programmes)
        return base + (1 if index < extra else 0)


@dataclass
class SyntheticResult:
    programmes: int = 0
    organisations: int = 0
    users: int = 0
    reports: int = 0
    recommendations: int = 0
    actions: int = 0
    events: int = 0
    memberships: int = 0

    def summary(self) -> str:
        return (
            f"{self.programmes} programmes, {self.reports} reports, {self.actions} actions, "
            f"{self.events} events, {self.users} users, {self.memberships} memberships, "
            f"{self.organisations} new organisations"
        )


@dataclass
class ProgrammeSpec:
    country: str
    treaty: Treaty
    timezone: str
    deadlines: list[dict[str, Any]]
    years: list[int]
    id: int = 0
    coordinator_id: int = 0
    authority_id: int = 0
    owners: list[tuple[int, int | None]] = field(default_factory=list)  # (user id, org id)
    bodies: list[int] = field(default_factory=list)  # organisations working in it


def current_deadline(spec: ProgrammeSpec) -> dt.date:
    return max(spec.deadlines, key=lambda row: row["decided_on"])["new_on"]


def country_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct invented country names."""
    names = [q + p + s for q in QUALIFIERS for p in PREFIXES for s in SUFFIXES]
    if count <= len(names):
        return rng.sample(names, count)
    return [*names, *(f"Territory {n}" for n in range(1, count - len(names) + 1))]


def programme_pairs(rng: random.Random, count: int) -> list[tuple[str, Treaty]]:
    """Distinct (country, treaty) pairs; every fifth is a second treaty of a country."""
    names = iter(country_names(rng, count))
    pairs: list[tuple[str, Treaty]] = []
    for index in range(count):
        if index % 5 == 4:
            country, treaty = pairs[-1]
            pairs.append((country, Treaty.CCM if treaty is Treaty.APMBC else Treaty.APMBC))
        else:
            pairs.append((next(names), Treaty.CCM if rng.random() < 0.15 else Treaty.APMBC))
    return pairs


def draw_deadlines(rng: random.Random, today: dt.date, treaty: Treaty) -> list[dict[str, Any]]:
    """The original deadline and, for some programmes, extensions, some already past."""
    entry = dt.date(rng.randint(1999, 2012), 3, 1)
    original = entry.replace(year=entry.year + 10)
    rows: list[dict[str, Any]] = [
        {
            "kind": DeadlineKind.original,
            "new_on": original,
            "decided_on": entry,
            "decided_by": f"Entry into force of the {treaty.value}",
        }
    ]
    current = original
    while current < today - dt.timedelta(days=365 * 2) or rng.random() < 0.3:
        decided = current - dt.timedelta(days=rng.randint(30, 400))
        new_on = current.replace(year=current.year + rng.choice([2, 3, 5]))
        rows.append(
            {
                "kind": DeadlineKind.extension,
                "previous_on": current,
                "new_on": new_on,
                "requested_on": decided - dt.timedelta(days=240),
                "decided_on": decided,
                "decided_by": f"Meeting of States Parties, {decided.year}",
            }
        )
        current = new_on
        if len(rows) > 6:
            break
    return rows
