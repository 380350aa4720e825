"""gunicorn settings for production (README "Drift"): ``gunicorn -c gunicorn.conf.py``.

Every value can be overridden from the environment (GUNICORN_*), or on the command line.
The app reads its own settings from the environment (SEKRETARIAT_CONFIG=production).
"""

import multiprocessing
import os

wsgi_app = "app:create_app()"
# Behind nginx on the same host; nginx holds the public port and TLS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the pages are short database reads, the PDFs CPU-bound. Two per core plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# Rendering a large handlingar packet or signing a protokoll can take a while.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then, so a slow leak never grows for ever. Not too often: a new
# worker imports the whole app (seconds on a busy machine), and meanwhile requests queue; at
# 2000 a publication day's readers recycled each worker every few seconds and p99 reached
# 6 s (docs/performance.md, "Reading a published protokoll").
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# The master loads the app once and forks the workers from it: a new worker (at start, or
# replacing one after max_requests) answers at once instead of importing the app for seconds
# while requests queue, and the workers share the imported code's memory. Nothing in
# create_app opens a connection; post_fork below makes sure none crosses the fork anyway.
preload_app = True
# X-Forwarded-* is trusted only from the proxy on this host; the app's ProxyFix reads it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:  # server: gunicorn's Arbiter
    """Refuse to start several workers that would each count login attempts on their own:
    with memory storage three workers let three times the documented attempts through."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory"):
        raise RuntimeError(
            f"{server.cfg.workers} workers need shared storage for the login limits: set "
            "RATELIMIT_STORAGE_URI (redis://…), or run one worker (GUNICORN_WORKERS=1)."
        )


accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_fork(server, worker) -> None:
    """In the new worker: forget any database connection the master's pools might hold, without
    closing it (it is the master's); the worker opens its own on first use. (Redis clients and
    the document sandbox's zygote notice the new process id by themselves.)"""
    # Here, not at the top: this file is read before the app is loaded (or chosen).
    from app.extensions import db

    flask_app = server.app.callable
    with flask_app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
