"""Evidence files (issue 18): download, thumbnail, withdrawal.

Served only to people who may read the action (404 outside its programme, as every
page), always as an attachment with ``nosniff`` and a sandboxing Content-Security-Policy,
so a file can never run as a page of this site. A withdrawn file answers 410.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from ..auth import current_access, signed_in_user
from ..db import get_session
from ..downloads import file_response
from ..models import EvidenceFile
from ..services import evidence

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _serve(file_id: int, *, thumbnail: bool) -> Response:
    session = get_session()
    try:
        summary, data = evidence.file_to_serve(
            session, current_access(), file_id, thumbnail=thumbnail
        )
    except evidence.EvidenceRefused as refused:
        abort(404 if refused.hidden else 410, description=refused.message)
    return file_response(
        data,
        name=summary.name if not thumbnail else f"thumbnail-{summary.id}.jpg",
        content_type="image/jpeg" if thumbnail else summary.content_type,
        attachment=not thumbnail,
    )


@bp.get("/<id:file_id>")
@login_required
def download(file_id: int) -> Response:
    """The file as stored, as an attachment (never shown as a page of the site)."""
    return _serve(file_id, thumbnail=False)


@bp.get("/<id:file_id>/thumbnail")
@login_required
def thumbnail(file_id: int) -> Response:
    """The small JPEG made from an image when it was stored (our own pixels, no metadata)."""
    return _serve(file_id, thumbnail=True)


@bp.post("/<id:file_id>/withdraw")
@login_required
def withdraw(file_id: int) -> Response | tuple[str, int]:
    """The uploader or a coordinator withdraws a file: 303 to the history, or 403/404/422."""
    from .actions import _render_detail

    session = get_session()
    user = signed_in_user()
    if user is None:
        abort(401)
    try:
        withdrawn = evidence.withdraw_file(session, file_id, user, request.form.get("reason", ""))
    except evidence.EvidenceRefused as refused:
        session.rollback()
        if refused.hidden:
            abort(404)
        if refused.gone:
            abort(410, description=refused.message)
        if refused.field is None:
            abort(403, description=refused.message)
        found = session.get(EvidenceFile, file_id)
        assert found is not None  # a hidden refusal answered above
        errors = {f"withdraw-{file_id}": refused.message}
        return _render_detail(found.action_id, errors=errors, code=422)
    session.commit()
    flash(gettext("The file is withdrawn; the history says who withdrew it and why."), "info")
    return redirect(
        url_for("actions.detail", action_id=withdrawn.action_id, _anchor="history"), 303
    )
