"""Only what the reader may see: drafts, non-public items, internal and secret documents, closed
bodies. The SQL filter of the search and the permission checks agree on every row."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select, text

from app.accounts.models import User
from app.accounts.permissions import can_view_decision, can_view_item, can_view_item_document
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, MembershipKind
from app.cases.models import Confidentiality, Document
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import Decision
from app.search.models import SearchEntry, SearchKind
from app.search.services import readable, search
from tests.conftest import ADMIN, EVA, JOHANNA
from tests.search.helpers import MEMBER, OUTSIDER, SECRETARY, found, make_world

STRATEGY_ITEM = ("item", "Kulturstrategi")
STRATEGY_DRAFT = ("decision", "Kulturstrategi")
PUBLIC_DOC = ("document", "Kulturstrategi remissvar")
INTERNAL_DOC = ("document", "Kulturstrategi internt underlag")
SECRET_DOC = ("document", "Kulturstrategi sekretessbelagd bilaga")


@pytest.fixture
def world(app, factory):
    return make_world(app, factory)


def _reader(make_client, login, email):
    client = make_client()
    if email:
        login(client, email)
    return client


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (None, {STRATEGY_ITEM, PUBLIC_DOC}),
        (OUTSIDER, {STRATEGY_ITEM, PUBLIC_DOC}),
        (MEMBER, {STRATEGY_ITEM, PUBLIC_DOC, INTERNAL_DOC}),
        (SECRETARY, {STRATEGY_ITEM, STRATEGY_DRAFT, PUBLIC_DOC, INTERNAL_DOC, SECRET_DOC}),
    ],
)
def test_documents_and_draft_decisions_by_role(world, make_client, login, email, expected):
    reader = _reader(make_client, login, email)
    assert found(reader, "kulturstrategi") == expected


@pytest.mark.parametrize(
    ("email", "staff", "secret_decision"),
    [(None, False, False), (OUTSIDER, False, False), (MEMBER, True, True), (SECRETARY, True, True)],
)
def test_non_public_items_and_their_decisions(
    world, make_client, login, email, staff, secret_decision
):
    reader = _reader(make_client, login, email)
    assert (found(reader, "bibliotekarie") == {("item", "Personalärende")}) is staff
    assert (("decision", "Hemlig förhandling") in found(reader, "hyresavtalet")) is secret_decision
    # The final record's public decision is everyone's.
    assert ("decision", "Biblioteksplan") in found(reader, "biblioteksplanen")


@pytest.mark.parametrize("email", [None, OUTSIDER, MEMBER, SECRETARY])
def test_a_closed_body_is_searched_by_no_outsider(world, make_client, login, email):
    assert found(_reader(make_client, login, email), "budgetdialog") == set()


def test_a_closed_body_is_searched_by_the_admin(world, factory, make_client, login):
    factory.user("admin@example.se", is_admin=True)
    admin = _reader(make_client, login, "admin@example.se")
    assert found(admin, "budgetdialog") == {("item", "Budgetdialog"), ("decision", "Budgetdialog")}


def test_counts_hold_only_what_the_reader_may_see(world, app, make_client, login):
    with app.app_context(), app.test_request_context():
        public = search(AnonymousUserMixin(), "kulturstrategi")
        secretary = search(
            db.session.scalar(select(User).where(User.email == SECRETARY)), "kulturstrategi"
        )
    assert public.total == 2 and public.counts == {SearchKind.ITEM: 1, SearchKind.DOCUMENT: 1}
    assert secretary.total == 5 and secretary.counts[SearchKind.DOCUMENT] == 3


def _checked(user, entry: SearchEntry) -> bool:
    if entry.kind == SearchKind.ITEM:
        return can_view_item(user, db.session.get(AgendaItem, entry.ref_id))
    if entry.kind == SearchKind.DECISION:
        return can_view_decision(user, db.session.get(Decision, entry.ref_id))
    return can_view_item_document(user, db.session.get(AgendaItemDocument, entry.ref_id))


def _changes_after_indexing(app, world) -> None:
    """Every input of the public's visibility changed after the rows were written: the index's
    ``public`` flag must follow (app.search.index), or the filter and the checks disagree."""
    with app.app_context():
        db.session.get(Meeting, world["planned"]).status = MeetingStatus.CONVENED
        db.session.get(Meeting, world["draft"]).record_status = RecordStatus.FINAL
        db.session.get(Meeting, world["final"]).record_status = RecordStatus.JUSTERING
        db.session.get(AgendaItem, world["secret"]).is_public = True
        db.session.get(AgendaItem, world["plan"]).is_public = False
        db.session.get(Body, world["closed_body"]).is_public = True
        for document in db.session.scalars(select(Document)):
            document.confidentiality = {
                Confidentiality.SECRET: Confidentiality.PUBLIC,
                Confidentiality.PUBLIC: Confidentiality.INTERNAL,
                Confidentiality.INTERNAL: Confidentiality.SECRET,
            }[document.confidentiality]
        db.session.commit()


def _index_tokens_agree_with_the_rows() -> None:
    """SQLite: the filter tokens FTS5 matches (``flags``) say what the rows say: the public's
    visibility, the body, the year and the kind (the search relies on them for the public and
    for the filters)."""
    if db.engine.dialect.name != "sqlite":
        return
    entries = list(db.session.scalars(select(SearchEntry)))

    def matched(token: str) -> set[int]:
        return set(
            db.session.scalars(
                text(
                    "SELECT rowid % 4294967296 FROM search_fts WHERE search_fts MATCH :q"
                ).bindparams(q=f'flags : "{token}"')
            )
        )

    assert matched("pub") == {entry.id for entry in entries if entry.public}
    for body_id in {entry.body_id for entry in entries}:
        assert matched(f"b{body_id}") == {e.id for e in entries if e.body_id == body_id}
    for year in {entry.meeting_date.year for entry in entries}:
        assert matched(f"y{year}") == {e.id for e in entries if e.meeting_date.year == year}
    for kind in SearchKind:
        assert matched(f"k{kind.value}") == {e.id for e in entries if e.kind == kind}


@pytest.mark.parametrize("changed", [False, True])
def test_the_sql_filter_and_the_permission_checks_agree(app, demo, world, changed):
    """Every index row, for every kind of reader: matched by the search's SQL exactly when the
    permission functions allow it (the demo data and the world above; then again after every
    input of the visibility has changed)."""
    with app.app_context():
        # A non-public demo body, and a non-public item in a body with members of its own.
        db.session.scalar(
            select(Body).where(Body.name == "Regionala ledningsgruppen")
        ).is_public = False
        db.session.scalar(
            select(AgendaItem).where(AgendaItem.title == "Årsplan 2024")
        ).is_public = False
        db.session.commit()
    if changed:
        _changes_after_indexing(app, world)
    with app.app_context():
        _index_tokens_agree_with_the_rows()
    for email in (None, ADMIN, EVA, JOHANNA, SECRETARY, MEMBER, OUTSIDER):
        with app.app_context(), app.test_request_context():
            user = (
                db.session.scalar(select(User).where(User.email == email))
                if email
                else AnonymousUserMixin()
            )
            entries = list(db.session.scalars(select(SearchEntry)))
            assert len(entries) > 60
            allowed = {entry.id for entry in entries if _checked(user, entry)}
            statement = readable(select(SearchEntry.id), user)
            assert set(db.session.scalars(statement)) == allowed, email
            # Each reader sees something, and all but the admin miss something.
            assert allowed
            assert (allowed == {entry.id for entry in entries}) is (email == ADMIN), email


def test_a_document_is_searched_by_its_owners_rule(app, world, factory, make_client, login):
    """The closed group's papers on Kulturnämnden's agenda: its internal one is found by the
    group's member (whose bodies do not include Kulturnämnden), by neither Kulturnämnden's
    secretary nor its member; the secret one by none of them. The SQL filter agrees."""
    sven = factory.person("Sven Sluten")
    factory.seat(sven, world["closed_body"], MembershipKind.ORDINARY)
    factory.user("sven@example.se", person_id=sven)
    with app.app_context():
        strategy = db.session.get(AgendaItem, world["strategy"])
        closed = db.session.get(Body, world["closed_body"])
        for position, (title, confidentiality) in enumerate(
            (
                ("Budgetdialog internt PM", Confidentiality.INTERNAL),
                ("Budgetdialog hemlig kalkyl", Confidentiality.SECRET),
            ),
            start=5,
        ):
            document = Document(
                title=title,
                confidentiality=confidentiality,
                owner_body=closed,
                owner_organisation_id=closed.organisation_id,
            )
            db.session.add(AgendaItemDocument(item=strategy, document=document, position=position))
        db.session.commit()
    internal = ("document", "Budgetdialog internt PM")
    secret = ("document", "Budgetdialog hemlig kalkyl")
    for email, expected in (
        (SECRETARY, set()),
        (MEMBER, set()),
        ("sven@example.se", {internal}),
        (None, set()),
    ):
        hits = found(_reader(make_client, login, email), "budgetdialog") & {internal, secret}
        assert hits == expected, email
    for email in (None, SECRETARY, MEMBER, "sven@example.se"):
        with app.app_context(), app.test_request_context():
            user = (
                db.session.scalar(select(User).where(User.email == email))
                if email
                else AnonymousUserMixin()
            )
            entries = list(db.session.scalars(select(SearchEntry)))
            allowed = {entry.id for entry in entries if _checked(user, entry)}
            assert set(db.session.scalars(readable(select(SearchEntry.id), user))) == allowed
