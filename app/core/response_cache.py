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

**Logged-in readers** (READER_CACHE_SECONDS, 0 disables) get the same for the pages they read
most, ``READER_ENDPOINTS`` (a member's meeting and record pages, the secretary's agenda editor
and item record page), under a narrower rule, because such a page holds what one user may see
and forms with that session's CSRF token:

- the key holds the whole session cookie (so the user, the login session, the CSRF token, the
  language and anything else the session carries) and the **data generation**: a number in
  the database (``DataGeneration``) that every process raises after each commit that wrote
  anything (web workers, job workers and commands alike). A page rendered before any change
  anywhere is never served after it: the next request reads a new generation, misses, and
  goes the whole way (loading the user, checking the login session, authorising);
- reading the generation is the only statement a hit costs; without the row (a database not
  yet migrated, a test that emptied it) nothing is cached;
- an answer is kept only if rendering it changed nothing in the session (a flash shown, a CSRF
  token made), with status 200 and no cookie of its own;
- what depends on the clock alone (a meeting becoming held, a term ending at midnight) lags by
  at most READER_CACHE_SECONDS; so do other workers' copies when raising the generation
  failed after a commit (logged; the committed write stands and this process forgets its
  pages);
- every process that writes (web and job workers, commands) must run with the cache on: they
  read the same environment (README "Drift"), and only a process with it on raises the number.

Each process keeps at most READER_CACHE_MAX_BYTES of such pages, least recently used first out.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask.signals import request_finished
from sqlalchemy import BigInteger, Engine, Integer, event, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from app.core.models import Base
from app.extensions import db

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
# Logged-in pages read far more often than the data under them changes.
READER_ENDPOINTS = frozenset(
    {
        "meetings.show",
        "record.show",
        "agenda.editor",
        "record.edit_item",
    }
)
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "ETag")
MAX_ENTRIES = 2000  # distinct query strings must not grow a worker without bound
READER_MAX_BYTES = 32 * 2**20

_EXTENSION = "response_cache"
_READER_EXTENSION = "reader_cache"
_GENERATION_ROW = 1
_clock = time.monotonic  # tests move it forward instead of waiting


@dataclass(frozen=True, slots=True)
class _Entry:
    expires: float
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class DataGeneration(Base):
    """One row: a number raised after every commit that wrote anything, by every process.
    Pages kept for logged-in readers are keyed on it (``READER_ENDPOINTS``)."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ResponseCache:
    """Rendered answers by key, each until it expires; thread-safe, bounded by entries and by
    bytes, per process."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= _clock():
                self._bytes -= len(self._entries.pop(key).body)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self._max_entries or (
                self._max_bytes is not None and self._bytes > self._max_bytes
            ):
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        """The bytes of the bodies kept."""
        return self._bytes

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


def _reader_ttl() -> float:
    return float(current_app.config.get("READER_CACHE_SECONDS", 0) or 0)


def _reader_key() -> tuple | None:
    """The key of a logged-in reader's page, or None when it may not be cached: not one of
    ``READER_ENDPOINTS``, nobody logged in by the session, or no data generation to key on."""
    if (
        request.method not in ("GET", "HEAD")
        or request.endpoint not in READER_ENDPOINTS
        or _reader_ttl() <= 0
        or "_user_id" not in session
    ):
        return None
    generation = current_generation()
    if generation is None:
        return None
    cookie = request.cookies[current_app.config["SESSION_COOKIE_NAME"]]
    return (
        "reader",
        hashlib.sha256(cookie.encode()).digest(),
        generation,
        *_key(),
    )


def cache_of(app: Flask) -> ResponseCache:
    return app.extensions[_EXTENSION]


def reader_cache_of(app: Flask) -> ResponseCache:
    return app.extensions[_READER_EXTENSION]


def _serve_cached() -> Response | None:
    """before_request: answer from the cache when allowed; else note the key to store under."""
    if _cacheable_request():
        key, store = _key(), cache_of(current_app)
    else:
        reader_key = _reader_key()
        if reader_key is None:
            return None
        key, store = reader_key, reader_cache_of(current_app)
    entry = store.get(key)
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
    if key is None:
        return
    if key[0] == "reader":
        # Rendering the page must not have changed the session (a flash shown, a first CSRF
        # token): the next request's cookie, and so its key, would differ anyway.
        if session.modified:
            return
        store, ttl = reader_cache_of(sender), _reader_ttl()
    elif anonymous_request():
        store, ttl = cache_of(sender), _ttl()
    else:
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
    store.put(key, _Entry(_clock() + ttl, 200, headers, response.get_data()))
    response.vary.add("Cookie")


# -- the data generation: the logged-in readers' pages are keyed on it ----------------------


def current_generation() -> int | None:
    """The data generation, or None where the database has no row for it."""
    try:
        return db.session.scalar(
            select(DataGeneration.value).where(DataGeneration.id == _GENERATION_ROW)
        )
    except (OperationalError, ProgrammingError):  # not migrated yet: cache nothing
        db.session.rollback()
        return None


def raise_generation(session: Session) -> None:
    """Raise the data generation in a short transaction of its own, after a commit that wrote:
    the row is locked for one statement, never for the length of another transaction."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.begin() as connection:
        raised = connection.execute(
            update(DataGeneration)
            .where(DataGeneration.id == _GENERATION_ROW)
            .values(value=DataGeneration.value + 1)
        )
        if raised.rowcount:
            return
    try:
        with engine.begin() as connection:
            connection.execute(insert(DataGeneration).values(id=_GENERATION_ROW, value=1))
    except IntegrityError:  # another process made the row meanwhile, and so raised it
        pass


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
        if current_app.config.get("READER_CACHE_SECONDS"):
            try:
                raise_generation(session)
            except SQLAlchemyError:
                # The write is committed and must not be reported as failed (it would be done
                # again). This process forgets its readers' pages; the others' expire.
                current_app.logger.exception("the data generation was not raised")
                reader = current_app.extensions.get(_READER_EXTENSION)
                if reader is not None:
                    reader.clear()


def _forget(session: Session, _previous_transaction: Any = None) -> None:
    session.info.pop("response_cache_stale", None)


_installed = False


def init_response_cache(app: Flask) -> None:
    """Register the cache first among before_request hooks: it answers before anything else
    (loading the user, the first query) happens."""
    global _installed
    app.extensions[_EXTENSION] = ResponseCache()
    app.extensions[_READER_EXTENSION] = ResponseCache(
        max_bytes=app.config.get("READER_CACHE_MAX_BYTES", READER_MAX_BYTES)
    )
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_cached)
    request_finished.connect(_store, app)
    if not _installed:
        event.listen(Session, "after_flush", _note_write)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)
        _installed = True
