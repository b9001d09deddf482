"""Many actions at once (issue 14): the actions list's selection, a confirmation page that
carries each action's id and the version it showed, and the result page.

No state changes until the confirmation is saved: ``confirm`` only reads (a POST because a
thousand ids do not fit an address), ``apply`` changes each action in its own savepoint
through ``workflow.bulk.apply_bulk`` and lists what changed and what was refused, with why.
Saving the same confirmation twice changes nothing more: every version is stale by then.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from ..auth import current_access, signed_in_user
from ..db import get_session
from ..labels import label
from ..models import Organisation, Status, User
from ..services import listing
from ..services.workflow import InvalidChange, bulk
from .forms import bulk_change_from_form, parse_bulk_items, parse_id

bp = Blueprint("bulk", __name__, url_prefix="/actions/bulk")

CHANGE_FIELDS = ("status", "comment", "owner", "due_mode", "due_on", "reason", "verdict")


def _user() -> User:
    user = signed_in_user()
    if user is None:  # the global sign-in guard normally answers first
        abort(401)
    return user


def _selected_ids() -> tuple[list[int], listing.ActionFilter | None]:
    """The ticked ids, or every id the list's filter matches ("select all N")."""
    access = current_access()
    if request.form.get("all_matching") == "1":
        # The list's filter comes as f-<name> fields, apart from the change's own fields.
        args = MultiDict(
            (k[2:], v) for k, v in request.form.items(multi=True) if k.startswith("f-")
        )
        # A typed owner is looked up as the list did: one unresolved matches nothing.
        flt = listing.resolve_owner(
            get_session(), listing.ActionFilter.from_args(args, reader=access)
        )
        if request.form.get("mine") == "1":
            flt = listing.ActionFilter(**{**flt.__dict__, "owned_by": _user()})
        return listing.matching_ids(get_session(), flt, bulk.MAX_BULK + 1), flt
    ids = [parse_id(value) for value in request.form.getlist("id")]
    return list(dict.fromkeys(i for i in ids if i is not None)), None


def _describe(change: Any) -> list[tuple[str, str]]:
    """The change in words, for the confirmation page: (what, to what)."""
    session = get_session()
    words: list[tuple[str, str]] = []
    if change.status:
        words.append((gettext("Status"), label(Status(change.status))))
    if change.verdict:
        words.append((gettext("Verification"), VERDICT_WORDS[str(change.verdict)]()))
    if change.owner is not None:
        who = change.owner
        row = (
            session.get(User, who.user_id)
            if who.user_id
            else session.get(Organisation, who.organisation_id)
            if who.organisation_id
            else None
        )
        name = getattr(row, "name", None) if who.user_id else getattr(row, "short_name", None)
        words.append((gettext("Owner"), name or gettext("Unassigned")))
    if change.due_on is not None:
        words.append((gettext("Due date"), gettext("pinned to %(day)s", day=f"{change.due_on}")))
    if change.unpin:
        words.append((gettext("Due date"), gettext("follows the treaty deadline")))
    if change.comment.strip():
        words.append((gettext("Comment"), change.comment.strip()))
    if change.reason.strip():
        words.append((gettext("Reason"), change.reason.strip()))
    return words


VERDICT_WORDS = {
    "verify": lambda: gettext("verify"),
    "send_back": lambda: gettext("send back to in progress"),
}


def _render(template: str, code: int = 200, **context: Any) -> tuple[str, int]:
    typed = {name: request.form.get(name, "") for name in CHANGE_FIELDS}
    return render_template(template, typed=typed, statuses=list(Status), **context), code


@bp.post("/confirm")
@login_required
def confirm() -> tuple[str, int]:
    """What will change, action by action, before anything does (422 when refused)."""
    ids, flt = _selected_ids()
    try:
        change = bulk_change_from_form(request.form)
        bulk.check_bulk_change(change, len(ids))
    except InvalidChange as invalid:
        errors = {invalid.field or "form": invalid.message}
        return _render("actions/bulk_confirm.html", 422, rows=[], errors=errors, change=None)
    rows = listing.rows_for_ids(get_session(), current_access(), ids)
    return _render(
        "actions/bulk_confirm.html",
        rows=rows,
        errors={},
        change=_describe(change),
        matched=flt is not None,
        limit=bulk.MAX_BULK,
    )


@bp.post("/apply")
@login_required
def apply() -> tuple[str, int]:
    """Apply the confirmed change to each action the page listed, at the version it showed."""
    session = get_session()
    items = [bulk.BulkItem(a, v) for a, v in parse_bulk_items(request.form.getlist("item"))]
    try:
        change = bulk_change_from_form(request.form)
        result = bulk.apply_bulk(session, _user(), items, change)
    except InvalidChange as invalid:
        session.rollback()
        errors = {invalid.field or "form": invalid.message}
        return _render("actions/bulk_confirm.html", 422, rows=[], errors=errors, change=None)
    session.commit()
    rows = {row[0].id: row for row in listing.rows_for_ids(session, current_access(), [
        i.action_id for i in items
    ])}  # fmt: skip
    refusal_words = {
        "stale": gettext("Changed by someone since the confirmation page."),
        "not_found": gettext("Not found."),
        "forbidden": gettext("Not allowed."),
        "refused": gettext("The rules refuse it."),
    }
    return _render(
        "actions/bulk_result.html", result=result, rows=rows, refusal_words=refusal_words
    )
