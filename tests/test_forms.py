"""Reading our forms: one spelling per kind of field, refused at the field when malformed."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.models import Status
from tracker.services.workflow import UNASSIGNED, ActionChange, InvalidChange, Owner
from tracker.views.forms import MAX_ID, change_from_form, parse_date, parse_id, parse_owner

D = dt.date


def test_change_from_form_reads_fields() -> None:
    """The update form's fields become a change and the version it was shown at."""
    change, version = change_from_form(
        {"version": "3", "status": "blocked", "comment": "c", "owner": "organisation:4",
         "due_mode": "pin", "due_on": "2030-01-31", "reason": "r"}
    )  # fmt: skip
    assert version == 3
    assert change == ActionChange(
        status=Status.blocked, comment="c", owner=Owner(organisation_id=4),
        due_on=D(2030, 1, 31), reason="r",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"version": "1", "due_mode": "pin", "due_on": "2030-02-30"}, "due_on"),
        ({"version": "1", "due_mode": "pin", "due_on": ""}, "due_on"),
        ({"version": "1", "owner": "user:abc"}, "owner"),
        ({"version": "1", "status": "done"}, "status"),
        ({"version": "x"}, None),
        ({"version": "²"}, None),
    ],
)
def test_change_from_form_refuses_malformed(form, field) -> None:
    """Impossible dates, odd owners and unknown statuses are named at their field."""
    with pytest.raises(InvalidChange) as refused:
        change_from_form(form)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("value", "owner"),
    [
        ("", None),
        ("keep", None),
        ("none", UNASSIGNED),
        ("user:7", Owner(user_id=7)),
        ("organisation:4", Owner(organisation_id=4)),
        (f"user:{MAX_ID}", Owner(user_id=MAX_ID)),
    ],
)
def test_parse_owner_reads_the_one_encoding(value: str, owner: Owner | None) -> None:
    """The owner select's values: keep, nobody, a person or an organisation by id."""
    assert parse_owner(value) == owner


@pytest.mark.parametrize(
    "value",
    ["org:4", "team:4", "user:", "user:0", f"user:{MAX_ID + 1}", "organisation:99999999999",
     "user:-1", "user:²", "user:1; DROP TABLE action"],
)  # fmt: skip
def test_parse_owner_refuses_what_names_no_owner(value: str) -> None:
    """An unknown kind or an id no 32-bit column can hold is "choose from the list"."""
    with pytest.raises(InvalidChange) as refused:
        parse_owner(value)
    assert refused.value.field == "owner"


def test_parse_id_and_parse_date_bounds() -> None:
    """Ids are 1 to 2**31 - 1 in ASCII digits; a day is YYYY-MM-DD or empty."""
    assert [parse_id(v) for v in ("1", " 42 ", str(MAX_ID), str(MAX_ID + 1), "0", "٣", "")] == [
        1, 42, MAX_ID, None, None, None, None,
    ]  # fmt: skip
    assert parse_date(" 2025-06-30 ", "due_on") == D(2025, 6, 30)
    assert parse_date("", "due_on") is None
    with pytest.raises(InvalidChange) as refused:
        parse_date("30/06/2025", "held_on")
    assert refused.value.field == "held_on"
