"""Content in two languages (issue 12): a coordinator's Khmer text, the English one click away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.factories import make_action, make_report
from tracker.models import (
    Action,
    ActionText,
    ActionTranslation,
    LineageKind,
    Programme,
    Recommendation,
)

ENGLISH = "The authority should publish its workplan."
KHMER_TEXT = "អាជ្ញាធរគួរតែផ្សព្វផ្សាយផែនការការងាររបស់ខ្លួន។"
KHMER_TITLE = "ផ្សព្វផ្សាយផែនការការងារ"


def _translate(client: FlaskClient, action_id: int, **fields: str) -> Any:
    data = {"language": "km", "title": KHMER_TITLE, "text": KHMER_TEXT} | fields
    return client.post(f"/actions/{action_id}/translation", data=data)


def test_khmer_reader_sees_translation_with_english_one_click_away(
    client: FlaskClient, session: Session, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    """A coordinator's Khmer text shows for Khmer readers; English readers see the English."""
    action = make_action(session, text=ENGLISH)
    session.commit()
    coordinator = make_user("coordinator", language="km")
    login(coordinator)
    assert _translate(client, action.id).status_code == 303
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert KHMER_TEXT in page and KHMER_TITLE in page
    details = page[page.index('<details class="original-text">') :]
    assert ENGLISH in details[: details.index("</details>")]
    assert "out of date" not in page

    reader = make_user("viewer")  # no language: English
    client.post("/auth/logout")
    login(reader)
    english_page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert ENGLISH in english_page and KHMER_TEXT not in english_page


def test_rewording_in_a_new_edition_marks_the_translation_out_of_date(
    client: FlaskClient, session: Session, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    """A later edition that words the recommendation differently flags the translation."""
    action = make_action(session, text=ENGLISH)
    session.commit()
    login(make_user("coordinator", language="km"))
    _translate(client, action.id)
    programme = session.get(Programme, action.programme_id)
    assert programme is not None
    later = make_report(session, programme, edition="Clearing the Mines 2025", year=2025)
    reworded = Recommendation(
        report_id=later.id, position=1, text="The authority should publish a costed workplan."
    )
    session.add(reworded)
    session.flush()
    session.add(
        ActionText(
            action_id=action.id,
            recommendation_id=reworded.id,
            report_id=later.id,
            kind=LineageKind.reworded,
            linked_at=dt.datetime.now(dt.UTC),
        )
    )
    session.commit()
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "flash-warning" in page
    assert "a costed workplan" in page  # the English shown is the newest wording
    # Saving again, against the new wording, clears the mark.
    _translate(client, action.id)
    assert "flash-warning" not in client.get(f"/actions/{action.id}").get_data(as_text=True)


def test_only_coordinators_translate_and_the_english_stays(
    client: FlaskClient, session: Session, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    """An owner is refused with 403; the action and its recommendation never change."""
    action = make_action(session, text=ENGLISH)
    session.commit()
    title = action.title
    login(make_user("owner"))
    assert _translate(client, action.id).status_code == 403
    session.rollback()
    assert session.exec(select(ActionTranslation)).first() is None
    assert session.get(Action, action.id).title == title
    assert session.exec(select(Recommendation.text)).one() == ENGLISH


def test_bad_translation_is_refused_at_the_field(
    client: FlaskClient, session: Session, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    """An unknown language or an empty translation answers 422 beside the field, storing nothing."""
    action = make_action(session, text=ENGLISH)
    session.commit()
    login(make_user("coordinator"))
    bad_language = _translate(client, action.id, language="fr")
    assert bad_language.status_code == 422
    assert 'id="translation_language-error"' in bad_language.get_data(as_text=True)
    empty = _translate(client, action.id, title="", text=" ")
    assert empty.status_code == 422
    assert 'id="translation_text-error"' in empty.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(ActionTranslation)).first() is None
