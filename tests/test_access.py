"""Every route × every role: the status code, and that no forbidden text leaks.

Roles: anonymous; member of another body (a Bergslaget board member); member (Johanna Odö,
ordinarie in Kompetensförsörjning and SRB); ersättare (Christine Andersen, Kompetensförsörjning);
secretary (Elin Hellström: Kompetensförsörjning and, for the demo, SRB); admin.
"""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership
from app.extensions import db
from app.meetings.models import Meeting
from app.organisations.models import Organisation
from app.people.models import Person
from tests.conftest import ADMIN, DEMO_PASSWORD, ELIN, JOHANNA

ROLES = ("anonymous", "other_member", "member", "substitute", "secretary", "admin")
ALL = dict.fromkeys(ROLES, 200)
LOGGED_IN_403 = {"anonymous": 302, "other_member": 403, "member": 403, "substitute": 403}
ADMIN_ONLY = {**LOGGED_IN_403, "secretary": 403, "admin": 200}
SECRETARY = {**LOGGED_IN_403, "secretary": 200, "admin": 200}


@pytest.fixture
def world(app, demo, factory):
    with app.app_context():
        ids = {}
        body = lambda name: db.session.scalar(select(Body).where(Body.name == name))  # noqa: E731
        ids["kompetens"] = body("Samverkansgrupp Kompetensförsörjning").id
        ids["halsa"] = body("Samverkansgrupp Hälsa").id
        ids["srb"] = body("Strategisk regional beredning").id
        hidden = body("Regionala ledningsgruppen")
        hidden.is_public = False  # a body only its members may see
        ids["hidden"] = hidden.id
        ids["kompetens_term"] = db.session.get(Body, ids["kompetens"]).terms[0].id
        ids["kompetens_seat"] = db.session.scalar(
            select(Membership.id).where(Membership.body_id == ids["kompetens"])
        )
        ids["johanna"] = db.session.scalar(select(Person.id).where(Person.name == "Johanna Odö"))
        only_halsa = [
            p
            for p in db.session.scalars(
                select(Person)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.body_id == ids["halsa"])
            )
            if {
                m.body_id
                for m in db.session.scalars(select(Membership).where(Membership.person_id == p.id))
            }
            == {ids["halsa"]}
        ]
        ids["halsa_person"] = only_halsa[0].id
        ids["region"] = db.session.scalar(
            select(Organisation.id).where(Organisation.name == "Region Västmanland")
        )
        ids["srb_meeting"] = db.session.scalar(
            select(Meeting.id).where(
                Meeting.body_id == ids["srb"], Meeting.is_illustrative.is_(True)
            )
        )
        ids["kompetens_item"] = db.session.scalar(
            select(AgendaItem.id)
            .join(AgendaItem.meeting)
            .where(Meeting.body_id == ids["kompetens"])
        )
        ids["kompetens_meeting"] = db.session.scalar(
            select(Meeting.id).where(
                Meeting.body_id == ids["kompetens"], Meeting.record_status == "final"
            )
        )
        christine = db.session.scalar(select(Person.id).where(Person.name == "Christine Andersen"))
        bohman = db.session.scalar(select(Person.id).where(Person.name == "Jan Bohman"))
        db.session.commit()
    factory.user("christine@example.se", person_id=christine)
    factory.user("bohman@example.se", person_id=bohman)
    return ids


ACCOUNTS = {
    "other_member": ("bohman@example.se", "correct horse battery"),
    "member": (JOHANNA, DEMO_PASSWORD),
    "substitute": ("christine@example.se", "correct horse battery"),
    "secretary": (ELIN, DEMO_PASSWORD),
    "admin": (ADMIN, DEMO_PASSWORD),
}

# (url template, expected status by role)
ROUTES: list[tuple[str, dict[str, int]]] = [
    ("/", ALL),
    ("/bodies/", ALL),
    ("/bodies/{kompetens}", ALL),
    ("/bodies/{hidden}", {**dict.fromkeys(ROLES, 404), "admin": 200}),
    ("/bodies/new", ADMIN_ONLY),
    ("/bodies/{kompetens}/edit", SECRETARY),
    ("/bodies/{halsa}/edit", {**SECRETARY, "secretary": 403}),
    ("/bodies/{srb}/edit", SECRETARY),
    ("/bodies/{kompetens}/terms/new", SECRETARY),
    ("/bodies/terms/{kompetens_term}/edit", SECRETARY),
    ("/bodies/{kompetens}/memberships/new", SECRETARY),
    ("/bodies/memberships/{kompetens_seat}/edit", SECRETARY),
    ("/organisations/", ALL),
    ("/organisations/{region}", ALL),
    ("/organisations/new", ADMIN_ONLY),
    ("/organisations/{region}/edit", ADMIN_ONLY),
    ("/people/", SECRETARY),
    ("/people/new", SECRETARY),
    ("/people/{johanna}", ALL),
    ("/people/{johanna}/edit", SECRETARY),
    ("/people/{halsa_person}/edit", {**SECRETARY, "secretary": 403}),
    ("/meetings/{kompetens_meeting}", ALL),
    ("/bodies/{kompetens}/meetings/new", SECRETARY),
    ("/bodies/{kompetens}/planned", SECRETARY),
    ("/bodies/{kompetens}/standing-items", SECRETARY),
    ("/meetings/{kompetens_meeting}/agenda", SECRETARY),
    ("/meetings/{kompetens_meeting}/edit", SECRETARY),
    ("/meetings/{srb_meeting}/items/new", SECRETARY),
    ("/items/{kompetens_item}/edit", SECRETARY),
    # The PDFs: the body's members and secretaries (Johanna sits in SRB; Christine does not).
    (
        "/meetings/{srb_meeting}/foredragningslista.pdf",
        {**LOGGED_IN_403, "member": 200, "secretary": 200, "admin": 200},
    ),
    (
        "/meetings/{srb_meeting}/handlingar.pdf",
        {**LOGGED_IN_403, "member": 200, "secretary": 200, "admin": 200},
    ),
    ("/meetings/{srb_meeting}", ALL),
    # The record: final minutes are public; editing is the secretary's (and final is final).
    ("/meetings/{kompetens_meeting}/record", ALL),
    ("/meetings/{kompetens_meeting}/record.pdf", ALL),
    (
        "/meetings/{srb_meeting}/record",
        {**dict.fromkeys(ROLES, 404), "secretary": 200, "admin": 200},
    ),
    ("/meetings/{kompetens_meeting}/attendance", SECRETARY),
    ("/items/{kompetens_item}/record", {**LOGGED_IN_403, "secretary": 302, "admin": 302}),
    ("/users", ADMIN_ONLY),
    ("/users/new", ADMIN_ONLY),
    ("/audit", ADMIN_ONLY),
    ("/no-such-page", dict.fromkeys(ROLES, 404)),
]

# Text only staff may see: people's email addresses.
STAFF_ONLY_TEXT = ("johanna.odo@example.se",)


def test_every_route_for_every_role(world, make_client: Callable, login):
    for role in ROLES:
        client = make_client()
        if role != "anonymous":
            login(client, *ACCOUNTS[role])
        for template, expected in ROUTES:
            url = template.format(**world)
            response = client.get(url)
            assert response.status_code == expected[role], f"{role} GET {url}"
            if response.status_code == 302 and role == "anonymous":
                assert response.headers["Location"].startswith("/login"), f"{role} GET {url}"
            if response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            if role not in ("secretary", "admin"):
                for text in STAFF_ONLY_TEXT:
                    assert text not in page, f"{text!r} leaked to {role} on {url}"


def test_state_changes_need_the_right_role(world, make_client: Callable, login):
    member = make_client()
    login(member, *ACCOUNTS["member"])
    url = f"/bodies/{world['kompetens']}/edit"
    token = member.csrf_token("/")
    response = member.post(url, data={"csrf_token": token, "name": "Kapat", "kind": "namnd"})
    assert response.status_code == 403
    anonymous = make_client()
    token = anonymous.csrf_token("/")
    response = anonymous.post(url, data={"csrf_token": token, "name": "Kapat"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_staff_see_email_addresses(world, make_client: Callable, login):
    secretary = make_client()
    login(secretary, *ACCOUNTS["secretary"])
    assert "johanna.odo@example.se" in secretary.get(f"/people/{world['johanna']}").get_data(
        as_text=True
    )


def test_the_public_never_sees_a_hidden_body(world, client):
    assert "Regionala ledningsgruppen" not in client.get("/bodies/").get_data(as_text=True)
    assert "Regionala ledningsgruppen" not in client.get(
        f"/organisations/{world['region']}"
    ).get_data(as_text=True)


def test_demo_accounts_have_their_roles(world, app):
    from app.accounts.permissions import roles_of

    with app.test_request_context():
        users = {u.email: roles_of(u) for u in db.session.scalars(select(User))}
        assert users[ADMIN].is_admin
        assert users[ELIN].secretary_of == {world["kompetens"], world["srb"]}
        assert world["halsa"] in users["eva.wilhelmsson@example.se"].secretary_of
        assert world["srb"] in users["eva.wilhelmsson@example.se"].secretary_of
        assert {world["srb"], world["kompetens"]} <= users[JOHANNA].member_of
        assert not users[JOHANNA].secretary_of


# -- after justering: the SRB protokoll carried through the demo cycle -------------------------

SIGNATORY = {**LOGGED_IN_403, "member": 200, "secretary": 200, "admin": 200}
JUSTERAT_ROUTES: list[tuple[str, dict[str, int]]] = [
    ("/meetings/{srb_meeting}/record", ALL),
    ("/meetings/{srb_meeting}/record.pdf", ALL),
    # The signed original stays internal: the secretary's side and SRB's members.
    ("/meetings/{srb_meeting}/record/1/original.pdf", SIGNATORY),
    (
        "/meetings/{srb_meeting}/record/9/original.pdf",
        {**SIGNATORY, "member": 404, "secretary": 404, "admin": 404},
    ),
    # A round is seen by its signatories (Johanna is justerare) and the secretary's side.
    ("/justering/{srb_round}", SIGNATORY),
    ("/justering/{srb_round}.pdf", SIGNATORY),
    ("/meetings/{srb_meeting}/rattelse", SECRETARY),
    ("/meetings/{srb_meeting}/anslag", SECRETARY),
    ("/anslagstavla", ALL),
    ("/anslagstavla/arkiv", ALL),
    ("/anslagstavla.atom", ALL),
    ("/anslagstavla/{srb_posting}", ALL),
    ("/anslag/{srb_posting}/anslagsbevis.pdf", ALL),
    ("/protokoll/{srb_meeting}", ALL),
    ("/protokoll/{srb_meeting}.pdf", ALL),
    ("/protokoll/{srb_meeting}/1", ALL),
    ("/verifiera", ALL),
]


@pytest.fixture
def justerat(world, app):
    from app.demo.cycle import run_srb_cycle
    from app.justering.services import justered_revision, rounds_of
    from app.publication.models import Posting

    with app.test_request_context():
        assert run_srb_cycle()
        db.session.commit()
        meeting = db.session.get(Meeting, world["srb_meeting"])
        world["srb_round"] = rounds_of(meeting)[-1].id
        world["srb_posting"] = db.session.scalar(select(Posting.id))
        world["signed_sha"] = justered_revision(meeting).signed_pdf_sha256
    return world


def test_justerat_routes_for_every_role(justerat, make_client: Callable, login):
    signed_sha = justerat["signed_sha"]
    for role in ROLES:
        client = make_client()
        if role != "anonymous":
            login(client, *ACCOUNTS[role])
        for template, expected in JUSTERAT_ROUTES:
            url = template.format(**justerat)
            response = client.get(url)
            assert response.status_code == expected[role], f"{role} GET {url}"
            if response.status_code == 302 and role == "anonymous":
                assert response.headers["Location"].startswith("/login"), f"{role} GET {url}"
            body = response.get_data()
            if role not in ("member", "secretary", "admin"):
                # Neither the signed original nor its hash reaches anyone outside.
                assert signed_sha.encode() not in body, f"signed sha leaked to {role} on {url}"
                assert b"/ByteRange" not in body, f"a signed PDF reached {role} on {url}"
