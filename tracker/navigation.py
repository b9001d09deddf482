"""Template helpers for the navigation bar: link only to pages that exist.

Pages come from several issues; the bar shows a link once its page is registered,
and never fails to render because a page needs arguments it cannot guess.
"""

from __future__ import annotations

from flask import Flask, current_app, url_for
from werkzeug.routing import BuildError

# The "Programme" link: the first of these pages that exists and needs no argument.
PROGRAMME_ENDPOINTS = (
    "programmes.index",
    "programmes.list_programmes",
    "programmes.detail",
    "programmes.deadline",
)


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def nav_url(*names: str) -> str | None:
    """The address of the first of ``names`` that exists and can be built without arguments."""
    for name in names:
        if has_endpoint(name):
            try:
                return url_for(name)
            except BuildError:
                continue
    return None


def home_url() -> str:
    """The start page: the summary once it exists."""
    return nav_url("summary.index", "main.index") or "/"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["home_url"] = home_url
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    app.jinja_env.globals["nav_url"] = nav_url
    app.jinja_env.globals["programme_endpoints"] = PROGRAMME_ENDPOINTS
