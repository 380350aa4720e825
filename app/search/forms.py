"""The search form: read from the query string (GET), so a search is a link one can share."""

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from app.core.forms import Form, strip
from app.search.models import SearchKind

QUERY_MAX = 200


def _optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[call-overload]


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField(
        _l("Search for"),
        filters=[strip],
        validators=[Length(max=QUERY_MAX)],
        description=_l(
            'Words in any form ("målbild" finds "målbilden"). "Quotes" for a phrase, '
            "or between alternatives, a minus before a word to leave it out."
        ),
    )
    body = SelectField(_l("Body"), coerce=_optional_int, validators=[Optional()])
    year = SelectField(_l("Year"), coerce=_optional_int, validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()])

    def set_choices(self, bodies: list, years: list[int]) -> None:
        self.body.choices = [("", _l("All bodies")), *((b.id, b.display_name) for b in bodies)]
        self.year.choices = [("", _l("All years")), *((y, str(y)) for y in years)]
        self.kind.choices = [("", _l("All types")), *SearchKind.choices()]
