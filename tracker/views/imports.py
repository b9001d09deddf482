"""The import page: a country profile without a command line.

Coordinators paste or upload the text, check the preview, then confirm. Nothing is
stored before the confirmation; the confirmed text is parsed again, and must be the
text that was previewed (its checksum travels with the form).
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlmodel import select
from werkzeug.wrappers import Response

from ..auth import required_user
from ..db import get_session
from ..importer import ParsedProfile, ProfileError, parse_profile
from ..models import Report, Treaty, User
from ..services import imports as import_service
from ..services import policy
from . import import_lineage

bp = Blueprint("imports", __name__)

MAX_PROFILE_BYTES = 2 * 1024 * 1024


def _require_import_rights() -> User:
    user = required_user()
    if not policy.can_import(user):
        abort(403, description=gettext("Only a coordinator or an admin can import profiles."))
    return user


def _render_import(
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    parsed: ParsedProfile | None = None,
    payload: str = "",
    already: Report | None = None,
    lineage: import_lineage.LineageView | None = None,
    code: int = 200,
) -> tuple[str, int]:
    html = render_template(
        "programmes/import.html",
        form=form or {},
        errors=errors or {},
        parsed=parsed,
        payload=payload,
        already=already,
        lineage=lineage,
        treaties=list(Treaty),
    )
    return html, code


@bp.get("/import")
@login_required
def import_profile() -> tuple[str, int]:
    _require_import_rights()
    return _render_import()


def _submitted_bytes() -> tuple[bytes, str]:
    """The profile as bytes, and the field it came from (an uploaded file wins)."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(MAX_PROFILE_BYTES + 1), "file"
    return request.form.get("text", "").encode("utf-8"), "text"


def _preview(raw: bytes, field: str, form: dict[str, str]) -> tuple[str, int]:
    if not raw.strip():
        message = gettext("Paste the text of a country profile, or choose the saved file.")
        return _render_import(form=form, errors={"text": message}, code=422)
    if len(raw) > MAX_PROFILE_BYTES:
        message = gettext("This is larger than any country profile (2 MB at most).")
        return _render_import(form=form, errors={field: message}, code=422)
    try:
        parsed = parse_profile(raw)
    except ProfileError as exc:
        return _render_import(form=form, errors={field: str(exc)}, code=422)
    payload = base64.b64encode(raw).decode("ascii")
    errors: dict[str, str] = {}
    try:
        import_service.resolve_treaty(parsed, form.get("treaty") or None)
    except import_service.ImportRefused:
        errors["treaty"] = gettext(
            "The page does not say which treaty it is about: choose APMBC or CCM."
        )
    session = get_session()
    already = session.exec(select(Report).where(Report.checksum == parsed.checksum)).first()
    return _render_import(
        form=form,
        errors=errors,
        parsed=parsed,
        payload=payload,
        already=already,
        lineage=import_lineage.preview_context(session, parsed, form.get("treaty") or None),
        code=422 if errors else 200,
    )


@bp.post("/import")
@login_required
def preview_profile() -> tuple[str, int]:
    """Parse what was pasted or uploaded and show it; nothing is stored."""
    _require_import_rights()
    raw, field = _submitted_bytes()
    form = {"text": request.form.get("text", ""), "treaty": request.form.get("treaty", "")}
    return _preview(raw, field, form)


@bp.post("/import/confirm")
@login_required
def confirm_import() -> Response | tuple[str, int]:
    """Store the previewed profile: parsed again from the carried text, in one transaction."""
    actor = _require_import_rights()
    form = {"treaty": request.form.get("treaty", "")}
    try:
        raw = base64.b64decode(request.form.get("payload", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400, description=gettext("The preview did not come back intact; start again."))
    if not raw or len(raw) > MAX_PROFILE_BYTES:
        abort(400, description=gettext("The preview did not come back intact; start again."))
    try:
        parsed = parse_profile(raw)
    except ProfileError:
        abort(400, description=gettext("The preview did not come back intact; start again."))
    if parsed.checksum != request.form.get("checksum"):
        abort(400, description=gettext("The text changed after the preview; start again."))
    session = get_session()
    payload = base64.b64encode(raw).decode("ascii")
    if import_service.already_imported(session, parsed):
        flash(gettext("This profile was imported before: nothing stored."), "warning")
        stored = session.exec(select(Report).where(Report.checksum == parsed.checksum)).one()
        return redirect(url_for("programmes.detail", programme_id=stored.programme_id), code=303)
    try:
        chosen, _ = import_service.resolve_treaty(parsed, form["treaty"] or None)
    except import_service.ImportRefused as refused:
        return _render_import(
            form=form,
            errors={"treaty": str(refused)},
            parsed=parsed,
            payload=payload,
            lineage=import_lineage.preview_context(session, parsed, None),
            code=422,
        )
    outcome = import_lineage.confirm(session, parsed, chosen, request.form, actor)
    if outcome.result is None:
        session.rollback()
        return _render_import(
            form=form, parsed=parsed, payload=payload, lineage=outcome.view, code=outcome.code
        )
    session.commit()
    result = outcome.result
    flash(import_lineage.summary_message(result, parsed.edition or parsed.country), "info")
    assert result.programme is not None
    return redirect(url_for("programmes.detail", programme_id=result.programme.id), code=303)
