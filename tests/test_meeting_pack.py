"""The meeting pack as a PDF and the minutes as a Word document, read back as a person would."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import docx
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import Session, select

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import World, add_action, at, build_world
from tracker.models import Action, Meeting, Status
from tracker.services import meetings as meeting_service
from tracker.services import users as user_service
from tracker.services.workflow import Owner

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
KHMER_TITLE = "របាយការណ៍ ការបោសសម្អាតមីន"  # "report: mine clearance"
KHMER_WORD = "របាយការណ៍"  # a word every PDF text extractor gives back in this order
KHMER_COMMENT = "អនុម័ត"  # "approved"
KHMER_OWNER = "ស្រីមុំ ជ្ឈាន"  # a name with subscript consonants (coeng) and vowel signs
KHMER_FONT = (
    Path(__file__).resolve().parent.parent
    / "tracker/static/vendor/noto-sans-khmer-5.3.0/noto-sans-khmer-khmer-400-normal.ttf"
)


def _meeting_with_decisions(session: Session, world: World) -> tuple[Meeting, list[Action]]:
    """A second meeting (the first gives 'changes since') with five decisions, Khmer included."""
    coordinator = world.coordinator
    coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(coordinator)
    khmer = add_action(session, world.programme, KHMER_TITLE, "2025-05-25", position=7)
    meeting_service.record_meeting(
        session, world.programme, held_on=dt.date(2025, 3, 31), title="Q1 review"
    )
    meeting = meeting_service.record_meeting(
        session,
        world.programme,
        held_on=dt.date(2025, 6, 14),
        title="Technical working group, June",
        attendees="Cora Ordinator (CMAA)\nNDA\nDonor representative",
        notes="The working group met in Phnom Penh.\n\nNext meeting in September.",
        actor=coordinator,
    )
    a1, a2, _a3, _a4, a5, a6 = world.actions
    decisions = [
        (a1, meeting_service.Decision(due_on=dt.date(2025, 9, 30), comment="Give them a quarter.")),
        (a2, meeting_service.Decision(status=Status.blocked, comment="Waits for the budget law.")),
        (
            a5,
            meeting_service.Decision(owner=Owner(user_id=world.owner_a.id), comment="Anna leads."),
        ),
        (a6, meeting_service.Decision(comment="Keep on the agenda.")),
        (khmer, meeting_service.Decision(comment=KHMER_COMMENT)),
    ]
    for action, decision in decisions:
        session.refresh(action)
        meeting_service.apply_decision(
            session, meeting, action.id, coordinator, action.version, decision,
            at=at("2025-06-14", 4),
        )  # fmt: skip
    session.commit()
    return meeting, [*world.actions, khmer]


def _words(text: str) -> str:
    return " ".join(text.split())


def test_pdf_pack_carries_the_meeting(
    session: Session, client: FlaskClient, login: Any, db_url: str
) -> None:
    """The PDF is A4 with numbered pages and carries the cover, every decision and action,
    the deadline history and the Khmer text; its pages are rendered to PNGs for people."""
    world = build_world(session)
    meeting, actions = _meeting_with_decisions(session, world)
    login(world.coordinator)
    response = client.get(f"/meetings/{meeting.id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.pdf"')
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    assert 4 <= len(pages) <= 8, len(pages)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert all(f"{n} / {len(pages)}" in text for n, text in enumerate(pages, 1))
    text = _words(" ".join(pages))
    cover = _words(pages[0])
    assert "Technical working group, June" in cover and "14 Jun 2025" in cover
    assert "State as of the end of 14 Jun 2025" in cover and "Donor representative" in cover
    for comment in ("Give them a quarter.", "Waits for the budget law.", "Anna leads."):
        assert comment in text
    assert "Due date: 1 Jun 2025 → 30 Sep 2025" in text
    assert "Status: In progress → Blocked" in text and "Owner: Anna Owner" in text
    for action in actions[:6]:
        assert _words(action.title)[:30] in text, action.title
    assert "Deadline history" in text and "31 Dec 2030" in text
    assert "Changes since the previous meeting" in text
    assert KHMER_WORD in text and KHMER_COMMENT in text

    db_backend = db_url.split(":", 1)[0].split("+")[0]
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"meeting-pack-{db_backend}.pdf"
    pdf.write_bytes(response.data)
    if shutil.which("pdftoppm"):
        prefix = ARTIFACTS / f"meeting-pack-{db_backend}"
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(prefix)], check=True)
        assert len(list(ARTIFACTS.glob(f"meeting-pack-{db_backend}-*.png"))) == len(pages)


def test_pdf_embeds_the_vendored_khmer_font(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """The Khmer glyphs in the PDF come from an embedded Noto Sans Khmer, so the pack reads
    the same on a machine without a Khmer font."""
    world = build_world(session)
    meeting, _ = _meeting_with_decisions(session, world)
    login(world.coordinator)
    reader = PdfReader(io.BytesIO(client.get(f"/meetings/{meeting.id}/pack.pdf").data))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    fonts.add(str(font["/BaseFont"]))
    assert any("Noto-Sans-Khmer" in name for name in fonts), fonts


def test_minutes_docx_carry_attendees_decisions_and_notes(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """The Word minutes list the attendees, each decided action with its decisions, the notes."""
    world = build_world(session)
    meeting, actions = _meeting_with_decisions(session, world)
    login(world.coordinator)
    response = client.get(f"/meetings/{meeting.id}/minutes.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    texts = [text for _, text in paragraphs]
    assert texts[0] == "Minutes: Technical working group, June"
    bullets = [text for style, text in paragraphs if style == "List Bullet"]
    assert bullets[:3] == ["Cora Ordinator (CMAA)", "NDA", "Donor representative"]
    headings = [text for style, text in paragraphs if style == "Heading 2"]
    decided = [actions[i] for i in (0, 1, 4, 5, 6)]
    assert headings == [f"#{a.id} {a.title}" for a in decided]
    assert "Due date: 1 Jun 2025 → 30 Sep 2025 — Give them a quarter." in bullets
    assert f"Comment — {KHMER_COMMENT}" in bullets
    assert "The working group met in Phnom Penh." in texts
    assert "Next meeting in September." in texts


def test_downloads_need_a_signed_in_person(session: Session, client: FlaskClient) -> None:
    """Neither download is served to someone who is not signed in."""
    world = build_world(session)
    meeting, _ = _meeting_with_decisions(session, world)
    for suffix in ("pack.pdf", "minutes.docx"):
        response = client.get(f"/meetings/{meeting.id}/{suffix}")
        assert response.status_code in (302, 401)


_WITHOUT_LIBRARIES = textwrap.dedent(
    """
    import json, sys
    from tracker import create_app
    app = create_app(json.loads(sys.argv[1]))
    client = app.test_client()
    meeting_id, email, password = sys.argv[2], sys.argv[3], sys.argv[4]
    client.post("/auth/login", data={"email": email, "password": password})
    page = client.get(f"/meetings/{meeting_id}")
    pdf = client.get(f"/meetings/{meeting_id}/pack.pdf")
    minutes = client.get(f"/meetings/{meeting_id}/minutes.docx")
    print(json.dumps({
        "page": page.status_code, "page_text": page.get_data(as_text=True),
        "pdf": pdf.status_code, "pdf_text": pdf.get_data(as_text=True),
        "minutes": minutes.status_code,
    }))
    """
)


def test_without_weasyprint_libraries_the_pdf_link_says_what_to_install(
    session: Session, app_config: dict[str, Any], tmp_path: Path
) -> None:
    """On a server whose Pango cannot be loaded, the meeting page and the Word minutes work
    and the PDF link names the Debian packages to install."""
    import json

    world = build_world(session)
    meeting, _ = _meeting_with_decisions(session, world)
    # A broken library earlier on the loader's path than the real one: what a machine
    # without the package sees when WeasyPrint asks for it.
    broken = tmp_path / "lib"
    broken.mkdir()
    for name in ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libgobject-2.0.so"):
        (broken / name).write_bytes(b"not a library")
    env = {**os.environ, "LD_LIBRARY_PATH": str(broken), "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_LIBRARIES, json.dumps(app_config), str(meeting.id),
         world.coordinator.email, DEFAULT_PASSWORD],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["page"] == 200 and out["minutes"] == 200
    assert out["pdf"] == 503
    for text in (out["page_text"], out["pdf_text"]):
        assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in _words(text)
    assert "pack.pdf" not in out["page_text"]
    assert re.search(r"minutes\.docx", out["page_text"])
    session.rollback()
    assert session.exec(select(Meeting)).all()  # nothing was changed by the visit


def _khmer_glyphs_drawn(reader: PdfReader) -> set[int]:
    """The glyph ids the PDF draws from its embedded Khmer font (its widths array lists
    each one; WeasyPrint's subset keeps the font's own ids)."""
    drawn: set[int] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if "Khmer" not in str(font["/BaseFont"]):
                continue
            widths = list(font["/DescendantFonts"][0].get_object().get("/W") or [])
            while widths:
                first, following = int(widths[0]), widths[1]
                if isinstance(following, list):
                    drawn.update(range(first, first + len(following)))
                    widths = widths[2:]
                else:
                    drawn.update(range(first, int(following) + 1))
                    widths = widths[3:]
    return drawn


def test_khmer_in_a_chart_is_drawn_as_shaped_text(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """An owner's Khmer name beside its bar is shaped as the page's text is, so no vowel
    sign or subscript consonant stands alone on a dotted circle: WeasyPrint draws SVG text
    one letter at a time, so the pack lays the charts' words over them as HTML text."""
    from fontTools.ttLib import TTFont

    world = build_world(session)
    world.owner_a.name = KHMER_OWNER
    session.add(world.owner_a)
    meeting, _ = _meeting_with_decisions(session, world)
    login(world.coordinator)
    reader = PdfReader(io.BytesIO(client.get(f"/meetings/{meeting.id}/pack.pdf").data))
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    assert KHMER_OWNER in text
    font = TTFont(KHMER_FONT)
    dotted_circle = font.getGlyphID(font.getBestCmap()[0x25CC])
    drawn = _khmer_glyphs_drawn(reader)
    assert drawn and dotted_circle not in drawn


def test_long_names_are_cut_between_khmer_syllables() -> None:
    """A name too long for the space beside its bar is cut with an ellipsis, never between
    a Khmer letter and its vowel sign or subscript consonant (which would stand alone on
    a dotted circle)."""
    import unicodedata

    from tracker.charts import shorten

    name = "មជ្ឈមណ្ឌលសកម្មភាពកំចាត់មីនកម្ពុជា"  # Cambodian Mine Action Centre
    assert shorten(name, len(name)) == name
    for limit in range(3, len(name)):
        short = shorten(name, limit)
        kept = short.removesuffix("…")
        assert short.endswith("…") and len(short) <= limit and name.startswith(kept)
        assert unicodedata.category(name[len(kept)]) not in ("Mn", "Mc")
        assert not kept.endswith("\u17d2")
