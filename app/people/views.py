from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.permissions import (
    can_edit_person,
    can_manage_people,
    can_see_contact_details,
    can_view_attendance,
    can_view_body,
)
from app.bodies.models import Membership
from app.core.dates import local_today
from app.core.loading import HIDDEN, allowed, loaded
from app.core.views import handle_form
from app.extensions import db
from app.meetings.models import Meeting
from app.people.forms import PersonForm
from app.people.models import Person
from app.people.services import create_person, update_person
from app.record.models import Attendance
from app.register.services import list_uppdrag

bp = Blueprint("people", __name__, url_prefix="/people")


def _memberships(person: Person) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.person_id == person.id)))


@bp.get("/")
@login_required
@allowed(can_manage_people)
def index():
    query = request.args.get("q", "").strip()
    statement = select(Person).order_by(Person.name)
    if query:
        statement = statement.where(Person.name.ilike(f"%{query}%"))
    return render_template(
        "people/index.html", people=db.session.scalars(statement).all(), query=query
    )


# A person is public only through a seat in a body the reader may see (else: no such person).
@bp.get("/<int:person_id>")
@loaded("person_id", Person, permissions.can_view_person_record, refusal=HIDDEN)
def show(person: Person):
    all_memberships = _memberships(person)
    memberships = [m for m in all_memberships if can_view_body(current_user, m.body)]
    memberships.sort(key=lambda m: (m.body.name, m.term.label))
    today = local_today()
    body_ids = {m.body_id for m in memberships if m.is_active(today)}
    is_self = getattr(current_user, "person_id", None) == person.id
    return render_template(
        "people/show.html",
        person=person,
        memberships=memberships,
        attendances=_attendance_history(person),
        body_uppdrag=list_uppdrag(current_user, body_ids=sorted(body_ids), today=today),
        my_uppdrag=list_uppdrag(current_user, concerning=person, today=today) if is_self else None,
        is_self=is_self,
        show_contact=can_see_contact_details(current_user),
        can_edit=can_edit_person(current_user, {m.body_id for m in all_memberships}),
    )


def _attendance_history(person: Person) -> list[Attendance]:
    """The meetings the person attended, the latest first, where the reader may read the
    record (attendance is part of it)."""
    rows = db.session.scalars(
        select(Attendance)
        .join(Attendance.meeting)
        .where(Attendance.person_id == person.id)
        .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    )
    return [row for row in rows if can_view_attendance(current_user, row.meeting)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed(can_manage_people)
def new():
    return handle_form(
        PersonForm(),
        lambda data: create_person(current_user, **data),
        template="form.html",
        title=_("New person"),
        cancel_url=url_for(".index"),
        success_url=lambda p: url_for(".show", person_id=p.id),
        success_message=_("The person was saved."),
    )


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("person_id", Person, permissions.can_edit_person_record)
def edit(person: Person):
    form = PersonForm(obj=person)
    return handle_form(
        form,
        lambda data: update_person(current_user, person, form.version.data, **data),
        template="form.html",
        record=person,
        title=_("Edit %(name)s", name=person.name),
        cancel_url=url_for(".show", person_id=person.id),
        success_url=lambda p: url_for(".show", person_id=p.id),
        success_message=_("The person was saved."),
    )
