"""Helpers for the fuzz tests: read the forms a page offers, snapshot the database."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.extensions import db


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, hidden, number, date, time, file, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Every <form> in a page with its fields, as a browser would see them."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self._form = Form(urlsplit(action).path, (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset"):
                return
            value = a.get("value", "")
            if kind in ("checkbox", "radio") and name in self._form.fields:
                self._form.fields[name].options.append(value or "y")
                return
            options = [value or "y"] if kind in ("checkbox", "radio") else []
            self._form.fields[name] = Field(name, kind, value, options)
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = Field(name, "textarea")
        elif tag == "select":
            self._select = self._form.fields[name] = Field(name, "select", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(page: str, url: str) -> list[Form]:
    parser = FormParser(urlsplit(url).path)
    parser.feed(page)
    return [form for form in parser.forms if form.method == "post"]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: the database's whole state."""
    state = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        state[table.name] = [tuple(row) for row in rows]
    db.session.rollback()
    return state


def difference(before: dict, after: dict) -> str:
    changed = []
    for name, rows in before.items():
        if after.get(name) != rows:
            added = [r for r in after.get(name, []) if r not in rows]
            removed = [r for r in rows if r not in after.get(name, [])]
            changed.append(f"{name}: +{added[:2]} -{removed[:2]}")
    return "; ".join(changed)


# Any statement that can change a row or a table, on any table (the bookkeeping included).
CHANGE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)


class State:
    """The database's whole state (``snapshot``), read again only after a statement that can
    change it reached a database (any engine of the process), so that a run of rejected posts
    costs one read instead of two per post. A write rolled back still counts as a change: the
    state is then read and compared as before."""

    def __init__(self) -> None:
        self.changed = True
        self._last: dict[str, list[tuple[Any, ...]]] = {}

    def _watch(self, connection, cursor, statement, parameters, context, executemany) -> None:
        if CHANGE.match(statement):
            self.changed = True

    def now(self) -> dict[str, list[tuple[Any, ...]]]:
        """The state as it is now (call in an app context)."""
        if self.changed:
            self.changed = False
            self._last = snapshot()
        return self._last


@contextmanager
def watched_state() -> Iterator[State]:
    state = State()
    event.listen(Engine, "before_cursor_execute", state._watch)
    try:
        yield state
    finally:
        event.remove(Engine, "before_cursor_execute", state._watch)
