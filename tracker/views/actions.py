"""Actions: the list (with bookmarkable filters), "my actions", one action and its update form.

Thin handlers: the rules are in ``services.policy`` and ``services.workflow``, the
queries in ``services.listing``. A refused update answers 403 with the reason, an
invalid one 422 with the form as typed, a stale one 409 with what changed since.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..auth import current_access, require, signed_in_user
from ..db import get_session
from ..i18n import current_language
from ..languages import display_name
from ..models import Action, Status, User
from ..services import editions as edition_service
from ..services import evidence, lineage_store, listing, policy, public_updates, translations
from ..services.workflow import (
    ActionNotFound,
    Forbidden,
    InvalidChange,
    StaleVersion,
    update_action,
)
from ..services.workflow.bulk import MAX_BULK
from .forms import change_from_form, uploads_from_form
from .fragments import cached

bp = Blueprint("actions", __name__, url_prefix="/actions")

FORM_FIELDS = (
    "version", "status", "comment", "evidence_url", "owner", "due_mode", "due_on", "reason",
    "verdict",
)  # fmt: skip


def _user() -> User:
    user = signed_in_user()
    if user is None:  # the global sign-in guard normally answers first
        abort(401)
    return user


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _hashable(args: dict[str, Any]) -> tuple[Hashable, ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(args.items()))


def resolved_filter(session: Any, flt: listing.ActionFilter) -> listing.ActionFilter:
    """``flt`` with a typed owner looked up (``listing.resolve_owner``), cached."""
    if not flt.owner_text:
        return flt

    def resolve() -> tuple[int | None, str]:
        found = listing.resolve_owner(session, flt)
        return found.owner_user_id, found.owner_unresolved

    key = ("owner", flt.owner_text, flt.programme_id)
    owner_user_id, unresolved = cached(session, key, resolve)
    return replace(flt, owner_user_id=owner_user_id, owner_unresolved=unresolved)


def _rows_html(page: listing.Page) -> Markup:
    return Markup(render_template("actions/_rows.html", page=page))  # noqa: S704 (autoescaped Jinja output)


def _render_list(flt: listing.ActionFilter, *, mine: bool) -> str:
    session = get_session()
    flt = resolved_filter(session, flt)
    number = _page_number()
    owner = (flt.owned_by.id, flt.owned_by.organisation_id) if flt.owned_by else None
    # Plain rows and options (no ORM objects), cached while the data generation holds;
    # the rows' HTML too (the reader's key holds the language and the links' root), so
    # a repeated page renders the frame and the form, not 50 rows of dates and labels.
    key = (owner, _hashable(flt.to_args()), flt.owner_user_id, number)
    page = cached(session, ("list-page", *key), lambda: listing.list_actions(session, flt, number))
    rows_html = cached(session, ("list-rows", *key), lambda: _rows_html(page))
    choices = cached(
        session,
        ("filter-choices", flt.programme_id),
        lambda: listing.filter_choices(session, flt.reader, flt.programme_id),
    )
    return render_template(
        "actions/list.html",
        page=page,
        rows_html=rows_html,
        flt=flt,
        mine=mine,
        choices=choices,
        statuses=list(Status),
        endpoint="actions.my_actions" if mine else "actions.list_actions",
        bulk=listing.bulk_options(session, flt.reader, flt.programme_id),
        bulk_limit=MAX_BULK,
    )


@bp.get("")
@login_required
def list_actions() -> str:
    flt = listing.ActionFilter.from_args(request.args, reader=current_access())
    return _render_list(flt, mine=False)


@bp.get("/mine")
@login_required
def my_actions() -> str:
    """Actions owned by the signed-in person or by their organisation."""
    flt = listing.ActionFilter.from_args(request.args, reader=current_access())
    flt = listing.ActionFilter(**{**flt.__dict__, "owned_by": _user()})
    return _render_list(flt, mine=True)


def _default_form(detail: listing.ActionDetail) -> dict[str, str]:
    action = detail.action
    return {
        "version": str(action.version),
        "status": action.status.value,
        "comment": "",
        "evidence_url": "",
        "owner": "keep",
        "due_mode": "keep",
        "due_on": action.due_on.isoformat() if action.due_on else "",
        "reason": "",
        "verdict": "",
    }


def _render_detail(
    action_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    stale: StaleVersion | None = None,
    code: int = 200,
    translation_form: dict[str, str] | None = None,
) -> tuple[str, int]:
    session = get_session()
    detail = listing.action_detail(session, action_id, with_history=False)
    if detail is None:
        abort(404)
    action = detail.action
    user = require(policy.Do.read, action)
    if stale is not None:  # the notice names who made the changes since
        detail = replace(detail, **listing.names_for(session, [action], stale.events))
    manager = policy.can_assign(user, action)
    # What the history's entries read as well as the page.
    context: dict[str, Any] = {
        "evidence_by_event": evidence.files_by_event(session, action_id),
        "may_withdraw_any": policy.is_manager(user, action),
        "viewer_id": user.user_id,
        "errors": errors or {},
        "can_assign": manager,
        "public_marks": public_updates.marks_of(session, action_id),
    }
    allowed = policy.allowed_transitions(user, action)
    rows = edition_service.edition_rows(session, action)
    html = render_template(
        "actions/detail.html",
        detail=detail,
        action=action,
        can_update=policy.can_update(user, action),
        verdicts=policy.verdicts_open(user, action),
        update_refusal=policy.update_refusal(user, action),
        status_options=[s for s in Status if s in allowed or s == action.status],
        owners=listing.owner_choices(session, action.programme_id) if manager else None,
        form=form or _default_form(detail),
        stale=stale,
        **_translation_context(session, action, _user(), translation_form),
        editions=rows,
        recommended_in=", ".join(edition_service.edition_label(r.text.report) for r in rows[::-1]),
        upload_max_mb=current_app.config["UPLOAD_MAX_MB"],
        history=_history(session, detail, context),
        **context,
    )
    return html, code


# Stands for this session's CSRF token in a cached history; replaced on every request.
_TOKEN = "tracker-history-csrf-placeholder"  # noqa: S105 (a marker, not a secret)


def _history(session: Any, detail: listing.ActionDetail, context: dict[str, Any]) -> Markup:
    """The rendered history, newest first. Cached by the action's version, its public
    marks and the data generation (names, meetings, editions), with a placeholder for the
    CSRF token of its forms; rendered each time when an entry holds an evidence file
    (withdrawing depends on who uploaded it) or a refused form's errors."""

    def render() -> Markup:
        events = listing.events_of(session, detail.action.id or 0)
        full = replace(detail, events=events, **listing.names_for(session, [detail.action], events))
        files = [f for found in context["evidence_by_event"].values() for f in found]
        html = render_template(
            "actions/_history_list.html",
            detail=full,
            public_showable={e.id for e in events if public_updates.shows_something(e, files)},
            event_diffs=edition_service.event_diffs(events),
            edition_names=edition_service.report_labels(session, [e.report_id for e in events]),
            **context,
            csrf_token=lambda: _TOKEN,
        )
        return Markup(html)  # noqa: S704 (autoescaped Jinja output)

    if context["evidence_by_event"] or context["errors"]:
        html = render()
    else:
        action, programme = detail.action, detail.programme
        marks = tuple(
            sorted(
                (e, m.published_at, m.published_by or "")
                for e, m in context["public_marks"].items()
            )
        )
        key = ("history", action.id, action.version, programme.timezone, programme.published, marks)
        html = cached(session, key, render)
    return Markup(html.replace(_TOKEN, generate_csrf()))  # noqa: S704 (a token: URL-safe)


def _translation_context(
    session: Any, action: Any, user: User, typed: dict[str, str] | None
) -> dict[str, Any]:
    """The reader's translation of the content, and the coordinator's form to write one."""
    shown = translations.find_translation(session, action, current_language())
    context: dict[str, Any] = {"translation": shown, "can_translate": False}
    if (
        translations.can_translate(user)
        and policy.is_manager(user, action)  # issue 11: a coordinator of this programme
        and translations.translatable_languages()
    ):
        codes = translations.translatable_languages()
        language = (typed or {}).get("language") or (
            current_language() if current_language() in codes else codes[0]
        )
        existing = translations.find_translation(session, action, language)
        context.update(
            can_translate=True,
            translation_languages=[(c, display_name(c)) for c in codes],
            translation_form=typed
            or {
                "language": language,
                "title": (existing.translation.title or "") if existing else "",
                "text": (existing.translation.text or "") if existing else "",
            },
        )
    return context


@bp.post("/<id:action_id>/translation")
@login_required
def save_translation(action_id: int) -> Response | tuple[str, int]:
    """A coordinator stores the action's title and text in another language (issue 12)."""
    session = get_session()
    action = session.get(Action, action_id)
    if action is None:
        abort(404)
    require(policy.Do.read, action)  # outside the action's programme: 404, as every page
    typed = {name: request.form.get(name, "") for name in ("language", "title", "text")}
    try:
        translations.save_translation(session, action, _user(), **typed)
    except translations.TranslationError as refused:
        session.rollback()
        if refused.field is None:
            abort(403, description=str(refused))
        errors = {f"translation_{refused.field}": str(refused)}
        return _render_detail(action_id, errors=errors, translation_form=typed, code=422)
    session.commit()
    flash(gettext("The translation is saved."), "info")
    return redirect(url_for("actions.detail", action_id=action_id, _anchor="translation"), 303)


@bp.get("/<id:action_id>")
@login_required
def detail(action_id: int) -> tuple[str, int]:
    return _render_detail(action_id)


@bp.post("/<id:action_id>/update")
@login_required
def update(action_id: int) -> Response | tuple[str, int]:
    """Save the update form: 303 to the action, or 403, 404, 409 or 422 with the reason."""
    session = get_session()
    typed = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        change, seen_version = change_from_form(request.form)
        files = uploads_from_form(request.files.getlist("evidence_files"))
        update_action(session, action_id, _user(), seen_version, replace(change, files=files))
    except ActionNotFound:
        session.rollback()
        abort(404)
    except Forbidden as refused:
        session.rollback()
        abort(403, description=refused.message)
    except StaleVersion as stale:
        session.rollback()
        # Re-applying is one click: the form now carries the version it shows.
        typed["version"] = str(stale.current.version)
        return _render_detail(action_id, form=typed, stale=stale, code=409)
    except InvalidChange as invalid:
        session.rollback()
        errors: dict[str, Any] = {invalid.field or "form": invalid.message}
        return _render_detail(action_id, form=typed, errors=errors, code=422)
    session.commit()
    flash(gettext("Saved. The change is in the history below."), "info")
    return redirect(url_for("actions.detail", action_id=action_id, _anchor="history"), code=303)


@bp.post("/<id:action_id>/detach/<id:recommendation_id>")
@login_required
def detach(action_id: int, recommendation_id: int) -> Response:
    """A coordinator undoes a wrong link: the text gets an action of its own (303 to it)."""
    session = get_session()
    action = session.get(Action, action_id)
    if action is None:
        abort(404)
    require(policy.Do.read, action)  # outside the action's programme: 404
    user = _user()
    if not policy.can_assign(user, action):
        abort(403, description=gettext("Only a coordinator can detach a recommendation."))
    try:
        new = lineage_store.detach_recommendation(session, action_id, recommendation_id, user)
    except lineage_store.DetachRefused as refused:
        session.rollback()
        abort(404, description=str(refused))
    session.commit()
    flash(
        gettext(
            "Detached: that recommendation is now action %(id)s, and both histories say so.",
            id=new.id,
        ),
        "info",
    )
    return redirect(url_for("actions.detail", action_id=action_id), code=303)
