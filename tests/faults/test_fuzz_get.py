"""Every GET route, asked with numbers no record has and hostile query arguments: a 404 or a
page (with the filter ignored or a form error), never a 5xx.

Path arguments: each ``<int:…>`` of every route gets numbers past what a database integer
holds (2⁶³ overflowed SQLite and PostgreSQL before). Query arguments: every name a view of the
app reads is sent with each hostile value, all at once, and then each name the page read (its
``request.args`` notes them) one at a time with the worst number, as the administrator (who
reaches every page) and as the public (whose pages are cached and answered by other paths).
"""

import re
from collections.abc import Callable

import pytest

from app.core.http import QueryArgs
from tests.conftest import ADMIN, DEMO_PASSWORD
from tests.test_access import _arguments, _rules, _url, justerat, world  # noqa: F401

HUGE = [2**63, 2**64 + 1, 10**30, 2**31]

# Every query argument name some view reads (grep request.args and the GET forms' fields).
NAMES = [
    "page",
    "body",
    "year",
    "term",
    "q",
    "item",
    "before",
    "object_id",
    "object_type",
    "actor",
    "since",
    "until",
    "status",
    "assignee",
    "mine",
    "locale",
    "next",
    "type",
    "kind",
    "modified_since",
    "modified_until",
    "created_since",
    "created_until",
    "organization",
    "meeting",
]

VALUES = [
    "0",
    "-1",
    str(2**63),
    "-99999999999999999999",
    "1e308",
    "NaN",
    "abc",
    "a\x00b",
    "2024-13-45",
    "10000-01-01",
    "0000-00-00",
    "<script>alert(1)</script>",
    "%",
    "",
]


# The query names the views read, recorded by the request's ``args`` (``"*"``: all of them,
# when a view went through every argument).
READ: set[str] = set()


class _RecordedArgs(QueryArgs):
    """The app's ``request.args`` (bounded integers), noting which names a view asks for."""

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)

    def __iter__(self):
        READ.add("*")
        return super().__iter__()

    def items(self, multi=False):
        READ.add("*")
        return super().items(multi)

    def to_dict(self, flat=True):
        READ.add("*")
        return super().to_dict(flat)

    def lists(self):
        READ.add("*")
        return super().lists()


def _html_routes(app, client, values) -> list[str]:
    """The GET routes that answer with a page or JSON (PDFs and files read no query)."""
    urls = []
    for rule in _rules(app, "GET"):
        url = _url(rule, values)
        response = client.get(url)
        assert response.status_code < 500, f"{response.status_code} from GET {url}"
        if response.mimetype in ("text/html", "application/json"):
            urls.append(url)
    return urls


def _check(client, url: str, failures: list[str], **query) -> None:
    response = client.get(url, query_string=query)
    if response.status_code >= 500:
        failures.append(f"{response.status_code} from GET {url} with {query!r}")


@pytest.mark.parametrize("role", ["admin", "anonymous"])
def test_get_routes_never_answer_5xx(justerat, app, make_client: Callable, login, role):  # noqa: F811
    values = _arguments(justerat, app)
    for rule in _rules(app, "GET"):  # the OParl lists' kind, and any other word argument
        for name in rule.arguments:
            values.setdefault(name, "meeting")
    client = make_client()
    if role == "admin":
        login(client, ADMIN, DEMO_PASSWORD)
    failures: list[str] = []

    for rule in _rules(app, "GET"):
        for name in rule.arguments:
            if not re.search(rf"<int:{name}>", rule.rule):
                continue
            for number in HUGE:
                url = _url(rule, {**values, name: number})
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} from GET {url}")
                elif number >= 2**63:
                    assert response.status_code in (302, 404), f"GET {url}"

    urls = _html_routes(app, client, values)
    assert len(urls) > 20, urls  # the walk reaches the app's pages, or it proves nothing
    app.request_class = type("RecordingRequest", (app.request_class,), {})
    app.request_class.parameter_storage_class = _RecordedArgs
    read_somewhere: set[str] = set()
    for url in urls:
        READ.clear()
        for value in VALUES:
            _check(client, url, failures, **dict.fromkeys(NAMES, value))
        read_somewhere |= READ
        # One at a time, the names this page read with any of the values above (a name the
        # view never asks for cannot change its answer).
        for name in NAMES if "*" in READ else sorted(READ & set(NAMES)):
            _check(client, url, failures, **{name: str(2**63)})
    # The recording works, or the narrowing above would silently test nothing.
    assert {"page", "q", "year", "body"} <= read_somewhere, read_somewhere
    assert not failures, "\n".join(failures)


def test_the_filters_say_what_they_did_with_a_year_no_date_has(world, client):  # noqa: F811
    for year in ("0", "10000", str(2**63)):
        response = client.get(f"/beslut?year={year}")
        assert response.status_code == 200
    page = client.get("/beslut?year=0").get_data(as_text=True)
    assert "Kompetensförsörjning" not in page.split("<main", 1)[1].split("<form", 1)[0]


def test_audit_filter_refuses_a_record_number_no_record_has(world, make_client, login):  # noqa: F811
    client = make_client()
    login(client, ADMIN, DEMO_PASSWORD)
    response = client.get(f"/admin/audit?object_id={2**63}")
    assert response.status_code == 200
    assert "Talet är för stort." in response.get_data(as_text=True)
