from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.accounts.passwords import MIN_PASSWORD_LENGTH
from app.core.forms import ModelSelectField, RecordForm, strip


def language_choices() -> list[tuple[str, str]]:
    return [("sv", "Svenska"), ("en", "English")]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=language_choices)
    submit = SubmitField(_l("Change language"))


class UserForm(RecordForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip]
    )
    person_id = ModelSelectField(
        _l("Person"), description=_l("Links the account to memberships, and so to roles.")
    )
    is_admin = BooleanField(_l("Administrator"))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l(
            "At least %(n)d characters. Leave empty to keep the current one.", n=MIN_PASSWORD_LENGTH
        ),
    )
    submit = SubmitField(_l("Save"))
