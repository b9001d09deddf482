"""The meeting pack as a PDF (WeasyPrint) and the minutes as a Word document (python-docx).

Both are drawn from ``services.meeting_pack.MeetingPack``, the data the meeting page
shows. WeasyPrint needs Pango and HarfBuzz from the operating system; it is imported
only when a PDF is asked for, so a machine without those libraries runs everything
else and the page says which packages to install (``pdf_unavailable``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask_babel import gettext
from markupsafe import Markup, escape

from .formatting import format_day
from .labels import label
from .models import EventKind
from .services.meeting_pack import MeetingPack, PackDecision

log = logging.getLogger(__name__)

# What WeasyPrint's wheels need from Debian/Ubuntu (its "First steps" page); .ci/run
# installs them when missing.
PDF_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0")
STATIC = Path(__file__).resolve().parent / "static"

_weasyprint: Any = None
_failure: str | None = None


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here; the message says what to install."""


def _load_weasyprint() -> Any:
    """WeasyPrint, imported once; its missing system libraries become ``PdfUnavailable``."""
    global _weasyprint, _failure
    if _weasyprint is None and _failure is None:
        try:
            import weasyprint
        except (OSError, ImportError) as exc:
            _failure = str(exc)
            log.warning("PDF meeting packs are off: %s", exc)
        else:
            _weasyprint = weasyprint
    if _weasyprint is None:
        raise PdfUnavailable(pdf_install_hint())
    return _weasyprint


def pdf_install_hint() -> str:
    return gettext(
        "The PDF needs system libraries this server lacks: install %(packages)s "
        "(Debian/Ubuntu: apt-get install %(packages)s) and restart the server.",
        packages=" ".join(PDF_PACKAGES),
    )


def pdf_unavailable() -> str | None:
    """None when PDFs can be made here, else the sentence saying what to install."""
    try:
        _load_weasyprint()
    except PdfUnavailable as exc:
        return str(exc)
    return None


def _static_path(url: str) -> Path:
    """The file under ``tracker/static`` a URL names; anything else is refused, so the
    PDF never reaches the network nor another file of the machine."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise ValueError(f"the meeting pack loads only its own static files, not {url!r}")
    path = Path(url2pathname(parts.path)).resolve()
    if not path.is_relative_to(STATIC):
        raise ValueError(f"the meeting pack loads only its own static files, not {url!r}")
    return path


def _url_fetcher(weasyprint: Any) -> Any:
    base = getattr(weasyprint.urls, "URLFetcher", None)
    if base is not None:  # WeasyPrint 66 and later: a fetcher class

        class StaticOnly(base):  # type: ignore[misc, valid-type]
            def fetch(self, url: str, headers: Any = None) -> Any:
                _static_path(url)
                return super().fetch(url, headers)

        return StaticOnly(allowed_protocols=["file"], fail_on_errors=True)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # earlier: a function
        _static_path(url)
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


_SVG_NS = "http://www.w3.org/2000/svg"
_SVG = "{" + _SVG_NS + "}"
# The charts are drawn 720 units wide (charts.WIDTH) and the pack's text column is
# 182 mm (A4 less the 14 mm margins): one chart unit in the PDF, in millimetres.
_MM_PER_UNIT = 182 / 720
# Where a line of text's baseline sits below the top of its box at line-height 1
# (DejaVu Sans, the pack's Latin font: ascent 0.93, descent 0.24 em).
_BASELINE_EM = 0.85


def _chart_rules() -> dict[str, dict[str, str]]:
    """tracker.css's ``.chart .name { ... }`` rules, by class name (the page's colours)."""
    rules: dict[str, dict[str, str]] = {}
    css = (STATIC / "tracker.css").read_text(encoding="utf-8")
    for selectors, body in re.findall(r"^(\.chart \.[^{]+)\{([^}]*)\}", css, flags=re.M):
        declarations = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        }
        for selector in selectors.split(","):
            name = selector.strip().removeprefix(".chart .")
            if re.fullmatch(r"[\w-]+", name):
                rules.setdefault(name, {}).update(declarations)
    return rules


def _label_html(node: ET.Element, rules: dict[str, dict[str, str]], width: float) -> str:
    """One SVG ``<text>`` as an HTML span at the same place, size and colour."""
    style: dict[str, str] = {}
    for name in (node.get("class") or "").split():
        style.update(rules.get(name, {}))
    size = float(style.get("font-size", "16px").removesuffix("px"))
    x, y = float(node.get("x", 0)), float(node.get("y", 0))
    top = (y - _BASELINE_EM * size) * _MM_PER_UNIT
    anchor = node.get("text-anchor", "start")
    if anchor == "end":
        where = f"right:{(width - x) * _MM_PER_UNIT:.2f}mm"
    elif anchor == "middle":
        left, span = (x - 60) * _MM_PER_UNIT, 120 * _MM_PER_UNIT
        where = f"left:{left:.2f}mm;width:{span:.2f}mm;text-align:center"
    else:
        where = f"left:{x * _MM_PER_UNIT:.2f}mm"
    look = f"font-size:{size * _MM_PER_UNIT:.2f}mm"
    if "fill" in style:
        look += f";color:{style['fill']}"
    if "font-weight" in style:
        look += f";font-weight:{style['font-weight']}"
    text = escape("".join(node.itertext()))
    return f'<span class="pdf-chart-label" style="{where};top:{top:.2f}mm;{look}">{text}</span>'


def chart_for_pdf(svg: Markup) -> Markup:
    """The chart as the PDF can draw it: shapes in the SVG, styled by tracker.css's rules
    inside it (WeasyPrint styles an inline SVG only from the SVG's own ``<style>``), and
    every word lifted out of the SVG and laid over it as HTML text.

    WeasyPrint draws SVG text one character at a time, so Khmer, whose vowel signs and
    subscript consonants are shaped with the letter before them, came out as loose
    signs on dotted circles (an organisation's Khmer name, every legend of a Khmer
    pack); HTML text is shaped like the rest of the page, in the vendored Khmer font.
    """
    rules = _chart_rules()
    try:
        root = ET.fromstring(str(svg))  # noqa: S314 (tracker.charts' own markup, never input)
        width, height = (float(v) for v in (root.get("viewBox") or "").split()[2:4])
    except (ET.ParseError, ValueError):
        return svg
    parents = {child: parent for parent in root.iter() for child in parent}
    labels = []
    for node in list(root.iter(_SVG + "text")):
        labels.append(_label_html(node, rules, width))
        parents[node].remove(node)
    style = ET.Element(_SVG + "style")
    style.text = " ".join(
        f".{name} {{ {'; '.join(f'{k}: {v}' for k, v in declarations.items())} }}"
        for name, declarations in rules.items()
    )
    root.insert(0, style)
    # Written back with plain tag names and the namespace as an attribute: ElementTree
    # would otherwise prefix each tag (ns0:svg), which the HTML parser reads as text.
    for node in root.iter():
        node.tag = node.tag.removeprefix(_SVG)
    root.set("xmlns", _SVG_NS)
    drawing = ET.tostring(root, encoding="unicode")
    box = f"width:{width * _MM_PER_UNIT:.2f}mm;height:{height * _MM_PER_UNIT:.2f}mm"
    return Markup(  # noqa: S704 (our own chart markup; every label went through escape())
        f'<div class="pdf-chart" style="{box}">{drawing}{"".join(labels)}</div>'
    )


def static_base_url() -> str:
    """The file URL the pack's template links its stylesheets under."""
    return STATIC.as_uri() + "/"


def render_pdf(html: str) -> bytes:
    """The pack's HTML as a PDF; stylesheets and fonts come from ``tracker/static`` only."""
    weasyprint = _load_weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=static_base_url(), url_fetcher=_url_fetcher(weasyprint)
    )
    return bytes(document.write_pdf())


# --------------------------------------------------------------------------- minutes


def describe_decision(decision: PackDecision) -> str:
    """One decision as a sentence of the minutes (the same words as the meeting page)."""
    if decision.kind == EventKind.status_changed:
        before = label(decision.status_from) if decision.status_from else "—"
        after = label(decision.status_to) if decision.status_to else "—"
        return gettext("Status: %(before)s → %(after)s", before=before, after=after)
    if decision.kind == EventKind.due_date_changed:
        return gettext(
            "Due date: %(before)s → %(after)s",
            before=format_day(decision.due_from),
            after=format_day(decision.due_to),
        )
    if decision.kind == EventKind.owner_changed:
        return gettext("Owner: %(owner)s", owner=decision.owner_to or gettext("Unassigned"))
    return gettext("Comment")


def render_minutes_docx(pack: MeetingPack, *, printed_on: dt.date) -> bytes:
    """The minutes as .docx: title, attendees, decisions by action, notes.

    Plain styles (Title, Heading 1/2, List Bullet) so a ministry can paste them onto its
    own letterhead template; Khmer runs ask for a Khmer font for complex scripts.
    """
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    meeting, programme = pack.meeting, pack.programme
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:cs"), "Noto Sans Khmer")
    core = document.core_properties
    core.title = f"{meeting.title}, {format_day(meeting.held_on)}"
    core.subject = programme.country

    document.add_heading(gettext("Minutes: %(title)s", title=meeting.title), level=0)
    document.add_paragraph(
        f"{programme.country} · {format_day(meeting.held_on)} · "
        + gettext("Prepared %(day)s", day=format_day(printed_on))
    )

    document.add_heading(gettext("Attendees"), level=1)
    if pack.attendees:
        for name in pack.attendees:
            document.add_paragraph(name, style="List Bullet")
    else:
        document.add_paragraph("—")

    document.add_heading(gettext("Decisions"), level=1)
    decided = [item for item in pack.items if item.decisions]
    if not decided:
        document.add_paragraph(gettext("No decision recorded."))
    for item in decided:
        document.add_heading(f"#{item.action_id} {item.title}", level=2)
        if item.evidence:
            document.add_paragraph(gettext("Evidence files:") + " " + ", ".join(item.evidence))
        for decision in item.decisions:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(describe_decision(decision)).bold = True
            if decision.comment:
                paragraph.add_run(f" — {decision.comment}")

    document.add_heading(gettext("Notes"), level=1)
    for block in (meeting.notes or "—").split("\n\n"):
        document.add_paragraph(block.strip())

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
