"""Secrets in addresses stay out of the logs (issue 18): reminder, reset and feed links."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tracker.logging import redacted_path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-TOKEN-value_0123456789"


def _log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/r/{SECRET}", "/r/<redacted>"),
        (f"/auth/reset/{SECRET}", "/auth/reset/<redacted>"),
        (f"/calendar/{SECRET}.ics", "/calendar/<redacted>.ics"),
        ("/actions/12", "/actions/12"),
        ("/calendar", "/calendar"),
    ],
)
def test_redacted_path(path: str, logged: str) -> None:
    """The secret part of a link-as-credential address is replaced; other paths stay."""
    assert redacted_path(path) == logged


def test_request_log_never_carries_a_link_secret(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """The JSON request lines of reset, feed and one-tap addresses name no secret."""
    capsys.readouterr()
    for path in (f"/r/{SECRET}", f"/auth/reset/{SECRET}", f"/calendar/{SECRET}.ics"):
        client.get(path)
        client.post(path, data={"password": "x"})
    captured = capsys.readouterr().err
    lines = [e for e in _log_lines(captured) if e["event"] == "request"]
    assert {e["path"] for e in lines} == {
        "/r/<redacted>",
        "/auth/reset/<redacted>",
        "/calendar/<redacted>.ics",
    }
    assert SECRET not in captured


def test_nginx_example_logs_the_redacted_address() -> None:
    """The nginx example's access log writes the three addresses without their secret."""
    conf = (ROOT / "deploy" / "nginx-tracker.conf").read_text()
    assert re.search(r"access_log\s+\S+\s+tracker_redacted;", conf)
    log_format = conf[conf.index("log_format tracker_redacted") :].split(";")[0]
    assert "$request_uri" not in log_format and "$request " not in log_format
    assert "$tracker_loggable_uri" in log_format
    for prefix in ("~^/r/", "~^/auth/reset/", "~^/calendar/"):
        assert prefix in conf
