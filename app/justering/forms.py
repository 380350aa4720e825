from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form, strip


class _AnswerForm(Form):
    """A form that edits no versioned record, run by ``app.core.views.handle_form``: its data,
    without the token and the button, is what the service takes."""

    def data_for_service(self) -> dict[str, Any]:
        skip = {"csrf_token", "submit"}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


class RejectForm(_AnswerForm):
    comment = TextAreaField(
        _l("What must be changed"),
        filters=[strip],
        validators=[DataRequired(_l("Say what must be changed.")), Length(max=4000)],
    )
    submit = SubmitField(_l("Reject and send back to the secretary"))


class CorrectionForm(_AnswerForm):
    reason = TextAreaField(
        _l("Reason for the rättelse"),
        filters=[strip],
        validators=[DataRequired(_l("Give the reason for the rättelse.")), Length(max=2000)],
        description=_l(
            "The justerat original is kept and stays readable. The corrected record is "
            "signed again by the secretary, the chair and the justerare."
        ),
    )
    submit = SubmitField(_l("Start a rättelse"))


class VerifyForm(Form):
    file = FileField(
        _l("PDF file"),
        validators=[FileRequired(_l("Choose the PDF file to check."))],
        description=_l("The file is checked and not kept."),
    )
    submit = SubmitField(_l("Verify"))
