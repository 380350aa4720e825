from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form, strip


class RejectForm(Form):
    comment = TextAreaField(
        _l("What must be changed"),
        filters=[strip],
        validators=[DataRequired(_l("Say what must be changed.")), Length(max=4000)],
    )
    submit = SubmitField(_l("Reject and send back to the secretary"))


class CorrectionForm(Form):
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
