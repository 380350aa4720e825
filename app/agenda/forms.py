from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.agenda.models import Placement, StandardKind, SummaryLabel
from app.cases.models import Confidentiality
from app.core.forms import (
    Form,
    ModelSelectField,
    OptionalStringField,
    OptionalTextAreaField,
    PickerSelectMultipleField,
    RecordForm,
    optional_enum,
)
from app.meetings.models import MeetingMode


class MeetingForm(RecordForm):
    meeting_date = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts"), validators=[Optional()])
    end_time = TimeField(_l("Ends"), validators=[Optional()])
    room = OptionalStringField(_l("Room"), validators=[Length(max=200)])
    building = OptionalStringField(_l("Building"), validators=[Length(max=200)])
    location = OptionalStringField(_l("Address"), validators=[Length(max=500)])
    mode = SelectField(_l("Mode"), choices=MeetingMode.choices, coerce=MeetingMode)
    adjusters = PickerSelectMultipleField(
        _l("Adjusters (justerare)"),
        coerce=int,
        description=_l("Chosen to approve the protokoll together with the chair."),
    )
    submit = SubmitField(_l("Save"))


class ItemForm(RecordForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    case_number = OptionalStringField(
        _l("Case number (diarienummer)"),
        validators=[Length(max=40)],
        description=_l("Shown after the title, e.g. (RV240022)."),
    )
    summary_label = SelectField(
        _l("Summary heading"),
        choices=lambda: [("", str(_l("— no heading —"))), *SummaryLabel.choices()],
        coerce=optional_enum(SummaryLabel),
    )
    summary = OptionalTextAreaField(
        _l("Summary"),
        description=_l("Paragraphs separated by a blank line; lines starting with - are bullets."),
    )
    presenters = OptionalTextAreaField(_l("Presenters"), description=_l("One per line."))
    proposal = OptionalTextAreaField(
        _l("Proposed decision"),
        description=_l("Leave empty on a standing item to use its generated sentence."),
    )
    notices = OptionalTextAreaField(
        _l("Reported for information (anmälningar)"),
        description=_l("One per line: the diarienummer, a space, then the title."),
    )
    is_withdrawn = BooleanField(_l("Withdrawn (utgår): the item keeps its number"))
    is_public = BooleanField(_l("Public"), default=True)
    submit = SubmitField(_l("Save"))


class UploadForm(Form):
    # One or more files; the view checks each (a refused one does not stop the others).
    file = MultipleFileField(
        _l("Files"),
        description=_l(
            "PDF, Word (.docx, .doc), OpenDocument (.odt, .ods, .odp), RTF, Excel (.xlsx, .xls) "
            "or PowerPoint (.pptx, .ppt). Office files are converted to PDF/A; the original "
            "is kept."
        ),
    )
    title = OptionalStringField(
        _l("Title"),
        validators=[Length(max=500)],
        description=_l(
            'As listed under Beslutsunderlag, e.g. "Bilaga 1 Analys". Empty: the file\'s '
            "name. Several files each get their own file's name, which can be changed below."
        ),
    )
    confidentiality = SelectField(
        _l("Confidentiality"), choices=Confidentiality.choices, coerce=Confidentiality
    )
    submit = SubmitField(_l("Upload"))


class DocumentTitleForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Save the title"))


class AttachForm(Form):
    document_id = ModelSelectField(_l("Document already in the system"), allow_blank=False)
    submit = SubmitField(_l("Attach"))


class CopyAgendaForm(Form):
    source_id = ModelSelectField(_l("Copy the agenda of"), allow_blank=False)
    submit = SubmitField(_l("Copy the agenda"))


class TemplateChoiceForm(Form):
    template_id = ModelSelectField(_l("Start from the template"), allow_blank=False)
    submit = SubmitField(_l("Use the template"))


class TemplateNameForm(Form):
    name = StringField(_l("Name of the template"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Rename"))


class ItemOrderForm(Form):
    """The order dropped in the editor: item ids, as now and as the page showed them."""

    order = StringField(validators=[DataRequired()])
    shown = StringField()


class SelectedItemsForm(Form):
    """The items ticked in the editor (``item``, read as a list) and what to do with them."""

    action = StringField(validators=[DataRequired()])
    position = IntegerField(_l("To position"), validators=[Optional(), NumberRange(min=1)])
    template_name = StringField(_l("Name of the template"), validators=[Length(max=200)])


class PlannedItemForm(RecordForm):
    title = StringField(_l("Topic"), validators=[DataRequired(), Length(max=500)])
    description = OptionalTextAreaField(_l("Description"))
    meeting_id = ModelSelectField(_l("Planned for"))
    submit = SubmitField(_l("Add to the plan"))


class ComingTopicsForm(RecordForm):
    topics = OptionalTextAreaField(
        _l("Topics planned for the next meeting"),
        description=_l(
            "One topic a line. Each is offered to the agenda of the body's next meeting; the "
            "item's text lists them."
        ),
    )
    submit = SubmitField(_l("Save the planned topics"))


class StandardItemRow(Form):
    class Meta:
        csrf = False  # the enclosing form carries the token

    title = OptionalStringField(_l("Title"), validators=[Length(max=500)])
    placement = SelectField(_l("Placement"), choices=Placement.choices, coerce=Placement)
    kind = SelectField(
        _l("Generated sentence"),
        choices=lambda: [("", str(_l("— none —"))), *StandardKind.choices()],
        coerce=optional_enum(StandardKind),
    )


class StandardItemsForm(Form):
    rows = FieldList(FormField(StandardItemRow), min_entries=1)
    submit = SubmitField(_l("Save"))


class KallelseForm(Form):
    """The covering letter and the recipients of a meeting's kallelse (choices: the view)."""

    covering_letter = TextAreaField(
        _l("Covering letter (följebrev)"),
        validators=[Length(max=10000)],
        description=_l(
            "Opens the mail, before the meeting's date, place and links. Saved with the meeting."
        ),
    )
    recipient = SelectMultipleField(_l("Recipients"), coerce=int, validate_choice=True)
    # The latest mailing when the page was made (0: none): a second click, or a colleague's
    # send in between, is refused instead of mailing everybody twice.
    seen_mailing = IntegerField(widget=HiddenInput(), validators=[Optional()])
