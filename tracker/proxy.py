"""Behind a reverse proxy: trust its ``X-Forwarded-*`` headers, as many hops as configured.

Each ``PROXY_FIX_X_*`` setting is the number of proxies in front of the app that set
that header (0, the default, trusts none). Trusting more than there are lets a client
forge its address or scheme, so set exactly what the deployment has (one nginx: 1).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

SETTINGS = {
    "PROXY_FIX_X_FOR": "x_for",
    "PROXY_FIX_X_PROTO": "x_proto",
    "PROXY_FIX_X_HOST": "x_host",
    "PROXY_FIX_X_PORT": "x_port",
    "PROXY_FIX_X_PREFIX": "x_prefix",
}


def init_app(app: Flask) -> None:
    hops = {arg: int(app.config.get(name) or 0) for name, arg in SETTINGS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]
