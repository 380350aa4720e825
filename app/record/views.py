"""The secretary's record work, and the record as members and the public read it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.permissions import can_manage_body, can_view_body, can_view_record, is_member
from app.agenda.models import AgendaItem, PlannedItem
from app.bodies.models import Body, Membership
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
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
from app.publication import services as publication
from app.record import services
from app.record.forms import (
    BALLOT_CHOICES,
    AddAttendanceForm,
    AssignmentForm,
    AttendanceForm,
    DecisionForm,
    ForwardForm,
    MotionForm,
    ProtocolNoteForm,
    RecordDetailsForm,
    RecusalForm,
    ReportMinutesForm,
    ReservationForm,
    VoteForm,
)
from app.record.loading import meeting_with_details
from app.record.models import (
    Attendance,
    AttendanceRole,
    BallotChoice,
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


def _managed_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_manage_body(current_user, meeting.body):
        abort(403)
    return meeting


def _managed_item(item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if not can_manage_body(current_user, item.meeting.body):
        abort(403)
    return item


def _readable_record(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_view_record(current_user, meeting) or meeting.record_status == RecordStatus.NONE:
        abort(404)
    return meeting


# -- reading -----------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/record")
def show(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    manager = can_manage_body(current_user, meeting.body)
    justered = justering.justered_revision(meeting)
    if not manager and justered is not None:
        # Readers read the justerat record as it was signed, also while a rättelse is made.
        if not can_view_body(current_user, meeting.body):
            abort(404)
        member = is_member(current_user, meeting.body)
        return render_template(
            "record/show.html",
            meeting=meeting,
            record=record_view(meeting, []),
            frozen=justered.record_html if member else justered.public_html,
            in_correction=meeting.record_status != RecordStatus.FINAL,
            manager=False,
            member=member,
            revisions=justering.justered_revisions(meeting),
        )
    if not manager:
        meeting = _readable_record(meeting_id)
    meeting = meeting_with_details(meeting.id)  # items, decisions, attendance: a fixed count
    items = list(meeting.items) if manager else [i for i in meeting.items if i.is_public]
    context = {
        "meeting": meeting,
        "items": items,
        "record": record_view(meeting, items),
        "manager": manager,
        "revisions": justering.justered_revisions(meeting),
        "member": manager or is_member(current_user, meeting.body),
    }
    if manager:
        context["rounds"] = justering.rounds_of(meeting)
        context["open_round"] = justering.open_round(meeting)
        context["revision"] = justering.current_revision(meeting)
        context["deadline"] = justering.deadline_status(meeting)
        context["correction_form"] = CorrectionForm()
        if meeting.record_status == RecordStatus.DRAFT:
            context["details_form"] = _details_form(meeting)
        if publication.can_post(meeting) or publication.postings_of(meeting):
            context["anslag_url"] = url_for("publication.anslag", meeting_id=meeting.id)
        context["problems"] = (
            services.record_problems(meeting) if meeting.record_status != RecordStatus.NONE else []
        )
        parent = meeting.body.parent
        if parent is not None and meeting.record_status == RecordStatus.FINAL:
            report = ReportMinutesForm(prefix="report")
            later = db.session.scalars(
                select(AgendaItem)
                .join(AgendaItem.meeting)
                .where(Meeting.body_id == parent.id, Meeting.meeting_date >= meeting.meeting_date)
                .order_by(Meeting.meeting_date, AgendaItem.position)
            )
            report.item_id.set_choices(
                [
                    (i.id, f"{i.meeting.meeting_date.isoformat()} {i.display_number} {i.title}")
                    for i in later
                ]
            )
            context["report"] = report
    return render_template("record/show.html", **context)


@bp.get("/meetings/<int:meeting_id>/record.pdf")
def pdf(meeting_id: int):
    """The record as PDF: a draft for the secretary; once signed, the signed original for the
    secretary's side and the members, the public copy for everyone else."""
    meeting = db.get_or_404(Meeting, meeting_id)
    manager = can_manage_body(current_user, meeting.body)
    justered = justering.justered_revision(meeting)
    if justered is not None and (meeting.record_status == RecordStatus.FINAL or not manager):
        if not can_view_body(current_user, meeting.body):
            abort(404)
        internal = manager or is_member(current_user, meeting.body)
        sha = justered.signed_pdf_sha256 if internal else justered.public_pdf_sha256
        return stored_pdf_response(
            sha,
            f"{record_view(meeting, []).title.capitalize()} {meeting.file_stem}.pdf",
        )
    if not manager:
        meeting = _readable_record(meeting_id)
    if meeting.record_status == RecordStatus.NONE:
        abort(404)
    open_round = justering.open_round(meeting)
    if open_round is not None:
        return redirect(url_for("justering.round_pdf", round_id=open_round.id))
    content = record_pdf_for_reading(meeting)  # a GET writes nothing
    return pdf_response(
        content,
        f"{record_view(meeting, []).title.capitalize()} {meeting.file_stem}.pdf",
    )


@bp.get("/meetings/<int:meeting_id>/utdrag.pdf")
def extract(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_manage_body(current_user, meeting.body):
        meeting = _readable_record(meeting_id)
    wanted = {int(v) for v in request.args.getlist("item") if v.isdigit()}
    inside = can_manage_body(current_user, meeting.body) or is_member(current_user, meeting.body)
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
def start(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
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
def finalise(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    # Rendering and signing take a while: a background job runs
    # justering.finalise_and_sign_minutes, which holds the rules.
    job = start_job(
        current_user,
        kinds.SIGN_MINUTES,
        arguments={"meeting_id": meeting.id},
        body_id=meeting.body_id,
    )
    return follow_job(job)


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
def details(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
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


def _attendance_form(meeting: Meeting, attendance: Attendance) -> AttendanceForm:
    form = AttendanceForm(prefix=f"a{attendance.id}", obj=attendance)
    others = [a.person for a in meeting.attendances if a.id != attendance.id]
    seated = {p.id: p for p in others}

    for membership in db.session.scalars(
        select(Membership).where(Membership.body_id == meeting.body_id)
    ):
        seated.setdefault(membership.person_id, membership.person)
    form.replaces_id.set_choices(
        [
            (p.id, p.name_with_party)
            for p in sorted(seated.values(), key=lambda p: p.name)
            if p.id != attendance.person_id
        ]
    )
    item_choices = [(i.id, f"{i.display_number} {i.title}") for i in meeting.items]
    form.from_item_id.set_choices(item_choices)
    form.to_item_id.set_choices(item_choices)
    return form


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    add = AddAttendanceForm(prefix="add")
    present = {a.person_id for a in meeting.attendances}
    add.person_id.set_choices(
        [
            (p.id, p.name_with_party + (f" – {p.title}" if p.title else ""))
            for p in db.session.scalars(select(Person).order_by(Person.name))
            if p.id not in present
        ]
    )
    rows = [(a, _attendance_form(meeting, a)) for a in meeting.attendances]
    return render_template(
        "record/attendance.html", meeting=meeting, rows=rows, add=add, confirm=ConfirmForm()
    )


@bp.post("/attendance/<int:attendance_id>")
@login_required
def update_attendance(attendance_id: int):
    row = db.get_or_404(Attendance, attendance_id)
    meeting = _managed_meeting(row.meeting_id)
    form = _attendance_form(meeting, row)
    target = url_for(".attendance", meeting_id=meeting.id) + f"#a{row.id}"
    if not form.validate_on_submit():
        flash(_("Please correct the errors marked below."), "error")
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
def remove_attendance(attendance_id: int):
    row = db.get_or_404(Attendance, attendance_id)
    meeting = _managed_meeting(row.meeting_id)
    return run_action(
        lambda: services.remove_attendance(current_user, row),
        _("Removed from the attendance list."),
        url_for(".attendance", meeting_id=meeting.id),
    )


@bp.post("/meetings/<int:meeting_id>/attendance/add")
@login_required
def add_attendance(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
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


def _part_forms(item: AgendaItem) -> dict:
    meeting = item.meeting
    present = [a.person for a in meeting.attendances]
    voting = [a.person for a in meeting.attendances if a.role == AttendanceRole.VOTING]
    substitutes = [
        a.person for a in meeting.attendances if a.role == AttendanceRole.SUBSTITUTE_NOT_SERVING
    ]
    serving = services.serving_at(meeting, item)
    forms = {
        "motion": MotionForm(prefix="motion"),
        "vote": VoteForm(prefix="vote"),
        "reservation": ReservationForm(prefix="reservation"),
        "recusal": RecusalForm(prefix="recusal"),
        "note": ProtocolNoteForm(prefix="note"),
        "assignment": AssignmentForm(prefix="assignment"),
    }
    forms["motion"].person_id.set_choices(_people_choices(present))
    forms["reservation"].person_id.set_choices(_people_choices(serving))
    forms["recusal"].person_id.set_choices(_people_choices(voting))
    forms["recusal"].substitute_id.set_choices(_people_choices(substitutes))
    forms["note"].person_id.set_choices(_people_choices(present))
    forms["assignment"].assignee_body_id.set_choices(
        [(b.id, b.name) for b in db.session.scalars(select(Body).order_by(Body.name))]
    )
    later = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id == meeting.body_id, Meeting.meeting_date > meeting.meeting_date)
        .order_by(Meeting.meeting_date)
    )
    forms["assignment"].due_meeting_id.set_choices(
        [(m.id, m.meeting_date.isoformat()) for m in later]
    )
    return {"forms": forms, "serving": serving}


def _history(item: AgendaItem) -> list[AuditEntry]:
    ids = [("AgendaItem", item.id)]
    if item.decision is not None:
        ids.append(("Decision", item.decision.id))
    entries = []
    for object_type, object_id in ids:
        entries += db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == object_type, AuditEntry.object_id == object_id
            )
        ).all()
    return sorted(entries, key=lambda e: e.at, reverse=True)


@bp.route("/items/<int:item_id>/record", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = _managed_item(item_id)
    meeting = item.meeting
    if meeting.record_status == RecordStatus.NONE:
        flash(_("Start the record first."), "error")
        return redirect(url_for(".show", meeting_id=meeting.id))
    if meeting.record_status == RecordStatus.FINAL:
        flash(_("The record is final and can no longer change."), "error")
        return redirect(url_for(".show", meeting_id=meeting.id))
    decision = item.decision
    form = DecisionForm(obj=decision)
    if request.method == "GET":
        form.is_withdrawn.data = item.is_withdrawn
        if decision is None or not decision.notes:
            form.notes.data = (decision.notes if decision else None) or item.summary
    parts = _part_forms(item)
    forward = None
    if meeting.body.parent is not None:
        forward = ForwardForm(prefix="forward")
        targets = db.session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id == meeting.body.parent_id,
                Meeting.meeting_date >= meeting.meeting_date,
            )
            .order_by(Meeting.meeting_date)
        )
        forward.meeting_id.set_choices([(m.id, m.title) for m in targets])

    return handle_form(
        form,
        lambda data: services.update_decision(current_user, item, form.version.data, **data),
        template="record/item.html",
        record=decision,
        item=item,
        meeting=meeting,
        view=record_view(meeting, [item]),
        quorum=services.has_quorum(meeting, item),
        ballot_choices=BALLOT_CHOICES,
        history=_history(item),
        actors={u.id: u for u in db.session.scalars(select(User))},
        confirm=ConfirmForm(),
        forward=forward,
        title=_("Record of item %(number)s", number=services.record_number(item)),
        cancel_url=url_for(".show", meeting_id=meeting.id),
        success_url=lambda d: url_for(".show", meeting_id=meeting.id) + f"#item-{item.id}",
        success_message=_("The record of the item was saved."),
        **parts,
    )


def _part_post(item: AgendaItem, kind: str, action):
    forms = _part_forms(item)["forms"]
    form = forms[kind]
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
def add_motion(item_id: int):
    item = _managed_item(item_id)
    return _part_post(
        item,
        "motion",
        lambda f: services.add_motion(
            current_user, item, kind=f.kind.data, person_id=f.person_id.data, text=f.text.data
        ),
    )


@bp.post("/items/<int:item_id>/votes")
@login_required
def add_vote(item_id: int):
    item = _managed_item(item_id)

    def action(form: VoteForm) -> None:
        choices = {}
        for person in services.serving_at(item.meeting, item):
            value = request.form.get(f"ballot-{person.id}")
            if value:
                try:
                    choices[person.id] = BallotChoice(value)
                except ValueError:
                    raise DomainError(
                        _("Choose how %(name)s voted from the list.", name=person.name)
                    ) from None
        services.add_vote(
            current_user,
            item,
            question=form.question.data,
            is_open=form.is_open.data,
            choices=choices,
            counts=(
                form.closed_yes.data or 0,
                form.closed_no.data or 0,
                form.closed_abstain.data or 0,
            ),
            outcome=form.outcome.data,
        )

    return _part_post(item, "vote", action)


@bp.post("/items/<int:item_id>/reservations")
@login_required
def add_reservation(item_id: int):
    item = _managed_item(item_id)
    return _part_post(
        item,
        "reservation",
        lambda f: services.add_reservation(
            current_user, item, person_id=f.person_id.data, reason=f.reason.data
        ),
    )


@bp.post("/items/<int:item_id>/recusals")
@login_required
def add_recusal(item_id: int):
    item = _managed_item(item_id)
    return _part_post(
        item,
        "recusal",
        lambda f: services.add_recusal(
            current_user, item, person_id=f.person_id.data, substitute_id=f.substitute_id.data
        ),
    )


@bp.post("/items/<int:item_id>/notes")
@login_required
def add_note(item_id: int):
    item = _managed_item(item_id)
    return _part_post(
        item,
        "note",
        lambda f: services.add_protocol_note(
            current_user, item, person_id=f.person_id.data, text=f.text.data
        ),
    )


@bp.post("/items/<int:item_id>/assignments")
@login_required
def add_assignment(item_id: int):
    item = _managed_item(item_id)
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


@bp.post("/items/<int:item_id>/<kind>/<int:part_id>/remove")
@login_required
@confirmed_post
def remove_part(item_id: int, kind: str, part_id: int):
    item = _managed_item(item_id)
    model = PARTS.get(kind) or abort(404)
    part = db.get_or_404(model, part_id)
    if part.item_id != item.id:
        abort(404)
    return run_action(
        lambda: services.remove_part(current_user, item, part),
        _("Removed."),
        url_for(".edit_item", item_id=item.id),
    )


# -- up the chain -------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/forward")
@login_required
def forward(item_id: int):
    item = _managed_item(item_id)
    form = ForwardForm(prefix="forward")
    form.meeting_id.set_choices([(m.id, "") for m in db.session.scalars(select(Meeting))])
    target = url_for(".edit_item", item_id=item.id)
    if not form.validate_on_submit():
        flash(_("Choose a meeting."), "error")
        return redirect(target)
    meeting = db.session.get(Meeting, form.meeting_id.data)
    return run_action(
        lambda: services.forward_decision(current_user, item, meeting),
        _(
            "The decision was forwarded: its utdrag waits among the planned topics of %(body)s.",
            body=meeting.body.name,
        ),
        target,
    )


@bp.post("/meetings/<int:meeting_id>/report-minutes")
@login_required
def report_minutes(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = ReportMinutesForm(prefix="report")
    form.item_id.set_choices([(i.id, "") for i in db.session.scalars(select(AgendaItem))])
    target = url_for(".show", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(_("Choose an item."), "error")
        return redirect(target)
    item = db.session.get(AgendaItem, form.item_id.data)
    if not can_manage_body(current_user, item.meeting.body):
        abort(403)
    return run_action(
        lambda: services.add_minutes_to_item(current_user, meeting, item),
        _("The minutes were added as beslutsunderlag."),
        target,
    )


@bp.post("/planned/<int:planned_id>/attach")
@login_required
@confirmed_post
def attach_planned(planned_id: int):
    planned = db.get_or_404(PlannedItem, planned_id)
    if not can_manage_body(current_user, db.session.get(Body, planned.body_id)):
        abort(403)
    item = _managed_item(request.form.get("item_id", type=int) or abort(400))
    return run_action(
        lambda: services.attach_planned_to_item(current_user, planned, item),
        _("The forwarded decision was attached to the item."),
        url_for("agenda.editor", meeting_id=item.meeting_id),
    )
