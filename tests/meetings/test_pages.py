"""The body, meeting and person pages as each reader sees them: the public, a member, an
ersättare, the secretary; never an email address outside the secretary's side."""

import re

from tests.members_world import (
    ANNA,
    CLOSED_DECISION,
    FIA,
    OLLE,
    PUBLIC_DECISION,
    STINA,
    assert_no_email_addresses,
    page_of,
)


def _client(make_client, login, email=None):
    client = make_client()
    if email:
        login(client, email)
    return client


def test_body_page_shows_members_by_term_and_meetings_by_year(world, client):
    url = f"/bodies/{world['body']}"
    page = page_of(client, url)

    # Ordinarie and ersättare under their headings, with party, organisation and function.
    ordinary = page.index("Ordinarie ledamöter")
    substitutes = page.index("Ersättare</h3>")
    assert ordinary < page.index("Anna Berg") < substitutes < page.index("Fia Ros")
    row = re.search(r"<tr>\s*<td><a[^>]*>Anna Berg</a>.*?</tr>", page, re.S).group(0)
    assert "<td>S</td>" in row and "Sala kommun" in row and "Ordförande" in row
    assert "Stina Sekreterare" in page and "Sekreterare" in page
    # Meetings by year, a cancelled one marked, the final protokoll linked.
    assert re.search(r"<h3>2025</h3>\s*<ul", page)
    for day in ("2025-03-14", "2025-04-11", "2025-05-20", "2025-06-10", "2025-09-01"):
        assert day in page
    assert "Inställt" in page
    assert f'href="/meetings/{world["held"]}/record"' in page
    assert f'href="/bodies/{world["body"]}/calendar.ics"' in page
    assert f'href="/beslut?body={world["body"]}"' in page
    assert "/bevakningar" not in page  # subscribing needs a login
    assert_no_email_addresses(page, url)


def test_the_public_reads_public_items_documents_and_the_final_record(world, client):
    url = f"/meetings/{world['held']}"
    page = page_of(client, url)

    assert "Bidrag till kulturföreningar 2025" in page
    assert PUBLIC_DECISION in page
    assert "Tjänsteskrivelse bidrag" in page
    assert "Intern kalkyl" not in page and "Sekretessbelagd ansökan" not in page
    assert "Personalärende" not in page and CLOSED_DECISION not in page
    assert "1 ärende är inte offentligt och visas inte." in page
    assert f'href="/meetings/{world["held"]}/record"' in page
    # Attendance is part of the final record.
    assert "Fia Ros (C) ersätter Bo Ek (M)" in page
    assert_no_email_addresses(page, url)

    public = f"/meetings/{world['held']}/documents/{world['link_public']}"
    assert client.get(public).data.startswith(b"%PDF-")
    for key in ("link_internal", "link_secret", "link_closed_item"):
        assert client.get(f"/meetings/{world['held']}/documents/{world[key]}").status_code == 404


def test_a_member_reads_her_bodys_handlingar_but_not_secret_ones(world, make_client, login):
    for email in (ANNA, FIA):  # ledamot and ersättare alike
        member = _client(make_client, login, email)
        page = page_of(member, f"/meetings/{world['held']}")
        assert "Intern kalkyl" in page
        assert "Personalärende" in page and CLOSED_DECISION in page
        assert "Underlag personalärende" in page
        assert "Sekretessbelagd ansökan" not in page
        assert "inte offentligt och visas inte" not in page
        for key in ("link_public", "link_internal", "link_closed_item"):
            response = member.get(f"/meetings/{world['held']}/documents/{world[key]}")
            assert response.status_code == 200, (email, key)
        secret = f"/meetings/{world['held']}/documents/{world['link_secret']}"
        assert member.get(secret).status_code == 404
        assert "Föredragningslista (PDF)" in page or "Agenda (PDF)" in page


def test_the_secretary_sees_secret_documents_and_drafts(world, make_client, login):
    stina = _client(make_client, login, STINA)
    page = page_of(stina, f"/meetings/{world['held']}")
    assert "Sekretessbelagd ansökan" in page
    secret = f"/meetings/{world['held']}/documents/{world['link_secret']}"
    assert stina.get(secret).status_code == 200
    assert "Hemligt utkast till dagordning" in page_of(stina, f"/meetings/{world['planned']}")


def test_agendas_reach_readers_once_sent(world, client, make_client, login):
    assert "Budget 2026" in page_of(client, f"/meetings/{world['convened']}")
    planned = page_of(client, f"/meetings/{world['planned']}")
    assert "Hemligt utkast" not in planned
    assert "Föredragningslistan publiceras när kallelsen har skickats." in planned
    anna = _client(make_client, login, ANNA)
    assert "Hemligt utkast" not in page_of(anna, f"/meetings/{world['planned']}")
    # The draft protokoll is the secretary's: readers are told it comes when justerat.
    draft = page_of(client, f"/meetings/{world['draft']}")
    assert "Protokollet publiceras här när det har justerats." in draft
    assert "Utkast: taxorna" not in draft


def test_person_page_shows_seats_attendance_and_uppdrag(world, client, make_client, login):
    url = f"/people/{world['fia']}"
    page = page_of(client, url)
    assert "Kulturnämnden" in page and "Ersättare" in page
    assert "2025-03-14" in page
    assert "Tjänstgörande ersättare för Bo Ek (M)" in page
    assert "Återrapportera hur bidragen har använts." in page  # uppdrag of her body
    assert "Mina uppdrag" not in page
    assert_no_email_addresses(page, url)

    anna = page_of(client, f"/people/{world['anna']}")
    assert "Beslutande ledamot, ordförande" in anna

    # Her own page shows her uppdrag; the secretary sees her address.
    fia = _client(make_client, login, FIA)
    assert "Mina uppdrag" in page_of(fia, url)
    assert FIA in page_of(_client(make_client, login, STINA), url)


def test_people_and_bodies_that_are_not_public_stay_hidden(world, client, make_client, login):
    assert client.get(f"/bodies/{world['group']}").status_code == 404
    assert client.get(f"/meetings/{world['group_meeting']}").status_code == 404
    assert client.get(f"/people/{world['olle']}").status_code == 404
    olle = _client(make_client, login, OLLE)
    assert "Olle Lund" in page_of(olle, f"/people/{world['olle']}")
    assert "Personalgruppen" in page_of(olle, f"/bodies/{world['group']}")
    # Stina's page shows the public her seat in Kulturnämnden, not the group's.
    stina = page_of(client, f"/people/{world['stina']}")
    assert "Kulturnämnden" in stina and "Personalgruppen" not in stina


def test_pages_speak_english_when_asked(world, make_client, login):
    anna = _client(make_client, login, ANNA)
    anna.submit("/language", {"locale": "en", "next": "/"}, form_url="/")
    page = page_of(anna, f"/people/{world['anna']}")
    assert "My uppdrag" in page and "Meetings attended" in page
    assert '<html lang="en">' in page


def _crumbs(page: str) -> list[str]:
    """The breadcrumb trail's texts, in order."""
    nav = re.search(r'<nav class="breadcrumbs" aria-label="Här är du">(.*?)</nav>', page, re.S)
    assert nav, "no breadcrumbs"
    return [
        re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", nav[1], re.S)
    ]


def test_breadcrumbs_footer_and_favicon(world, client, make_client, login):
    meeting = page_of(client, f"/meetings/{world['held']}")
    assert _crumbs(meeting) == ["Sala kommun", "Kulturnämnden", "2025-03-14"]
    assert '<span aria-current="page">2025-03-14</span>' in meeting
    assert re.search(
        r'<footer class="site-footer wrap">\s*<p>Sala kommun · Sekretariat</p>', meeting
    )
    assert 'rel="icon" href="/static/favicon.svg"' in meeting
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()

    stina = _client(make_client, login, STINA)
    editor = page_of(stina, f"/meetings/{world['convened']}/agenda")
    assert _crumbs(editor) == ["Sala kommun", "Kulturnämnden", "2025-05-20", "Föredragningslista"]
    record = page_of(stina, f"/meetings/{world['draft']}/record")
    assert _crumbs(record) == ["Sala kommun", "Kulturnämnden", "2025-04-11", "Protokoll"]
    item = re.search(r'href="/items/(\d+)/record"', record)
    assert item, "the record page links its items"
    item_page = page_of(stina, f"/items/{item[1]}/record")
    trail = _crumbs(item_page)
    assert trail[:4] == ["Sala kommun", "Kulturnämnden", "2025-04-11", "Protokollföring"]
    assert trail[4].startswith("§ 20") and trail[4].endswith("Taxor 2026")
