"""The request: what the browser sent, with NUL characters taken out and numbers bounded.

No form field or query parameter of the app can mean a NUL character (U+0000), no browser
sends one from a text box, and PostgreSQL refuses to store or even compare text holding one
(SQLite stores it and cuts the text there). They are removed as the request is read, once for
every form, rather than by each form's validators.

No number in a URL can be larger than a database integer either: the ``int`` converter of
every route and ``request.args.get(name, type=int)`` treat one outside that range as absent
(a 404 for a path, the default for a query argument), never as an overflow deep in a query.
"""

from typing import Any

from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

NUL = "\x00"
# The largest id or page number a URL may name: PostgreSQL's ``integer``. A page number this
# large times a page size still fits the 64-bit OFFSET both databases take.
MAX_URL_INTEGER = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` for every route: a number past ``MAX_URL_INTEGER`` matches no route (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_URL_INTEGER)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str) -> int:
    """``int`` for query arguments: a number no id, page or year can be is a ValueError, which
    ``MultiDict.get(type=...)`` turns into the default."""
    number = int(value)
    if abs(number) > MAX_URL_INTEGER:
        raise ValueError(value)
    return number


class QueryArgs(ImmutableMultiDict):
    """Query arguments whose ``get(name, type=int)`` is bounded (see ``bounded_int``)."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        return super().get(key, default, bounded_int if type is int else type)


def _without_nul(values: MultiDict) -> Any:
    if not any(
        NUL in key or any(NUL in v for v in vs if isinstance(v, str)) for key, vs in values.lists()
    ):
        return values
    return values.__class__(
        (key.replace(NUL, ""), value.replace(NUL, "") if isinstance(value, str) else value)
        for key, value in values.items(multi=True)
    )


class Request(FlaskRequest):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = _without_nul(self.__dict__["form"])

    parameter_storage_class = QueryArgs

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _without_nul(super().args)


class TrustedProxyFix(ProxyFix):
    """werkzeug's ProxyFix, applied only to requests whose peer is a trusted proxy; anyone
    else's X-Forwarded-* headers are ignored (the peer address is the client's)."""

    def __init__(self, app: Any, *, trusted: str | list[str], **hops: int) -> None:
        super().__init__(app, **hops)
        self.plain_app = app
        names = trusted.split(",") if isinstance(trusted, str) else trusted
        self.trusted = frozenset(name.strip() for name in names if name.strip())

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("REMOTE_ADDR") in self.trusted:
            return super().__call__(environ, start_response)
        return self.plain_app(environ, start_response)
