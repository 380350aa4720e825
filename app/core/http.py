"""The request: what the browser sent, with NUL characters taken out.

No form field or query parameter of the app can mean a NUL character (U+0000), no browser
sends one from a text box, and PostgreSQL refuses to store or even compare text holding one
(SQLite stores it and cuts the text there). They are removed as the request is read, once for
every form, rather than by each form's validators.
"""

from typing import Any

from flask import Request as FlaskRequest
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

NUL = "\x00"


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

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return _without_nul(super().args)
