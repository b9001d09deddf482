"""A selection of actions for a bulk change (issue 14): the ids a filter matches, and the
selected rows as the confirmation page shows them, for one reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col

from ...models import Action
from .. import policy
from .choices import OwnerChoices, owner_choices
from .filters import ActionFilter
from .query import _conditions, _from_action, _joined


def matching_ids(session: Session, flt: ActionFilter, limit: int) -> list[int]:
    """The ids of the actions ``flt`` matches, in id order, at most ``limit`` of them."""
    return list(
        session.execute(
            _from_action(flt, col(Action.id))
            .where(*_conditions(session, flt))
            .order_by(col(Action.id))
            .limit(limit)
        ).scalars()
    )


def rows_for_ids(session: Session, reader: policy.Who, ids: Sequence[int]) -> list[Any]:
    """The selected actions ``reader`` may read, by id, with programme, report and names:
    ``(action, programme, report, owner name, organisation name, assigned)``."""
    if not ids:
        return []
    return list(
        session.execute(
            _joined()
            .where(policy.readable(reader), col(Action.id).in_(sorted(set(ids))))
            .order_by(col(Action.id))
        ).all()
    )


@dataclass
class BulkOptions:
    """What the bulk form offers a reader: coordinators assign owners and due dates (for
    the programmes they coordinate), coordinators and verifiers verify; everyone who may
    update actions sets a status and comments (on the actions they may change)."""

    can_assign: bool
    can_verify: bool
    owners: OwnerChoices


def bulk_options(session: Session, reader: policy.Who, programme_id: int | None) -> BulkOptions:
    """The bulk form's fields for ``reader``; the owner list is the programme's once the
    list is filtered to one the reader coordinates (as the owner filter's suggestions:
    no list of everyone on every page), else empty."""
    access = policy.as_access(reader)
    managed = access.managed_ids
    in_scope = [programme_id] if programme_id is not None else sorted(managed or [])
    can_assign = any(policy.is_manager(access, pid) for pid in in_scope) or (
        access.admin and programme_id is None
    )
    can_verify = can_assign or bool(access.verifier_in)
    owners = OwnerChoices([], [])
    if programme_id is not None and policy.is_manager(access, programme_id):
        owners = owner_choices(session, programme_id)
    return BulkOptions(can_assign, can_verify, owners)
