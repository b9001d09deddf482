"""Exports: the actions list as CSV and XLSX, and the personal calendar feed."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from ..auth import current_access, signed_in_user
from ..db import get_session
from ..models import utcnow
from ..services import calendar as calendar_service
from ..services import exports as export_service
from ..services.listing import ActionFilter, resolve_owner
from .streaming import streamed

bp = Blueprint("exports", __name__)


def _filter() -> ActionFilter:
    """The list's filter from the query string; ``mine=1`` is "My actions" of the reader."""
    flt = resolve_owner(
        get_session(), ActionFilter.from_args(request.args, reader=current_access())
    )
    if flt.owner_unresolved:
        flt = replace(flt, problems=(*flt.problems, f"owner {flt.owner_text[:60]!r}"))
    if flt.problems:
        abort(400, description=gettext("Unreadable filter: %(what)s", what=", ".join(flt.problems)))
    if request.args.get("mine") == "1":
        flt = replace(flt, owned_by=signed_in_user())
    return flt


def _stamp() -> str:
    return utcnow().strftime("%Y-%m-%d")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@bp.get("/actions/export.csv")
def actions_csv() -> Response:
    """The filtered list, one row per action, streamed as it is read."""
    flt = _filter()
    body = streamed(lambda s: export_service.stream_csv(s, flt))
    return Response(
        body,
        mimetype="text/csv",
        headers=_attachment(f"actions-{_stamp()}.csv"),
    )


@bp.get("/actions/export.xlsx")
def actions_xlsx() -> Response:
    flt = _filter()
    data = export_service.write_xlsx(get_session(), flt)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(f"actions-{_stamp()}.xlsx"),
    )


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "tracker.invalid"


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    """Public but secret: the token in the address is the credential."""
    user = calendar_service.user_for_feed_token(get_session(), token)
    if user is None:
        abort(404)
    host, base_url = _host(), current_app.config["BASE_URL"]
    only_mine = request.args.get("mine") == "1"
    body = streamed(
        lambda s: calendar_service.stream_feed(
            s, user, host=host, base_url=base_url, only_mine=only_mine
        )
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=900", "Referrer-Policy": "no-referrer"},
    )


@bp.route("/profile/calendar", methods=["GET", "POST"])
def profile_calendar() -> BaseResponse | str:
    """See the secret feed addresses; POST makes a new one (the old stops working)."""
    user = signed_in_user()
    assert user is not None  # the global sign-in guard ran
    if request.method == "POST":
        session = get_session()
        had_one = user.feed_token is not None
        calendar_service.reset_feed_token(session, session.merge(user))
        session.commit()
        flash(
            gettext("Your calendar address was reset; the old one no longer works.")
            if had_one
            else gettext("Your calendar address is ready."),
            "info",
        )
        return redirect(url_for("exports.profile_calendar"))
    feeds = None
    if user.feed_token:
        base = current_app.config["BASE_URL"].rstrip("/")
        path = url_for("exports.calendar_feed", token=user.feed_token)
        feeds = {"all": base + path, "mine": base + path + "?mine=1"}
    return render_template("summary/calendar.html", feeds=feeds)
