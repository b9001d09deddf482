"""Storing a parsed country profile: programme, report, scorecard, recommendations, actions.

A later edition carries the earlier actions on (issue 10): the lineage plan
(``services/lineage.py``) says which recommendation continues which, and
``services/lineage_store.py`` links them in the same transaction, so only new
recommendations and the second parts of splits make new actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlmodel import Session, select

from ..importer import ParsedProfile
from ..models import (
    Criterion,
    DeadlineKind,
    Programme,
    Recommendation,
    Report,
    Treaty,
    User,
)
from . import lineage as lineage_service
from . import lineage_store, memberships, policy
from . import programmes as programme_service


class ImportRefused(ValueError):
    """The profile cannot be stored as it is; the message is one line for the user."""


@dataclass
class ImportResult:
    programme: Programme | None
    report: Report | None
    actions_created: int = 0
    already_imported: bool = False
    programme_created: bool = False
    warnings: list[str] = field(default_factory=list)
    actions_carried: int = 0
    lineage: lineage_service.LineagePlan | None = None
    stored: lineage_store.StoredLineage | None = None

    def summary(self) -> str:
        if self.already_imported:
            return "already imported: nothing stored"
        carried = f", {self.actions_carried} carried on" if self.actions_carried else ""
        return f"stored 1 report, {self.actions_created} actions{carried}"


class ImportForbidden(ImportRefused):
    """The person may not import into this programme, or create a new one (403)."""


def _check_import_rights(
    session: Session, actor: User, programme: Programme, *, created: bool
) -> None:
    """Into a programme: its coordinators (and admins). A new programme: admins and the
    coordinators an admin allowed; its importing coordinator becomes its coordinator."""
    if created:
        refused = policy.refusal(actor, policy.Do.create_programme)
        if refused is not None:
            raise ImportForbidden(refused.message)
        memberships.grant_new_programme(session, programme, actor)
        return
    refused = policy.refusal(actor, policy.Do.manage, programme)
    if refused is not None:
        raise ImportForbidden(
            gettext("Only this programme's coordinators can import its editions.")
        )


def resolve_treaty(parsed: ParsedProfile, override: str | None) -> tuple[Treaty, list[str]]:
    """The treaty to store under: the page's, or the one the user named when it says none."""
    warnings: list[str] = []
    if override:
        try:
            chosen = Treaty(override.upper())
        except ValueError as exc:
            raise ImportRefused(f"unknown treaty {override!r}: use APMBC or CCM") from exc
        if parsed.treaty and parsed.treaty != chosen.value:
            warnings.append(f"the page reads as {parsed.treaty}; stored as {chosen.value} as asked")
        return chosen, warnings
    if parsed.treaty is None:
        raise ImportRefused(
            "the page does not say which treaty it is about: name it with --treaty APMBC or CCM"
        )
    return Treaty(parsed.treaty), warnings


def already_imported(session: Session, parsed: ParsedProfile) -> bool:
    """Whether this very text (same checksum) is stored: storing it again stores nothing."""
    found = session.exec(select(Report.id).where(Report.checksum == parsed.checksum)).first()
    return found is not None


def store_profile(
    session: Session,
    parsed: ParsedProfile,
    *,
    treaty: str | None = None,
    actor: User | None = None,
    source_url: str | None = None,
    lineage: lineage_service.LineagePlan | None = None,
    choices: lineage_store.LineageChoices | None = None,
) -> ImportResult:
    """Store everything of one profile in the caller's transaction, or nothing.

    ``lineage`` is the plan the person saw (``lineage.plan_lineage``, with their
    overrides); without one the proposal is stored as it stands, a cut-off last
    recommendation as new. ``choices`` closes dropped actions or reopens repeated
    closed ones. The same text (same checksum) is stored once. A deadline on the page that differs
    from the programme's current one changes nothing: older editions predate later
    extensions, which coordinators record on purpose.
    """
    chosen, warnings = resolve_treaty(parsed, treaty)
    warnings = list(parsed.warnings) + warnings
    existing = session.exec(select(Report).where(Report.checksum == parsed.checksum)).first()
    if existing is not None:
        programme = session.get(Programme, existing.programme_id)
        return ImportResult(programme, existing, already_imported=True, warnings=warnings)

    if lineage is None:
        lineage = lineage_service.plan_lineage(session, parsed, chosen, new_when_truncated=True)
    warnings += lineage.warnings
    programme, created = programme_service.get_or_create_programme(
        session, parsed.country, chosen, parsed.article
    )
    assert programme.id is not None
    if actor is not None:  # in the browser; the command line is the operator's
        _check_import_rights(session, actor, programme, created=created)
    current = programme_service.current_deadline(session, programme.id)
    if parsed.deadline is not None:
        if current is None and not programme_service.deadline_history(session, programme.id):
            programme_service.record_deadline_change(
                session,
                programme,
                kind=DeadlineKind.original,
                new_on=parsed.deadline,
                source=f"imported from {parsed.edition or 'the country profile'}",
                note="First deadline known to tracker, as printed on the imported page.",
                actor=actor,
            )
            current = parsed.deadline
        elif current != parsed.deadline:
            warnings.append(
                f"the page gives the deadline as {parsed.deadline:%d %B %Y}; the programme's "
                f"current deadline is {current:%d %B %Y} and is kept"
                if current
                else f"the page gives the deadline as {parsed.deadline:%d %B %Y}; not recorded"
            )

    report = Report(
        programme_id=programme.id,
        edition=parsed.edition,
        year=parsed.year,
        source_url=source_url,
        checksum=parsed.checksum,
        key_developments=parsed.key_developments,
        deadline_on_page=parsed.deadline,
        rating=parsed.rating,
        stated_score=parsed.score,
        computed_score=parsed.computed_score,
        band=parsed.band,
        warnings="\n".join(warnings),
        imported_by_id=actor.id if actor else None,
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    for position, criterion in enumerate(parsed.criteria, start=1):
        session.add(
            Criterion(
                report_id=report.id,
                position=position,
                name=criterion.name,
                weight=criterion.weight,
                score=criterion.score,
            )
        )
    recommendations = [
        Recommendation(report_id=report.id, position=position, text=text)
        for position, text in enumerate(parsed.recommendations, start=1)
    ]
    session.add_all(recommendations)
    session.flush()
    stored = lineage_store.store_lineage(
        session, lineage, report, recommendations, actor=actor, choices=choices
    )
    return ImportResult(
        programme,
        report,
        actions_created=stored.created,
        programme_created=created,
        warnings=warnings,
        actions_carried=stored.linked,
        lineage=lineage,
        stored=stored,
    )
