"""What the import preview shows of a lineage plan, and the choices its form sends back.

The rows pair each new recommendation with its proposed earlier counterpart, the
wording differences as word segments (the template marks them, escaped, with
``<ins>``/``<del>``), the kind, and what will happen to the action. The form's fields
become matcher overrides and the coordinator's choices; a choice that does not fit
raises ``ChoiceError`` naming the field, so the page can mark it and keep the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlmodel import Session, select

from .. import lineage as matcher
from ..labels import label
from ..models import Action, ActionEvent, Organisation, User
from .editions import Segment, word_diff
from .lineage import LineagePlan
from .lineage_store import DropChoice, LineageChoices

MAX_COMMENT = 2000


class ChoiceError(ValueError):
    """A choice in the preview form that cannot be stored; ``field`` names the field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def choice_value(cand: matcher.Candidate | None) -> str:
    """The form value naming a candidate: ``REPORT:POSITION``, or ``new``."""
    return "new" if cand is None else f"{cand.report_id}:{cand.position}"


@dataclass
class Row:
    match: matcher.Match
    text: str
    diff: list[Segment]
    outcome: str
    repeats_closed: bool
    needs_choice: bool  # the cut-off last recommendation: no choice is preselected
    value: str


@dataclass
class DropRow:
    drop: matcher.Drop
    outcome: str
    open: bool


@dataclass
class Preview:
    rows: list[Row]
    drops: list[DropRow]
    options: list[tuple[str, str]] = field(default_factory=list)


def build_preview(session: Session, plan: LineagePlan, edition_names: Mapping[int, str]) -> Preview:
    """Rows for the template; ``edition_names`` maps report ids to how they are named."""
    rows = []
    for match in plan.proposal.matches:
        text = plan.texts[match.position - 1]
        cand = match.candidate
        last = match.position == len(plan.texts)
        rows.append(
            Row(
                match=match,
                text=text,
                diff=word_diff(cand.text, text) if cand is not None else [],
                outcome=_outcome(session, plan, match),
                repeats_closed=plan.repeats_closed_action(match),
                needs_choice=plan.truncated_last and last,
                value=choice_value(cand),
            )
        )
    drops = []
    for drop in plan.proposal.dropped if not plan.backfill else []:
        action = plan.actions.get(drop.candidate.action_id or 0)
        drops.append(
            DropRow(
                drop,
                _describe(session, action) if action else gettext("no action"),
                action is not None and not action.status.is_closed,
            )
        )
    options = [("new", gettext("New: no earlier recommendation"))]
    for cand in plan.candidates:
        name = edition_names.get(cand.report_id or 0, "")
        short = cand.text if len(cand.text) <= 90 else cand.text[:89] + "…"
        options.append((choice_value(cand), f"{name} #{cand.position}: {short}"))
    return Preview(rows, drops, options)


def _outcome(session: Session, plan: LineagePlan, match: matcher.Match) -> str:
    action = plan.action_of(match)
    if match.kind == "new" or action is None:
        return gettext("a new action")
    if match.kind == "split":
        return gettext("a new action, split from action %(id)s", id=action.id)
    if plan.backfill:
        return gettext("an earlier text of action %(id)s", id=action.id)
    return gettext("carries on %(action)s", action=_describe(session, action))


def _describe(session: Session, action: Action) -> str:
    """ "action 4, owned by CMAA QA, implemented since Apr 2024"."""
    owner = None
    if action.owner_user_id is not None:
        user = session.get(User, action.owner_user_id)
        owner = user.name if user else None
    elif action.owner_organisation_id is not None:
        organisation = session.get(Organisation, action.owner_organisation_id)
        owner = organisation.short_name if organisation else None
    since = session.exec(
        select(ActionEvent.at)
        .where(ActionEvent.action_id == action.id, ActionEvent.status_to == action.status)
        .order_by(ActionEvent.at.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    status = label(action.status).lower()
    if since is not None:
        status = gettext("%(status)s since %(when)s", status=status, when=f"{since:%b %Y}")
    if owner:
        return gettext(
            "action %(id)s, owned by %(owner)s, %(status)s",
            id=action.id,
            owner=owner,
            status=status,
        )
    return gettext("action %(id)s, unassigned, %(status)s", id=action.id, status=status)


def read_overrides(plan: LineagePlan, form: Mapping[str, str]) -> list[matcher.Override]:
    """The matches the preview form sends, every row pinned as chosen.

    Fields per new recommendation N: ``continues-N`` (``new`` or ``REPORT:POSITION``)
    and ``split-N``; a row not on the form (no earlier edition) stays as proposed.
    """
    by_value = {choice_value(c): c for c in plan.candidates}
    overrides: list[matcher.Override] = []
    claimed: dict[str, int] = {}
    for match in plan.proposal.matches:
        name = f"continues-{match.position}"
        sent = form.get(name)
        cut_off = plan.truncated_last and match.position == len(plan.texts)
        if sent is None and not (cut_off and match.kind != "new"):
            sent = choice_value(match.candidate)  # not on the form (no earlier edition)
        value = (sent or "").strip()
        if not value:
            raise ChoiceError(
                gettext("This recommendation seems cut off: choose what it continues, or new."),
                name,
            )
        split = form.get(f"split-{match.position}") == "1" or (
            f"continues-{match.position}" not in form and match.kind == "split"
        )
        if value == "new":
            overrides.append(matcher.Override(match.position, None))
            continue
        cand = by_value.get(value)
        if cand is None:
            raise ChoiceError(gettext("Choose an earlier recommendation from the list."), name)
        if value in claimed and not split:
            raise ChoiceError(
                gettext(
                    "Recommendation %(first)s already continues this one: tick “split” "
                    "if both continue it.",
                    first=claimed[value],
                ),
                f"split-{match.position}",
            )
        if value not in claimed and split:
            split = False  # the first continuation of an ask is never its split part
        claimed.setdefault(value, match.position)
        overrides.append(matcher.Override(match.position, cand.position, split, _report_of(cand)))
    return overrides


def read_decisions(plan: LineagePlan, form: Mapping[str, str]) -> LineageChoices:
    """What to do with the actions of ``plan`` (the proposal with the overrides applied).

    Fields: ``drop-REF`` (``keep``, ``implemented``, ``not_applicable``) and
    ``drop_comment-REF`` per dropped recommendation; ``reopen-N`` and
    ``reopen_comment-N`` per recommendation that repeats a closed action.
    """
    return LineageChoices(drops=_drops(plan, form), reopen=_reopen(plan, form))


def _report_of(cand: matcher.Candidate) -> int | None:
    return None if cand.from_previous else cand.report_id


def _comment(form: Mapping[str, str], name: str) -> str:
    text = (form.get(name) or "").strip()
    if len(text) > MAX_COMMENT:
        raise ChoiceError(gettext("At most %(limit)s characters.", limit=f"{MAX_COMMENT:,}"), name)
    return text


def _drops(plan: LineagePlan, form: Mapping[str, str]) -> dict[int, DropChoice]:
    result = {}
    for drop in plan.proposal.dropped:
        ref = drop.candidate.ref
        outcome = (form.get(f"drop-{ref}") or "keep").strip()
        if outcome not in ("keep", "implemented", "not_applicable"):
            raise ChoiceError(gettext("Choose what happens to this action."), f"drop-{ref}")
        result[ref] = DropChoice(outcome, _comment(form, f"drop_comment-{ref}"))  # type: ignore[arg-type]
    return result


def _reopen(plan: LineagePlan, form: Mapping[str, str]) -> dict[int, str]:
    return {
        m.position: _comment(form, f"reopen_comment-{m.position}")
        for m in plan.proposal.matches
        if form.get(f"reopen-{m.position}") == "1"
    }


def typed_values(plan: LineagePlan, form: Mapping[str, str]) -> dict[str, str]:
    """The lineage fields as typed, to show again on a refused or stale confirmation."""
    keep = ("continues-", "split-", "reopen-", "reopen_comment-", "drop-", "drop_comment-")
    return {k: v for k, v in form.items() if k.startswith(keep)}


def proposed_values(plan: LineagePlan) -> dict[str, str]:
    """The form as proposed: each row's counterpart, splits ticked, nothing closed."""
    values: dict[str, str] = {}
    for match in plan.proposal.matches:
        last = plan.truncated_last and match.position == len(plan.texts)
        values[f"continues-{match.position}"] = (
            "" if last and match.kind != "new" else choice_value(match.candidate)
        )
        if match.kind == "split":
            values[f"split-{match.position}"] = "1"
    return values
