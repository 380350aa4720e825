from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import (
    Form,
    ModelSelectField,
    OptionalStringField,
    OptionalTextAreaField,
    PickerSelectField,
    PickerSelectMultipleField,
    RecordForm,
    strip,
)
from app.people.models import Person
from app.record.models import AttendanceRole, BallotChoice, ForwardPurpose, MotionKind


class DecisionForm(RecordForm):
    notes = OptionalTextAreaField(_l("Summary of the discussion (Sammanfattning)"))
    text = OptionalTextAreaField(_l("Decision (Beslut)"))
    proposition_order = OptionalTextAreaField(_l("Order of proposals (propositionsordning)"))
    # "Beslutet skickas till": chosen from the registers, and others in free text.
    recipient_organisations = SelectMultipleField(
        _l("Sent to organisations"), coerce=int, validate_choice=True
    )
    recipient_region = ModelSelectField(
        _l("Sent to a region and the kommuner of its county"),
        description=_l("Adds the region and each kommun of its county to the organisations."),
    )
    recipient_bodies = SelectMultipleField(_l("Sent to bodies"), coerce=int, validate_choice=True)
    recipient_people = PickerSelectMultipleField(
        _l("Sent to people"), coerce=int, validate_choice=True
    )
    recipient_lines = OptionalTextAreaField(
        _l("Sent to others"),
        description=_l(
            "One per line, as the record prints it; an email address in angle brackets "
            'sends the utdrag there: "Kommunstyrelsen i Arboga <kommunstyrelsen@arboga.se>".'
        ),
        validators=[Length(max=20000)],
    )

    def set_recipient_choices(self, choices: dict[str, list[Any]]) -> None:
        """The organisations, regions, bodies and people to choose from
        (``record.services.recipient_choices``)."""
        self.recipient_organisations.choices = [(o.id, o.name) for o in choices["organisations"]]
        self.recipient_region.set_choices([(o.id, o.name) for o in choices["regions"]])
        self.recipient_bodies.choices = [(b.id, b.name) for b in choices["bodies"]]
        self.recipient_people.choices = [(p.id, p.name) for p in choices["people"]]

    def show_recipients(self, recipients: list[Any]) -> None:
        """Fill the recipient fields from the decision's saved recipients."""
        self.recipient_organisations.data = [
            r.organisation_id for r in recipients if r.organisation_id
        ]
        self.recipient_bodies.data = [r.body_id for r in recipients if r.body_id]
        self.recipient_people.data = [r.person_id for r in recipients if r.person_id]
        self.recipient_lines.data = (
            "\n".join(
                f"{r.text} <{r.email}>" if r.email and r.email != r.text else r.text
                for r in recipients
                if r.text
            )
            or None
        )

    is_withdrawn = BooleanField(_l("Withdrawn (utgår): the item keeps its number"))
    submit = SubmitField(_l("Save"))


class AttendanceForm(Form):
    role = SelectField(_l("Capacity"), choices=AttendanceRole.choices, coerce=AttendanceRole)
    replaces_id = PickerSelectField(_l("Replaces"))
    from_item_id = ModelSelectField(_l("Present from item"))
    to_item_id = ModelSelectField(_l("Present until item"))
    is_remote = BooleanField(_l("Takes part remotely (distans)"))
    title = OptionalStringField(_l("Title"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class AddAttendanceForm(Form):
    person_id = PickerSelectField(_l("Person"), allow_blank=False)
    role = SelectField(_l("Capacity"), choices=AttendanceRole.choices, coerce=AttendanceRole)
    title = OptionalStringField(_l("Title"), validators=[Length(max=200)])
    submit = SubmitField(_l("Add"))


class MotionForm(Form):
    kind = SelectField(_l("Motion"), choices=MotionKind.choices, coerce=MotionKind)
    person_id = PickerSelectField(_l("Moved by"), allow_blank=False)
    text = OptionalTextAreaField(_l("Wording"))
    submit = SubmitField(_l("Add the motion"))


class VoteForm(Form):
    question = StringField(
        _l("What yes and no stand for"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l('E.g. "Ja för förslaget till beslut, nej för Karin Bergs avslagsyrkande."'),
    )
    is_open = BooleanField(_l("Open vote (each member's vote is recorded)"), default=True)
    closed_yes = IntegerField(_l("Yes, closed vote"), validators=[Optional(), NumberRange(min=0)])
    closed_no = IntegerField(_l("No, closed vote"), validators=[Optional(), NumberRange(min=0)])
    closed_abstain = IntegerField(
        _l("Abstains, closed vote"), validators=[Optional(), NumberRange(min=0)]
    )
    outcome = OptionalStringField(_l("Outcome"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record the vote"))


# Labelled in the reader's language (lazily); the record prints ``BallotChoice.printed``.
BALLOT_CHOICES = [("", "—"), *BallotChoice.labels().items()]


class BallotsForm(Form):
    """How each serving member voted in an open vote: one choice per member, posted as
    ``ballot-<person id>`` beside the ``VoteForm`` (whose token it shares). Built per vote by
    ``ballots_form``."""

    class Meta:
        csrf = False

    def choices(self) -> dict[int, BallotChoice]:
        """The person id and vote of each member whose vote was chosen."""
        return {int(f.short_name): BallotChoice(f.data) for f in self if f.data}


def _ballot_chosen(form: Form, field: SelectField) -> None:
    if field.data and field.data not in {value for value, _label in BALLOT_CHOICES}:
        raise ValidationError(_l("Choose how %(name)s voted from the list.", name=field.label.text))


def ballots_form(serving: list[Person], **kwargs: Any) -> BallotsForm:
    """A ``BallotsForm`` with a choice for each of ``serving`` (labelled with her name);
    ``kwargs`` go to the form (``formdata=None`` for an empty one on a page posted to)."""

    class Ballots(BallotsForm):
        pass

    for person in serving:
        setattr(
            Ballots,
            str(person.id),
            SelectField(
                person.name_with_party,
                choices=lambda: BALLOT_CHOICES,  # (a list of tuples is deprecated)
                validate_choice=False,  # _ballot_chosen says whose vote is wrong
                validators=[_ballot_chosen],
            ),
        )
    return Ballots(prefix="ballot", **kwargs)


class ReservationForm(Form):
    person_id = PickerSelectField(_l("Member"), allow_blank=False)
    reason = OptionalTextAreaField(_l("Written reason (optional)"))
    submit = SubmitField(_l("Add the reservation"))


class RecusalForm(Form):
    person_id = PickerSelectField(_l("Member with jäv"), allow_blank=False)
    substitute_id = PickerSelectField(_l("Substitute serving instead"))
    submit = SubmitField(_l("Record jäv"))


class ProtocolNoteForm(Form):
    person_id = PickerSelectField(_l("By"))
    text = OptionalTextAreaField(_l("Note"), validators=[DataRequired()])
    submit = SubmitField(_l("Add the note"))


class AssignmentForm(Form):
    description = OptionalTextAreaField(_l("Assignment (uppdrag)"), validators=[DataRequired()])
    assignee_body_id = ModelSelectField(_l("To a body"))
    assignee_text = OptionalStringField(
        _l("Or to"), validators=[Length(max=200)], description=_l('E.g. "presidiet".')
    )
    due_meeting_id = ModelSelectField(_l("Report back at the meeting"))
    due_date = DateField(_l("Or by the date"), validators=[Optional()])
    submit = SubmitField(_l("Add the uppdrag"))


class ReportBackForm(Form):
    assignment_id = ModelSelectField(_l("Reports back on the uppdrag"), allow_blank=False)
    submit = SubmitField(_l("Mark as reported back"))


class ForwardForm(Form):
    """Forward one item's decision of a final record up the chain; one per item on the record
    page (``prefix=f"forward{item.id}"``)."""

    meeting_id = ModelSelectField(_l("Meeting of the higher body"), allow_blank=False)
    purpose = SelectField(
        _l("Forwarded"),
        choices=lambda: [("", "—"), *ForwardPurpose.choices()],
        validators=[DataRequired(message=_l("Choose what the decision is forwarded for."))],
    )
    submit = SubmitField(_l("Forward the decision"))


class ReportMinutesForm(Form):
    item_id = ModelSelectField(_l("Item of the higher body's agenda"), allow_blank=False)
    submit = SubmitField(_l("Add the minutes as beslutsunderlag"))


class RecordDetailsForm(Form):
    """Who keeps and who justerar the record, and when: chosen at the meeting (item 3)."""

    secretary_id = PickerSelectField(_l("Secretary (signs the record)"))
    chair_id = PickerSelectField(
        _l("Chair of the meeting"),
        description=_l("The vice chair when the chair is away; signs the protokoll."),
    )
    adjusters = PickerSelectMultipleField(
        _l("Adjusters (justerare)"), coerce=int, validate_choice=True
    )
    adjustment_place_time = OptionalStringField(
        _l("Place and time of the justering"),
        validators=[Length(max=300)],
        description=_l('As the protokoll prints it, e.g. "Regionhuset, 2024-04-26 kl. 10.00".'),
    )
    submit = SubmitField(_l("Save"))


class AcceptFindingForm(Form):
    """Accept one point of the completeness check consciously: the note says why."""

    note = TextAreaField(
        _l("Why the point is accepted"),
        filters=[strip],
        validators=[DataRequired(_l("Say why the point is accepted.")), Length(max=2000)],
        description=_l("Kept with the record and shown beside the point."),
    )
    submit = SubmitField(_l("Accept with this note"))


def accept_form(key: str, formdata: Any = None) -> AcceptFindingForm:
    """The form for the point ``key`` ("no-decision/12"): a prefix of its own, so that every
    point's form on the record page has fields of its own."""
    return AcceptFindingForm(formdata=formdata, prefix="accept-" + key.replace("/", "-"))
