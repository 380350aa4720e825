from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from app.accounts.permissions import roles_of, visible_bodies_clause
from app.bodies.models import Body
from app.core.dates import local_today
from app.extensions import db
from app.justering.services import pending_signoffs
from app.meetings.models import Meeting, MeetingStatus

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    roles = roles_of(current_user)
    mine_ids = roles.secretary_of | roles.member_of
    my_bodies = (
        db.session.scalars(select(Body).where(Body.id.in_(mine_ids)).order_by(Body.name)).all()
        if mine_ids
        else []
    )
    visible = select(Meeting).join(Meeting.body).where(visible_bodies_clause(current_user))
    upcoming = db.session.scalars(
        visible.where(
            Meeting.meeting_date >= local_today(), Meeting.status != MeetingStatus.CANCELLED
        )
        .order_by(Meeting.meeting_date, Meeting.start_time)
        .limit(10)
    ).all()
    recent = db.session.scalars(
        visible.where(Meeting.meeting_date < local_today())
        .order_by(Meeting.meeting_date.desc(), Meeting.start_time.desc())
        .limit(10)
    ).all()
    to_sign = pending_signoffs(getattr(current_user, "person", None))
    return render_template(
        "main/index.html",
        my_bodies=my_bodies,
        upcoming=upcoming,
        recent=recent,
        roles=roles,
        to_sign=to_sign,
        today=local_today(),
    )
