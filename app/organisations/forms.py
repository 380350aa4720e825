from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp

from app.core.forms import (
    Form,
    ModelSelectField,
    OptionalStringField,
    OptionalTextAreaField,
    RecordForm,
)
from app.organisations.models import OrganisationKind


class OrganisationForm(RecordForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l('As attendance lists print it, e.g. "Arboga".'),
    )
    kind = SelectField(_l("Kind"), choices=OrganisationKind.choices, coerce=OrganisationKind)
    county = OptionalStringField(_l("County (län)"), validators=[Length(max=60)])
    parent_id = ModelSelectField(_l("Part of"))
    org_number = OptionalStringField(_l("Organisation number"), validators=[Length(max=20)])
    bankgiro = OptionalStringField(_l("Bankgiro"), validators=[Length(max=20)])
    address = OptionalTextAreaField(_l("Address"))
    website = OptionalStringField(
        _l("Website"),
        validators=[
            Optional(),
            URL(),
            # URL() alone lets javascript://host/... through: only web addresses are links.
            Regexp(r"(?i)^https?://", message=_l("Give a web address starting with https://.")),
            Length(max=200),
        ],
    )
    email = OptionalStringField(
        _l("Registry email"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l(
            "The registrator's address: decisions sent to the organisation or its bodies "
            "are mailed here."
        ),
    )
    case_number_pattern = OptionalStringField(
        _l("Case number format"),
        validators=[Length(max=200)],
        description=_l(
            "A regular expression every diarienummer must match. "
            "Leave empty to accept RV240022, RUF240012-14, RV240022-1.1 and 2020/2239."
        ),
    )
    submit = SubmitField(_l("Save"))


class LogoForm(Form):
    file = FileField(
        _l("Logo"),
        validators=[FileRequired(_l("Choose the image file of the logo."))],
        description=_l(
            "A PNG or JPEG image of at most 2 MB and 4000 × 4000 pixels. The protokoll and "
            "the minnesanteckningar print it in their letterhead; documents already signed "
            "keep the logo they were made with."
        ),
    )
    submit = SubmitField(_l("Upload the logo"))
