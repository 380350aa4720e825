from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.permissions import can_administer, visible_bodies_clause
from app.bodies.models import Body
from app.core.loading import allowed, loaded
from app.core.views import confirmed_post, handle_form, run_action
from app.documents.images import check_image_upload
from app.documents.uploads import UploadRejected
from app.extensions import db
from app.organisations.forms import LogoForm, OrganisationForm
from app.organisations.models import Organisation, OrganisationMembership
from app.organisations.services import (
    create_organisation,
    logo_data_uri,
    remove_logo,
    set_logo,
    update_organisation,
)

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.get("/")
def index():
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("organisations/index.html", organisations=organisations)


@bp.get("/<int:organisation_id>")
@loaded("organisation_id", Organisation, permissions.can_view_organisation)
def show(organisation: Organisation):
    bodies = db.session.scalars(
        select(Body)
        .where(Body.organisation_id == organisation.id, visible_bodies_clause(current_user))
        .order_by(Body.name)
    ).all()
    members = db.session.scalars(
        select(OrganisationMembership)
        .where(OrganisationMembership.association_id == organisation.id)
        .join(OrganisationMembership.member)
        .order_by(Organisation.county, Organisation.name)
    ).all()
    parts = db.session.scalars(
        select(Organisation)
        .where(Organisation.parent_id == organisation.id)
        .order_by(Organisation.name)
    ).all()
    editable = permissions.can_edit_organisation(current_user, organisation)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        bodies=bodies,
        members=members,
        parts=parts,
        logo=logo_data_uri(organisation),
        logo_form=LogoForm(prefix="logo") if editable else None,
    )


@bp.post("/<int:organisation_id>/logo")
@login_required
@loaded("organisation_id", Organisation, permissions.can_edit_organisation)
def upload_logo(organisation: Organisation):
    """A refused image says why and changes nothing; an accepted one is the logo from now on."""
    form = LogoForm(prefix="logo")
    target = url_for(".show", organisation_id=organisation.id) + "#logo"
    if not form.validate_on_submit():
        flash(_("Choose the image file of the logo."), "error")
        return redirect(target)
    try:
        image = check_image_upload(form.file.data.read())
    except UploadRejected as rejected:
        flash(
            _(
                "%(file)s was not used as the logo: %(reason)s",
                file=form.file.data.filename,
                reason=rejected.message,
            ),
            "error",
        )
        return redirect(target)
    return run_action(
        lambda: set_logo(current_user, organisation, image),
        _("The logo was saved. The letterhead prints it from now on."),
        target,
    )


@bp.post("/<int:organisation_id>/logo/remove")
@login_required
@confirmed_post
@loaded("organisation_id", Organisation, permissions.can_edit_organisation)
def delete_logo(organisation: Organisation):
    return run_action(
        lambda: remove_logo(current_user, organisation),
        _("The logo was removed. The letterhead prints the name alone."),
        url_for(".show", organisation_id=organisation.id) + "#logo",
    )


def _form(organisation: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    others = select(Organisation).order_by(Organisation.name)
    if organisation is not None:
        others = others.where(Organisation.id != organisation.id)
    form.parent_id.set_choices([(o.id, o.name) for o in db.session.scalars(others)])
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed(can_administer)
def new():
    form = _form()
    return handle_form(
        form,
        lambda data: create_organisation(current_user, **data),
        template="form.html",
        title=_("New organisation"),
        cancel_url=url_for(".index"),
        success_url=lambda o: url_for(".show", organisation_id=o.id),
        success_message=_("The organisation was saved."),
    )


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("organisation_id", Organisation, permissions.can_edit_organisation)
def edit(organisation: Organisation):
    form = _form(organisation)
    return handle_form(
        form,
        lambda data: update_organisation(current_user, organisation, form.version.data, **data),
        template="form.html",
        record=organisation,
        title=_("Edit %(name)s", name=organisation.name),
        cancel_url=url_for(".show", organisation_id=organisation.id),
        success_url=lambda o: url_for(".show", organisation_id=o.id),
        success_message=_("The organisation was saved."),
    )
