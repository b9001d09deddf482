"""``/r/<token>``: one action, one button, from a reminder mail (issue 18).

No sign-in: the signed link is the credential (the route is on the sign-in guard's
allow-list), and the page does what the link offers for that one action, through the
workflow as its recipient. Nothing changes on GET; the button posts a form with a CSRF
token. A refused link says why plainly and offers the sign-in page; refusals count
against the address like failed sign-ins, and too many answer 429.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..auth import signed_in_user
from ..db import get_session
from ..models import utcnow
from ..reminders import one_tap
from ..reminders.links import Choice, LinkRefused, read_link
from ..services import evidence as evidence_service
from ..services import listing, security
from ..services.workflow import Forbidden, InvalidChange, StaleVersion
from .forms import uploads_from_form

bp = Blueprint("reminder_link", __name__)

# Refusals that are no sign of guessing: they are not counted against the address.
NOT_COUNTED = {"closed", "other_person"}
FORM_FIELDS = ("version", "choice", "comment", "evidence_url")


def _page(html: str, code: int) -> Response:
    response = Response(html, status=code, mimetype="text/html")
    # The address is a credential: never send it on as a Referer, never index it.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(reason: str, **context: Any) -> Response:
    session = get_session()
    session.rollback()
    if reason not in NOT_COUNTED:
        security.record_failed_link(session, address=request.remote_addr or "", now=utcnow())
        session.commit()
    html = render_template("reminder_link/refused.html", reason=reason, **context)
    return _page(html, 403)


def _render(target: one_tap.LinkTarget, token: str, *, code: int = 200, **context: Any) -> Response:
    session = get_session()
    action = target.action
    detail = listing.action_detail(session, action.id or 0)
    assert detail is not None
    form = context.pop("form", None) or {
        "version": str(action.version),
        "choice": target.claims.choice.value if target.claims.choice != Choice.open else "",
        "comment": "",
        "evidence_url": "",
    }
    html = render_template(
        "reminder_link/page.html",
        token=token,
        target=target,
        action=action,
        detail=detail,
        offered=target.claims.choice,
        form=form,
        errors=context.pop("errors", {}),
        changes=context.pop("changes", target.changes),
        upload_max_mb=current_app.config["UPLOAD_MAX_MB"],
        evidence_by_event=evidence_service.files_by_event(session, action.id or 0),
        **context,
    )
    return _page(html, code)


@bp.route("/r/<token>", methods=["GET", "POST"])
def page(token: str) -> Response:
    """GET: the action and the link's button; POST: make the change, as the recipient."""
    session = get_session()
    now = utcnow()
    throttle = security.link_throttle(session, address=request.remote_addr or "", now=now)
    if throttle is not None:
        html = render_template(
            "reminder_link/refused.html", reason="throttled", minutes=throttle.minutes_left(now)
        )
        return _page(html, 429)
    try:
        claims = read_link(current_app.config["SECRET_KEY"], token)
        signed_in = signed_in_user()
        if signed_in is not None and signed_in.id != claims.user_id:
            raise LinkRefused("other_person")
        target = one_tap.open_link(session, claims, with_changes=request.method == "GET")
    except LinkRefused as refused:
        return _refused(refused.reason)
    if request.method == "GET":
        return _render(target, token)

    typed = {name: request.form.get(name, "") for name in FORM_FIELDS}
    version = typed["version"].strip()
    if not (version.isascii() and version.isdigit()) or len(version) > 12:
        return _render(target, token, code=422, form=typed, errors={"form": _reload()})
    choice = typed["choice"] or target.claims.choice.value
    files = uploads_from_form(request.files.getlist("evidence_files"))
    try:
        saved = one_tap.act_on_link(
            session, target, choice, seen_version=int(version), comment=typed["comment"],
            evidence_url=typed["evidence_url"], files=files, now=now,
        )  # fmt: skip
    except LinkRefused as refused:
        return _refused(refused.reason)
    except IntegrityError:  # the same "Done" link used twice at once: one of them wins
        return _refused("used")
    except Forbidden as forbidden:
        session.rollback()
        return _page(render_template("reminder_link/refused.html", reason="forbidden",
                                     message=forbidden.message), 403)  # fmt: skip
    except StaleVersion as stale:
        session.rollback()
        typed["version"] = str(stale.current.version)
        target.action = stale.current
        return _render(target, token, code=409, form=typed, changes=stale.events, stale=True)
    except InvalidChange as invalid:
        session.rollback()
        errors = {invalid.field or "form": invalid.message}
        return _render(target, token, code=422, form=typed, errors=errors)
    session.commit()
    html = render_template("reminder_link/saved.html", action=saved, choice=choice)
    return _page(html, 200)


def _reload() -> str:
    from flask_babel import gettext

    return gettext("The form is missing its version; open the link from the mail again.")
