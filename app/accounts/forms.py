from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.core.forms import Form, ModelSelectField, PickerSelectField, RecordForm, strip


def language_choices() -> list[tuple[str, str]]:
    return [("sv", "Svenska"), ("en", "English")]


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=language_choices)
    submit = SubmitField(_l("Change language"))


class UserForm(RecordForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip]
    )
    person_id = PickerSelectField(
        _l("Person"), description=_l("Links the account to memberships, and so to roles.")
    )
    is_admin = BooleanField(_l("Administrator"))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l(
            "At least %(n)d characters. Leave empty to keep the current one.", n=MIN_PASSWORD_LENGTH
        ),
    )
    submit = SubmitField(_l("Save"))


class PasswordChangeForm(Form):
    """The user's own new password. The rules themselves are the service's (passwords.py)."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l(
            "At least %(n)d characters; not your email address and not a common password.",
            n=MIN_PASSWORD_LENGTH,
        ),
    )
    repeat_password = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class AuditFilterForm(Form):
    """The audit page's filters: a GET form, bookmarkable, no CSRF token."""

    class Meta:
        csrf = False

    object_type = SelectField(_l("Kind of record"), validators=[Optional()])
    actor = ModelSelectField(_l("Who"), validators=[Optional()])
    object_id = IntegerField(_l("Record number"), validators=[Optional(), NumberRange(min=1)])
    since = DateField(_l("From date"), validators=[Optional()])
    until = DateField(_l("To date"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
