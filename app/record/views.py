"""The secretary's record work, and the record as members and the public read it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts import permissions
from app.agenda.models import AgendaItem, PlannedItem
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.loading import HIDDEN, load, loaded
from app.core.views import (
    confirmed_post,
    handle_form,
    pdf_response,
    run_action,
    stored_pdf_response,
)
from app.extensions import db
from app.jobs.services import start_job
from app.jobs.views import follow_job
from app.justering import jobs as kinds
from app.justering import services as justering
from app.justering.forms import CorrectionForm
from app.meetings.models import Meeting, RecordStatus
from app.people.models import Person
from app.record import loading, pages, services
from app.record.forms import (
    AddAttendanceForm,
    AssignmentForm,
    AttendanceForm,
    DecisionForm,
    ForwardForm,
    MotionForm,
    ProtocolNoteForm,
    RecordDetailsForm,
    RecusalForm,
    ReportBackForm,
    ReportMinutesForm,
    ReservationForm,
    VoteForm,
    accept_form,
    ballots_form,
)
from app.record.models import (
    Assignment,
    Attendance,
    AttendanceRole,
    ForwardPurpose,
    Motion,
    ProtocolNote,
    Recusal,
    Reservation,
    Vote,
)
from app.record.rendering import extract_pdf_for_reading, record_pdf_for_reading, record_view

bp = Blueprint("record", __name__)

PARTS = {
    "motion": Motion,
    "vote": Vote,
    "reservation": Reservation,
    "recusal": Recusal,
    "note": ProtocolNote,
}


# -- reading -----------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/record")
@loaded(
    "meeting_id",
    Meeting,
    permissions.can_open_record,
    refusal=HIDDEN,
    options=loading.MEETING_WITH_BODY,
)
def show(meeting: Meeting):
    page = pages.record_page(current_user, meeting)
    return render_template("record/show.html", **page.context(), **_work_forms(page))


def _work_forms(page: pages.RecordPage, posted: dict | None = None) -> dict:
    """The forms of the secretary's work on the record page; ``posted``: forms as typed,
    by the key of the point they accept, in place of empty ones."""
    if not page.manager:
        return {}
    meeting = page.meeting
    forms: dict = {"correction_form": CorrectionForm()}
    if page.details_editable:
        forms["accept_forms"] = {
            f.key: (posted or {}).get(f.key) or accept_form(f.key)
            for f in page.findings
            if f.acceptable and f.blocks
        }
    if page.details_editable:
        forms["details_form"] = _details_form(meeting)
    if page.anslag:
        forms["anslag_url"] = url_for("publication.anslag", meeting_id=meeting.id)
    if page.forward_targets:
        forms["forward_forms"] = {
            item.id: _forward_form(item, page.forward_targets)
            for item in page.items
            if item.id in page.forwardable
        }
    if page.report_targets is not None:
        report = ReportMinutesForm(prefix="report")
        report.item_id.set_choices(
            [
                (i.id, f"{i.meeting.meeting_date.isoformat()} {i.display_number} {i.title}")
                for i in page.report_targets
            ]
        )
        forms["report"] = report
    return forms


@bp.get("/meetings/<int:meeting_id>/record.pdf")
@loaded("meeting_id", Meeting, permissions.can_open_record, refusal=HIDDEN)
def pdf(meeting: Meeting):
    """The record as PDF: a draft for the secretary; once signed, the signed original for the
    secretary's side and the members, the public copy for everyone else."""
    manager = permissions.can_manage_meeting(current_user, meeting)
    justered = justering.justered_revision(meeting)
    if justered is not None and (meeting.record_status == RecordStatus.FINAL or not manager):
        internal = permissions.gets_signed_original(current_user, meeting)
        sha = justered.signed_pdf_sha256 if internal else justered.public_pdf_sha256
        return stored_pdf_response(
            sha,
            f"{record_view(meeting, []).title.capitalize()} {meeting.file_stem}.pdf",
        )
    if not permissions.can_read_record(current_user, meeting):
        abort(404)  # not started, or (for readers) not final: no PDF to give
    open_round = justering.open_round(meeting)
    if open_round is not None:
        return redirect(url_for("justering.round_pdf", round_id=open_round.id))
    content = record_pdf_for_reading(meeting)  # a GET writes nothing
    return pdf_response(
        content,
        f"{record_view(meeting, []).title.capitalize()} {meeting.file_stem}.pdf",
    )


@bp.get("/meetings/<int:meeting_id>/utdrag.pdf")
@loaded("meeting_id", Meeting, permissions.can_view_record, refusal=HIDDEN)
def extract(meeting: Meeting):
    wanted = {int(v) for v in request.args.getlist("item") if v.isdigit()}
    inside = permissions.can_read_non_public_items(current_user, meeting)
    items = [item for item in meeting.items if item.id in wanted and (item.is_public or inside)]
    if not items:
        abort(404)
    content = extract_pdf_for_reading(meeting, items)  # rendered, never stored, on a GET
    return pdf_response(
        content,
        f"Utdrag {meeting.file_stem}.pdf",
    )


# -- starting and finishing ----------------------------------------------------------------------


@bp.post("/meetings/<int:meeting_id>/record/start")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def start(meeting: Meeting):
    return run_action(
        lambda: services.start_record(current_user, meeting),
        _(
            "The record is started: attendance is taken from the members "
            "and every item has its number."
        ),
        url_for(".show", meeting_id=meeting.id),
    )


@bp.post("/meetings/<int:meeting_id>/record/finalise")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def finalise(meeting: Meeting):
    # Rendering and signing take a while: a background job runs
    # justering.finalise_and_sign_minutes, which holds the rules.
    job = start_job(
        current_user,
        kinds.SIGN_MINUTES,
        arguments={"meeting_id": meeting.id},
        body_id=meeting.body_id,
    )
    return follow_job(job)


@bp.post("/meetings/<int:meeting_id>/record/findings/<kind>/<int:part_id>/accept")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def accept(meeting: Meeting, kind: str, part_id: int):
    """Accept a point of the completeness check with a note; a missing note or a refusal
    shows the record page again with the note as typed."""
    key = f"{kind}/{part_id}"
    form = accept_form(key, request.form)
    if form.validate_on_submit():
        try:
            services.accept_finding(current_user, meeting, key, form.note.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.note.errors = [*form.note.errors, error.message]
        else:
            flash(_("The point was accepted with your note."), "success")
            return redirect(url_for(".show", meeting_id=meeting.id) + "#completeness")
    flash(_("Not accepted: %(errors)s", errors=" ".join(str(e) for e in form.note.errors)), "error")
    page = pages.record_page(current_user, meeting)
    forms = _work_forms(page, {key: form})
    return render_template("record/show.html", **page.context(), **forms), 422


def _details_form(meeting: Meeting, data=None) -> RecordDetailsForm:
    form = RecordDetailsForm(formdata=data, prefix="details")
    people = [a.person for a in meeting.attendances]
    form.secretary_id.set_choices(_people_choices(people))
    voting = [a.person for a in meeting.attendances if a.role == AttendanceRole.VOTING]
    form.chair_id.set_choices(_people_choices(voting))
    form.adjusters.choices = [
        (a.person_id, a.person.name_with_party)
        for a in meeting.attendances
        if a.role == AttendanceRole.VOTING
    ]
    if data is None:
        form.secretary_id.data = meeting.secretary_id
        chair = record_view(meeting, []).chair
        form.chair_id.data = chair.id if chair else None
        form.adjusters.data = [a.person_id for a in meeting.adjusters]
        form.adjustment_place_time.data = meeting.adjustment_place_time
    return form


@bp.post("/meetings/<int:meeting_id>/record/details")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def details(meeting: Meeting):
    form = _details_form(meeting, request.form)
    back = url_for(".show", meeting_id=meeting.id)
    if not form.validate():
        flash(
            " ".join(error for errors in form.errors.values() for error in errors)
            if form.errors
            else _("Please correct the errors marked below."),
            "error",
        )
        return redirect(back)
    chosen = [db.session.get(Person, person_id) for person_id in form.adjusters.data]
    return run_action(
        lambda: services.update_record_details(
            current_user,
            meeting,
            secretary=db.session.get(Person, form.secretary_id.data)
            if form.secretary_id.data
            else None,
            adjusters=[p for p in chosen if p is not None],
            adjustment_place_time=form.adjustment_place_time.data,
            chair=db.session.get(Person, form.chair_id.data) if form.chair_id.data else None,
        ),
        _("Saved."),
        back,
    )


# -- attendance ---------------------------------------------------------------------------------


def _attendance_form(
    meeting: Meeting, attendance: Attendance, replaceable: list[Person]
) -> AttendanceForm:
    form = AttendanceForm(prefix=f"a{attendance.id}", obj=attendance)
    form.replaces_id.set_choices(
        [(p.id, p.name_with_party) for p in replaceable if p.id != attendance.person_id]
    )
    item_choices = [(i.id, f"{i.display_number} {i.title}") for i in meeting.items]
    form.from_item_id.set_choices(item_choices)
    form.to_item_id.set_choices(item_choices)
    return form


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def attendance(meeting: Meeting):
    add = AddAttendanceForm(prefix="add")
    add.person_id.set_choices(
        [
            (p.id, p.name_with_party + (f" – {p.title}" if p.title else ""))
            for p in pages.people_not_present(meeting)
        ]
    )
    rows = [
        (a, _attendance_form(meeting, a, pages.replacement_choices(meeting, a)))
        for a in meeting.attendances
    ]
    return render_template(
        "record/attendance.html", meeting=meeting, rows=rows, add=add, confirm=ConfirmForm()
    )


@bp.post("/attendance/<int:attendance_id>")
@login_required
@loaded("attendance_id", Attendance, permissions.can_manage_attendance, into="row")
def update_attendance(row: Attendance):
    meeting = row.meeting
    form = _attendance_form(meeting, row, pages.replaceable_people(meeting))
    target = url_for(".attendance", meeting_id=meeting.id) + f"#a{row.id}"
    if not form.validate_on_submit():
        flash(
            " ".join(
                f"{form[name].label.text}: {' '.join(map(str, errors))}"
                for name, errors in form.errors.items()
            )
            or _("Please correct the errors marked below."),
            "error",
        )
        return redirect(target)
    values = {
        k: form[k].data
        for k in ("role", "replaces_id", "from_item_id", "to_item_id", "is_remote", "title")
    }
    return run_action(
        lambda: services.update_attendance(current_user, row, **values),
        _("The attendance was saved."),
        target,
    )


@bp.post("/attendance/<int:attendance_id>/remove")
@login_required
@confirmed_post
@loaded("attendance_id", Attendance, permissions.can_manage_attendance, into="row")
def remove_attendance(row: Attendance):
    meeting = row.meeting
    return run_action(
        lambda: services.remove_attendance(current_user, row),
        _("Removed from the attendance list."),
        url_for(".attendance", meeting_id=meeting.id),
    )


@bp.post("/meetings/<int:meeting_id>/attendance/add")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def add_attendance(meeting: Meeting):
    form = AddAttendanceForm(prefix="add")
    form.person_id.set_choices([(p.id, p.name) for p in db.session.scalars(select(Person))])
    target = url_for(".attendance", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(_("Choose a person."), "error")
        return redirect(target)
    person = db.session.get(Person, form.person_id.data)
    return run_action(
        lambda: services.add_attendance(
            current_user, meeting, person=person, role=form.role.data, title=form.title.data
        ),
        _("%(name)s was added to the attendance list.", name=person.name),
        target,
    )


# -- an item's record ------------------------------------------------------------------------------


def _people_choices(people: list[Person]) -> list[tuple[int, str]]:
    return [(p.id, p.name_with_party) for p in people]


def _part_forms(parts: dict) -> dict:
    """The forms that add a part to an item's record, choosing from ``parts``
    (``pages.item_parts``, or the ``ItemPage``'s values of the same names)."""
    forms = {
        "motion": MotionForm(prefix="motion"),
        "vote": VoteForm(prefix="vote"),
        "reservation": ReservationForm(prefix="reservation"),
        "recusal": RecusalForm(prefix="recusal"),
        "note": ProtocolNoteForm(prefix="note"),
        "assignment": AssignmentForm(prefix="assignment"),
    }
    forms["motion"].person_id.set_choices(_people_choices(parts["present"]))
    forms["reservation"].person_id.set_choices(_people_choices(parts["serving"]))
    forms["recusal"].person_id.set_choices(_people_choices(parts["voting"]))
    forms["recusal"].substitute_id.set_choices(_people_choices(parts["substitutes"]))
    forms["note"].person_id.set_choices(_people_choices(parts["present"]))
    forms["assignment"].assignee_body_id.set_choices([(b.id, b.name) for b in parts["bodies"]])
    forms["assignment"].due_meeting_id.set_choices(
        [(m.id, m.meeting_date.isoformat()) for m in parts["later_meetings"]]
    )
    return forms


def _item_page(item: AgendaItem, **posted) -> dict:
    """Everything the item's record page renders: ``posted`` (the vote form and its ballots,
    as typed) stand in for the empty forms of the same names."""
    page = pages.item_page(current_user, item)
    meeting = page.meeting
    forms = _part_forms(vars(page))
    forms["report_back"] = ReportBackForm(prefix="report-back")
    forms["report_back"].assignment_id.set_choices(
        [(a.id, _reportable_label(a)) for a in page.reportable]
    )
    if "vote" in posted:
        forms["vote"] = posted["vote"]
    return {
        "record": item.decision,
        "item": item,
        "meeting": meeting,
        "view": page.view,
        "quorum": page.quorum,
        "history": page.history,
        "actors": page.actors,
        "confirm": ConfirmForm(),
        "forms": forms,
        "ballots": posted["ballots"]
        if "ballots" in posted
        else ballots_form(page.serving, formdata=None),
        "serving": page.serving,
        "title": _("Record of item %(number)s", number=item.record_label),
        "cancel_url": url_for(".show", meeting_id=meeting.id),
    }


def _reportable_label(assignment: Assignment) -> str:
    """An uppdrag as the report-back form offers it: where it was given, to whom, what."""
    origin = assignment.decision.item
    return (
        f"{origin.meeting.body.name} {origin.meeting.meeting_date.isoformat()} "
        f"{origin.reference}: {assignment.assignee}, {assignment.description}"
    )


def _decision_form(item: AgendaItem, **kwargs) -> DecisionForm:
    decision = item.decision
    form = DecisionForm(obj=decision, **kwargs)
    form.set_recipient_choices(services.recipient_choices())
    if request.method == "GET" or kwargs.get("formdata", True) is None:
        form.is_withdrawn.data = item.is_withdrawn
        form.show_recipients(decision.recipients if decision else [])
        if decision is None or not decision.notes:
            form.notes.data = (decision.notes if decision else None) or item.summary
    return form


@bp.route("/items/<int:item_id>/record", methods=["GET", "POST"])
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item, options=loading.ITEM_WITH_MEETING)
def edit_item(item: AgendaItem):
    meeting = item.meeting
    if meeting.record_status == RecordStatus.NONE:
        flash(_("Start the record first."), "error")
        return redirect(url_for(".show", meeting_id=meeting.id))
    if meeting.record_status == RecordStatus.FINAL:
        flash(_("The record is final and can no longer change."), "error")
        return redirect(url_for(".show", meeting_id=meeting.id))
    form = _decision_form(item)
    return handle_form(
        form,
        lambda data: services.update_decision(current_user, item, form.version.data, **data),
        success_url=lambda d: url_for(".show", meeting_id=meeting.id) + f"#item-{item.id}",
        success_message=_("The record of the item was saved."),
        template="record/item.html",
        # Shown again after a POST means not saved: what the form holds is still unsaved.
        decision_unsaved=request.method == "POST",
        **_item_page(item),
    )


def _part_post(item: AgendaItem, kind: str, action):
    form = _part_forms(pages.item_parts(item))[kind]
    target = url_for(".edit_item", item_id=item.id) + f"#{kind}"
    if not form.validate_on_submit():
        errors = "; ".join(
            f"{form[name].label.text}: {' '.join(msgs)}" for name, msgs in form.errors.items()
        )
        flash(_("Not saved: %(errors)s", errors=errors), "error")
        return redirect(target)
    return run_action(lambda: action(form), _("Saved."), target)


@bp.post("/items/<int:item_id>/motions")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_motion(item: AgendaItem):
    return _part_post(
        item,
        "motion",
        lambda f: services.add_motion(
            current_user, item, kind=f.kind.data, person_id=f.person_id.data, text=f.text.data
        ),
    )


@bp.post("/items/<int:item_id>/votes")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_vote(item: AgendaItem):
    """A vote: what yes and no stand for, each serving member's vote (open) or the counts
    (closed). A wrong value is shown on the item's page with everything typed kept."""
    form = VoteForm(prefix="vote")
    ballots = ballots_form(services.serving_at(item.meeting, item))
    if not (form.validate_on_submit() & ballots.validate()):  # both, to mark every error
        if item.meeting.record_status in (RecordStatus.NONE, RecordStatus.FINAL):
            return redirect(url_for(".edit_item", item_id=item.id))  # which says why not
        flash(_("Please correct the errors marked below."), "error")
        decision_form = _decision_form(item, formdata=None)
        page = _item_page(item, vote=form, ballots=ballots)
        return render_template("record/item.html", form=decision_form, conflict=None, **page), 422
    return run_action(
        lambda: services.add_vote(
            current_user,
            item,
            question=form.question.data,
            is_open=form.is_open.data,
            choices=ballots.choices(),
            counts=(
                form.closed_yes.data or 0,
                form.closed_no.data or 0,
                form.closed_abstain.data or 0,
            ),
            outcome=form.outcome.data,
        ),
        _("Saved."),
        url_for(".edit_item", item_id=item.id) + "#vote",
    )


@bp.post("/items/<int:item_id>/reservations")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_reservation(item: AgendaItem):
    return _part_post(
        item,
        "reservation",
        lambda f: services.add_reservation(
            current_user, item, person_id=f.person_id.data, reason=f.reason.data
        ),
    )


@bp.post("/items/<int:item_id>/recusals")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_recusal(item: AgendaItem):
    return _part_post(
        item,
        "recusal",
        lambda f: services.add_recusal(
            current_user, item, person_id=f.person_id.data, substitute_id=f.substitute_id.data
        ),
    )


@bp.post("/items/<int:item_id>/notes")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_note(item: AgendaItem):
    return _part_post(
        item,
        "note",
        lambda f: services.add_protocol_note(
            current_user, item, person_id=f.person_id.data, text=f.text.data
        ),
    )


@bp.post("/items/<int:item_id>/assignments")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def add_assignment(item: AgendaItem):
    return _part_post(
        item,
        "assignment",
        lambda f: services.add_assignment(
            current_user,
            item,
            description=f.description.data,
            assignee_body_id=f.assignee_body_id.data,
            assignee_text=f.assignee_text.data,
            due_meeting_id=f.due_meeting_id.data,
            due_date=f.due_date.data,
        ),
    )


@bp.post("/items/<int:item_id>/reports-back")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def report_back(item: AgendaItem):
    """Mark the item as reporting back on an open uppdrag: linked and closed."""
    form = ReportBackForm(prefix="report-back")
    form.assignment_id.set_choices([(i, "") for i in db.session.scalars(select(Assignment.id))])
    target = url_for(".edit_item", item_id=item.id) + "#report-back"
    if not form.validate_on_submit():
        flash(_("Choose an uppdrag."), "error")
        return redirect(target)
    assignment = load(Assignment, form.assignment_id.data, permissions.can_view_assignment)
    return run_action(
        lambda: services.report_back(current_user, item, assignment),
        _("The uppdrag is marked as reported back at this item."),
        target,
    )


@bp.post("/items/<int:item_id>/reports-back/<int:assignment_id>/remove")
@login_required
@confirmed_post
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def undo_report_back(item: AgendaItem, assignment_id: int):
    # An uppdrag this item does not report back on is, seen from this item, not there.
    assignment = load(
        Assignment,
        assignment_id,
        lambda _user, assignment: assignment.reported_item_id == item.id,
        refusal=HIDDEN,
    )
    return run_action(
        lambda: services.undo_report_back(current_user, item, assignment),
        _("The uppdrag is open again."),
        url_for(".edit_item", item_id=item.id) + "#report-back",
    )


@bp.post("/items/<int:item_id>/<kind>/<int:part_id>/remove")
@login_required
@confirmed_post
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def remove_part(item: AgendaItem, kind: str, part_id: int):
    model = PARTS.get(kind) or abort(404)
    # A part of another item is, seen from this one, not there.
    part = load(model, part_id, lambda _user, part: part.item_id == item.id, refusal=HIDDEN)
    return run_action(
        lambda: services.remove_part(current_user, item, part),
        _("Removed."),
        url_for(".edit_item", item_id=item.id),
    )


# -- expediering -------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/expediering")
@login_required
@confirmed_post
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def send_decision(item: AgendaItem):
    """Send the utdrag of a final record's item to its recipients with an address."""
    target = url_for(".show", meeting_id=item.meeting_id) + f"#item-{item.id}"
    try:
        result = services.send_decision(current_user, item)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    if result.sent:
        flash(
            _(
                "The utdrag was sent to %(names)s.",
                names=", ".join(r.name for r in result.sent),
            ),
            "success",
        )
    if result.failed:
        flash(
            _(
                "The utdrag could not be sent to %(names)s; the reason is shown beside each.",
                names=", ".join(r.name for r in result.failed),
            ),
            "error",
        )
    if result.without_address:
        flash(
            _(
                "No email address for %(names)s: send the utdrag to them by post.",
                names=", ".join(r.name for r in result.without_address),
            ),
            "notice",
        )
    return redirect(target)


# -- up the chain -------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/forward")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def forward(item: AgendaItem):
    """One item's decision of a final record, to a meeting of the higher body: för kännedom
    among its anmälningar, or för beslut as a planned item (the service holds the rules)."""
    form = _forward_form(item)
    target = url_for(".show", meeting_id=item.meeting_id) + f"#item-{item.id}"
    if not form.validate_on_submit():
        errors = "; ".join(
            f"{form[name].label.text}: {' '.join(map(str, msgs))}"
            for name, msgs in form.errors.items()
        )
        flash(_("Not forwarded: %(errors)s", errors=errors), "error")
        return redirect(target)
    meeting = db.session.get(Meeting, form.meeting_id.data)
    purpose = ForwardPurpose(form.purpose.data)
    if purpose == ForwardPurpose.INFORMATION:
        done = _(
            "The decision was forwarded for information: it is listed among the anmälningar "
            "of %(meeting)s.",
            meeting=meeting.title,
        )
    else:
        done = _(
            "The decision was forwarded: its utdrag waits among the planned topics of %(body)s.",
            body=meeting.body.name,
        )
    return run_action(
        lambda: services.forward_decision(current_user, item, meeting, purpose),
        done,
        target,
    )


def _forward_form(item: AgendaItem, targets: list[Meeting] | None = None) -> ForwardForm:
    """The form that forwards ``item``'s decision: offering ``targets`` on the page; posted,
    any meeting of the higher body, which the service then judges (a meeting held since the
    page was shown is refused with its reason, not as an unknown choice)."""
    form = ForwardForm(prefix=f"forward{item.id}")
    if targets is None:
        parent_id = item.meeting.body.parent_id
        targets = list(db.session.scalars(select(Meeting).where(Meeting.body_id == parent_id)))
    form.meeting_id.set_choices([(m.id, m.title) for m in targets])
    return form


@bp.post("/meetings/<int:meeting_id>/report-minutes")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def report_minutes(meeting: Meeting):
    form = ReportMinutesForm(prefix="report")
    form.item_id.set_choices([(i.id, "") for i in db.session.scalars(select(AgendaItem))])
    target = url_for(".show", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(_("Choose an item."), "error")
        return redirect(target)
    item = load(AgendaItem, form.item_id.data, permissions.can_manage_item)
    return run_action(
        lambda: services.add_minutes_to_item(current_user, meeting, item),
        _("The minutes were added as beslutsunderlag."),
        target,
    )


@bp.post("/planned/<int:planned_id>/attach")
@login_required
@confirmed_post
@loaded("planned_id", PlannedItem, permissions.can_manage_planned)
def attach_planned(planned: PlannedItem):
    item_id = request.form.get("item_id", type=int) or abort(400)
    item = load(AgendaItem, item_id, permissions.can_manage_item)
    return run_action(
        lambda: services.attach_planned_to_item(current_user, planned, item),
        _("The forwarded decision was attached to the item."),
        url_for("agenda.editor", meeting_id=item.meeting_id),
    )
