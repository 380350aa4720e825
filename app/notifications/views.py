"""Bevakningar: the page where a logged-in reader chooses which bodies' notices she gets."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.extensions import db
from app.notifications import services
from app.notifications.models import SubscriptionTopic

bp = Blueprint("notifications", __name__)


TOPICS = {topic.value for topic in SubscriptionTopic}


def _wanted(values: list[str]) -> set[tuple[int, SubscriptionTopic]]:
    """The checked boxes, "12:kallelse"; anything else is a bad request."""
    wanted = set()
    for value in values:
        body_id, _sep, topic = value.partition(":")
        if not body_id.isdigit() or topic not in TOPICS:
            abort(400)
        wanted.add((int(body_id), SubscriptionTopic(topic)))
    return wanted


@bp.route("/bevakningar", methods=["GET", "POST"])
@login_required
def index():
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            added, removed = services.set_subscriptions(
                current_user, current_user, _wanted(request.form.getlist("subscription"))
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            if added or removed:
                flash(_("Your subscriptions were saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
        return redirect(url_for(".index"))
    return render_template(
        "notifications/index.html",
        form=form,
        bodies=services.subscribable_bodies(current_user),
        subscribed=services.subscriptions_of(current_user),
        topics=list(SubscriptionTopic),
    )
