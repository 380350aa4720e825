from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.core.forms import OptionalTextAreaField, RecordForm, strip


class PostingForm(RecordForm):
    """The anslag of a justerat protokoll. (A RecordForm for handle_form; nothing is edited,
    so its version stays empty.)"""

    posted_on = DateField(
        _l("Date the anslag is posted"),
        validators=[DataRequired()],
        description=_l("Today, unless the anslag was made earlier and is registered now."),
    )
    kept_at = StringField(
        _l("Where the protokoll is kept (Förvaringsplats för protokollet)"),
        validators=[DataRequired(), Length(max=300)],
        filters=[strip],
    )
    note = OptionalTextAreaField(
        _l("Note (internal)"),
        description=_l("For example why the anslag is posted later than the law says."),
    )
    submit = SubmitField(_l("Post the anslag"))
