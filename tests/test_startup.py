"""What every command pays for before it runs: the app, not the document and file stacks.

``flask --app tracker <command>`` builds the app (config, database, commands) before
the command runs. The libraries of PDFs, spreadsheets, Word files, images, calendars,
text matching and the scheduler are imported by the code that uses them, so a reminder
tick or a ``--help`` does not load them, nor does a SQLite install load the PostgreSQL
dialect; and a command other than ``run`` imports the pages and the API only when
something reads the URL map (issue 15: a command starts in under a second).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
LATER = (
    "weasyprint", "pydyf", "fontTools", "PIL", "openpyxl", "docx", "lxml", "filetype",
    "icalendar", "rapidfuzz", "apscheduler", "aiosmtpd",
    # A SQLite install never needs the PostgreSQL dialect (``models.dialect_insert``).
    "sqlalchemy.dialects.postgresql",
)  # fmt: skip


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    return env | {
        "TRACKER_SECRET_KEY": "startup-test",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.sqlite'}",
        "PYTHONPATH": str(ROOT),
    }


def _run(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=_environment(tmp_path),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_building_the_app_imports_none_of_the_libraries_a_command_may_not_need(
    tmp_path: Path,
) -> None:
    """create_app(), as every command starts, imports no PDF, spreadsheet or image library."""
    code = (
        "import gc, json, sys\n"
        "from tracker import create_app\n"
        "app = create_app()\n"
        "assert 'send-reminders' in app.cli.commands\n"
        # The collector is back on, and what the first app imported is out of its way.
        "assert gc.isenabled() and gc.get_freeze_count() > 50_000, gc.get_freeze_count()\n"
        f"print(json.dumps(sorted(m for m in {LATER!r} if m in sys.modules)))\n"
    )
    assert json.loads(_run(tmp_path, "-c", code).strip().splitlines()[-1]) == []


# What a command's app builds on its first use of the URL map (as ``flask`` sets it,
# FLASK_RUN_FROM_CLI, with no click context: any command but ``run``).
COMMAND_APP = """
import json, os, sys, threading
os.environ["FLASK_RUN_FROM_CLI"] = "true"
from flask import url_for
from tracker import create_app

app = create_app()
loaded = sorted(m for m in sys.modules if m.startswith(("tracker.views.", "tracker.api.")))
links = []

def link() -> None:
    with app.test_request_context():
        links.append(url_for("actions.detail", action_id=7))

threads = [threading.Thread(target=link) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
client = app.test_client()
answers = [client.get("/healthz").status_code, client.get("/actions").status_code]
rules = sorted(f"{rule.endpoint} {rule}" for rule in app.url_map.iter_rules())
del os.environ["FLASK_RUN_FROM_CLI"]
served = sorted(f"{rule.endpoint} {rule}" for rule in create_app().url_map.iter_rules())
print(json.dumps({"loaded": loaded, "links": links, "answers": answers,
                  "same_rules": rules == served, "rules": len(rules)}))
"""


def test_a_command_imports_the_pages_and_the_api_only_when_it_uses_them(
    tmp_path: Path,
) -> None:
    """A command's app loads no view or API module (nor the OpenAPI builder) until a
    URL is built or a request served; then every route exists, and threads that build
    links at once all wait for the whole URL map."""
    result = json.loads(_run(tmp_path, "-c", COMMAND_APP).strip().splitlines()[-1])
    assert result["loaded"] == []
    assert result["links"] == ["/actions/7"] * 4
    # The sign-in rule is in force from the start: the list redirects to sign in.
    assert result["answers"] == [200, 302]
    assert result["same_rules"] is True
    assert result["rules"] > 90


def test_flask_routes_lists_every_route_of_the_web_server(app: Flask, tmp_path: Path) -> None:
    """``flask routes``, a command itself, lists every page and API route."""
    listed = _run(tmp_path, "-m", "flask", "--app", "tracker", "routes")
    endpoints = {line.split()[0] for line in listed.splitlines()[2:] if line.strip()}
    assert endpoints == {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"actions.detail", "api.openapi_document", "static"} <= endpoints
