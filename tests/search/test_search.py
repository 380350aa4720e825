"""The search page: the demo's målbild, Swedish stems, filters, snippets, pages, accessibility."""

import re

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from tests.search.helpers import SECRETARY, found, hits, make_world, search_page


def test_the_public_finds_the_nara_vard_decision_on_the_gemensam_malbild(app, demo, client):
    page = search_page(client, "målbild")
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem)
            .join(Meeting)
            .join(Body)
            .where(Body.name == "Samverkansgrupp Nära vård", AgendaItem.title.like("Gemensam%"))
        )
        record_url = f"/meetings/{item.meeting_id}/record#item-{item.id}"
    decision = next(hit for hit in hits(page) if hit.kind == "decision")
    assert decision.title == "Gemensam målbild Nära vård"
    assert decision.url == record_url
    assert "att anta <mark>målbilden</mark> för nära vård" in page
    # The link leads to the record, where the public reads the decision.
    record = client.get(record_url.split("#")[0]).get_data(as_text=True)
    assert "anta målbilden för nära vård" in record and f'id="item-{item.id}"' in record


def test_swedish_stemming_finds_other_forms(app, demo, client):
    # The seeds write "samverkansgrupp"; the reader types the definite form.
    assert ("item", "Ordförande hälsar samverkansgrupp hälsa välkomna") in found(
        client, "samverkansgruppen"
    )
    assert found(client, "målbilden") == found(client, "målbild")
    assert found(client, "Målbilder") == found(client, "målbild")


def test_the_page_is_swedish_and_announces_the_count(app, demo, client):
    page = search_page(client, "målbild")
    count = len(hits(page))
    assert f"{count} träffar för ”målbild”" in page or f"{count} träffar för “målbild”" in page
    assert re.search(r'<p role="status" id="search-status">\s*\d+ träffar', page)
    assert f"<title>målbild: {count} träffar – Sök" in page
    # Labelled inputs, the results an ordered list with headings and links, hits marked.
    assert '<label for="q">' in page
    assert re.search(r'<input aria-describedby="q-help" id="q"[^>]* type="search"', page)
    assert '<label for="body">' in page and '<label for="year">' in page
    assert '<label for="kind">' in page and "<legend>" in page
    assert '<ol class="search-results" start="1">' in page and "<mark>" in page
    # The header's search box on every page: a search landmark with a labelled input.
    front = client.get("/").get_data(as_text=True)
    assert 'role="search"' in front and '<label for="site-search-q"' in front


def test_filters_by_body_year_and_type(app, demo, client):
    with app.app_context():
        nara = db.session.scalar(select(Body.id).where(Body.name == "Samverkansgrupp Nära vård"))
    everything = found(client, "målbild")
    in_group = found(client, "målbild", body=nara)
    assert in_group and in_group < everything
    assert all(title for _, title in in_group)
    assert not (found(client, "målbild", body=nara) - found(client, "målbild", year=2024))
    assert found(client, "målbild", year=2023) == set()
    decisions = found(client, "målbild", kind="decision")
    assert decisions == {("decision", "Gemensam målbild Nära vård")}
    documents = found(client, "målbild", kind="document")
    assert documents and {kind for kind, _ in documents} == {"document"}
    # The counts per type are shown for the unfiltered search.
    assert re.search(r"Beslut: 1", search_page(client, "målbild"))


def test_a_bad_filter_is_a_form_error_not_a_crash(app, demo, client):
    page = search_page(client, "målbild", body="x", kind="nothing")
    assert 'aria-invalid="true"' in page and not hits(page)


def test_a_query_of_stop_words_asks_for_a_word(app, demo, client):
    page = search_page(client, "och att")
    assert not hits(page) and "Skriv ett ord att söka efter" in page


def test_snippets_are_escaped_and_marked(app, factory, client):
    ids = make_world(app, factory)
    with app.app_context():
        item = db.session.get(AgendaItem, ids["plan"])
        item.summary = 'Läsfrämjande <script>alert("x")</script> & <img src=x onerror=alert(1)>'
        db.session.commit()
    page = search_page(client, "läsfrämjande")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x" in page
    assert "<mark>Läsfrämjande</mark>" in page
    # The decision's Sammanfattning (notes) is searched, and its markup shown as text too.
    page = search_page(client, "öppettiderna")
    assert "Diskussion om &lt;b&gt;<mark>öppettider</mark>&lt;/b&gt;." in page


def test_results_come_in_pages(app, factory, client):
    ids = make_world(app, factory)
    with app.app_context():
        meeting = db.session.get(Meeting, ids["final"])
        for number in range(3, 28):
            meeting.items.append(
                AgendaItem(
                    title=f"Läsombud {number}",
                    number=number,
                    position=number,
                    summary="Läsombuden rapporterar.",
                )
            )
        db.session.commit()
    first = search_page(client, "läsombud")
    assert len(hits(first)) == 20
    assert "25 träffar" in first and "Visar 1–20." in first
    assert '<nav aria-label="Resultatsidor"' in first
    assert 'aria-current="page">1</a>' in first
    second_url = re.search(r'<a href="([^"]*page=2[^"]*)" rel="next">', first).group(1)
    second = client.get(second_url.replace("&amp;", "&")).get_data(as_text=True)
    assert len(hits(second)) == 5 and '<ol class="search-results" start="21">' in second
    assert not {h.title for h in hits(first)} & {h.title for h in hits(second)}
    assert 'rel="prev"' in second and "Visar 21–25." in second


def test_a_secretary_sees_what_she_prepares(app, factory, client, make_client, login):
    ids = make_world(app, factory)
    assert found(client, "museibesök") == set()
    secretary = make_client()
    login(secretary, SECRETARY)
    assert found(secretary, "museibesök") == {("item", "Museibesök")}
    with app.app_context():
        db.session.get(Meeting, ids["planned"]).status = MeetingStatus.CONVENED
        db.session.commit()
    # The kallelse is sent: the public reads the agenda, and finds it.
    assert found(client, "museibesök") == {("item", "Museibesök")}


def test_a_hit_names_its_item_as_the_page_it_opens_does(app, demo, client):
    """A decision of Kompetensförsörjning (§§ per year) is "§ 2", as in its record; an item
    of Hälsa (numbered plainly) is "punkt 4"; never "punkt § 2" or "§2"."""
    volvo = search_page(client, "Ullvigymnasiet")
    meta = re.findall(r'<p class="hit-meta">(.*?)</p>', volvo, re.S)
    kompetens = [m for m in meta if "Kompetensförsörjning" in m]
    assert kompetens and all(", § 2" in m for m in kompetens), kompetens
    halsa = search_page(client, "skolresultat")
    meta = " ".join(re.findall(r'<p class="hit-meta">(.*?)</p>', halsa, re.S))
    assert "Samverkansgrupp Hälsa</span>, 2024-02-09, punkt 4" in meta
    for page in (volvo, halsa):
        assert "punkt §" not in page and not re.search(r"§\d", page)
