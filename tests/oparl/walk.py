"""Walking the OParl API as a client does: from the System object, every URL it finds.

Each response is checked on the way (200, JSON, CORS header, no cookie, no nulls); each object,
at the top of a response or embedded, is validated against its schema and kept by id. Each
list is also read in small pages through its ``next`` links. URLs outside the API (``web``
pages, ``accessUrl`` files) are collected, not walked.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.faults.forms import snapshot
from tests.oparl import schemas

API = "http://localhost/oparl/v1/"


@dataclass
class Walk:
    # Every occurrence of every object, by id: as answered at its URL, in lists, embedded.
    occurrences: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The object each URL answered with (lists excluded).
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each list page by its URL.
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every response body, as text.
    texts: list[str] = field(default_factory=list)
    outside: set[str] = field(default_factory=set)
    invalid: list[str] = field(default_factory=list)

    @property
    def types(self) -> set[str]:
        return {schemas.type_name(objs[0]) for objs in self.occurrences.values()}

    def of_type(self, name: str) -> dict[str, dict[str, Any]]:
        """The objects of a type as answered at their own URL."""
        return {
            url: obj
            for url, obj in self.answers.items()
            if obj.get("type") == schemas.TYPE_PREFIX + name
        }


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def nulls(value: Any, path: str = "") -> Iterator[str]:
    """Where a value is null: OParl leaves unknown properties out instead."""
    if value is None:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from nulls(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nulls(item, f"{path}/{index}")


def answer(client, url: str, status: int = 200):
    """GET an API URL; the response must be JSON with the CORS header and set no cookie."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data())
    assert response.mimetype == "application/json", url
    assert response.headers["Access-Control-Allow-Origin"] == "*", url
    assert "Set-Cookie" not in response.headers, url
    return response


def get_json(client, url: str) -> dict[str, Any]:
    return answer(client, url).get_json()


# The public walks made in this process, by the database state they were made on.
_public_walks: dict[int, Walk] = {}


def public_walk(app, client) -> Walk:
    """The anonymous reader's whole walk (paged) of the database as it is now. The walk is a
    function of the rows (the API reads nothing else but the clock, which reads the same day),
    so the tests that read the same starting state (the demo, the justerat demo: restored row
    for row, ids and times included) share one walk per process; a state that differs in any
    row of any table is walked anew."""
    with app.app_context():
        state = hash(repr(snapshot()))
    if state not in _public_walks:
        _public_walks[state] = walk(client)
    return _public_walks[state]


def walk(client, start: str = API, page_size: int = 7, paged: bool = True) -> Walk:
    """Every object the API reaches from ``start``. With ``paged``, every list is read twice:
    whole, and in pages of ``page_size`` through its ``next`` links, which must give the same
    objects in the same order (two thirds of the requests: tests that ask what is served, not
    how lists page, leave it to ``test_every_object_is_valid_and_the_same_wherever_it_appears``)."""
    result = Walk()
    queue = [start]
    seen: set[str] = set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = answer(client, url)
        data = response.get_json()
        result.texts.append(response.get_data(as_text=True))
        assert not list(nulls(data)), (url, list(nulls(data)))
        if "data" in data and "pagination" in data:
            result.pages[url] = data
            for obj in data["data"]:
                _visit(result, obj)
            found = [*strings(data["data"]), *data["links"].values()]
            if paged and "?" not in url:
                found.append(f"{url}?limit={page_size}")
        else:
            result.answers[url] = data
            _visit(result, data)
            found = list(strings(data))
        for value in found:
            if value.startswith(API):
                queue.append(value)
            elif value.startswith("http://localhost/"):
                result.outside.add(value)
    for url, page in result.pages.items():
        if paged and "?" not in url:
            assert _paged_ids(result, f"{url}?limit={page_size}") == [o["id"] for o in page["data"]]
    return result


def _paged_ids(result: Walk, first: str) -> list[str]:
    ids: list[str] = []
    url: str | None = first
    while url:
        page = result.pages[url]
        assert len(page["data"]) <= page["pagination"]["elementsPerPage"]
        ids.extend(o["id"] for o in page["data"])
        url = page["links"].get("next")
    return ids


def _visit(result: Walk, obj: dict[str, Any]) -> None:
    """Validate an object (its embedded objects with it) and note it and those it embeds."""
    result.invalid.extend(f"{obj['id']}: {error}" for error in schemas.errors(obj))
    for embedded in _objects(obj):
        result.occurrences.setdefault(embedded["id"], []).append(embedded)
        if embedded.get("type") != schemas.TYPE_PREFIX + "System" and not embedded.get("deleted"):
            for stamp in ("created", "modified"):
                if stamp not in embedded:
                    result.invalid.append(f"{embedded['id']}: no {stamp}")


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """An object and every object embedded in it, at any depth."""
    if isinstance(value, dict):
        if isinstance(value.get("type"), str) and value["type"].startswith(schemas.TYPE_PREFIX):
            yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)
