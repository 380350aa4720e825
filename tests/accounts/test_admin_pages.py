"""Managing organisations, bodies, terms, people and memberships in the browser."""

from sqlalchemy import select

from app.bodies.models import Body, Membership, MembershipKind, Term
from app.core.audit import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from app.people.models import Person
from tests.conftest import hidden


def _admin(factory, make_client, login):
    factory.user("admin@example.se", is_admin=True)
    client = make_client()
    login(client, "admin@example.se")
    return client


def test_admin_creates_an_organisation(app, factory, make_client, login):
    admin = _admin(factory, make_client, login)
    response = admin.submit(
        "/organisations/new",
        {
            "name": "Borlänge kommun",
            "short_name": "Borlänge",
            "kind": "kommun",
            "county": "Dalarna",
            "case_number_pattern": r"\d{4}/\d+",
            "parent_id": "",
        },
    )
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Borlänge kommun" in page and "Dalarna" in page and "Organisationen har sparats." in page
    with app.app_context():
        organisation = db.session.scalar(select(Organisation))
        assert organisation.is_valid_case_number("2020/2239")
        assert not organisation.is_valid_case_number("RV240022")
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.object_type, entry.changes["name"]["after"]) == (
            "create",
            "Organisation",
            "Borlänge kommun",
        )


def test_form_error_keeps_what_was_typed(app, factory, make_client, login):
    admin = _admin(factory, make_client, login)
    response = admin.submit(
        "/organisations/new",
        {
            "name": "Sala kommun",
            "short_name": "",
            "kind": "kommun",
            "county": "Västmanland",
            "case_number_pattern": "([unclosed",
            "website": "inte en adress",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Sala kommun"' in page and 'value="Västmanland"' in page
    assert 'value="([unclosed"' in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.scalar(select(Organisation)) is None
    # Fixing the short name and address leaves the bad pattern, which the service refuses.
    response = admin.submit(
        "/organisations/new",
        {
            "name": "Sala kommun",
            "short_name": "Sala",
            "kind": "kommun",
            "case_number_pattern": "([unclosed",
        },
    )
    assert response.status_code == 422
    assert "Inte ett giltigt reguljärt uttryck" in response.get_data(as_text=True)
    assert 'value="Sala"' in response.get_data(as_text=True)


def test_duplicate_organisation_name_is_refused(factory, make_client, login):
    factory.organisation("Sala kommun")
    admin = _admin(factory, make_client, login)
    response = admin.submit(
        "/organisations/new", {"name": "Sala kommun", "short_name": "Sala", "kind": "kommun"}
    )
    assert response.status_code == 422
    assert "finns redan" in response.get_data(as_text=True)


def test_two_secretaries_do_not_overwrite_each_other(app, factory, make_client, login):
    body_id = factory.body("Kulturnämnden")
    for email in ("a@example.se", "b@example.se"):
        person_id = factory.person(email)
        factory.seat(person_id, body_id, MembershipKind.STAFF, function="sekreterare")
        factory.user(email, person_id=person_id)
    first, second = make_client(), make_client()
    login(first, "a@example.se")
    login(second, "b@example.se")
    url = f"/bodies/{body_id}/edit"
    form_first = first.get(url).get_data(as_text=True)
    form_second = second.get(url).get_data(as_text=True)
    token = hidden(form_first, "csrf_token")
    base = {
        "kind": "namnd",
        "record_type": "protocol",
        "numbering": "per_year",
        "is_public": "y",
        "parent_id": "",
    }
    saved = first.post(
        url,
        data={
            **base,
            "name": "Kultur- och fritidsnämnden",
            "csrf_token": token,
            "version": hidden(form_first, "version"),
        },
    )
    assert saved.status_code == 302
    token = hidden(form_second, "csrf_token")
    stale = second.post(
        url,
        data={
            **base,
            "name": "Kulturnämnden 2",
            "description": "Min text",
            "csrf_token": token,
            "version": hidden(form_second, "version"),
        },
    )
    assert stale.status_code == 422
    page = stale.get_data(as_text=True)
    assert "ändrade" in page  # the conflict message
    assert "Kultur- och fritidsnämnden" in page  # the saved value is shown
    assert 'value="Kulturnämnden 2"' in page and "Min text" in page  # the typed text is kept
    with app.app_context():
        assert db.session.get(Body, body_id).name == "Kultur- och fritidsnämnden"
    # Saving again after seeing the conflict is a deliberate overwrite.
    token = hidden(page, "csrf_token")
    again = second.post(
        url,
        data={
            **base,
            "name": "Kulturnämnden 2",
            "csrf_token": token,
            "version": hidden(page, "version"),
        },
    )
    assert again.status_code == 302


def test_secretary_seats_a_member_with_validation(app, factory, make_client, login):
    body_id = factory.body("Kulturnämnden")
    person_id = factory.person("Elin Hellström")
    factory.seat(person_id, body_id, MembershipKind.STAFF, function="sekreterare")
    factory.user("elin@example.se", person_id=person_id)
    member_id = factory.person("Karin Berg", party="C")
    secretary = make_client()
    login(secretary, "elin@example.se")
    with app.app_context():
        term_id = db.session.scalar(select(Term.id).where(Term.body_id == body_id))
    url = f"/bodies/{body_id}/memberships/new"
    data = {
        "person_id": member_id,
        "term_id": term_id,
        "kind": "ersattare",
        "function": "",
        "organisation_id": "",
        "start_date": "2024-06-01",
        "end_date": "2024-01-01",
        "substitute_order": "2",
    }
    response = secretary.submit(url, data)
    assert response.status_code == 422
    assert "Slutdatumet ligger före startdatumet." in response.get_data(as_text=True)
    response = secretary.submit(url, {**data, "end_date": ""})
    assert response.status_code == 302
    page = secretary.get(f"/bodies/{body_id}").get_data(as_text=True)
    assert "Karin Berg" in page and "Ersättare" in page
    # The same person twice in the same term is refused.
    response = secretary.submit(
        url, {**data, "end_date": "", "kind": "ordinarie", "substitute_order": ""}
    )
    assert response.status_code == 422
    with app.app_context():
        seat = db.session.scalar(select(Membership).where(Membership.person_id == member_id))
        assert (seat.kind, seat.substitute_order) == (MembershipKind.SUBSTITUTE, 2)


def test_secretary_registers_a_person_with_email(app, factory, make_client, login):
    body_id = factory.body("Kulturnämnden")
    person_id = factory.person("Elin Hellström")
    factory.seat(person_id, body_id, MembershipKind.STAFF, function="sekreterare")
    factory.user("elin@example.se", person_id=person_id)
    secretary = make_client()
    login(secretary, "elin@example.se")
    bad = secretary.submit(
        "/people/new", {"name": "Per Persson", "party": "XX", "email": "inte-epost"}
    )
    assert bad.status_code == 422
    assert 'value="Per Persson"' in bad.get_data(as_text=True)
    good = secretary.submit(
        "/people/new", {"name": "Per Persson", "party": "M", "email": "Per@Example.se", "title": ""}
    )
    assert good.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == "Per Persson"))
        assert (person.party, person.email, person.title) == ("M", "per@example.se", None)


def test_admin_manages_bodies_and_terms(app, factory, make_client, login):
    organisation_id = factory.organisation("Region Västmanland", kind="region")
    admin = _admin(factory, make_client, login)
    response = admin.submit(
        "/bodies/new",
        {
            "organisation_id": organisation_id,
            "name": "Strategisk regional beredning",
            "short_name": "SRB",
            "kind": "beredning",
            "record_type": "protocol",
            "numbering": "per_year",
            "is_public": "y",
            "parent_id": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        body_id = db.session.scalar(select(Body.id))
    response = admin.submit(
        f"/bodies/{body_id}/terms/new",
        {"label": "2023–2026", "start_date": "2023-01-01", "end_date": "2026-12-31"},
    )
    assert response.status_code == 302
    duplicate = admin.submit(f"/bodies/{body_id}/terms/new", {"label": "2023–2026"})
    assert duplicate.status_code == 422
    page = admin.get(f"/bodies/{body_id}").get_data(as_text=True)
    assert "Strategisk regional beredning (SRB)" in page and "2023–2026" in page
