"""Diarienummer: the demo's cases found by their number in every written form, the items,
decisions and documents of a case, only what the reader may see, and the index following a
case renumbered or moved."""

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument, AgendaNotice
from app.cases.models import Case, Confidentiality, Document
from app.extensions import db
from app.organisations.models import Organisation
from app.search.text import case_keys, joined_case_numbers, parse_query
from tests.search.helpers import MEMBER, OUTSIDER, SECRETARY, found, make_world


def test_written_forms_are_one_token():
    assert joined_case_numbers("RV 240022 och rv-240022") == "RV240022 och rv240022"
    # Years, dates and ordinary numbers are left alone.
    assert joined_case_numbers("år 2024, 2024-02-16, sida 12") == "år 2024, 2024-02-16, sida 12"
    assert parse_query("RV 240022").groups == parse_query("rv240022").groups
    assert case_keys(["RV240022", None, "RV 240022", "RUF240012-14"]) == "RV240022 RUF240012-14"


def test_the_public_finds_the_demo_cases_by_number(app, demo, client):
    rv = found(client, "RV240022")
    titles = {title for _, title in rv}
    # The item of the case and the group minutes attached to it as beslutsunderlag.
    assert ("item", "Minnesanteckningar från samverkansgrupperna") in rv
    assert ("document", "Minnesanteckningar samverkansgrupp Hälsa 2024-02-09") in rv
    # The anmälan of a document of the case (RV240022-1.1) is found by the case too.
    assert ("item", "Anmälningar för kännedom") in rv
    # Nothing else: no item that merely mentions numbers.
    assert "Återrapportering om näringslivsprojekt etablering" not in titles
    ruf = found(client, "RUF240104")
    assert ("item", "Återrapportering om näringslivsprojekt etablering") in ruf
    assert ("document", "Förstudie etablering och investering") in ruf
    assert not {title for _, title in ruf} & titles


@pytest.mark.parametrize("written", ["rv240022", "RV 240022", "RV-240022", "rv 240022"])
def test_every_written_form_finds_the_same(app, demo, client, written):
    assert found(client, written) == found(client, "RV240022")


def test_a_document_number_within_the_case(app, demo, client):
    assert found(client, "RV240022-1.1") == {("item", "Anmälningar för kännedom")}
    assert found(client, "RUF240012-14") == {("item", "Anmälningar för kännedom")}


def test_a_case_number_with_words(app, demo, client):
    assert found(client, "RV240022 hälsa") == {
        ("document", "Minnesanteckningar samverkansgrupp Hälsa 2024-02-09")
    }


@pytest.fixture
def world(app, factory):
    """make_world's Kulturstrategi and Personalärende filed under cases of their own."""
    ids = make_world(app, factory)
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).limit(1))
        strategy_case = Case(organisation=organisation, case_number="KUN240017")
        staff_case = Case(organisation=organisation, case_number="KUN240018")
        db.session.get(AgendaItem, ids["strategy"]).case = strategy_case
        db.session.get(AgendaItem, ids["staff"]).case = staff_case
        db.session.commit()
        ids.update(strategy_case=strategy_case.id, staff_case=staff_case.id)
    return ids


def _reader(make_client, login, email):
    client = make_client()
    if email:
        login(client, email)
    return client


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (None, {"item", "public"}),
        (OUTSIDER, {"item", "public"}),
        (MEMBER, {"item", "public", "internal"}),
        (SECRETARY, {"item", "decision", "public", "internal", "secret"}),
    ],
)
def test_only_what_the_reader_may_see_of_a_case(world, make_client, login, email, expected):
    names = {
        ("item", "Kulturstrategi"): "item",
        ("decision", "Kulturstrategi"): "decision",
        ("document", "Kulturstrategi remissvar"): "public",
        ("document", "Kulturstrategi internt underlag"): "internal",
        ("document", "Kulturstrategi sekretessbelagd bilaga"): "secret",
    }
    reader = _reader(make_client, login, email)
    assert {names[hit] for hit in found(reader, "KUN 240017")} == expected
    # The non-public item's case: only for the body's own.
    staff = found(reader, "KUN240018")
    assert staff == ({("item", "Personalärende")} if email in (MEMBER, SECRETARY) else set())


def test_the_index_follows_the_case(world, app, make_client, login):
    secretary = _reader(make_client, login, SECRETARY)
    with app.app_context():
        # Renumbered.
        db.session.get(Case, world["strategy_case"]).case_number = "KUN240099"
        # A document filed under a case of its own; an anmälan with a number.
        document = db.session.scalar(
            select(Document).where(Document.confidentiality == Confidentiality.PUBLIC)
        )
        document.case = Case(organisation_id=document_organisation(), case_number="KUN240200")
        item = db.session.get(AgendaItem, world["staff"])
        db.session.add(AgendaNotice(item=item, case_number="KUN240300", title="Anmälan"))
        db.session.commit()
        document_id = document.id
    assert found(secretary, "KUN240017") == set()
    assert ("item", "Kulturstrategi") in found(secretary, "KUN240099")
    assert found(secretary, "KUN240200") == {("document", "Kulturstrategi remissvar")}
    assert found(secretary, "KUN240300") == {("item", "Personalärende")}
    with app.app_context():
        # The item leaves the case; its documents go with it.
        db.session.get(AgendaItem, world["strategy"]).case = None
        link = db.session.scalar(
            select(AgendaItemDocument).where(AgendaItemDocument.document_id == document_id)
        )
        db.session.delete(link)
        db.session.commit()
    assert found(secretary, "KUN240099") == set()
    assert found(secretary, "KUN240200") == set()


def document_organisation() -> int:
    return db.session.scalar(select(Organisation.id).limit(1))
