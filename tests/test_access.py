"""Every route × every role: the status code, and that no forbidden text leaks.

Roles: anonymous; member of another body (a Bergslaget board member); secretary of another body
(Sara Ström, secretary of Samverkansgrupp Hälsa only); member (Johanna Odö, ordinarie in
Kompetensförsörjning and SRB); ersättare (Christine Andersen, Kompetensförsörjning); secretary
(Elin Hellström: Kompetensförsörjning and, for the demo, SRB); admin.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.accounts.models import User
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, Membership, MembershipFunction, MembershipKind
from app.cases.models import Confidentiality, Document
from app.documents.render import render_pdf
from app.documents.storage import store_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.meetings.models import Meeting
from app.organisations.models import Organisation
from app.people.models import Person
from tests.conftest import ADMIN, DEMO_PASSWORD, ELIN, JOHANNA, built_once

ROLES = (
    "anonymous",
    "other_member",
    "other_secretary",
    "member",
    "substitute",
    "secretary",
    "admin",
)
ALL = dict.fromkeys(ROLES, 200)
LOGGED_IN_403 = {
    "anonymous": 302,
    "other_member": 403,
    "other_secretary": 403,
    "member": 403,
    "substitute": 403,
}
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
    sara = factory.person("Sara Ström", email="sara.strom@example.se")
    factory.seat(sara, ids["halsa"], MembershipKind.STAFF, MembershipFunction.SECRETARY)
    factory.user(OTHER_SECRETARY, person_id=sara)
    with app.app_context():
        ids["halsa_item"] = db.session.scalar(
            select(AgendaItem.id).join(AgendaItem.meeting).where(Meeting.body_id == ids["halsa"])
        )
    return ids


OTHER_SECRETARY = "sara.strom@example.se"

ACCOUNTS = {
    "other_member": ("bohman@example.se", "correct horse battery"),
    "other_secretary": (OTHER_SECRETARY, "correct horse battery"),
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
    ("/bodies/{halsa}/edit", {**SECRETARY, "secretary": 403, "other_secretary": 200}),
    ("/bodies/{srb}/edit", SECRETARY),
    ("/bodies/{kompetens}/terms/new", SECRETARY),
    ("/bodies/terms/{kompetens_term}/edit", SECRETARY),
    ("/bodies/{kompetens}/memberships/new", SECRETARY),
    ("/bodies/memberships/{kompetens_seat}/edit", SECRETARY),
    ("/organisations/", ALL),
    ("/organisations/{region}", ALL),
    ("/organisations/new", ADMIN_ONLY),
    ("/organisations/{region}/edit", ADMIN_ONLY),
    # Any secretary registers people (for her own bodies).
    ("/people/", {**SECRETARY, "other_secretary": 200}),
    ("/people/new", {**SECRETARY, "other_secretary": 200}),
    ("/people/{johanna}", ALL),
    ("/people/{johanna}/edit", SECRETARY),
    ("/people/{halsa_person}/edit", {**SECRETARY, "secretary": 403, "other_secretary": 200}),
    ("/meetings/{kompetens_meeting}", ALL),
    ("/bodies/{kompetens}/meetings/new", SECRETARY),
    ("/bodies/{kompetens}/planned", SECRETARY),
    ("/bodies/{kompetens}/standing-items", SECRETARY),
    ("/bodies/{kompetens}/agenda-templates", SECRETARY),
    # The sammanträdesplan: read with the body, made by its secretary.
    ("/bodies/{kompetens}/plan", ALL),
    ("/bodies/{hidden}/plan", {**dict.fromkeys(ROLES, 404), "admin": 200}),
    ("/bodies/{kompetens}/plan/new", SECRETARY),
    ("/bodies/{halsa}/plan/new", {**SECRETARY, "secretary": 403, "other_secretary": 200}),
    ("/organisations/{region}/plan", ALL),
    ("/meetings/{kompetens_meeting}/agenda", SECRETARY),
    ("/meetings/{kompetens_meeting}/edit", SECRETARY),
    ("/meetings/{srb_meeting}/items/new", SECRETARY),
    ("/items/{kompetens_item}/edit", SECRETARY),
    ("/items/{halsa_item}/edit", {**SECRETARY, "secretary": 403, "other_secretary": 200}),
    ("/items/{kompetens_item}/coming-topics", SECRETARY),
    (
        "/items/{halsa_item}/coming-topics",
        {**SECRETARY, "secretary": 403, "other_secretary": 200},
    ),
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
    # Reading: the decisions register, uppdrag, calendars, email notices.
    ("/search?q=m%C3%A5lbild", ALL),
    ("/beslut", ALL),
    ("/uppdrag", ALL),
    ("/bevakningar", {**ALL, "anonymous": 302}),
    ("/bodies/{kompetens}/calendar.ics", ALL),
    ("/bodies/{hidden}/calendar.ics", {**dict.fromkeys(ROLES, 404), "admin": 200}),
    ("/people/{johanna}/calendar.ics", ALL),
    # OParl: public data only, the same for every reader (a login changes nothing).
    ("/oparl/v1/", ALL),
    ("/oparl/v1/bodies", ALL),
    ("/oparl/v1/body/{region}/organizations", ALL),
    ("/oparl/v1/person/{johanna}", ALL),
    ("/oparl/v1/organization/{kompetens}/meetings", ALL),
    # A body that is not public answers as a tombstone (deleted: true), never with its data.
    ("/oparl/v1/organization/{hidden}", ALL),
    ("/users", ADMIN_ONLY),
    ("/users/new", ADMIN_ONLY),
    ("/admin/audit", ADMIN_ONLY),
    ("/admin/audit?object_type=Body&page=2", ADMIN_ONLY),
    ("/admin/export", ADMIN_ONLY),
    ("/account", {**ALL, "anonymous": 302}),
    ("/no-such-page", dict.fromkeys(ROLES, 404)),
]

# Text only staff may see: people's email addresses.
STAFF_ONLY_TEXT = ("johanna.odo@example.se",)
# Pages about the reader herself (her account shows her own address).
OWN_PAGES = {"/account"}


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
            staff = role in ("secretary", "other_secretary", "admin")  # any secretary
            if not staff and url not in OWN_PAGES:
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
    token = anonymous.csrf_token("/login")  # public pages carry no session, so no token
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
    for url in (
        f"/oparl/v1/body/{world['region']}/organizations",
        f"/oparl/v1/organization/{world['hidden']}",
    ):
        assert "Regionala ledningsgruppen" not in client.get(url).get_data(as_text=True), url
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

SECRET_TITLE = "Hemlig bilaga om personalärende"
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
    ("/protokoll/{srb_meeting}/1.pdf", ALL),
    ("/meetings/{srb_meeting}/utdrag.pdf?item={srb_item}", ALL),
    ("/item-documents/{public_link}/file", ALL),
    # The office original (this one has none) is the item's secretaries' alone.
    ("/item-documents/{public_link}/original", {**SECRETARY, "secretary": 404, "admin": 404}),
    ("/meetings/{srb_meeting}/documents/{public_link}", ALL),
    (
        "/meetings/{srb_meeting}/documents/{secret_link}",
        {**dict.fromkeys(ROLES, 404), "secretary": 200, "admin": 200},
    ),
    (
        "/item-documents/{secret_link}/file",
        {**dict.fromkeys(ROLES, 404), "secretary": 200, "admin": 200},
    ),
    # Another body's secretary edits her own item: SRB's secret paper is never offered there.
    ("/items/{halsa_item}/edit", {**SECRETARY, "secretary": 403, "other_secretary": 200}),
    ("/search?q=hemlig+bilaga", ALL),
    # A background job: the one who started it (Elin), the body's secretaries, admins.
    ("/jobs/{srb_job}", SECRETARY),
    ("/jobs/{srb_job}.json", SECRETARY),
    # A job that is not an export has nothing to download.
    ("/admin/export/{srb_job}/download", {**ADMIN_ONLY, "admin": 404}),
    ("/login", {**dict.fromkeys(ROLES, 302), "anonymous": 200}),  # logged in: go home
    # The reader's language as a cookie: anyone, back to where she was (here the login page).
    ("/language?locale=sv&next=/login", dict.fromkeys(ROLES, 302)),
    ("/users/{admin_user}/edit", ADMIN_ONLY),
]


@pytest.fixture
def justerat(world, app):
    from app.demo.cycle import run_srb_cycle
    from app.justering.services import justered_revision, rounds_of
    from app.publication.models import Posting

    def build() -> dict[str, Any]:
        with app.test_request_context():
            meeting = db.session.get(Meeting, world["srb_meeting"])
            world["srb_item"] = next(i.id for i in meeting.items if i.is_public)
            # Two attached files (before the record is final, which freezes them): a public
            # bilaga and one under sekretess, SRB's.
            item = db.session.get(AgendaItem, world["srb_item"])
            for key, title, confidentiality in (
                ("public_link", "Offentlig bilaga", Confidentiality.PUBLIC),
                ("secret_link", SECRET_TITLE, Confidentiality.SECRET),
            ):
                pdf = render_pdf(f"<html lang='sv'><title>{title}</title><p>{title}</p></html>")
                document = Document(
                    title=title,
                    confidentiality=confidentiality,
                    sha256=store_bytes(pdf),
                    filename=f"{title}.pdf",
                    media_type="application/pdf",
                    size=len(pdf),
                )
                link = AgendaItemDocument(item=item, document=document, position=9)
                db.session.add(link)
                db.session.flush()
                world[key] = link.id
                world[key.replace("link", "document")] = document.id
            db.session.commit()
            assert run_srb_cycle()
            db.session.commit()
            meeting = db.session.get(Meeting, world["srb_meeting"])
            world["srb_round"] = rounds_of(meeting)[-1].id
            world["srb_posting"] = db.session.scalar(select(Posting.id))
            world["signed_sha"] = justered_revision(meeting).signed_pdf_sha256
            elin = db.session.scalar(select(User).where(User.email == ELIN))
            job = Job(
                kind="packet",
                status=JobStatus.FAILED,
                error="Handlingarna kunde inte sättas samman.",
                arguments={"meeting_id": meeting.id},
                body_id=meeting.body_id,
                started_by_id=elin.id,
            )
            db.session.add(job)
            db.session.flush()
            world["srb_job"] = job.id
            db.session.commit()
            world["admin_user"] = db.session.scalar(select(User.id).where(User.email == ADMIN))
        return world

    return built_once(app, "access justerat", build)


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
            if role not in ("secretary", "admin"):
                assert SECRET_TITLE.encode() not in body, f"secret title leaked to {role} on {url}"


# -- every route is in the matrix; every state change refuses those without the right --------

# Routes open to everyone by design (they check what they show themselves).
PUBLIC_POSTS = {"accounts.login", "accounts.logout", "accounts.language", "justering.verify"}
# The reader's own settings: any login may change her own (anonymous users must log in).
OWN_POSTS = {"notifications.index"}
# A signatory's own answer: any other login gets 403 (tests/justering covers it in depth).
SIGNATORY_POSTS = {"justering.approve", "justering.reject"}
# The reader's own forms: an empty submission is refused as incomplete, and changes nothing.
OWN_FORMS = {"accounts.account"}
# Any secretary's forms (she registers people for her bodies): empty, refused as incomplete.
ANY_SECRETARY_FORMS = {"people.new"}
# Ends every session of the account: posted last, after every other state change.
SESSION_ENDING_POSTS = {"accounts.logout_everywhere"}


def _rules(app, method: str) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and method in (rule.methods or ())
    ]


def _arguments(justerat: dict[str, int], app) -> dict[str, object]:
    """A value for every URL argument, from the justerat world."""
    from app.agenda.models import AgendaItemDocument, AgendaRemoval, AgendaTemplate, PlannedItem
    from app.justering.models import Signoff
    from app.record.models import Assignment, Attendance

    with app.app_context():
        first = lambda model: db.session.scalar(select(model.id).limit(1))  # noqa: E731
        # A template and an undoable removal of the secretary's, so that their POSTs are
        # refused for who is asking, not for a record that does not exist.
        if first(AgendaTemplate) is None:
            db.session.add(AgendaTemplate(body_id=justerat["kompetens"], name="Mall", items=[]))
        if first(AgendaRemoval) is None:
            db.session.add(AgendaRemoval(meeting_id=justerat["kompetens_meeting"], items=[]))
        db.session.commit()
        return {
            "meeting_id": justerat["kompetens_meeting"],
            "item_id": justerat["kompetens_item"],
            "body_id": justerat["kompetens"],
            "person_id": justerat["johanna"],
            "organisation_id": justerat["region"],
            "term_id": justerat["kompetens_term"],
            "membership_id": justerat["kompetens_seat"],
            "attendance_id": first(Attendance),
            "link_id": first(AgendaItemDocument),
            "planned_id": first(PlannedItem) or 1,
            "assignment_id": first(Assignment),
            "template_id": first(AgendaTemplate),
            "removal_id": first(AgendaRemoval),
            "round_id": justerat["srb_round"],
            "signoff_id": first(Signoff),
            "posting_id": justerat["srb_posting"],
            "job_id": justerat.get("srb_job") or first(Job) or 1,
            "user_id": db.session.scalar(select(User.id).where(User.email == ADMIN)),
            "number": 1,
            "kind": "motion",
            "part_id": 1,
            "direction": "up",
            "rest": "unknown",
        }


def _url(rule, values: dict[str, object]) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), url)
    return url


def test_every_get_route_is_in_the_matrix(justerat, app):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for template, _expected in ROUTES + JUSTERAT_ROUTES:
        url = template.format(**justerat)
        try:
            endpoint, _args = adapter.match(url.split("?")[0], method="GET")
        except NotFound:
            continue  # the row that checks an unknown page
        covered.add(endpoint)
    missing = sorted(rule.rule for rule in _rules(app, "GET") if rule.endpoint not in covered)
    assert not missing, f"GET routes missing from the access matrix: {missing}"


@pytest.mark.parametrize(
    "role", ["anonymous", "other_member", "other_secretary", "member", "substitute"]
)
def test_every_state_change_refuses_those_without_the_right(
    justerat, app, make_client: Callable, login, role
):
    """Every POST route, with a valid CSRF token: anonymous users are sent to log in; members
    and outsiders are refused (the secretary's own work is tested where it lives)."""
    values = _arguments(justerat, app)
    client = make_client()
    if role != "anonymous":
        login(client, *ACCOUNTS[role])
    token = client.csrf_token("/login" if role == "anonymous" else "/")
    rules = sorted(_rules(app, "POST"), key=lambda rule: rule.endpoint in SESSION_ENDING_POSTS)
    for rule in rules:
        if rule.endpoint in PUBLIC_POSTS:
            continue
        url = _url(rule, values)
        response = client.post(url, data={"csrf_token": token})
        if role == "anonymous":
            assert response.status_code == 302, f"{role} POST {url}"
            assert response.headers["Location"].startswith("/login"), f"{role} POST {url}"
        elif rule.endpoint in SIGNATORY_POSTS and role == "member":
            continue  # Johanna is SRB's justerare: her own signoff answers (tested elsewhere)
        elif rule.endpoint in OWN_POSTS:
            assert response.status_code == 302, f"{role} POST {url}"
        elif rule.endpoint in OWN_FORMS or (
            role == "other_secretary" and rule.endpoint in ANY_SECRETARY_FORMS
        ):
            assert response.status_code == 422, f"{role} POST {url}"
        elif rule.endpoint in SESSION_ENDING_POSTS:
            assert response.status_code == 302, f"{role} POST {url}"
            assert response.headers["Location"].startswith("/login"), f"{role} POST {url}"
        else:
            assert response.status_code in (403, 404), f"{role} POST {url}"
