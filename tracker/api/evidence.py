"""The API's evidence operations (issue 18): list an action's files, upload one, download one.

An upload is an update: it goes through ``workflow.update_action`` with the file, as the
web form's file field does (same checks by content, same journal entry); a download is
the stored bytes as an attachment that cannot run (``downloads.file_response``).
"""

from __future__ import annotations

from flask import Response, current_app, url_for
from flask_babel import gettext

from ..db import get_session
from ..downloads import file_response
from ..models import Action, TokenScope
from ..services import evidence, policy, workflow
from ..services.uploads import ALLOWED, Upload
from . import schemas
from .auth import Caller
from .blueprint import bp
from .errors import ApiError
from .openapi import operation, parse_form
from .views import apply_change

_ACTION_ID = {"action_id": "The action's id."}
_FILE_ID = {"file_id": "The evidence file's id (from the action's list)."}


def _out(summary: evidence.EvidenceSummary) -> schemas.EvidenceOut:
    return schemas.EvidenceOut(
        id=summary.id,
        action_id=summary.action_id,
        event_id=summary.event_id,
        name=summary.name,
        content_type=summary.content_type,
        size=summary.size,
        sha256=summary.sha256,
        uploaded_at=summary.uploaded_at,
        uploaded_by_id=summary.uploaded_by_id,
        withdrawn_at=summary.withdrawn_at,
        withdrawn_by_id=summary.withdrawn_by_id,
        withdrawn_reason=summary.withdrawn_reason,
        download_url=None
        if summary.withdrawn
        else url_for("api.download_evidence", file_id=summary.id),
    )


def _readable_action(caller: Caller, action_id: int) -> Action:
    action = get_session().get(Action, action_id)
    if action is None or not policy.may(caller.user, policy.Do.read, action):
        raise ApiError("not-found", gettext("There is no action %(id)s.", id=action_id))
    return action


@operation(
    bp,
    method="GET",
    path="/actions/{action_id}/evidence",
    operation_id="list_evidence",
    summary="An action's evidence files",
    description="Every file attached to the action's updates, oldest first; a withdrawn "
    "file is listed (with who withdrew it and why) but no longer served.",
    tag="evidence",
    response=schemas.EvidenceList,
    path_params=_ACTION_ID,
)
def list_evidence(caller: Caller, action_id: int) -> schemas.EvidenceList:
    _readable_action(caller, action_id)
    return schemas.EvidenceList(
        files=[_out(s) for s in evidence.summaries(get_session(), [action_id])]
    )


@operation(
    bp,
    method="POST",
    path="/actions/{action_id}/evidence",
    operation_id="upload_evidence",
    summary="Attach an evidence file",
    description="One file as multipart/form-data (part 'file', with its file name), the "
    "action's version and an optional comment: a history entry with the file, under the "
    "same rules as the web form (checked by content; SVG, HTML and macros refused; "
    "images stored without metadata; at most TRACKER_UPLOAD_MAX_MB). Needs a token with "
    "the write scope.",
    tag="evidence",
    response=schemas.EvidenceOut,
    scope=TokenScope.write,
    form=schemas.EvidenceUpload,
    conflict=schemas.StaleVersionProblem,
    path_params=_ACTION_ID,
)
def upload_evidence(caller: Caller, action_id: int) -> schemas.EvidenceOut:
    # The action first: outside the caller's programmes it is 404, whatever was sent.
    _readable_action(caller, action_id)
    form = parse_form(schemas.EvidenceUpload)
    body: schemas.EvidenceUpload = form.body
    limit = int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024
    upload = Upload(form.filenames.get("file", "file"), body.file, limit)
    change = workflow.ActionChange(comment=body.comment, files=(upload,))
    apply_change(caller, action_id, body.version, lambda: change, commit=False)
    stored = evidence.summaries(get_session(), [action_id])[-1]
    get_session().commit()
    return _out(stored)


@operation(
    bp,
    method="GET",
    path="/evidence/{file_id}",
    operation_id="download_evidence",
    summary="Download an evidence file",
    description="The file as stored, as an attachment (X-Content-Type-Options: nosniff, "
    "Content-Security-Policy: sandbox). 410 once withdrawn.",
    tag="evidence",
    response=schemas.EvidenceOut,
    download=tuple(ALLOWED),
    path_params=_FILE_ID,
)
def download_evidence(caller: Caller, file_id: int) -> Response:
    try:
        summary, data = evidence.file_to_serve(get_session(), caller.user, file_id)
    except evidence.EvidenceRefused as refused:
        raise ApiError("not-found" if refused.hidden else "gone", refused.message) from None
    return file_response(data, name=summary.name, content_type=summary.content_type)
