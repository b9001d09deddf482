"""The meeting pack as a PDF and the minutes as a Word document."""

from __future__ import annotations

import re
import time

from flask import current_app, render_template
from werkzeug.wrappers import Response

from ... import charts, meeting_documents
from ...db import get_session
from ...formatting import local_today
from ...models import Meeting, Programme
from ...services import meeting_pack as pack_service
from .common import bp, load_meeting


def _download_name(meeting: Meeting, programme: Programme, suffix: str) -> str:
    """``2025-06-14-cambodia-working-group.pdf``: ASCII, no quotes, for any browser."""
    words = re.sub(r"[^a-z0-9]+", "-", f"{programme.country} {meeting.title}".lower()).strip("-")
    return f"{meeting.held_on.isoformat()}-{words[:60].strip('-') or 'meeting'}.{suffix}"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/meetings/<id:meeting_id>/pack.pdf")
def pack_pdf(meeting_id: int) -> Response | tuple[str, int]:
    """The meeting pack as an A4 PDF; a server without WeasyPrint's libraries says what to
    install (503) and every other page keeps working."""
    meeting, programme = load_meeting(meeting_id)
    hint = meeting_documents.pdf_unavailable()
    if hint:
        return render_template("meetings/pdf_unavailable.html", meeting=meeting, hint=hint), 503
    started = time.perf_counter()
    pack = pack_service.build_meeting_pack(get_session(), meeting)
    html = render_template(
        "meetings/pack.html",
        pack=pack,
        burnup_svg=meeting_documents.chart_for_pdf(
            charts.burnup_chart(
                pack.burnup,
                today=meeting.held_on,
                deadline=pack.deadline,
                history=pack.history,
                chart_id="pack-burnup",
                verified=pack.programme.requires_verification,
            )
        ),
        bars_svg=meeting_documents.chart_for_pdf(
            charts.status_bars(pack.owners, chart_id="pack-owners")
        ),
        criterion_charts=[
            (trend, meeting_documents.chart_for_pdf(svg))
            for trend, svg in charts.criterion_charts(pack.criterion_trends)
        ],
        status_order=charts.STATUS_ORDER,
        static_base=meeting_documents.static_base_url(),
        printed_on=local_today(programme.timezone),
    )
    pdf = meeting_documents.render_pdf(html)
    current_app.logger.info(
        "meeting pack %s: %d bytes in %.2f s", meeting.id, len(pdf), time.perf_counter() - started
    )
    return _download(pdf, "application/pdf", _download_name(meeting, programme, "pdf"))


@bp.get("/meetings/<id:meeting_id>/minutes.docx")
def minutes_docx(meeting_id: int) -> Response:
    """The minutes as a Word document: attendees, decisions by action, notes."""
    meeting, programme = load_meeting(meeting_id)
    pack = pack_service.build_meeting_pack(get_session(), meeting)
    body = meeting_documents.render_minutes_docx(pack, printed_on=local_today(programme.timezone))
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _download_name(meeting, programme, "docx"),
    )
