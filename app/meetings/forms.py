from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import Form, OptionalStringField, OptionalTextAreaField
from app.meetings.models import MeetingMode
from app.meetings.services import LAST_WEEK, MeetingDetails, Pattern, PlanRule

WEEKDAY_CHOICES = [
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
]
WEEK_CHOICES = [
    (1, _l("first")),
    (2, _l("second")),
    (3, _l("third")),
    (4, _l("fourth")),
    (LAST_WEEK, _l("last")),
]
MONTH_CHOICES = [
    (1, _l("January")),
    (2, _l("February")),
    (3, _l("March")),
    (4, _l("April")),
    (5, _l("May")),
    (6, _l("June")),
    (7, _l("July")),
    (8, _l("August")),
    (9, _l("September")),
    (10, _l("October")),
    (11, _l("November")),
    (12, _l("December")),
]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(Form):
    """A year of meetings: from a rule or from a typed list, with the details each gets."""

    source = RadioField(
        _l("The dates"),
        choices=lambda: [("rule", _l("From a rule")), ("list", _l("From a list of dates"))],
        default="rule",
    )
    year = IntegerField(_l("Year"), validators=[DataRequired()])
    pattern = RadioField(
        _l("Rule"),
        choices=lambda: [
            (Pattern.MONTHLY.value, _l("A weekday of the month")),
            (Pattern.WEEKLY.value, _l("Every few weeks from a first date")),
        ],
        default=Pattern.MONTHLY.value,
    )
    weeks = CheckboxesField(_l("Which week of the month"), choices=lambda: WEEK_CHOICES, coerce=int)
    weekday = SelectField(_l("Weekday"), choices=lambda: WEEKDAY_CHOICES, coerce=int, default=1)
    start_date = DateField(_l("First date"), validators=[Optional()])
    interval = IntegerField(_l("Every how many weeks"), validators=[Optional()], default=2)
    skip_months = CheckboxesField(
        _l("Months without meetings"), choices=lambda: MONTH_CHOICES, coerce=int
    )
    dates = OptionalTextAreaField(
        _l("Dates, one a line"),
        description=_l('As 2026-02-03, "3 februari 2026" or "tisdag 3 februari 2026".'),
    )
    start_time = TimeField(_l("Starts"), validators=[Optional()])
    end_time = TimeField(_l("Ends"), validators=[Optional()])
    room = OptionalStringField(_l("Room"), validators=[Length(max=200)])
    building = OptionalStringField(_l("Building"), validators=[Length(max=200)])
    location = OptionalStringField(_l("Address"), validators=[Length(max=500)])
    mode = SelectField(_l("Mode"), choices=MeetingMode.choices, coerce=MeetingMode)
    # The dates offered by the last preview, and those of them chosen.
    previewed = HiddenField()
    days = CheckboxesField(_l("Meetings to create"), choices=lambda: [], validate_choice=False)
    preview = SubmitField(_l("Show the dates"))
    create = SubmitField(_l("Create the meetings"))

    @property
    def from_list(self) -> bool:
        return self.source.data == "list"

    def rule(self) -> PlanRule:
        return PlanRule(
            year=self.year.data,
            pattern=Pattern(self.pattern.data or Pattern.MONTHLY.value),
            weekday=self.start_date.data.weekday()
            if self.pattern.data == Pattern.WEEKLY.value and self.start_date.data
            else self.weekday.data,
            weeks=tuple(self.weeks.data or ()),
            start=self.start_date.data,
            interval=self.interval.data or 0,
            skip_months=frozenset(self.skip_months.data or ()),
        )

    def details(self) -> MeetingDetails:
        return MeetingDetails(
            start_time=self.start_time.data,
            end_time=self.end_time.data,
            room=self.room.data,
            building=self.building.data,
            location=self.location.data,
            mode=self.mode.data,
        )

    def chosen_days(self) -> set[date]:
        chosen: set[date] = set()
        for value in self.days.data or ():
            try:
                chosen.add(date.fromisoformat(value))
            except ValueError:
                continue  # not one the preview offered: nothing to create
        return chosen
