"""Editions of a programme's profile and the texts an action carries through them.

Every stored report is an edition. Editions are ordered by year, and by the moment
they were imported when a year is missing or shared, so that a back-filled older
edition takes its place by year. An action's text "as of" a moment is the newest
edition's text among those linked to it (and not yet detached) before that moment.
These are the reads of lineage (issue 10); ``services/lineage.py`` does the writes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    Action,
    ActionText,
    LineageKind,
    Recommendation,
    RecommendationLink,
    Report,
)

_WORDS = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Segment:
    """A run of words: ``same``, ``ins`` (only in the later text) or ``del`` (only earlier)."""

    op: str
    text: str


def word_diff(earlier: str, later: str) -> list[Segment]:
    """The later text against the earlier one, word by word (pages mark ins and del)."""
    a, b = _WORDS.findall(earlier), _WORDS.findall(later)
    segments: list[Segment] = []
    opcodes = difflib.SequenceMatcher(
        a=[w.strip() for w in a], b=[w.strip() for w in b], autojunk=False
    ).get_opcodes()
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            segments.append(Segment("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            segments.append(Segment("del", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("ins", "".join(b[j1:j2])))
    return segments


def edition_key(report: Report) -> tuple[int, dt.datetime, int]:
    """Sort key of an edition: its year (else the year it was imported), then import order."""
    year = report.year if report.year is not None else report.imported_at.year
    return (year, report.imported_at, report.id or 0)


def list_editions(session: Session, programme_id: int) -> list[Report]:
    """The programme's editions, oldest first."""
    reports = session.exec(select(Report).where(Report.programme_id == programme_id)).all()
    return sorted(reports, key=edition_key)


def latest_edition(session: Session, programme_id: int) -> Report | None:
    editions = list_editions(session, programme_id)
    return editions[-1] if editions else None


def neighbour_editions(
    editions: Sequence[Report], year: int | None
) -> tuple[Report | None, Report | None]:
    """The edition before and the edition after an edition of ``year`` not yet stored.

    Before: the stored edition with the latest year before ``year``; when the new one
    or a stored one has no year, the most recently imported one. After: the earliest
    stored edition with a later year (then the new one back-fills history).
    """
    if not editions:
        return None, None
    if year is None or any(r.year is None for r in editions):
        return max(editions, key=lambda r: (r.imported_at, r.id or 0)), None
    before = [r for r in editions if r.year is not None and r.year < year]
    after = [r for r in editions if r.year is not None and r.year > year]
    same = [r for r in editions if r.year == year]
    previous = max(before + same, key=edition_key) if before or same else None
    following = min(after, key=edition_key) if after and not same else None
    return previous, following


def carrying_actions(session: Session, recommendation_ids: Iterable[int]) -> dict[int, int]:
    """Recommendation id -> the action that carries it (created from it, or linked to it)."""
    ids = list(set(recommendation_ids))
    if not ids:
        return {}
    result: dict[int, int] = {}
    for rec_id, action_id in session.execute(
        sa.select(col(Action.recommendation_id), col(Action.id)).where(
            col(Action.recommendation_id).in_(ids)
        )
    ):
        result[rec_id] = action_id
    for rec_id, action_id in session.execute(
        sa.select(col(ActionText.recommendation_id), col(ActionText.action_id)).where(
            col(ActionText.recommendation_id).in_(ids), col(ActionText.detached_at).is_(None)
        )
    ):
        result[rec_id] = action_id
    return result


@dataclass
class EditionText:
    """One edition's text of an action's recommendation."""

    report: Report
    recommendation: Recommendation
    kind: LineageKind | None  # None: the recommendation the action was made from
    linked_at: dt.datetime
    detached_at: dt.datetime | None

    @property
    def label(self) -> str:
        return self.report.edition or str(self.report.year or "")

    def shown_at(self, moment: dt.datetime) -> bool:
        return self.linked_at <= moment and (self.detached_at is None or self.detached_at > moment)


def recommendations_with_actions(
    session: Session, report: Report
) -> list[tuple[Recommendation, int | None]]:
    """The report's recommendations in page order, each with the id of the action that
    carries it (made from it, or carrying it on from an earlier edition)."""
    rows = session.exec(
        select(Recommendation)
        .where(Recommendation.report_id == report.id)
        .order_by(col(Recommendation.position))
    ).all()
    carried = carrying_actions(session, [r.id for r in rows if r.id is not None])
    return [(recommendation, carried.get(recommendation.id or 0)) for recommendation in rows]


def action_texts(session: Session, action: Action) -> list[EditionText]:
    """Every edition's text the action has carried, detached ones included, oldest first."""
    rows: list[EditionText] = []
    own = session.get(Recommendation, action.recommendation_id)
    assert own is not None
    own_report = session.get(Report, own.report_id)
    assert own_report is not None
    rows.append(EditionText(own_report, own, None, action.created_at, None))
    for text, rec, report in session.execute(
        sa.select(ActionText, Recommendation, Report)
        .join(Recommendation, col(Recommendation.id) == ActionText.recommendation_id)
        .join(Report, col(Report.id) == ActionText.report_id)
        .where(col(ActionText.action_id) == action.id)
    ):
        rows.append(EditionText(report, rec, text.kind, text.linked_at, text.detached_at))
    return sorted(rows, key=lambda t: edition_key(t.report))


def texts_as_of(texts: Sequence[EditionText], moment: dt.datetime) -> list[EditionText]:
    """The texts shown at ``moment``, newest edition first."""
    return sorted(
        (t for t in texts if t.shown_at(moment)), key=lambda t: edition_key(t.report), reverse=True
    )


def newest_text(session: Session, action: Action, moment: dt.datetime | None = None) -> EditionText:
    """The newest edition's text imported before ``moment`` (default: now)."""
    texts = action_texts(session, action)
    shown = texts_as_of(texts, moment or dt.datetime.now(dt.UTC))
    return shown[0] if shown else texts[0]


def edition_count(before: dt.datetime | None = None) -> sa.ScalarSelect[Any]:
    """How many editions carry the outer query's action: its own, plus linked texts
    (as of ``before``: linked by then and not detached by then)."""
    if before is None:
        live: sa.ColumnElement[bool] = col(ActionText.detached_at).is_(None)
    else:
        live = sa.and_(
            col(ActionText.linked_at) < before,
            sa.or_(col(ActionText.detached_at).is_(None), col(ActionText.detached_at) >= before),
        )
    return (
        sa.select(sa.func.count() + 1)
        .select_from(ActionText)
        .where(col(ActionText.action_id) == col(Action.id), live)
        .correlate_except(ActionText)
        .scalar_subquery()
    )


def in_edition(report_id: int) -> sa.ColumnElement[bool]:
    """The outer query's action carries a recommendation of edition ``report_id``."""
    own = (
        sa.select(col(Recommendation.id))
        .where(
            col(Recommendation.id) == col(Action.recommendation_id),
            col(Recommendation.report_id) == report_id,
        )
        .correlate_except(Recommendation)
        .exists()
    )
    linked = (
        sa.select(col(ActionText.id))
        .where(
            col(ActionText.action_id) == col(Action.id),
            col(ActionText.report_id) == report_id,
            col(ActionText.detached_at).is_(None),
        )
        .correlate_except(ActionText)
        .exists()
    )
    return sa.or_(own, linked)


def in_edition_named(edition: str) -> sa.ColumnElement[bool]:
    """The outer query's action carries on a recommendation of the edition so titled."""
    return (
        sa.select(col(ActionText.id))
        .join(Report, col(Report.id) == ActionText.report_id)
        .where(
            col(ActionText.action_id) == col(Action.id),
            col(ActionText.detached_at).is_(None),
            col(Report.edition) == edition,
        )
        .correlate_except(ActionText, Report)
        .exists()
    )


def latest_editions(session: Session, programme_id: int | None = None) -> dict[int, int]:
    """Programme id -> the id of its latest edition (by year, then import)."""
    query = select(Report)
    if programme_id is not None:
        query = query.where(Report.programme_id == programme_id)
    latest: dict[int, Report] = {}
    for report in session.exec(query):
        best = latest.get(report.programme_id)
        if best is None or edition_key(report) > edition_key(best):
            latest[report.programme_id] = report
    return {pid: r.id for pid, r in latest.items() if r.id is not None}


def edition_counts(session: Session, action_ids: Sequence[int]) -> dict[int, int]:
    """Action id -> how many editions carry it (its own and the linked ones)."""
    if not action_ids:
        return {}
    counts = dict.fromkeys(action_ids, 1)
    for action_id, linked in session.execute(
        sa.select(col(ActionText.action_id), sa.func.count())
        .where(col(ActionText.action_id).in_(action_ids), col(ActionText.detached_at).is_(None))
        .group_by(col(ActionText.action_id))
    ):
        counts[action_id] = 1 + int(linked)
    return counts


def action_years(session: Session, action_ids: Sequence[int]) -> dict[int, list[Report]]:
    """Action id -> the editions that carry it (not detached), oldest first."""
    if not action_ids:
        return {}
    result: dict[int, list[Report]] = {i: [] for i in action_ids}
    own = session.execute(
        sa.select(col(Action.id), Report)
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .where(col(Action.id).in_(action_ids))
    )
    linked = session.execute(
        sa.select(col(ActionText.action_id), Report)
        .join(Report, col(Report.id) == ActionText.report_id)
        .where(col(ActionText.action_id).in_(action_ids), col(ActionText.detached_at).is_(None))
    )
    for action_id, report in [*own, *linked]:
        result[action_id].append(report)
    for reports in result.values():
        reports.sort(key=edition_key)
    return result


def edition_label(report: Report) -> str:
    """How an edition is named in lists: its year, else its title."""
    return str(report.year) if report.year is not None else (report.edition or f"#{report.id}")


def links_of(session: Session, recommendation_id: int) -> tuple[list[Any], list[Any]]:
    """What a recommendation continues and what continues it (links not detached)."""
    live = col(RecommendationLink.detached_at).is_(None)
    continues = session.exec(
        select(RecommendationLink).where(
            RecommendationLink.recommendation_id == recommendation_id, live
        )
    ).all()
    continued_by = session.exec(
        select(RecommendationLink).where(RecommendationLink.continues_id == recommendation_id, live)
    ).all()
    return list(continues), list(continued_by)


@dataclass
class EditionRow:
    """One edition's text on the action page, with its changes from the edition before."""

    text: EditionText
    diff: list[Segment]
    detachable: bool


def edition_rows(session: Session, action: Action) -> list[EditionRow]:
    """The texts the action carries now, newest edition first, each marked against the
    one before it; a linked (not the action's own) text can be detached."""
    shown = list(reversed(texts_as_of(action_texts(session, action), dt.datetime.now(dt.UTC))))
    rows = []
    for index, text in enumerate(shown):
        earlier = shown[index - 1].recommendation.text if index else None
        diff = word_diff(earlier, text.recommendation.text) if earlier is not None else []
        rows.append(EditionRow(text, diff, text.kind is not None))
    return list(reversed(rows))


def event_diffs(events: Sequence[Any]) -> dict[int, list[Segment]]:
    """Event id -> the wording change it records (lineage events with both texts)."""
    return {
        e.id: word_diff(e.text_from, e.text_to)
        for e in events
        if e.text_from is not None and e.text_to is not None and e.id is not None
    }


def report_labels(session: Session, report_ids: Iterable[int | None]) -> dict[int, str]:
    ids = [i for i in set(report_ids) if i is not None]
    if not ids:
        return {}
    reports = session.exec(select(Report).where(col(Report.id).in_(ids))).all()
    return {r.id: r.edition or edition_label(r) for r in reports if r.id is not None}
