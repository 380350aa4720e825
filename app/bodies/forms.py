from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.bodies.models import (
    BodyKind,
    MembershipFunction,
    MembershipKind,
    NumberingRule,
    RecordType,
)
from app.core.forms import (
    ModelSelectField,
    OptionalStringField,
    OptionalTextAreaField,
    PickerSelectField,
    RecordForm,
    optional_enum,
)


class BodyForm(RecordForm):
    organisation_id = ModelSelectField(_l("Organisation"), allow_blank=False)
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Without the term: the term label is added in headers."),
    )
    short_name = OptionalStringField(_l("Short name"), validators=[Length(max=40)])
    kind = SelectField(_l("Kind"), choices=BodyKind.choices, coerce=BodyKind)
    parent_id = ModelSelectField(_l("Reports to"))
    record_type = SelectField(_l("Record"), choices=RecordType.choices, coerce=RecordType)
    numbering = SelectField(
        _l("Item numbering"), choices=NumberingRule.choices, coerce=NumberingRule
    )
    description = OptionalTextAreaField(_l("Description"))
    is_public = BooleanField(
        _l("Public"), default=True, description=_l("Shown to everyone, not only to its members.")
    )
    submit = SubmitField(_l("Save"))


class TermForm(RecordForm):
    label = StringField(
        _l("Label"),
        validators=[DataRequired(), Length(max=40)],
        description=_l('Printed after the body name in headers, e.g. "2023" or "2023–2026".'),
    )
    start_date = DateField(_l("From"), validators=[Optional()])
    end_date = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class MembershipForm(RecordForm):
    person_id = PickerSelectField(_l("Person"), allow_blank=False)
    term_id = ModelSelectField(_l("Term"), allow_blank=False)
    kind = SelectField(_l("Seat"), choices=MembershipKind.choices, coerce=MembershipKind)
    function = SelectField(
        _l("Function"),
        choices=lambda: [("", str(_l("— none —"))), *MembershipFunction.choices()],
        coerce=optional_enum(MembershipFunction),
    )
    organisation_id = ModelSelectField(_l("Represents"))
    start_date = DateField(_l("From"), validators=[Optional()])
    end_date = DateField(_l("To"), validators=[Optional()])
    substitute_order = IntegerField(
        _l("Substitute order"), validators=[Optional(), NumberRange(min=1, max=99)]
    )
    note = OptionalTextAreaField(_l("Note"))
    submit = SubmitField(_l("Save"))
