"""Form building blocks shared by every domain."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.core import text as rich_text


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def without_markup(value: Any) -> Any:
    return rich_text.strip_markup(value)


class Form(FlaskForm):
    """The base of every form: what is typed into a text field is stored without HTML markup
    (app.core.text.strip_markup), whichever form it comes through. Passwords and hidden fields
    are taken exactly as sent."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField | TextAreaField) and not issubclass(
                field_class, PasswordField | HiddenField
            ):
                filters = [*options.get("filters", unbound_field.kwargs.get("filters", ()))]
                options = {**options, "filters": [without_markup, *filters]}
            return super().bind_field(form, unbound_field, options)


class ConfirmForm(Form):
    """A bare button that changes state: POST with a CSRF token and nothing else."""


class RecordForm(Form):
    """An edit form for a versioned record: carries the version it was loaded from."""

    version = HiddenField()

    def data_for_service(self) -> dict[str, Any]:
        skip = {"csrf_token", "version", "submit"}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


def _blank_is_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Blank input becomes None; unless the field is required, blank then skips validation."""
    kwargs["filters"] = [*kwargs.get("filters", []), blank_to_none]
    validators = list(kwargs.get("validators", []))
    if not any(isinstance(v, DataRequired | InputRequired) for v in validators):
        validators.insert(0, Optional())
    kwargs["validators"] = validators
    return kwargs


class OptionalStringField(StringField):
    """A text input whose blank value is stored as None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_blank_is_none(kwargs))


class OptionalTextAreaField(TextAreaField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_blank_is_none(kwargs))


class ModelSelectField(SelectField):
    """A select of record ids; the empty choice maps to None."""

    def __init__(self, *args: Any, allow_blank: bool = True, **kwargs: Any) -> None:
        self.allow_blank = allow_blank
        kwargs.setdefault(
            "coerce", lambda value: int(value) if value not in (None, "", "None") else None
        )
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def set_choices(self, pairs: list[tuple[int, str]]) -> None:
        choices: list[tuple[Any, str]] = list(pairs)
        if self.allow_blank:
            choices.insert(0, (None, str(_l("— none —"))))
        self.choices = choices


def optional_enum(enum_cls: Any) -> Any:
    """A coerce function for a select of enum values where the empty choice means None."""
    return lambda value: enum_cls(value) if value not in (None, "", "None") else None
