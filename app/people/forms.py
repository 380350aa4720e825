from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.forms import OptionalStringField, RecordForm, blank_to_none
from app.people.models import PARTIES


def party_choices() -> list[tuple[str, str]]:
    return [("", str(_l("— no party —")))] + [
        (code, f"{code} – {name}") for code, name in PARTIES.items()
    ]


class PersonForm(RecordForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    party = SelectField(
        _l("Party"), choices=party_choices, filters=[blank_to_none], validate_choice=False
    )
    title = OptionalStringField(_l("Title"), validators=[Length(max=200)])
    email = OptionalStringField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save"))
