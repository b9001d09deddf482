"""The public progress page (issue 11): published by a coordinator, open to anyone,
cacheable, and free of people's names, e-mail addresses and comments."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from tracker.models import ActionEvent, Programme, Recommendation, Report, Treaty, User
from tracker.services import public as public_service

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.mark.parametrize(
    ("country", "treaty", "slug"),
    [
        ("Cambodia", Treaty.APMBC, "cambodia-apmbc"),
        ("Lao PDR", Treaty.CCM, "lao-pdr-ccm"),
        ("Côte d'Ivoire", Treaty.APMBC, "cote-d-ivoire-apmbc"),
        ("Bosnia  and -- Herzegovina", Treaty.CCM, "bosnia-and-herzegovina-ccm"),
    ],
)
def test_slug_is_lower_case_ascii_with_single_dashes(
    country: str, treaty: Treaty, slug: str
) -> None:
    """Accents are stripped, any other character becomes '-', runs collapse."""
    assert public_service.slug_for(Programme(country=country, treaty=treaty, article="5")) == slug


def _demo(runner: FlaskCliRunner, session: Session) -> Programme:
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    return session.exec(select(Programme).where(Programme.country == "Cambodia")).one()


def _publish(client: FlaskClient, programme: Programme, publish: str = "1") -> Any:
    return client.post(f"/programmes/{programme.id}/publish", data={"publish": publish})


def test_unpublished_and_unknown_slugs_are_the_same_404(
    runner: FlaskCliRunner, session: Session, client: FlaskClient
) -> None:
    """Before publication every address of the page is 404, as for a slug that never was."""
    _demo(runner, session)
    for url in ("/p/cambodia-apmbc", "/p/cambodia-apmbc.json", "/p/cambodia-apmbc.csv",
                "/p/no-such-place"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert "cambodia" not in client.get("/p/").get_data(as_text=True).lower()


def test_only_the_programmes_coordinators_publish(
    runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any
) -> None:
    """A viewer of the programme is refused (403); a coordinator publishes (off by default)."""
    programme = _demo(runner, session)
    assert not programme.published
    assert _publish(client_for(make_user(role="viewer")), programme).status_code == 403
    coordinator = make_user(role="coordinator")
    assert _publish(client_for(coordinator), programme).status_code == 303
    session.refresh(programme)
    assert programme.published and programme.public_slug == "cambodia-apmbc"


def _published(
    runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any
) -> tuple[Programme, FlaskClient]:
    programme = _demo(runner, session)
    coordinator = client_for(make_user(role="coordinator", email="pub@example.org"))
    assert _publish(coordinator, programme).status_code == 303
    return programme, coordinator


def test_public_page_is_open_cacheable_and_names_nobody(
    app: Any, runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any
) -> None:
    """Without sign-in the page, its JSON and CSV answer 200 with Cache-Control public,
    set no cookie, look the same signed in, and contain no person's name, e-mail or comment."""
    _programme, coordinator = _published(runner, session, client_for, make_user)
    anonymous = app.test_client()
    bodies = {}
    for suffix in ("", ".json", ".csv"):
        response = anonymous.get(f"/p/cambodia-apmbc{suffix}")
        assert response.status_code == 200, suffix
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Set-Cookie" not in response.headers
        bodies[suffix] = response.get_data(as_text=True)
        signed_in = coordinator.get(f"/p/cambodia-apmbc{suffix}")
        assert signed_in.get_data(as_text=True) == bodies[suffix]
    html = bodies[""]
    assert "Cambodia" in html and "31 Dec 2030" in html and "burnup" in html
    assert "CMAA" in html  # a person-owned action shows the person's organisation
    people = session.exec(select(User)).all()
    comments = [c for (c,) in session.execute(select(ActionEvent.comment)) if c and len(c) > 12]
    assert comments, "the demo story has comments to look for"
    for body in bodies.values():
        for user in people:
            assert user.email not in body
            assert user.name not in body
        for comment in comments:
            assert comment not in body
    document = app.test_client().get("/p/cambodia-apmbc.json").get_json()
    assert document["programme"]["slug"] == "cambodia-apmbc"
    assert document["deadline"]["current"] == "2030-12-31"
    assert len(document["recommendations"]) == 5
    rows = list(csv.reader(io.StringIO(bodies[".csv"].removeprefix("\ufeff"))))
    assert rows[0] == list(public_service.CSV_HEADERS) and len(rows) == 6
    assert "cambodia-apmbc" in anonymous.get("/p/").get_data(as_text=True)


KHMER = "បង្កើនសមត្ថភាពអ្នកបោសសម្អាតមីន"


def test_csv_opens_in_excel_with_its_khmer_intact(
    app: Any, runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any
) -> None:
    """The public CSV starts with a UTF-8 byte-order mark, as the other downloads do (without
    it Excel reads Khmer as mojibake), the Khmer comes back as written, and a formula-like
    recommendation is text."""
    programme = _demo(runner, session)
    texts = session.exec(
        select(Recommendation)
        .join(Report, col(Report.id) == col(Recommendation.report_id))
        .where(Report.programme_id == programme.id)
        .order_by(col(Recommendation.id))
    ).all()
    texts[0].text, texts[1].text = KHMER, '=HYPERLINK("http://evil.example")'
    session.add_all(texts[:2])
    session.commit()
    coordinator = client_for(make_user(role="coordinator"))
    assert _publish(coordinator, programme).status_code == 303
    raw = app.test_client().get("/p/cambodia-apmbc.csv").data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    written = {row["recommendation"] for row in rows}
    assert KHMER in written
    assert '\'=HYPERLINK("http://evil.example")' in written


def test_unpublishing_takes_the_page_down_and_keeps_the_slug(
    runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any, app: Any
) -> None:
    """Unpublished, the page is 404 again; published again, it is at the same address."""
    programme, coordinator = _published(runner, session, client_for, make_user)
    programme.country = "Kingdom of Cambodia"  # a rename does not move a published address
    session.commit()
    assert _publish(coordinator, programme, "0").status_code == 303
    assert app.test_client().get("/p/cambodia-apmbc").status_code == 404
    assert _publish(coordinator, programme).status_code == 303
    assert app.test_client().get("/p/cambodia-apmbc").status_code == 200


@pytest.mark.browser
def test_public_page_in_chromium_at_phone_and_desktop(
    runner: FlaskCliRunner,
    session: Session,
    client_for: Any,
    make_user: Any,
    live_server: str,
    browser: Any,
    db_url: str,
) -> None:
    """The page reads at 360 px without sideways scrolling and at 1280 px (screenshots)."""
    _published(runner, session, client_for, make_user)
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server + "/p/cambodia-apmbc")
    assert page.locator("h1").first.inner_text().startswith("Cambodia")
    page.screenshot(path=str(ARTIFACTS / f"public-desktop-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= width, f"horizontal scroll at 360 px: {scroll} > {width}"
    page.screenshot(path=str(ARTIFACTS / f"public-phone-{backend}.png"), full_page=True)
    context.close()


def test_public_page_in_khmer_names_the_statuses_in_khmer(
    app: Any, runner: FlaskCliRunner, session: Session, client_for: Any, make_user: Any
) -> None:
    """?lang=km: no interface text left in English; the statuses and the burn-up chart
    had stayed English (the enum's own label; the chart drawn outside the page's locale)."""
    from tests.test_khmer_pages import english_left, load_english_msgids

    _published(runner, session, client_for, make_user)
    page = app.test_client().get("/p/cambodia-apmbc?lang=km").get_data(as_text=True)
    assert "ជាប់គាំង" in page  # Blocked (the demo's action 1)
    assert english_left(page, load_english_msgids()) == []
