"""A short-lived cache of public pages for anonymous readers (publication days).

A justerat protokoll and the anslagstavla read the same for every anonymous reader, so each
worker keeps the rendered page for RESPONSE_CACHE_SECONDS (0 disables the cache) and answers
the next anonymous request for it before the user is loaded or the database is asked.

What is cached, and for whom, is deliberately narrow:

- only GET (and HEAD) requests to the endpoints in ``CACHED_ENDPOINTS``, public read-only
  pages that check visibility themselves;
- only requests without a session or remember cookie (and no Authorization header): anyone
  logged in, or with anything in a session (a flash message, a CSRF token), is never served
  from the cache and never adds to it;
- only answers with status 200 that set no cookie and are not streamed;
- keyed by scheme, host, path, query string and the reader's language (the locale cookie).

Security headers are added by ``after_request`` hooks, which run for a cached answer as for a
rendered one: the cache keeps only the body and the headers in ``KEPT_HEADERS``.

Invalidation: any commit that wrote something clears this worker's cache (a rättelse, an
anslag, a body made non-public). Other workers and other app servers keep their copy until it
expires: what anonymous readers see lags a change by at most RESPONSE_CACHE_SECONDS.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request
from flask.signals import request_finished
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

# The anonymous reader's language (app/accounts/views.py sets it; app.select_locale reads it).
LOCALE_COOKIE = "locale"

CACHED_ENDPOINTS = frozenset(
    {
        "publication.protocol",
        "publication.protocol_revision",
        "publication.board",
        "publication.archive",
        "publication.notice",
        "publication.feed",
    }
)
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "ETag")
MAX_ENTRIES = 2000  # distinct query strings must not grow a worker without bound

_EXTENSION = "response_cache"
_clock = time.monotonic  # tests move it forward instead of waiting


@dataclass(frozen=True, slots=True)
class _Entry:
    expires: float
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ResponseCache:
    """Rendered answers by key, each until it expires; thread-safe, bounded, per process."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= _clock():
                del self._entries[key]
                return None
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def anonymous_request() -> bool:
    """True when the request carries nothing that could log anyone in or hold a session."""
    config = current_app.config
    cookies = request.cookies
    return (
        config["SESSION_COOKIE_NAME"] not in cookies
        and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
        and "Authorization" not in request.headers
    )


def _ttl() -> float:
    return float(current_app.config.get("RESPONSE_CACHE_SECONDS", 0) or 0)


def _key() -> tuple:
    languages = current_app.config["LANGUAGES"]
    locale = request.cookies.get(LOCALE_COOKIE)
    if locale not in languages:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    return (request.scheme, request.host, request.path, request.query_string, locale)


def _cacheable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHED_ENDPOINTS
        and _ttl() > 0
        and anonymous_request()
    )


def cache_of(app: Flask) -> ResponseCache:
    return app.extensions[_EXTENSION]


def _serve_cached() -> Response | None:
    """before_request: answer from the cache when allowed; else note the key to store under."""
    if not _cacheable_request():
        return None
    key = _key()
    entry = cache_of(current_app).get(key)
    if entry is None:
        if request.method == "GET":
            g.response_cache_key = key
        return None
    response = Response(entry.body, status=entry.status)
    for name, value in entry.headers:
        response.headers[name] = value
    response.headers["X-Response-Cache"] = "hit"
    response.vary.add("Cookie")
    return response


def _store(sender: Flask, response: Response, **_extra: Any) -> None:
    """request_finished (after the session is saved, so Set-Cookie is final): keep the answer."""
    key = g.pop("response_cache_key", None)
    if key is None or not anonymous_request():
        return
    if (
        response.status_code != 200
        or "Set-Cookie" in response.headers
        or response.direct_passthrough
        or response.is_streamed
    ):
        return
    headers = tuple(
        (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
    )
    entry = _Entry(_clock() + _ttl(), 200, headers, response.get_data())
    cache_of(sender).put(key, entry)
    response.vary.add("Cookie")


# -- invalidation: a commit that wrote anything clears this worker's cache --------------------


def _note_write(session: Session, _flush_context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info["response_cache_stale"] = True


def _note_statement(state: ORMExecuteState) -> None:
    """Bulk ``update()``/``delete()``/``insert()`` through the session bypass the flush."""
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info["response_cache_stale"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("response_cache_stale", False) and has_app_context():
        cache = current_app.extensions.get(_EXTENSION)
        if cache is not None:
            cache.clear()


def _forget(session: Session, _previous_transaction: Any = None) -> None:
    session.info.pop("response_cache_stale", None)


_installed = False


def init_response_cache(app: Flask) -> None:
    """Register the cache first among before_request hooks: it answers before anything else
    (loading the user, the first query) happens."""
    global _installed
    app.extensions[_EXTENSION] = ResponseCache()
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_cached)
    request_finished.connect(_store, app)
    if not _installed:
        event.listen(Session, "after_flush", _note_write)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)
        _installed = True
