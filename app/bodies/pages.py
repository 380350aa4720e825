"""The body page as its reader sees it, gathered for the view: the members of a term by kind
of seat, the meetings by year, the bodies under it she may see, and her email notices. Who
may open the page is decided before (``can_view_body``)."""

from dataclasses import dataclass, fields
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts import permissions
from app.bodies.models import Body, Membership, MembershipKind, Term
from app.extensions import db
from app.meetings.models import Meeting
from app.notifications.services import subscriptions_of
from app.organisations.models import Organisation
from app.people.models import Person


def bodies_by_organisation(user: Any) -> list[tuple[Organisation, list[Body]]]:
    """The bodies ``user`` may see, by organisation, both by name."""
    bodies = db.session.scalars(
        select(Body)
        .join(Body.organisation)
        .where(permissions.visible_bodies_clause(user))
        .order_by(Organisation.name, Body.name)
    ).all()
    return [(o, list(bs)) for o, bs in groupby(bodies, key=lambda b: b.organisation)]


@dataclass
class BodyPage:
    body: Body
    term: Term | None
    seats: dict[MembershipKind, list[Membership]]
    meetings_by_year: list[tuple[int, list[Meeting]]]
    children: list[Body]
    can_manage: bool
    can_subscribe: bool
    subscribed: list[Any]  # the topics of her email notices of this body

    def context(self) -> dict[str, Any]:
        """The page's values by name, for the template (the records themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def body_page(user: Any, body: Body, term: Term | None = None) -> BodyPage:
    """The page of ``body`` with the members of ``term`` (default: the current term)."""
    term = term or body.current_term()
    memberships: list[Membership] = []
    if term is not None:
        memberships = list(
            db.session.scalars(
                select(Membership)
                .where(Membership.term_id == term.id)
                .options(selectinload(Membership.person), selectinload(Membership.organisation))
                .join(Membership.person)
                .order_by(
                    Membership.substitute_order.is_(None), Membership.substitute_order, Person.name
                )
            )
        )
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id == body.id)
        .order_by(Meeting.meeting_date.desc(), Meeting.start_time.desc())
    ).all()
    subscribable = permissions.can_subscribe(user, body)
    return BodyPage(
        body=body,
        term=term,
        seats={
            kind: [m for m in memberships if m.kind == kind]
            for kind in MembershipKind
            if any(m.kind == kind for m in memberships)
        },
        meetings_by_year=[
            (year, list(ms)) for year, ms in groupby(meetings, key=lambda m: m.meeting_date.year)
        ],
        children=[child for child in body.children if permissions.can_view_body(user, child)],
        can_manage=permissions.can_manage_body(user, body),
        can_subscribe=subscribable,
        subscribed=[topic for body_id, topic in subscriptions_of(user) if body_id == body.id]
        if subscribable
        else [],
    )
