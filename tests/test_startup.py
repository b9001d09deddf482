"""What every command pays for before it runs: the app, not the document and file stacks.

``flask --app tracker <command>`` builds the whole app (config, database, blueprints,
commands) before the command runs. The libraries of PDFs, spreadsheets, Word files,
images, calendars, text matching and the scheduler are imported by the code that uses
them, so a reminder tick or a ``--help`` does not load them, nor does a SQLite install
load the PostgreSQL dialect (issue 15: a command starts in under a second).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATER = (
    "weasyprint", "pydyf", "fontTools", "PIL", "openpyxl", "docx", "lxml", "filetype",
    "icalendar", "rapidfuzz", "apscheduler", "aiosmtpd",
    # A SQLite install never needs the PostgreSQL dialect (``db.dialect_insert``).
    "sqlalchemy.dialects.postgresql",
)  # fmt: skip


def test_building_the_app_imports_none_of_the_libraries_a_command_may_not_need(
    tmp_path: Path,
) -> None:
    """create_app(), as every command starts, imports no PDF, spreadsheet or image library."""
    code = (
        "import json, sys\n"
        "from tracker import create_app\n"
        "app = create_app()\n"
        "assert 'send-reminders' in app.cli.commands\n"
        f"print(json.dumps(sorted(m for m in {LATER!r} if m in sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {
        "TRACKER_SECRET_KEY": "startup-test",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.sqlite'}",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
