"""Input no database can store is refused politely, on every route."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.factories import make_action
from tracker.models import ActionEvent, Status


def test_nul_character_in_a_form_is_a_400_and_changes_nothing(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A comment holding NUL answers 400 (PostgreSQL would refuse it) and stores nothing."""
    coordinator = make_user("coordinator")
    action = make_action(session)
    session.commit()
    login(coordinator)
    response = client.post(
        f"/actions/{action.id}/update",
        data={"version": "1", "status": Status.in_progress.value, "comment": "done\x00"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    session.rollback()
    assert len(session.exec(select(ActionEvent)).all()) == 1


def test_nul_character_in_a_filter_is_a_400(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    """A search for text with NUL answers 400 rather than failing in the database."""
    login(make_user("viewer"))
    assert client.get("/actions?q=a%00b").status_code == 400
