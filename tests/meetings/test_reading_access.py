"""The reading side's routes × every role: the status code, and that no email address reaches
anyone outside the secretary's side."""

from collections.abc import Callable

from tests.members_world import ANNA, EMAILS, FIA, OLLE, PER, STINA

ROLES = ("anonymous", "public_login", "member", "substitute", "other_body", "secretary", "admin")
ACCOUNTS = {
    "public_login": PER,
    "member": ANNA,
    "substitute": FIA,
    "other_body": OLLE,
    "secretary": STINA,
    "admin": "admin@sala.se",
}
ALL = dict.fromkeys(ROLES, 200)
LOGGED_IN = {**ALL, "anonymous": 302}
GROUP_ONLY = {**dict.fromkeys(ROLES, 404), "other_body": 200, "secretary": 200, "admin": 200}
SEATED = {**dict.fromkeys(ROLES, 404), "member": 200, "substitute": 200, "secretary": 200}
SEATED = {**SEATED, "admin": 200}
SECRETARY = {**dict.fromkeys(ROLES, 404), "secretary": 200, "admin": 200}

ROUTES: list[tuple[str, dict[str, int]]] = [
    ("/beslut", ALL),
    ("/beslut?body={body}&year=2025&q=bidrag&page=1", ALL),
    ("/uppdrag", ALL),
    ("/uppdrag?status=active&mine=1", ALL),
    ("/bevakningar", LOGGED_IN),
    ("/bodies/{body}", ALL),
    ("/bodies/{group}", GROUP_ONLY),
    ("/bodies/{body}/calendar.ics", ALL),
    ("/bodies/{group}/calendar.ics", GROUP_ONLY),
    ("/meetings/{held}", ALL),
    ("/meetings/{group_meeting}", GROUP_ONLY),
    ("/meetings/{held}/documents/{link_public}", ALL),
    ("/meetings/{held}/documents/{link_internal}", SEATED),
    ("/meetings/{held}/documents/{link_closed_item}", SEATED),
    ("/meetings/{held}/documents/{link_secret}", SECRETARY),
    ("/meetings/{convened}/documents/{link_public}", dict.fromkeys(ROLES, 404)),
    ("/people/{anna}", ALL),
    ("/people/{olle}", GROUP_ONLY),
    ("/people/{anna}/calendar.ics", ALL),
    ("/people/{olle}/calendar.ics", GROUP_ONLY),
]


def test_reading_routes_for_every_role(world, factory, make_client: Callable, login):
    factory.user("admin@sala.se", is_admin=True)
    for role in ROLES:
        client = make_client()
        if role != "anonymous":
            login(client, ACCOUNTS[role])
        for template, expected in ROUTES:
            url = template.format(**world.ids)
            response = client.get(url)
            assert response.status_code == expected[role], f"{role} GET {url}"
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login"), f"{role} GET {url}"
            if role in ("secretary", "admin") or response.mimetype == "application/pdf":
                continue
            body = response.get_data(as_text=True)
            for email in EMAILS:
                if email != ACCOUNTS.get(role):  # her own address on her own pages
                    assert email not in body, f"{email} leaked to {role} on {url}"
