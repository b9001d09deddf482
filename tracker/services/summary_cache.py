"""A small in-process cache of the summary figures, cleared by any change to the data.

The rule: an entry is used only while the database's *data generation* is the one it
was computed at. The generation is read in one small statement on every request (a
handful of index reads, whatever the size of the data):

* ``max(action_event.id)``: every workflow change (status, owner, due date, comment,
  creation, a meeting's decision, a deadline moving the actions that follow it)
  writes an event, so this moves on every change to an action;
* ``max(action.id)`` and ``max(action.updated_at)``: actions written without an event;
* ``max(deadline_change.id)``, ``max(report.id)``, ``max(programme.id)``,
  ``max(organisation.id)``: new deadline records, editions, programmes, organisations;
* over the users: how many are active, the sum of their ``session_version`` and of
  their organisation ids, and the newest id: deactivating an owner leaves their actions
  effectively unassigned, and moving a member changes which organisations can act;
* memberships and organisations taking part (newest id, newest role change, count):
  who belongs to a programme decides who can act on its actions (issue 11);
* the updates shown on public pages (newest id, count): showing or hiding one changes
  what the public page holds;
* the newest audit entry: every administrative change writes one in its transaction
  (ARCHITECTURE.md), so a setting that moves no row above (verification switched on,
  which turns the burn-up's "implemented" into "verified") shows at once.

Edits that move none of these and are not audited show once the entry is ``max_age``
seconds old (60 by default). Entries are keyed by what they
describe (a programme or all of them) and the programme-local day, so they also turn
over at midnight. The cache lives in one process (each gunicorn worker has its own)
and holds at most ``max_entries`` entries, the least recently used going first.

It holds plain figures (dataclasses of numbers, dates, names) and, under the same rule,
the summary pages' rendered bodies (``views/summary.py``), keyed also by the reader's
programmes and roles there (``policy.Access.cache_key``) and locale. Never a whole
page: the frame carries per-user navigation and CSRF tokens, and is rendered around
the body on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import (
    Action,
    ActionEvent,
    AuditEntry,
    DeadlineChange,
    Membership,
    Organisation,
    Participation,
    Programme,
    PublishedUpdate,
    Report,
    User,
)

T = TypeVar("T")


def _generation_statement() -> sa.Select[Any]:
    def newest(column: Any) -> sa.ScalarSelect[Any]:
        return sa.select(sa.func.max(column)).scalar_subquery()

    active = col(User.active).is_(True)
    return sa.select(
        newest(col(ActionEvent.id)),
        newest(col(Action.id)),
        newest(col(Action.updated_at)),
        newest(col(DeadlineChange.id)),
        newest(col(Report.id)),
        newest(col(Programme.id)),
        newest(col(Organisation.id)),
        newest(col(User.id)),
        sa.select(sa.func.count()).where(active).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(col(User.session_version)), 0))
        .where(active)
        .scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(col(User.organisation_id)), 0))
        .where(active)
        .scalar_subquery(),
        # Issue 11: who belongs where decides who can act, so what counts as unassigned.
        newest(col(Membership.id)),
        newest(col(Membership.changed_at)),
        sa.select(sa.func.count()).select_from(Membership).scalar_subquery(),
        newest(col(Participation.id)),
        sa.select(sa.func.count()).select_from(Participation).scalar_subquery(),
        newest(col(Programme.published_at)),
        # Updates shown on or taken off a public page (issue 11).
        newest(col(PublishedUpdate.id)),
        sa.select(sa.func.count()).select_from(PublishedUpdate).scalar_subquery(),
        # Administrative changes (settings, roles, names): each writes one audit entry.
        newest(col(AuditEntry.id)),
    )


def read_generation(session: Session) -> tuple[Any, ...]:
    """The data generation (see the module docstring), in one statement."""
    return tuple(session.execute(_generation_statement()).one())


class SummaryCache:
    """Figures per key, valid while the data generation stays the same."""

    def __init__(self, max_entries: int = 256, max_age: float = 60.0) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[Hashable, tuple[tuple[Any, ...], float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(
        self, session: Session, key: Hashable, compute: Callable[[], T], *, generation: Any = None
    ) -> T:
        """The entry for ``key`` if it is fresh, else ``compute()`` stored under ``key``."""
        if self.max_entries <= 0:
            return compute()
        current = generation if generation is not None else read_generation(session)
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == current and now - found[1] < self.max_age:
                self._entries.move_to_end(key)
                return found[2]
        value = compute()
        with self._lock:
            self._entries[key] = (current, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
