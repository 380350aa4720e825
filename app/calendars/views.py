"""The calendar feeds: ``/bodies/<id>/calendar.ics`` and ``/people/<id>/calendar.ics``.

A feed holds only what its reader may see: the feed of a public body, and a person's feed of
her public bodies, are public (a calendar client subscribes without logging in); the meetings
of a non-public body are in them only for its members and secretaries, in their browser.
"""

from flask import Blueprint, Response, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.permissions import can_view_body
from app.bodies.models import Body, Membership
from app.calendars import feeds
from app.core.calendar import subscription_ics
from app.core.loading import HIDDEN, loaded
from app.extensions import db
from app.meetings.models import Meeting
from app.people.models import Person

bp = Blueprint("calendars", __name__)


def _meeting_url(meeting: Meeting) -> str:
    return url_for("meetings.show", meeting_id=meeting.id, _external=True)


def _ics_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # What a logged-in reader gets may hold more than the public feed: never in a shared cache.
    response.headers["Cache-Control"] = (
        "private, max-age=300" if current_user.is_authenticated else "public, max-age=300"
    )
    return response


# A feed the reader may not see is a 404: a non-public body's existence is not disclosed.
@bp.get("/bodies/<int:body_id>/calendar.ics")
@loaded("body_id", Body, permissions.can_view_body, refusal=HIDDEN)
def body_feed(body: Body):
    content = subscription_ics(
        feeds.events_of(feeds.body_meetings(body), _meeting_url),
        name=f"{body.name} – sammanträden",
        description=f"Sammanträden med {body.name}, {body.organisation.name}",
        source_url=url_for(".body_feed", body_id=body.id, _external=True),
        refresh=feeds.REFRESH,
    )
    return _ics_response(content, f"body-{body.id}.ics")


@bp.get("/people/<int:person_id>/calendar.ics")
@loaded("person_id", Person, permissions.can_view_person_record, refusal=HIDDEN)
def person_feed(person: Person):
    bodies = list(
        db.session.scalars(
            select(Body)
            .join(Membership, Membership.body_id == Body.id)
            .where(Membership.person_id == person.id)
        ).unique()
    )
    visible = [body for body in bodies if can_view_body(current_user, body)]
    content = subscription_ics(
        feeds.events_of(feeds.person_meetings(person, visible), _meeting_url),
        name=f"{person.name} – sammanträden",
        description=f"Sammanträden i organ där {person.name} har en plats",
        source_url=url_for(".person_feed", person_id=person.id, _external=True),
        refresh=feeds.REFRESH,
    )
    return _ics_response(content, f"person-{person.id}.ics")
