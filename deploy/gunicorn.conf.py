"""gunicorn settings for tracker: ``gunicorn -c deploy/gunicorn.conf.py``.

Every value can be overridden from the environment (``GUNICORN_WORKERS``,
``GUNICORN_BIND``, ...) or on the command line. Workers never run migrations or the
scheduler: ``flask --app tracker init-db`` runs once per deploy, before the restart,
and ``flask --app tracker run-scheduler`` is one separate process.
"""

import multiprocessing
import os

wsgi_app = "tracker.wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Load the app once in the master: a bad setting stops start-up with one line, and
# workers share the imported code. Each worker then opens its own database connections.
preload_app = True
# tracker logs each request itself, as JSON with its request id; gunicorn's own
# messages go to stderr (journald under systemd).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "tracker-web"
# gunicorn 25.1+ opens a control socket for gunicornc at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), so a second instance on
# the host (staging, the bench, the tests) would take over the first one's. tracker does
# not use gunicornc: the socket is off unless GUNICORN_CONTROL_SOCKET names a path for
# this instance alone (e.g. /run/tracker/gunicorn.ctl).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if not control_socket:
    del control_socket


def post_fork(server, worker):  # gunicorn's hook signature
    """Drop any database connection inherited from the master; each worker opens its own."""
    from tracker.db import get_engine

    get_engine(server.app.wsgi()).dispose(close=False)
