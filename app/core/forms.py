"""Form building blocks shared by every domain."""

import re
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from app.core import text as rich_text
from app.core.http import MAX_URL_INTEGER

# Line breaks, tabs and other control characters (C0, DEL, C1) and the Unicode line and
# paragraph separators: none belongs in a name, a title or a place, and a line break there
# ends up in a mail header or a one-line PDF heading.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def without_markup(value: Any) -> Any:
    return rich_text.strip_markup(value)


def single_line(form: Any, field: Any) -> None:
    """A one-line field (name, title, place) refuses line breaks and control characters."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Write this on one line, without line breaks or tabs."))


def _with(options: dict[str, Any], unbound_field: Any, key: str, extra: list[Any]) -> dict:
    """``options`` with ``extra`` filters put first, or ``extra`` validators put last (after
    the field's own Optional or DataRequired, which decide whether a blank value goes on)."""
    current = [*options.get(key, unbound_field.kwargs.get(key, ()))]
    return {**options, key: [*extra, *current] if key == "filters" else [*current, *extra]}


class Form(FlaskForm):
    """The base of every form: what is typed into a text field is stored without HTML markup
    (app.core.text.strip_markup), whichever form it comes through; a one-line text field
    refuses line breaks and control characters; a number field refuses what no database
    integer holds. Passwords and hidden fields are taken exactly as sent."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField | TextAreaField) and not issubclass(
                field_class, PasswordField | HiddenField
            ):
                options = _with(options, unbound_field, "filters", [without_markup])
                if not issubclass(field_class, TextAreaField):
                    options = _with(options, unbound_field, "validators", [single_line])
            if issubclass(field_class, IntegerField):
                bounded = NumberRange(
                    min=-MAX_URL_INTEGER,
                    max=MAX_URL_INTEGER,
                    message=_l("The number is too large."),
                )
                options = _with(options, unbound_field, "validators", [bounded])
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


# Marks a select as a picker: static/js/picker.js turns it into a combobox that filters as
# you type (a single choice) or gives it a filter box (several); without JavaScript it stays
# the plain select the server renders and validates.
PICKER = {"data-picker": ""}


def _picker_rendered() -> None:
    """A page that renders a picker loads static/js/picker.js (base.html, at its end); other
    pages carry no script."""
    g.uses_picker = True


class PickerSelectField(ModelSelectField):
    """A ``ModelSelectField`` over a long list (people, seats): searchable as you type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["render_kw"] = {**PICKER, **kwargs.get("render_kw", {})}
        super().__init__(*args, **kwargs)

    def __call__(self, **kwargs: Any) -> Any:
        _picker_rendered()
        return super().__call__(**kwargs)


class PickerSelectMultipleField(SelectMultipleField):
    """A choice of several from a long list (justerare, recipients): a filter box above it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["render_kw"] = {**PICKER, **kwargs.get("render_kw", {})}
        super().__init__(*args, **kwargs)

    def __call__(self, **kwargs: Any) -> Any:
        _picker_rendered()
        return super().__call__(**kwargs)


def optional_enum(enum_cls: Any) -> Any:
    """A coerce function for a select of enum values where the empty choice means None."""
    return lambda value: enum_cls(value) if value not in (None, "", "None") else None
