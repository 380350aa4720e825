"""The meeting page as its readers see it: the agenda once sent, the documents they may open,
and the record (a link to it, or to the justerat version). And the sammanträdesplan: a
year's meetings per body and per organisation, and a year of meetings made at once."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import permissions
from app.accounts.permissions import (
    can_view_item_document,
    can_view_meeting,
)
from app.agenda.models import AgendaItemDocument
from app.bodies.models import Body
from app.core.dates import local_today
from app.core.errors import DomainError
from app.core.loading import HIDDEN, load, loaded
from app.core.views import stored_pdf_response
from app.extensions import db
from app.meetings import services as planning
from app.meetings.forms import PlanForm
from app.meetings.models import Meeting
from app.meetings.pages import body_plan, meeting_page, organisation_plan
from app.organisations.models import Organisation
from app.record.loading import MEETING_WITH_BODY

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
plan_bp = Blueprint("plan", __name__)


@bp.get("/<int:meeting_id>")
@loaded(  # existence not disclosed
    "meeting_id", Meeting, can_view_meeting, refusal=HIDDEN, options=MEETING_WITH_BODY
)
def show(meeting: Meeting):
    page = meeting_page(current_user, meeting)
    return render_template("meetings/show.html", **page.context())


@bp.get("/<int:meeting_id>/documents/<int:link_id>")
@loaded("meeting_id", Meeting, can_view_meeting, refusal=HIDDEN)
def document(meeting: Meeting, link_id: int):
    """A beslutsunderlag as the meeting page links it, for whoever the page shows it to."""
    link = load(AgendaItemDocument, link_id, can_view_item_document, refusal=HIDDEN)
    if link.item.meeting_id != meeting.id or not link.document.has_file:
        abort(404)
    return stored_pdf_response(link.document.sha256, link.document.filename or "dokument.pdf")


# -- the sammanträdesplan ------------------------------------------------------------------


@plan_bp.get("/bodies/<int:body_id>/plan")
@loaded("body_id", Body, permissions.can_view_body, refusal=HIDDEN)  # existence not disclosed
def body(body: Body):
    page = body_plan(current_user, body, request.args.get("year", type=int))
    return render_template("meetings/plan.html", **page.context())


@plan_bp.get("/organisations/<int:organisation_id>/plan")
@loaded("organisation_id", Organisation, permissions.can_view_organisation)
def organisation(organisation: Organisation):
    page = organisation_plan(
        current_user,
        organisation,
        request.args.get("year", type=int),
        request.args.get("body", type=int),
    )
    return render_template("meetings/plan.html", **page.context())


def _holiday_language() -> str:
    return "sv" if str(get_locale()).startswith("sv") else "en_US"


def _planned_days(form: PlanForm) -> tuple[list[date], list[planning.LineError]]:
    if form.from_list:
        return planning.parse_date_list(form.dates.data or "", form.year.data)
    return planning.dates_from_rule(form.rule()), []


@plan_bp.route("/bodies/<int:body_id>/plan/new", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def new(body: Body):
    """Preview the dates (holidays flagged, days with a meeting or past skipped), then make
    the meetings of those chosen. A preview whose dates no longer match the form (the rule
    was changed before *Create*) is shown again instead of creating anything."""
    form = PlanForm()
    if not form.is_submitted():
        today = local_today()
        form.year.data = today.year + 1 if today.month >= 10 else today.year
        form.weeks.data = [1]  # "första tisdagen varje månad" until the secretary says else
    preview = None
    line_errors: list[planning.LineError] = []
    refused = False
    if form.is_submitted() and not form.validate():
        flash(_("Please correct the errors marked below."), "error")
    elif form.is_submitted():
        try:
            days, line_errors = _planned_days(form)
            if line_errors:
                form.dates.errors = [_("Some lines are not dates; correct them below.")]
            else:
                preview = planning.plan_dates(body, days, language=_holiday_language())
                offered = [planned.day.isoformat() for planned in preview.to_create]
                if form.create.data and form.previewed.data == ",".join(offered):
                    meetings = planning.create_planned_meetings(
                        current_user, body, form.chosen_days(), form.details()
                    )
                    db.session.commit()
                    flash(
                        ngettext(
                            "%(num)d meeting was created.",
                            "%(num)d meetings were created.",
                            len(meetings),
                        ),
                        "success",
                    )
                    return redirect(
                        url_for(".body", body_id=body.id, year=meetings[0].meeting_date.year)
                    )
                if form.create.data:
                    flash(
                        _("The dates changed with the form; check them and create again."), "info"
                    )
                form.previewed.data = ",".join(offered)
                form.days.data = [
                    planned.day.isoformat() for planned in preview.to_create if not planned.holiday
                ]
        except DomainError as error:
            db.session.rollback()
            refused = True
            if error.field and error.field in form:
                form[error.field].errors = [*form[error.field].errors, error.message]
            else:
                flash(error.message, "error")
    status = 422 if form.is_submitted() and (refused or form.errors or line_errors) else 200
    return render_template(
        "meetings/plan_new.html",
        body=body,
        form=form,
        preview=preview,
        line_errors=line_errors,
    ), status
