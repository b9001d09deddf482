"""The public progress pages (issue 11): /p/, /p/<slug>, /p/<slug>.json, /p/<slug>.csv.

No sign-in: these endpoints are on the sign-in guard's allow-list. They read no session
and set no cookie (their templates never touch ``current_user``, flashes or the CSRF
token), so they look the same to everyone, and shared caches may keep them for
``PUBLIC_MAX_AGE`` seconds: a page unpublished a moment ago may stay that long. The
figures come through the summary cache, so a widely shared link cannot load the
database. Publishing is the coordinators' (the POST routes), as is showing an update
(its comment, evidence link and files) on the public page; such files are served from
``/p/<slug>/files/<id>``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, gettext
from werkzeug.wrappers import Response

from .. import charts
from ..auth import audit_actor, current_access, require_programme
from ..db import get_session
from ..downloads import file_response
from ..models import Status
from ..services import programmes as programme_service
from ..services import public as public_service
from ..services import public_updates
from ..services.policy import Do
from .summary import summary_cache

bp = Blueprint("public", __name__)

PUBLIC_MAX_AGE = 300
LANGUAGES = ("en", "km")


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


def _language() -> str:
    """``?lang=`` when it names a language of the site, else the default (no session read)."""
    wanted = (request.args.get("lang") or "").strip().lower()
    return wanted if wanted in LANGUAGES else "en"


def _render(template: str, **context: object) -> Response:
    language = _language()
    with force_locale(language):
        html = render_template(template, language=language, **context)
    return _public(Response(html, mimetype="text/html"))


@bp.get("/p/")
def index() -> Response:
    """The published programmes."""
    return _render("public/index.html", programmes=public_service.list_published(get_session()))


@bp.get("/p/<name>")
def page(name: str) -> Response:
    """``slug``, ``slug.json`` or ``slug.csv``; an unpublished or unknown slug is the same 404."""
    slug, dot, suffix = name.rpartition(".")
    if not dot or suffix not in ("json", "csv"):
        slug, suffix = name, "html"
    session = get_session()
    programme = public_service.find_published(session, slug)
    if programme is None:
        abort(404)
    progress = public_service.public_progress(session, programme, cache=summary_cache())
    if suffix == "json":
        return _public(jsonify(public_service.progress_json(progress)))
    if suffix == "csv":
        response = Response(public_service.progress_csv(progress), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="{progress.slug}.csv"'
        return _public(response)
    assert programme.id is not None
    with force_locale(_language()):  # the chart's words in the page's language
        burnup = charts.burnup_for_screens(
            list(progress.burnup),
            today=progress.today,
            deadline=progress.deadline,
            history=programme_service.deadline_history(session, programme.id),
            verified=progress.requires_verification,
        )
    return _render("public/page.html", p=progress, burnup_svg=burnup, statuses=list(Status))


@bp.post("/programmes/<id:programme_id>/publish")
def publish(programme_id: int) -> Response:
    """Publish the programme's progress page (its coordinators and admins)."""
    session = get_session()
    programme, access = require_programme(programme_id, Do.manage)
    if request.form.get("publish") == "0":
        public_service.unpublish_programme(session, programme, actor=access, audit=audit_actor())
        flash(
            gettext(
                "The public page is unpublished. Caches may still show it for up to five minutes."
            ),
            "info",
        )
    else:
        slug = public_service.publish_programme(
            session, programme, actor=access, audit=audit_actor()
        )
        flash(gettext("Published at %(url)s.", url=url_for("public.page", name=slug)), "info")
    session.commit()
    return redirect(url_for("programmes.detail", programme_id=programme_id), code=303)


@bp.get("/p/<name>/files/<id:file_id>")
def public_file(name: str, file_id: int) -> Response:
    """A file of an update a coordinator made public, as an attachment; anything else
    (unpublished programme, hidden update, withdrawn file, another programme's file) is
    the same 404."""
    session = get_session()
    programme = public_service.find_published(session, name)
    found = public_updates.public_file(session, programme, file_id) if programme else None
    if found is None:
        abort(404)
    summary, data = found
    # The one way files are served (nosniff, sandbox, attachment); public caching on top.
    response = file_response(data, name=summary.name, content_type=summary.content_type)
    return _public(response)


@bp.post("/actions/<id:action_id>/events/<id:event_id>/public")
def publish_update(action_id: int, event_id: int) -> Response | tuple[str, int]:
    """Show an update (comment, evidence link, files) on the public page, or hide it
    (``public=0``): the programme's coordinators and admins."""
    from .actions import _render_detail

    session = get_session()
    try:
        if request.form.get("public") == "0":
            public_updates.hide_update(session, action_id, event_id, actor=current_access())
            message = gettext("The update is no longer on the public page.")
        else:
            public_updates.publish_update(session, action_id, event_id, actor=current_access())
            message = gettext(
                "The update is on the public page: its comment, evidence link and files, "
                "without the name of who wrote it."
            )
    except public_updates.PublishUpdateRefused as refused:
        session.rollback()
        if refused.hidden:
            abort(404)
        if refused.forbidden:
            abort(403, description=refused.message)
        return _render_detail(action_id, errors={f"public-{event_id}": refused.message}, code=422)
    session.commit()
    flash(message, "info")
    return redirect(
        url_for("actions.detail", action_id=action_id, _anchor=f"event-{event_id}"), 303
    )
