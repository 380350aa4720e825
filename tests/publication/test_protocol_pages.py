"""The justerat protokoll as the public reads it: the frozen HTML, the unsigned public PDF,
rättelser and their earlier versions; never the signed original, never a hidden body."""

from datetime import date

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import RecordType
from app.documents.storage import read_bytes
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.publication import services
from tests.conftest import sql_statements
from tests.publication.helpers import (
    complete,
    days_ago,
    justerat_protocol,
    open_correction,
    public_pdf,
)
from tests.record.helpers import new_meeting

JUSTERED = date(2026, 3, 2)


def _revision(meeting_id: int, number: int) -> RecordRevision:
    return db.session.scalar(
        select(RecordRevision).where(
            RecordRevision.meeting_id == meeting_id, RecordRevision.number == number
        )
    )


def test_the_public_reads_the_frozen_record(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    meeting_id = ids["meeting"]
    with app.app_context():
        # A later change to the live data (say, by a bug or a repair in the database).
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))
        item.title = "Ändrad rubrik efter justeringen"
        db.session.commit()
    response = client.get(f"/protokoll/{meeting_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<p class="frozen">Fryst protokoll version 1</p>' in page
    assert "Ändrad rubrik" not in page
    assert "ledamöternas version" not in page  # the members' record HTML is not public
    assert 'Protokollet justerades den <time datetime="2026-03-02">2026-03-02</time>.' in page
    assert '<h1><span lang="sv">Protokoll</span> Kulturnämnden' in page
    assert f'href="/protokoll/{meeting_id}/1.pdf"' in page
    assert "Rättat" not in page


def test_the_public_pdf_is_the_stored_public_copy(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    for url in (f"/protokoll/{ids['meeting']}.pdf", f"/protokoll/{ids['meeting']}/1.pdf"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data == public_pdf("Fryst protokoll version 1")
        assert "Protokoll Sala" not in response.headers["Content-Disposition"]
        assert "Kulturnämnden 2026-02-20" in response.headers["Content-Disposition"]


def test_a_rattelse_is_read_with_its_reason_and_the_earlier_versions(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    meeting_id = ids["meeting"]
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        revision = open_correction(meeting, 2, reason="Fel belopp i § 3.")
        complete(meeting, revision, date(2026, 3, 10), text="Rättad version")
        db.session.commit()
    page = client.get(f"/protokoll/{meeting_id}").get_data(as_text=True)
    assert '<p class="frozen">Rättad version</p>' in page
    assert "Fryst protokoll version 1" not in page
    assert 'Protokollet justerades den <time datetime="2026-03-02">' in page
    assert 'Rättat <time datetime="2026-03-10">2026-03-10</time>: Fel belopp i § 3.' in page
    assert f'href="/protokoll/{meeting_id}/1"' in page
    assert f'href="/protokoll/{meeting_id}/2.pdf"' in page
    earlier = client.get(f"/protokoll/{meeting_id}/1").get_data(as_text=True)
    assert '<p class="frozen">Fryst protokoll version 1</p>' in earlier
    assert "Rättat" not in earlier
    assert "tidigare version" in earlier
    assert f'href="/protokoll/{meeting_id}"' in earlier
    assert client.get(f"/protokoll/{meeting_id}.pdf").data == public_pdf("Rättad version")
    assert client.get(f"/protokoll/{meeting_id}/1.pdf").data == public_pdf(
        "Fryst protokoll version 1"
    )


def test_a_rattelse_in_draft_leaves_the_last_justerat_version_in_force(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    meeting_id = ids["meeting"]
    with app.test_request_context():
        open_correction(db.session.get(Meeting, meeting_id), 2, reason="Stavfel")
        db.session.commit()
    page = client.get(f"/protokoll/{meeting_id}").get_data(as_text=True)
    assert '<p class="frozen">Fryst protokoll version 1</p>' in page
    assert "Stavfel" not in page
    assert client.get(f"/protokoll/{meeting_id}/2").status_code == 404
    assert client.get(f"/protokoll/{meeting_id}/2.pdf").status_code == 404
    assert client.get(f"/protokoll/{meeting_id}.pdf").status_code == 200


def test_the_page_links_the_notice_of_its_revision(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        posting = services.post_anslag(
            None, meeting, kept_at="Kansliet", posted_on=JUSTERED, today=JUSTERED
        )
        db.session.commit()
        posting_id = posting.id
    page = client.get(f"/protokoll/{ids['meeting']}").get_data(as_text=True)
    assert f'href="/anslagstavla/{posting_id}"' in page
    assert '<time datetime="2026-03-23">2026-03-23</time>' in page  # last day for appeal


def test_nothing_before_justering_and_nothing_of_minutes(app, factory, client):
    draft = justerat_protocol(app, factory, justered=None)
    assert client.get(f"/protokoll/{draft['meeting']}").status_code == 404
    assert client.get(f"/protokoll/{draft['meeting']}.pdf").status_code == 404
    assert client.get(f"/protokoll/{draft['meeting']}/1").status_code == 404
    notes = justerat_protocol(
        app, factory, name="Samverkansgruppen", justered=JUSTERED, record_type=RecordType.NOTES
    )
    assert client.get(f"/protokoll/{notes['meeting']}").status_code == 404
    assert client.get(f"/protokoll/{notes['meeting']}.pdf").status_code == 404
    assert client.get("/protokoll/999999").status_code == 404


def test_a_body_that_is_not_public_is_not_found_by_the_public(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=JUSTERED, is_public=False)
    meeting_id = ids["meeting"]
    for url in (
        f"/protokoll/{meeting_id}",
        f"/protokoll/{meeting_id}/1",
        f"/protokoll/{meeting_id}.pdf",
        f"/protokoll/{meeting_id}/1.pdf",
    ):
        assert client.get(url).status_code == 404, url
    # The body's members read it as the public copy.
    login(client, ids["member_email"])
    assert client.get(f"/protokoll/{meeting_id}").status_code == 200
    assert client.get(f"/protokoll/{meeting_id}.pdf").data == public_pdf(
        "Fryst protokoll version 1"
    )


def test_the_signed_original_is_never_served(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    meeting_id = ids["meeting"]
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        posting = services.post_anslag(
            None, meeting, kept_at="Kansliet", posted_on=JUSTERED, today=JUSTERED
        )
        revision = _revision(meeting_id, 1)
        signed_sha = revision.signed_pdf_sha256
        signed = read_bytes(signed_sha)
        db.session.commit()
        posting_id = posting.id
    urls = [
        f"/protokoll/{meeting_id}",
        f"/protokoll/{meeting_id}/1",
        f"/protokoll/{meeting_id}.pdf",
        f"/protokoll/{meeting_id}/1.pdf",
        "/anslagstavla",
        "/anslagstavla/arkiv",
        "/anslagstavla.atom",
        f"/anslagstavla/{posting_id}",
        f"/anslag/{posting_id}/anslagsbevis.pdf",
    ]
    login(client, ids["secretary_email"])  # even the secretary gets only public copies here
    urls.append(f"/meetings/{meeting_id}/anslag")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert signed not in response.data, url
        assert signed_sha.encode() not in response.data, url
        assert b"signerat original" not in response.data, url


def test_revision_numbers_belong_to_their_meeting(app, factory, client):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    with app.test_request_context():
        other = new_meeting(ids["body"], "2026-04-10")
        db.session.commit()
        other_id = other.id
    assert client.get(f"/protokoll/{other_id}/1").status_code == 404
    assert client.get(f"/protokoll/{ids['meeting']}/1").status_code == 200


def test_the_page_costs_four_statements(app, factory, client):
    """The meeting (with body, organisation, term), the justerade revisions, the anslag with
    who posted it, the § range: however many revisions and whatever was posted."""

    from app.accounts.models import User

    ids = justerat_protocol(app, factory, justered=days_ago(3))
    meeting_id = ids["meeting"]
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        revision = open_correction(meeting, 2, reason="Fel belopp i § 3.")
        complete(meeting, revision, days_ago(1), text="Rättad version")
        actor = db.session.scalar(select(User).where(User.email == ids["secretary_email"]))
        services.post_anslag(actor, meeting, kept_at="Kansliet", posted_on=days_ago(0))
        db.session.commit()
    with sql_statements(app) as seen:
        page = client.get(f"/protokoll/{meeting_id}").get_data(as_text=True)
    assert "Rättad version" in page and "Tillkännagivet på anslagstavlan" in page
    assert len(seen) == 4, seen
