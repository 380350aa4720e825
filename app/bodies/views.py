from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.permissions import can_administer
from app.bodies.forms import BodyForm, MembershipForm, TermForm
from app.bodies.models import Body, Membership, Term
from app.bodies.pages import bodies_by_organisation, body_page
from app.bodies.services import (
    create_body,
    create_membership,
    create_term,
    update_body,
    update_membership,
    update_term,
)
from app.core.loading import HIDDEN, allowed, load, loaded
from app.core.views import handle_form
from app.extensions import db
from app.organisations.models import Organisation
from app.people.models import Person

bp = Blueprint("bodies", __name__, url_prefix="/bodies")


@bp.get("/")
def index():
    return render_template(
        "bodies/index.html", by_organisation=bodies_by_organisation(current_user)
    )


@bp.get("/<int:body_id>")
@loaded("body_id", Body, permissions.can_view_body, refusal=HIDDEN)  # existence not disclosed
def show(body: Body):
    term = None
    if term_id := request.args.get("term", type=int):
        # Another body's term is, on this body's page, not there.
        term = load(Term, term_id, lambda _user, term: term.body_id == body.id, refusal=HIDDEN)
    page = body_page(current_user, body, term)
    return render_template("bodies/show.html", **page.context())


def _body_form(body: Body | None = None) -> BodyForm:
    form = BodyForm(obj=body)
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name))
    form.organisation_id.set_choices([(o.id, o.name) for o in organisations])
    others = select(Body).order_by(Body.name)
    if body is not None:
        others = others.where(Body.id != body.id)
    form.parent_id.set_choices([(b.id, b.name) for b in db.session.scalars(others)])
    if body is not None and not can_administer(current_user):
        del form.organisation_id  # moving a body between organisations is the admin's
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed(can_administer)
def new():
    return handle_form(
        _body_form(),
        lambda data: create_body(current_user, **data),
        template="form.html",
        title=_("New body"),
        cancel_url=url_for(".index"),
        success_url=lambda b: url_for(".show", body_id=b.id),
        success_message=_("The body was saved."),
    )


@bp.route("/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def edit(body: Body):
    form = _body_form(body)
    return handle_form(
        form,
        lambda data: update_body(current_user, body, form.version.data, **data),
        template="form.html",
        record=body,
        title=_("Edit %(name)s", name=body.name),
        cancel_url=url_for(".show", body_id=body.id),
        success_url=lambda b: url_for(".show", body_id=b.id),
        success_message=_("The body was saved."),
    )


@bp.route("/<int:body_id>/terms/new", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def new_term(body: Body):
    return handle_form(
        TermForm(),
        lambda data: create_term(current_user, body, **data),
        template="form.html",
        title=_("New term for %(name)s", name=body.name),
        cancel_url=url_for(".show", body_id=body.id),
        success_url=lambda t: url_for(".show", body_id=body.id, term=t.id),
        success_message=_("The term was saved."),
    )


@bp.route("/terms/<int:term_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("term_id", Term, permissions.can_manage_term)
def edit_term(term: Term):
    form = TermForm(obj=term)
    return handle_form(
        form,
        lambda data: update_term(current_user, term, form.version.data, **data),
        template="form.html",
        record=term,
        title=_("Edit term %(label)s", label=term.label),
        cancel_url=url_for(".show", body_id=term.body_id, term=term.id),
        success_url=lambda t: url_for(".show", body_id=t.body_id, term=t.id),
        success_message=_("The term was saved."),
    )


def _membership_form(body: Body, membership: Membership | None = None) -> MembershipForm:
    form = MembershipForm(obj=membership)
    people = db.session.scalars(select(Person).order_by(Person.name))
    form.person_id.set_choices(
        [(p.id, f"{p.name_with_party}" + (f" – {p.title}" if p.title else "")) for p in people]
    )
    form.term_id.set_choices([(t.id, t.label) for t in body.terms])
    if membership is None and request.method == "GET" and body.current_term():
        form.term_id.data = body.current_term().id
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name))
    form.organisation_id.set_choices([(o.id, o.name) for o in organisations])
    return form


@bp.route("/<int:body_id>/memberships/new", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def new_membership(body: Body):
    if not body.terms:
        flash(_("Add a term before seating members."), "info")
        return redirect(url_for(".new_term", body_id=body.id))
    return handle_form(
        _membership_form(body),
        lambda data: create_membership(current_user, body, **data),
        template="form.html",
        title=_("New seat in %(name)s", name=body.name),
        cancel_url=url_for(".show", body_id=body.id),
        success_url=lambda m: url_for(".show", body_id=body.id, term=m.term_id),
        success_message=_("The membership was saved."),
    )


@bp.route("/memberships/<int:membership_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("membership_id", Membership, permissions.can_manage_membership)
def edit_membership(membership: Membership):
    body = membership.body
    form = _membership_form(body, membership)
    return handle_form(
        form,
        lambda data: update_membership(current_user, membership, form.version.data, **data),
        template="form.html",
        record=membership,
        title=_("Edit the seat of %(name)s", name=membership.person.name),
        cancel_url=url_for(".show", body_id=body.id, term=membership.term_id),
        success_url=lambda m: url_for(".show", body_id=m.body_id, term=m.term_id),
        success_message=_("The membership was saved."),
    )
