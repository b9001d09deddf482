"""Production plumbing: health checks, start-up errors, structured logs, proxy headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tracker import create_app

ROOT = Path(__file__).resolve().parent.parent
DEAD_DATABASE = "postgresql://nobody@127.0.0.1:1/nothing"


def _log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def _bare_app(tmp_path: Path, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        | config
    )


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    """A load balancer sees 503 (not a 500 or a hang) when the database is down."""
    app = _bare_app(tmp_path, DATABASE_URL=DEAD_DATABASE)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unreachable"}


def _without_instance_config(tmp_path: Path) -> str:
    """Python that points Flask's instance folder at an empty directory, then goes on."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return f"import flask\nflask.Flask.auto_find_instance_path = lambda self: {str(instance)!r}\n"


def _env_without_key(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    env["TRACKER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    return env


@pytest.mark.slow
def test_gunicorn_without_secret_key_stops_with_one_line(tmp_path: Path) -> None:
    """gunicorn with the deploy config and no TRACKER_SECRET_KEY exits 4 with one line."""
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(
        _without_instance_config(tmp_path)
        + (ROOT / "deploy" / "gunicorn.conf.py").read_text()
        + "\nbind = '127.0.0.1:0'\nworkers = 1\n"
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "-c", str(config)],
        cwd=ROOT,
        env=_env_without_key(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "tracker: TRACKER_SECRET_KEY is not set (and instance/config.py has no SECRET_KEY); "
        "'make run' creates one for development"
    ]


def test_malformed_setting_is_one_line_for_flask_commands(tmp_path: Path) -> None:
    """A flask command with a malformed setting prints one 'Error:' line, no traceback."""
    env = _env_without_key(tmp_path) | {"TRACKER_MAIL_PORT": "twenty-five"}
    result = subprocess.run(
        [sys.executable, "-c", _without_instance_config(tmp_path)
         + "from flask.cli import main\nmain()", "--app", "tracker", "init-db"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: TRACKER_MAIL_PORT must be a whole number, not 'twenty-five'"
    ]


def test_each_request_logs_one_json_line_with_its_request_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One JSON line per request with method, path, status, duration and the request id."""
    client = _bare_app(tmp_path).test_client()
    capsys.readouterr()
    response = client.get("/healthz")
    lines = [e for e in _log_lines(capsys.readouterr().err) if e["event"] == "request"]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["level"] == "INFO"
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert len(entry["request_id"]) == 32
    assert isinstance(entry["duration_ms"], float)


def test_a_proxy_request_id_is_kept_and_a_forged_one_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sane X-Request-ID from the proxy is reused; one with odd characters is not."""
    client = _bare_app(tmp_path).test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-abc123"})
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected=1'})
    assert kept.headers["X-Request-ID"] == "nginx-abc123"
    assert forged.headers["X-Request-ID"] != 'x" injected=1'
    ids = [e["request_id"] for e in _log_lines(capsys.readouterr().err)]
    assert "nginx-abc123" in ids


def test_signed_in_user_and_action_id_are_logged(
    client: FlaskClient, make_user: Any, login: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line logged while a signed-in user works on an action names both."""
    import logging

    from tracker.logging import current_context

    app = client.application

    @app.get("/_test/actions/<int:action_id>")
    def _probe(action_id: int) -> dict[str, Any]:
        logging.getLogger("tracker.test").info("probe")
        return current_context()

    user = make_user(role="coordinator")
    login(user)

    capsys.readouterr()
    assert client.get("/_test/actions/42").status_code == 200
    probe = next(e for e in _log_lines(capsys.readouterr().err) if e["event"] == "probe")
    assert probe["user_id"] == user.id
    assert probe["action_id"] == 42
    assert probe["logger"] == "tracker.test"


def test_log_level_setting_hides_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TRACKER_LOG_LEVEL=WARNING leaves out the per-request INFO lines."""
    client = _bare_app(tmp_path, LOG_LEVEL="WARNING").test_client()
    capsys.readouterr()
    client.get("/healthz")
    assert _log_lines(capsys.readouterr().err) == []


def test_proxy_fix_trusts_only_the_configured_hops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With PROXY_FIX_X_FOR=1 the client address comes from X-Forwarded-For; without, not."""
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    _bare_app(tmp_path).test_client().get("/healthz", headers=headers)
    proxied = _bare_app(tmp_path, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1).test_client()
    proxied.get("/healthz", headers=headers)
    addresses = [e["remote_addr"] for e in _log_lines(capsys.readouterr().err)]
    assert addresses == ["127.0.0.1", "203.0.113.9"]


def test_scheduler_health_follows_the_heartbeat(client: FlaskClient, session: Any) -> None:
    """/healthz/scheduler: 503 before any tick and after three missed intervals, else 200."""
    import datetime as dt

    from tracker.models import utcnow
    from tracker.reminders.heartbeat import record_heartbeat

    never = client.get("/healthz/scheduler")
    assert never.status_code == 503 and never.get_json()["status"] == "never ran"

    interval = client.application.config["SCHEDULER_INTERVAL_MINUTES"]
    for minutes_ago, code, status in [
        (3 * interval - 1, 200, "ok"),
        (3 * interval + 1, 503, "stale"),
        (0, 200, "ok"),
    ]:
        at = utcnow() - dt.timedelta(minutes=minutes_ago)
        record_heartbeat(session, at=at, result={"planned": 2, "sent": 2})
        session.commit()
        answer = client.get("/healthz/scheduler")
        body = answer.get_json()
        assert (answer.status_code, body["status"]) == (code, status), minutes_ago
        assert body["age_minutes"] == minutes_ago
        assert body["last_result"]["sent"] == 2


def test_a_dead_scheduler_leaves_the_web_node_healthy(client: FlaskClient) -> None:
    """With no scheduler at all, /healthz still answers 200 for the load balancer."""
    assert client.get("/healthz/scheduler").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_flask_run_without_secret_key_stops_but_commands_run(tmp_path: Path) -> None:
    """`flask run` serves browsers and refuses to start keyless; a command needs no key."""

    def flask(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", _without_instance_config(tmp_path)
             + "from flask.cli import main\nmain()", "--app", "tracker", *args],
            cwd=ROOT, env=_env_without_key(tmp_path), capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    served = flask("run", "--port", "0")
    assert served.returncode != 0
    assert [line for line in served.stderr.splitlines() if line.strip()] == [
        "Error: TRACKER_SECRET_KEY is not set (and instance/config.py has no SECRET_KEY); "
        "'make run' creates one for development"
    ]
    parsed = flask("import-profile", str(ROOT / "tracker/data/cambodia-2023-apmbc.txt"),
                   "--dry-run", "--json")  # fmt: skip
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["country"] == "Cambodia"


def _dev_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Flask:
    """The app as bin/run-dev's processes build it: settings from the environment."""
    import flask

    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instance))
    for key in [k for k in os.environ if k.startswith("TRACKER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("TRACKER_SECRET_KEY", "dev-secret")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'dev.sqlite'}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app()


def test_mail_links_follow_the_development_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run PORT=5101`: mail links and calendar feeds point at port 5101."""
    from tracker.mail import MailSettings

    app = _dev_app(tmp_path, monkeypatch, TRACKER_DEV_BASE_URL="http://127.0.0.1:5101")
    assert app.config["BASE_URL"] == "http://127.0.0.1:5101"
    assert MailSettings.from_config(app.config).base_url == "http://127.0.0.1:5101"


def test_a_configured_base_url_wins_over_the_development_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TRACKER_BASE_URL (e.g. a tunnel's address) is kept whatever port make run uses."""
    app = _dev_app(
        tmp_path,
        monkeypatch,
        TRACKER_DEV_BASE_URL="http://127.0.0.1:5101",
        TRACKER_BASE_URL="https://tracker.example.org",
    )
    assert app.config["BASE_URL"] == "https://tracker.example.org"


def test_make_run_serves_without_the_interactive_debugger() -> None:
    """`make run` starts Flask without --debug; only `make dev` asks for the debugger."""
    run = subprocess.run(
        ["make", "-n", "-W", "init", "run", "PORT=5101"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    dev = subprocess.run(
        ["make", "-n", "-W", "init", "dev", "PORT=5101"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "bin/run-dev 127.0.0.1 5101\n" in run.stdout
    assert "bin/run-dev 127.0.0.1 5101 --debug" in dev.stdout
    script = (ROOT / "bin" / "run-dev").read_text()
    assert 'run --host "$host" --port "$port"' in script


def _gunicorn_settings(env: dict[str, str]) -> Any:
    """The settings gunicorn reads from deploy/gunicorn.conf.py under ``env``."""
    code = (
        "import json, sys\n"
        "from gunicorn.config import Config\n"
        "from gunicorn.app.base import Application\n"
        "class A(Application):\n"
        "    def init(self, *a): pass\n"
        "    def load(self): pass\n"
        "app = A.__new__(A); app.usage = None; app.cfg = Config(); app.callable = None\n"
        "app.load_config_from_file('deploy/gunicorn.conf.py')\n"
        "print(json.dumps({'disable': app.cfg.control_socket_disable,"
        " 'path': app.cfg.control_socket}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_gunicorn_control_socket_is_off_or_this_instances_own(tmp_path: Path) -> None:
    """Two gunicorn instances on one host never share a control socket: it is off unless
    GUNICORN_CONTROL_SOCKET names this instance's own path."""
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CONTROL_SOCKET"}
    assert _gunicorn_settings(env)["disable"] is True
    own = str(tmp_path / "tracker.ctl")
    settings = _gunicorn_settings({**env, "GUNICORN_CONTROL_SOCKET": own})
    assert settings == {"disable": False, "path": own}
