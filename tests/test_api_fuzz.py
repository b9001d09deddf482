"""Property-based run of schemathesis against the API's own OpenAPI document.

In the suite: 25 examples per operation on SQLite. ``make fuzz`` sets
``TRACKER_FUZZ=1`` (100 examples per operation, or ``TRACKER_FUZZ_EXAMPLES``) and
runs the ``fuzz``-marked test on both databases. Either way: no 5xx, every response
matches the document, and a request the document calls valid is never refused as
malformed (only the workflow rules may refuse it, as ``rule-refused``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlmodel import Session

from tests.factories import make_organisation, make_programme, make_report
from tracker.api.openapi import build_document
from tracker.db import get_engine, new_session
from tracker.models import Action, Criterion, Recommendation, Role
from tracker.services import actions as action_service
from tracker.services import tokens as token_service
from tracker.services import users as user_service

SCHEMATHESIS_TOML = Path(__file__).resolve().parent.parent / "schemathesis.toml"
FUZZ = os.environ.get("TRACKER_FUZZ") == "1"
EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "100" if FUZZ else "25"))
MALFORMED = ("#problem-invalid-request", "#problem-bad-json", "#problem-invalid-parameter")


@schemathesis.check
def valid_requests_are_not_called_malformed(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the document allows may be refused by a rule, never as malformed."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code >= 500:
        return None
    if response.status_code in (400, 422):
        problem_type = str(response.json().get("type", ""))
        if problem_type.endswith(MALFORMED):
            raise AssertionError(f"valid request refused as malformed: {response.text[:500]}")
    return None


def _seed(app: Flask) -> dict[str, Any]:
    """A programme with a scorecard, a few actions, a coordinator's write token."""
    with new_session(get_engine(app)) as session:
        organisation = make_organisation(session, name="Mine Action Authority", short_name="MAA")
        coordinator = user_service.create_user(
            session, email="coord@example.org", name="Coordinator", role=Role.coordinator
        )
        user_service.create_user(
            session,
            email="owner@example.org",
            name="Owner",
            role=Role.owner,
            organisation=organisation,
        )
        programme = make_programme(session, country="Cambodia")
        report = make_report(session, programme)
        session.add(Criterion(report_id=report.id, position=1, name="Survey", weight=10, score=7))
        for position in range(1, 6):
            recommendation = Recommendation(
                report_id=report.id, position=position, text=f"Recommendation {position}."
            )
            session.add(recommendation)
            session.flush()
            action_service.create_action(
                session, recommendation, programme.id, due_on=dt.date(2030, 1, 1)
            )
        secret = token_service.create_token(session, coordinator, "fuzz", "write").secret
        session.commit()
        return {"secret": secret}


def _load_schema() -> Any:
    """The document the app serves (``test_served_document_is_the_one_fuzzed`` checks it)."""
    from tracker.api import docs, views  # noqa: F401  (the routes fill the route table)

    # The project's schemathesis.toml (expected statuses), as a run from outside uses it.
    config = SchemathesisConfig.from_path(str(SCHEMATHESIS_TOML))
    loaded = schemathesis.openapi.from_dict(build_document(), config=config)
    # The token is sent by the test, not generated: the ignored_auth check covers its absence.
    loaded.config.generation.update(
        max_examples=EXAMPLES, deterministic=not FUZZ, with_security_parameters=False
    )
    # The workflow's rules cannot be written in a schema: a valid body may still be refused
    # by them (422 rule-refused, the statuses in schemathesis.toml); the check above makes
    # sure it is never called malformed.
    return loaded


schema = _load_schema()


@pytest.fixture
def seeded(app: Flask) -> dict[str, str]:
    return _seed(app)


def _aim_at_real_rows(case: Any, app: Flask) -> None:
    """Point most generated ids at rows that exist, and most versions at the current one.

    Only for valid cases: an invalid id must stay invalid.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int) and value % 4:
            case.path_parameters[name] = 1 + value % 5
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("version"), int) and body["version"] % 3:
        action_id = (case.path_parameters or {}).get("action_id")
        with Session(get_engine(app)) as session:
            action = session.get(Action, action_id) if isinstance(action_id, int) else None
            if action is not None:
                body["version"] = action.version


def _run(case: Any, app: Flask, seeded: dict[str, str]) -> None:
    _aim_at_real_rows(case, app)
    # The schema is loaded before any app exists; each test sends to its own app.
    case.operation.app = case.operation.schema.app = app
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {seeded['secret']}"})


def test_suite_uses_the_projects_schemathesis_toml() -> None:
    """The fuzzed schema expects exactly the statuses the top-level schemathesis.toml lists."""
    expected = schema.config.checks.positive_data_acceptance.expected_statuses
    assert expected == ["2xx", "401", "403", "404", "409", "422"]


def test_owner_change_without_reason_is_invalid_by_the_document() -> None:
    """The document says what the rules say: a body naming owner, due_on or pinned needs reason."""
    body = build_document()["components"]["schemas"]["ActionUpdate"]
    assert body["dependentRequired"] == {
        "owner": ["reason"], "due_on": ["reason"], "pinned": ["reason"],
    }  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_served_document_is_the_one_fuzzed(client: Any) -> None:
    """The fuzzed description is exactly what /api/v1/openapi.json serves."""
    assert client.get("/api/v1/openapi.json").get_json() == build_document()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not FUZZ,
    database=None,
)
def test_api_matches_its_document(case: Any, app: Flask, seeded: dict[str, str]) -> None:
    """25 examples per operation, write token, SQLite: no 5xx, every answer as described."""
    _run(case, app, seeded)


@pytest.mark.fuzz
@pytest.mark.skipif(not FUZZ, reason="the long run: make fuzz")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_api_fuzz_both_databases(case: Any, app: Flask, seeded: dict[str, str]) -> None:
    """make fuzz: 100+ examples per operation on each database, same checks."""
    _run(case, app, seeded)
