"""Static files: addressed by their content's hash, kept a year by browsers; a favicon."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def test_stylesheets_carry_their_content_hash_and_are_kept_a_year(
    app: Flask, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """Each stylesheet's address has ?v=<its sha256>, and that address may be cached a year."""
    login(make_user(role="viewer"))
    page = client.get("/actions").get_data(as_text=True)
    linked = dict(re.findall(r'href="/static/([^"?]+)\?v=([0-9a-f]{12})"', page))
    assert {"tracker.css", "print.css", "fonts.css", "favicon.svg"} <= set(linked)
    static = Path(app.static_folder or "")
    for name, version in linked.items():
        assert version == hashlib.sha256((static / name).read_bytes()).hexdigest()[:12]
    with client.get(f"/static/tracker.css?v={linked['tracker.css']}") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/tracker.css") as unversioned:
        assert "immutable" not in unversioned.headers.get("Cache-Control", "")
    assert "no-store" in client.get("/actions").headers["Cache-Control"]


def test_pages_have_a_favicon(client: FlaskClient) -> None:
    """The sign-in page names an SVG favicon that is served."""
    page = client.get("/auth/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None
    with client.get(icon.group(1)) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
