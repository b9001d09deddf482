"""The lineage part of the import page: the proposal to review, and the confirmation.

Kept beside ``views/programmes.py`` so that the import handlers there only call in:
``preview_context`` for the preview, ``confirm`` to store what the coordinator chose.
A confirmation re-plans from the database; if the fingerprint the preview carried no
longer matches (an action it names changed, or another import landed) nothing is
stored and the new proposal is shown instead (409). A choice that does not fit is
answered 422 with its field marked and everything as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from flask_babel import gettext
from sqlmodel import Session

from ..importer import ParsedProfile
from ..models import Treaty, User
from ..services import editions, lineage_preview, workflow
from ..services import imports as import_service
from ..services import lineage as lineage_service


@dataclass
class LineageView:
    """What the template needs to show the proposal and its form."""

    plan: lineage_service.LineagePlan
    preview: lineage_preview.Preview
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False
    previous_name: str | None = None
    known_treaty: bool = True


def _names(session: Session, plan: lineage_service.LineagePlan) -> dict[int, str]:
    if plan.programme is None or plan.programme.id is None:
        return {}
    return {
        r.id: editions.edition_label(r)  # type: ignore[misc]
        for r in editions.list_editions(session, plan.programme.id)
    }


def view_of(
    session: Session,
    plan: lineage_service.LineagePlan,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    stale: bool = False,
    known_treaty: bool = True,
) -> LineageView:
    names = _names(session, plan)
    return LineageView(
        plan=plan,
        preview=lineage_preview.build_preview(session, plan, names),
        values=dict(values) if values is not None else lineage_preview.proposed_values(plan),
        errors=dict(errors or {}),
        stale=stale,
        previous_name=plan.previous.edition or str(plan.previous.year)
        if plan.previous is not None
        else None,
        known_treaty=known_treaty,
    )


def preview_context(session: Session, parsed: ParsedProfile, treaty: str | None) -> LineageView:
    """The proposal for a fresh preview (every recommendation new while the treaty is unknown)."""
    try:
        chosen, _ = import_service.resolve_treaty(parsed, treaty)
    except import_service.ImportRefused:
        return view_of(session, lineage_service.first_edition_plan(parsed), known_treaty=False)
    return view_of(session, lineage_service.plan_lineage(session, parsed, chosen))


@dataclass
class Outcome:
    """A confirmation: stored (``result``), or shown again (``view`` with ``code``)."""

    result: import_service.ImportResult | None = None
    view: LineageView | None = None
    code: int = 200


def confirm(
    session: Session,
    parsed: ParsedProfile,
    treaty: Treaty,
    form: Mapping[str, str],
    actor: User,
) -> Outcome:
    """Store the profile with the coordinator's choices, unless the preview went stale."""
    base = lineage_service.plan_lineage(session, parsed, treaty)
    if form.get("fingerprint", "") != base.fingerprint:
        return Outcome(view=view_of(session, base, stale=True), code=409)
    typed = lineage_preview.typed_values(base, form)

    def refuse(name: str, message: str) -> Outcome:
        errors = {name: message}
        return Outcome(view=view_of(session, base, values=typed, errors=errors), code=422)

    try:
        overrides = lineage_preview.read_overrides(base, form)
        plan = lineage_service.plan_lineage(session, parsed, treaty, overrides)
        if form.get("update"):
            # "Update the proposal": the rows and drops as chosen, nothing stored.
            return Outcome(view=view_of(session, plan, values=typed), code=200)
        choices = lineage_preview.read_decisions(plan, form)
    except lineage_preview.ChoiceError as refused:
        return refuse(refused.field, str(refused))
    except lineage_service.LineageError as refused:
        return refuse("lineage", str(refused))
    try:
        result = import_service.store_profile(
            session, parsed, treaty=treaty.value, actor=actor, lineage=plan, choices=choices
        )
    except import_service.ImportForbidden as forbidden:
        # Issue 11: only the programme's coordinators import into it, and only admins and
        # allowed coordinators create a programme.
        session.rollback()
        abort(403, description=str(forbidden))
    except workflow.WorkflowError as refused:
        session.rollback()
        message = gettext("An action could not be changed: %(why)s", why=refused.message)
        return refuse("lineage", message)
    return Outcome(result=result)


def summary_message(result: Any, edition: str) -> str:
    stored = result.stored
    return gettext(
        "Imported %(edition)s: %(count)s actions created, %(carried)s carried on.",
        edition=edition,
        count=result.actions_created,
        carried=result.actions_carried,
    ) + (
        " "
        + gettext(
            "%(closed)s closed, %(reopened)s reopened.",
            closed=len(stored.closed),
            reopened=len(stored.reopened),
        )
        if stored and (stored.closed or stored.reopened)
        else ""
    )
