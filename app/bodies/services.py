"""Rules for bodies, terms and memberships."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body, Membership, MembershipKind, Term
from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.services import add_record, change_record
from app.extensions import db


def _check_dates(values: dict[str, Any]) -> None:
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        raise DomainError(_("The end date is before the start date."), field="end_date")


def _validate_body(values: dict[str, Any], body: Body | None = None) -> None:
    organisation_id = values.get("organisation_id", body.organisation_id if body else None)
    clash = db.session.scalar(
        select(Body).where(Body.organisation_id == organisation_id, Body.name == values["name"])
    )
    if clash is not None and clash is not body:
        raise DomainError(_("This organisation already has a body with this name."), field="name")
    parent = db.session.get(Body, values["parent_id"]) if values.get("parent_id") else None
    while parent is not None:
        if body is not None and parent.id == body.id:
            raise DomainError(_("A body cannot report to itself."), field="parent_id")
        parent = parent.parent


def create_body(actor: Actor, **values: Any) -> Body:
    _validate_body(values)
    return add_record(actor, Body(**values))


def update_body(actor: Actor, body: Body, version: int | None, **values: Any) -> Body:
    _validate_body(values, body)
    return change_record(actor, body, version, values)


def _validate_term(body: Body, values: dict[str, Any], term: Term | None = None) -> None:
    _check_dates(values)
    clash = db.session.scalar(
        select(Term).where(Term.body_id == body.id, Term.label == values["label"])
    )
    if clash is not None and clash is not term:
        raise DomainError(_("This body already has a term with this label."), field="label")


def create_term(actor: Actor, body: Body, **values: Any) -> Term:
    _validate_term(body, values)
    return add_record(actor, Term(body=body, **values))


def update_term(actor: Actor, term: Term, version: int | None, **values: Any) -> Term:
    _validate_term(term.body, values, term)
    return change_record(actor, term, version, values)


def _validate_membership(
    body: Body, values: dict[str, Any], membership: Membership | None = None
) -> None:
    _check_dates(values)
    term = db.session.get(Term, values["term_id"])
    if term is None or term.body_id != body.id:
        raise DomainError(_("Choose one of this body's terms."), field="term_id")
    if values.get("substitute_order") and values["kind"] != MembershipKind.SUBSTITUTE:
        raise DomainError(
            _("Only substitutes (ersättare) have a substitute order."), field="substitute_order"
        )
    same = db.session.scalars(
        select(Membership).where(
            Membership.body_id == body.id,
            Membership.term_id == values["term_id"],
            Membership.person_id == values["person_id"],
        )
    )
    for other in same:
        if other is membership:
            continue
        if _overlaps(other, values.get("start_date"), values.get("end_date")):
            raise DomainError(
                _("This person already has a seat in this body for an overlapping period."),
                field="person_id",
            )


def _overlaps(other: Membership, start: Any, end: Any) -> bool:
    return (other.end_date is None or start is None or start <= other.end_date) and (
        other.start_date is None or end is None or other.start_date <= end
    )


def create_membership(actor: Actor, body: Body, **values: Any) -> Membership:
    """Seat a person in a body for a term: ordinarie, ersättare, adjungerad or official."""
    _validate_membership(body, values)
    return add_record(actor, Membership(body=body, **values))


def update_membership(
    actor: Actor, membership: Membership, version: int | None, **values: Any
) -> Membership:
    _validate_membership(membership.body, values, membership)
    return change_record(actor, membership, version, values)
