"""The JSON API: tokens, each operation, each role, each error, its OpenAPI document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlmodel import Session, select

from tests.factories import make_organisation, make_programme, make_report
from tracker.models import (
    Action,
    ApiToken,
    Criterion,
    DeadlineKind,
    Organisation,
    Recommendation,
    Role,
    User,
)
from tracker.services import actions as action_service
from tracker.services import memberships as membership_service
from tracker.services import programmes as programme_service
from tracker.services import tokens as token_service
from tracker.services import users as user_service

PROBLEM = "application/problem+json"


@dataclass
class World:
    programme_id: int
    report_id: int
    mine: int  # owned by ``owner``
    theirs: int  # owned by ``other``
    open_one: int  # unassigned
    coordinator: User
    owner: User
    other: User
    viewer: User
    organisation: Organisation


@pytest.fixture
def world(session: Session, make_user: Any) -> World:
    """A programme with an extension, a report with a scorecard, three actions, four people."""
    organisation = make_organisation(
        session, name="Cambodian Mine Action Centre", short_name="CMAC"
    )
    coordinator = make_user("coordinator", password=None)
    owner = make_user("owner", password=None, organisation=organisation)
    other = make_user("owner", password=None)
    viewer = make_user("viewer", password=None)
    programme = make_programme(session, country="Cambodia", deadline=dt.date(2025, 12, 31))
    programme_service.record_deadline_change(
        session,
        programme,
        kind=DeadlineKind.extension,
        new_on=dt.date(2035, 12, 31),
        requested_on=dt.date(2024, 3, 1),
        decided_on=dt.date(2024, 11, 29),
        decided_by="Fifth Review Conference",
    )
    report = make_report(session, programme, stated_score=6.5, computed_score=6.4)
    session.add(Criterion(report_id=report.id, position=1, name="Survey", weight=10, score=7))
    ids = []
    for position, (text, owner_user) in enumerate(
        [("Publish a workplan.", owner), ("Train deminers.", other), ("Map the east.", None)],
        start=1,
    ):
        recommendation = Recommendation(report_id=report.id, position=position, text=text)
        session.add(recommendation)
        session.flush()
        action = action_service.create_action(
            session, recommendation, programme.id, due_on=dt.date(2035, 12, 31)
        )
        action.owner_user_id = owner_user.id if owner_user else None
        session.add(action)
        session.flush()
        ids.append(action.id)
    session.commit()
    return World(programme.id, report.id, *ids, coordinator, owner, other, viewer, organisation)  # type: ignore[arg-type]


def token_for(session: Session, user: User, scope: str = "write") -> str:
    new = token_service.create_token(session, user, f"{user.name} {scope}", scope)
    session.commit()
    return new.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def patch(client: FlaskClient, secret: str, action_id: int, body: Any) -> Any:
    return client.patch(f"/api/v1/actions/{action_id}", json=body, headers=bearer(secret))


def version_of(client: FlaskClient, secret: str, action_id: int) -> int:
    return int(client.get(f"/api/v1/actions/{action_id}", headers=bearer(secret)).json["version"])


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].endswith(f"#problem-{slug}")
    assert body["title"] and body["detail"]
    return body


# --------------------------------------------------------------------------- description


def test_openapi_document_is_valid_3_1_and_public(client: FlaskClient) -> None:
    """/api/v1/openapi.json needs no token and validates as OpenAPI 3.1."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_openapi_document_describes_every_route(app: Flask, client: FlaskClient) -> None:
    """Every API route is in the document with its method, and nothing else is."""
    document = client.get("/api/v1/openapi.json").get_json()
    described = {
        (method.upper(), "/api/v1" + path.replace("{", "<int:").replace("}", ">"))
        for path, methods in document["paths"].items()
        for method in methods
    }
    routed = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi_document", "api.docs_page")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert described == routed


def test_every_value_an_event_records_reaches_the_api() -> None:
    """A journal entry in the API carries every before/after value ``record_event`` can
    write: the API's ``EventOut`` is its own published shape (required fields with
    descriptions), so this keeps it in step with the journal's ``EventValues``."""
    from tracker.api.schemas import EventOut
    from tracker.models import ActionEvent
    from tracker.services.journal import EventValues

    columns = set(ActionEvent.__table__.columns.keys())  # type: ignore[attr-defined]
    assert set(EventValues.__annotations__) <= columns
    assert set(EventValues.__annotations__) <= set(EventOut.model_fields)
    # And every column but the action's id (the event is listed under its action), so
    # how a change was made (``via``) is not left out either.
    assert columns - set(EventOut.model_fields) == {"action_id"}


def test_every_score_of_an_edition_reaches_the_api() -> None:
    """The summary's scores in the API carry every value the summary service reads for an
    edition: ``ScoreOut`` is the published shape, filled from ``ScorePoint`` field by
    field, so this keeps the two in step (a new figure is not dropped on the way out)."""
    from dataclasses import fields

    from tracker.api.schemas import ScoreOut
    from tracker.services.summary.series import ScorePoint

    assert {f.name for f in fields(ScorePoint)} == set(ScoreOut.model_fields)


def test_docs_page_renders_every_operation(client: FlaskClient) -> None:
    """The docs page is public HTML listing each operation and each problem type."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "PATCH /api/v1/actions/{action_id}" in page
    assert 'id="problem-stale-version"' in page
    assert 'id="schema-ActionUpdate"' in page
    assert "<script" not in page and "style=" not in page


# --------------------------------------------------------------------------- access


def test_no_token_is_401_with_bearer_challenge(client: FlaskClient, world: World) -> None:
    """Without a token every operation answers 401 problem+json with WWW-Authenticate."""
    for path in ("/api/v1/programmes", f"/api/v1/actions/{world.mine}", "/api/v1/me"):
        response = client.get(path)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.patch(f"/api/v1/actions/{world.mine}", json={"version": 1})
    assert_problem(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "header",
    ["Bearer trk_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer ", "trk_x"],
)
def test_bad_token_is_401(client: FlaskClient, world: World, header: str) -> None:
    """An unknown token or another scheme is refused with an invalid_token challenge."""
    response = client.get("/api/v1/programmes", headers={"Authorization": header})
    assert_problem(response, 401, "unauthorized")
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_signed_in_browser_without_token_gets_401(
    client: FlaskClient, session: Session, make_user: Any, login: Any, world: World
) -> None:
    """A session cookie is ignored: a signed-in coordinator's browser cannot use the API."""
    coordinator = make_user("coordinator")
    login(coordinator)
    assert client.get("/profile").status_code == 200  # the cookie works on pages
    assert_problem(client.get("/api/v1/programmes"), 401, "unauthorized")
    response = client.patch(
        f"/api/v1/actions/{world.open_one}",
        json={"version": 1, "status": "in_progress"},
    )
    assert_problem(response, 401, "unauthorized")


def test_revoked_token_and_inactive_user_are_401(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Revoking a token, or deactivating its user, stops it at the next request."""
    secret = token_for(session, world.owner, "read")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token = session.exec(select(ApiToken).where(ApiToken.user_id == world.owner.id)).one()
    token_service.revoke_token(session, world.owner, token.id)  # type: ignore[arg-type]
    session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthorized")

    other_secret = token_for(session, world.other, "read")
    world.other.active = False
    session.add(world.other)
    session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(other_secret)), 401, "unauthorized")


def test_token_is_stored_hashed_and_records_its_use(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Only the hash and a short prefix are kept; a call sets last_used_at."""
    secret = token_for(session, world.viewer, "read")
    token = session.exec(select(ApiToken).where(ApiToken.user_id == world.viewer.id)).one()
    assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    assert token.last_used_at is None
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert me == {
        "user_id": world.viewer.id,
        "name": world.viewer.name,
        "role": "viewer",
        "organisation_id": None,
        "scope": "read",
        "programmes": [
            {
                "programme_id": world.programme_id,
                "country": "Cambodia",
                "treaty": "APMBC",
                "role": "viewer",
            }
        ],
    }
    session.rollback()
    session.refresh(token)
    assert token.last_used_at is not None


# --------------------------------------------------------------------------- reading


def test_programmes_with_current_deadline_and_history(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Programmes show the extended deadline in force and every deadline record."""
    secret = token_for(session, world.viewer, "read")
    items = client.get("/api/v1/programmes", headers=bearer(secret)).json["items"]
    assert [(p["country"], p["current_deadline"]) for p in items] == [("Cambodia", "2035-12-31")]
    detail = client.get(f"/api/v1/programmes/{world.programme_id}", headers=bearer(secret)).json
    assert detail["current_deadline"] == "2035-12-31"
    assert [(c["kind"], c["new_on"], c["decided_by"]) for c in detail["deadline_history"]] == [
        ("original", "2025-12-31", None),
        ("extension", "2035-12-31", "Fifth Review Conference"),
    ]


def test_reports_with_scorecards_and_recommendations(
    client: FlaskClient, session: Session, world: World
) -> None:
    """A programme's reports carry their scorecard; a report lists its recommendations."""
    secret = token_for(session, world.viewer, "read")
    reports = client.get(
        f"/api/v1/programmes/{world.programme_id}/reports", headers=bearer(secret)
    ).json["items"]
    assert len(reports) == 1
    assert reports[0]["stated_score"] == 6.5
    assert reports[0]["scorecard"] == [
        {"position": 1, "name": "Survey", "weight": 10, "score": 7.0}
    ]
    recommendations = client.get(
        f"/api/v1/reports/{world.report_id}/recommendations", headers=bearer(secret)
    ).json["items"]
    assert [(r["position"], r["text"], r["action_id"]) for r in recommendations] == [
        (1, "Publish a workplan.", world.mine),
        (2, "Train deminers.", world.theirs),
        (3, "Map the east.", world.open_one),
    ]


def test_summary_figures(client: FlaskClient, session: Session, world: World) -> None:
    """The summary counts actions by status, with owners and burn-up."""
    secret = token_for(session, world.viewer, "read")
    response = client.get(
        f"/api/v1/programmes/{world.programme_id}/summary", headers=bearer(secret)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    summary = response.json
    figures = summary["figures"]
    assert figures["total"] == 3 and figures["open"] == 3 and figures["implemented"] == 0
    assert {"status": "not_started", "count": 3} in figures["by_status"]
    assert summary["current_deadline"] == "2035-12-31"
    assert summary["burnup"][-1]["scope"] == 3


def test_actions_list_filters_like_the_web_list(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Status, owner, unassigned and text filters select the same actions as the web list."""
    secret = token_for(session, world.viewer, "read")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/actions?{query}", headers=bearer(secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.json["items"]]

    assert sorted(ids("")) == sorted([world.mine, world.theirs, world.open_one])
    assert ids(f"owner={world.owner.id}") == [world.mine]
    assert ids("owner=none") == [world.open_one]
    assert ids("q=deminers") == [world.theirs]
    assert ids("status=implemented") == []
    assert sorted(ids("status=not_started&status=blocked")) == sorted(
        [world.mine, world.theirs, world.open_one]
    )
    assert ids(f"programme={world.programme_id}&overdue=true") == []


def test_actions_page_and_cursor_pagination(
    client: FlaskClient, session: Session, world: World
) -> None:
    """per_page splits the list into pages; a cursor walks every action once, in id order."""
    secret = token_for(session, world.viewer, "read")
    first = client.get("/api/v1/actions?per_page=2&page=1", headers=bearer(secret)).json
    second = client.get("/api/v1/actions?per_page=2&page=2", headers=bearer(secret)).json
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (
        3,
        2,
        2,
        1,
    )
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        page = client.get(
            f"/api/v1/actions?per_page=2&cursor={cursor}", headers=bearer(secret)
        ).json
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == sorted([world.mine, world.theirs, world.open_one])


def test_action_detail_with_history_and_allowed_moves(
    client: FlaskClient, session: Session, world: World
) -> None:
    """One action shows its recommendation, history and what the token's user may do."""
    owner_secret = token_for(session, world.owner, "read")
    detail = client.get(f"/api/v1/actions/{world.mine}", headers=bearer(owner_secret)).json
    assert detail["recommendation_text"] == "Publish a workplan."
    assert detail["owner"]["user_name"] == world.owner.name
    assert [e["kind"] for e in detail["history"]] == ["created"]
    assert detail["allowed_transitions"] == ["in_progress", "blocked", "implemented"]
    other = client.get(f"/api/v1/actions/{world.theirs}", headers=bearer(owner_secret)).json
    assert other["allowed_transitions"] == []


# --------------------------------------------------------------------------- updating


def test_coordinator_updates_status_owner_and_due_date(
    client: FlaskClient, session: Session, world: World
) -> None:
    """A coordinator's write token changes status, owner and pins the due date, journalled."""
    secret = token_for(session, world.coordinator)
    response = patch(
        client,
        secret,
        world.open_one,
        {
            "version": 1,
            "status": "in_progress",
            "comment": "Survey teams deployed.",
            "owner": {"organisation_id": world.organisation.id},
            "due_on": "2030-06-30",
            "reason": "Agreed at the March review.",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == "in_progress" and body["version"] == 2
    assert body["owner"]["organisation_name"] == "CMAC"
    assert body["due_on"] == "2030-06-30" and body["follows_deadline"] is False
    kinds = [e["kind"] for e in body["history"]]
    assert kinds[0] == "created"
    assert set(kinds[1:]) == {"status_changed", "owner_changed", "due_date_changed"}
    assert body["history"][-1]["actor_name"] == world.coordinator.name

    back = patch(client, secret, world.open_one, {"version": 2, "pinned": False, "reason": "x"})
    assert back.status_code == 200
    assert back.json["follows_deadline"] is True and back.json["due_on"] == "2035-12-31"


def test_owner_token_updates_only_what_the_owner_could(
    client: FlaskClient, session: Session, world: World
) -> None:
    """An owner moves their own action, but not another's, and cannot reassign."""
    secret = token_for(session, world.owner)
    assert_problem(
        patch(
            client, secret, world.mine, {"version": 1, "status": "not_applicable", "comment": "x"}
        ),
        403,
        "forbidden",
    )
    done = patch(
        client,
        secret,
        world.mine,
        {"version": 1, "status": "implemented", "evidence_url": "https://example.org/plan.pdf"},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.json["history"][-1]["evidence_url"] == "https://example.org/plan.pdf"

    assert_problem(
        patch(client, secret, world.theirs, {"version": 1, "status": "in_progress"}),
        403,
        "forbidden",
    )
    assert_problem(
        patch(
            client,
            secret,
            world.mine,
            {"version": 2, "owner": {"user_id": world.other.id}, "reason": "handing over"},
        ),
        403,
        "forbidden",
    )


def test_viewer_and_read_scope_tokens_cannot_patch(
    client: FlaskClient, session: Session, world: World, dump_database: Any
) -> None:
    """A viewer's token, and a read-scope token of a coordinator, get 403 and change nothing."""
    # Tokens first: creating one is itself journalled (the audit trail), the refusals are not.
    viewer_token = token_for(session, world.viewer)
    read_token = token_for(session, world.coordinator, "read")
    before = dump_database()
    viewer = patch(client, viewer_token, world.open_one, {"version": 1, "comment": "hi"})
    assert "Viewers" in assert_problem(viewer, 403, "forbidden")["detail"]
    read_only = patch(client, read_token, world.open_one, {"version": 1, "comment": "hi"})
    assert "read" in assert_problem(read_only, 403, "forbidden")["detail"]
    assert "insufficient_scope" in read_only.headers["WWW-Authenticate"]
    after = dump_database()
    after.pop("api_token"), before.pop("api_token")
    assert after == before


def test_stale_version_is_409_with_current_state(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Two clients read version 1; the second save is refused with what the first did."""
    secret = token_for(session, world.coordinator)
    first = patch(client, secret, world.open_one, {"version": 1, "comment": "First word."})
    assert first.status_code == 200
    second = patch(
        client, secret, world.open_one, {"version": 1, "status": "blocked", "comment": "Late."}
    )
    body = assert_problem(second, 409, "stale-version")
    assert body["current"]["version"] == 2
    assert body["current"]["status"] == "not_started"
    assert [c["comment"] for c in body["changes"]] == ["First word."]
    assert version_of(client, secret, world.open_one) == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"version": "1", "comment": "x"}, "version", "integer"),
        ({"comment": "x"}, "version", "version you last read"),
        ({"version": 1, "comment": "x", "colour": "red"}, "colour", "not a field"),
        ({"version": 1, "status": "finished"}, "status", "not_started"),
        ({"version": 1, "comment": "x" * 10_001}, "comment", "10000"),
        ({"version": 1, "owner": {"user_id": "7"}}, "owner.user_id", "integer"),
        ({"version": 1, "due_on": "31/12/2030"}, "due_on", "date"),
        ([1, 2], "body", "object"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    client: FlaskClient,
    session: Session,
    world: World,
    body: Any,
    field: str,
    words: str,
) -> None:
    """Wrong type, missing version, unknown field or status, too long: 422 with errors."""
    secret = token_for(session, world.coordinator)
    problem = assert_problem(patch(client, secret, world.open_one, body), 422, "invalid-request")
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in messages, messages
    assert words in messages[field] + problem["detail"]


def test_bad_json_is_400_and_wrong_media_type_415(
    client: FlaskClient, session: Session, world: World
) -> None:
    """A body that is not JSON, or not sent as JSON, is refused before any rule."""
    secret = token_for(session, world.coordinator)
    headers = bearer(secret) | {"Content-Type": "application/json"}
    path = f"/api/v1/actions/{world.open_one}"
    assert_problem(client.patch(path, data='{"version": 1,', headers=headers), 400, "bad-json")
    assert_problem(client.patch(path, data="", headers=headers), 400, "bad-json")
    form = client.patch(path, data={"version": "1"}, headers=bearer(secret))
    assert_problem(form, 415, "unsupported-media-type")


def test_rule_refusals_are_422_with_the_reason(
    client: FlaskClient, session: Session, world: World
) -> None:
    """A transition the table lacks, a missing comment, nothing to save: 422 rule-refused."""
    coordinator = token_for(session, world.coordinator)
    owner = token_for(session, world.owner)
    blocked = patch(client, owner, world.mine, {"version": 1, "status": "blocked"})
    assert "comment" in assert_problem(blocked, 422, "rule-refused")["detail"]
    assert_problem(patch(client, coordinator, world.mine, {"version": 1}), 422, "rule-refused")
    done = patch(
        client, owner, world.mine, {"version": 1, "status": "implemented", "comment": "ok"}
    )
    assert done.status_code == 200
    back = patch(client, owner, world.mine, {"version": 2, "status": "blocked", "comment": "no"})
    assert "cannot move" in assert_problem(back, 422, "rule-refused")["detail"]
    link = patch(client, coordinator, world.open_one, {"version": 1, "evidence_url": "ftp://x"})
    assert assert_problem(link, 422, "rule-refused")["errors"][0]["field"] == "evidence_url"


def test_not_found_method_and_query_errors(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Unknown ids and paths are 404, wrong methods 405, bad query parameters 400."""
    secret = token_for(session, world.viewer, "read")
    headers = bearer(secret)
    assert_problem(client.get("/api/v1/actions/999999", headers=headers), 404, "not-found")
    assert_problem(client.get("/api/v1/actions/99999999999", headers=headers), 404, "not-found")
    assert_problem(client.get("/api/v1/programmes/0/summary", headers=headers), 404, "not-found")
    assert_problem(
        client.get("/api/v1/reports/424242/recommendations", headers=headers), 404, "not-found"
    )
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong = client.delete(f"/api/v1/actions/{world.mine}", headers=headers)
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM
    assert "PATCH" in wrong.headers["Allow"]
    for query, field in [
        ("page=zero", "page"),
        ("per_page=1000", "per_page"),
        ("overdue=yes", "overdue"),
        ("status=done", "status[0]"),
        ("colour=red", "colour"),
        ("cursor=abc", "cursor"),
    ]:
        problem = assert_problem(
            client.get(f"/api/v1/actions?{query}", headers=headers), 400, "invalid-parameter"
        )
        assert field in {e["field"] for e in problem["errors"]}, (query, problem)
    extra = client.get("/api/v1/programmes?x=1", headers=headers)
    assert_problem(extra, 400, "invalid-parameter")


def test_nul_characters_are_refused_not_a_server_error(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Text PostgreSQL cannot store is a 4xx, in the query and in the body."""
    secret = token_for(session, world.coordinator)
    assert_problem(
        client.get("/api/v1/actions?q=a%00b", headers=bearer(secret)), 400, "invalid-parameter"
    )
    assert_problem(
        patch(client, secret, world.open_one, {"version": 1, "comment": "a\u0000b"}),
        422,
        "invalid-request",
    )


# --------------------------------------------------------------------------- token pages


def test_profile_token_page_creates_shows_once_and_revokes(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A person creates a token (shown once), sees it listed by prefix, and revokes it."""
    owner = make_user("owner")
    login(owner)
    assert 'href="/profile/tokens"' in client.get("/profile").get_data(as_text=True)
    created = client.post("/profile/tokens", data={"name": "NMAD sync", "scope": "write"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    page = created.get_data(as_text=True)
    token = session.exec(select(ApiToken).where(ApiToken.user_id == owner.id)).one()
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith(token.prefix)
    assert client.get("/api/v1/me", headers=bearer(secret)).json["scope"] == "write"

    listing = client.get("/profile/tokens").get_data(as_text=True)
    assert "NMAD sync" in listing and token.prefix in listing and secret not in listing

    revoked = client.post(f"/profile/tokens/{token.id}/revoke", follow_redirects=True)
    assert "revoked" in revoked.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_profile_token_form_keeps_input_and_marks_errors(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A nameless token is refused with the field marked; someone else's token is not theirs."""
    owner = make_user("owner")
    login(owner)
    refused = client.post("/profile/tokens", data={"name": "  ", "scope": "read"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    other = make_user("owner", password=None)
    foreign = token_service.create_token(session, other, "theirs", "read")
    session.commit()
    client.post(f"/profile/tokens/{foreign.token.id}/revoke")
    session.rollback()
    assert token_service.authenticate_token(session, foreign.secret) is not None


def test_profile_token_forms_need_csrf(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    """With CSRF on, creating a token without the form's token is refused."""
    owner = make_user("owner")
    login(owner)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/profile/tokens", data={"name": "x", "scope": "read"}).status_code == 400


def test_me_lists_the_role_in_each_programme(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Roles are per programme: a coordinator of Cambodia who is a viewer in Lao PDR sees
    both, and an admin (who acts everywhere) lists none."""
    lao = make_programme(session, country="Lao PDR", open_to_everyone=False)
    membership_service.add_member(session, world.coordinator, lao, Role.viewer)
    session.commit()
    me = client.get("/api/v1/me", headers=bearer(token_for(session, world.coordinator))).json
    assert me["role"] == "coordinator"
    assert [(p["country"], p["role"]) for p in me["programmes"]] == [
        ("Cambodia", "coordinator"),
        ("Lao PDR", "viewer"),
    ]
    admin = user_service.create_user(
        session, email="admin@example.org", name="Admin", role=Role.admin, password=None
    )
    session.commit()
    me = client.get("/api/v1/me", headers=bearer(token_for(session, admin))).json
    assert (me["role"], me["programmes"]) == ("admin", [])


def test_history_says_which_change_came_from_a_reminder_link(
    client: FlaskClient, session: Session, world: World
) -> None:
    """An event made through a reminder's one-tap link carries via "reminder" in the API's
    history (as the action page says "from the reminder"); the others carry null, and the
    OpenAPI document describes the field."""
    from tracker.reminders.one_tap import VIA_REMINDER
    from tracker.services.workflow import ActionChange, update_action

    action = session.get(Action, world.mine)
    assert action is not None
    update_action(
        session, world.mine, world.owner, action.version,
        ActionChange(status="in_progress", comment="On track."), via=VIA_REMINDER,
    )  # fmt: skip
    session.commit()
    secret = token_for(session, world.owner, "read")
    history = client.get(f"/api/v1/actions/{world.mine}", headers=bearer(secret)).json["history"]
    assert [(e["kind"], e["via"]) for e in history] == [
        ("created", None),
        ("status_changed", "reminder"),
    ]
    document = client.get("/api/v1/openapi.json").json
    via = document["components"]["schemas"]["EventOut"]["properties"]["via"]
    assert "reminder" in via["description"]
