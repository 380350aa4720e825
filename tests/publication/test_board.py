"""The public anslagstavla: current notices, the archive, the Atom feed and one notice."""

import xml.etree.ElementTree as ET
from datetime import date

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.meetings.models import Meeting
from app.publication import services
from app.publication.models import Posting
from tests.publication.helpers import days_ago, justerat_protocol
from tests.record.helpers import pdf_text

ATOM = "{http://www.w3.org/2005/Atom}"


def _posted(app, factory, name: str, posted_on: date) -> int:
    """A nämnd whose protokoll was justerat and posted on ``posted_on``."""
    ids = justerat_protocol(app, factory, name=name, justered=posted_on)
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        actor = db.session.scalar(select(User).where(User.email == ids["secretary_email"]))
        posting = services.post_anslag(
            actor, meeting, kept_at=f"{name}s kansli", posted_on=posted_on, today=posted_on
        )
        db.session.commit()
        return posting.id


def _feed(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own feed, the very thing under test


def _ids(postings) -> list[int]:
    return [p.id for p in postings]


def test_current_and_archived_on_given_days(app, factory):
    march = _posted(app, factory, "Kulturnämnden", date(2026, 3, 4))  # up to 2026-03-25
    april = _posted(app, factory, "Tekniska nämnden", date(2026, 4, 1))  # up to 2026-04-22
    december = _posted(app, factory, "Socialnämnden", date(2026, 12, 4))  # up to 2026-12-28
    with app.app_context():
        assert _ids(services.current_postings(date(2026, 3, 3))) == []
        assert _ids(services.current_postings(date(2026, 3, 4))) == [march]
        # Still up on the last day for appeal, gone the day after.
        assert _ids(services.current_postings(date(2026, 3, 25))) == [march]
        assert _ids(services.current_postings(date(2026, 3, 26))) == []
        assert _ids(services.archived_postings(date(2026, 3, 26))) == [march]
        assert _ids(services.current_postings(date(2026, 4, 10))) == [april]
        # Over the Christmas holidays the December notice stays up until the Monday.
        assert _ids(services.current_postings(date(2026, 12, 27))) == [december]
        assert _ids(services.current_postings(date(2026, 12, 28))) == [december]
        assert _ids(services.current_postings(date(2026, 12, 29))) == []
        # The archive: newest first.
        assert _ids(services.archived_postings(date(2027, 1, 1))) == [december, april, march]
        assert _ids(services.archived_postings(date(2026, 3, 25))) == []
        posting = db.session.get(Posting, march)
        assert services.is_current(posting, date(2026, 3, 25))
        assert not services.is_current(posting, date(2026, 3, 26))
        assert not services.is_current(posting, date(2026, 3, 3))


def test_the_board_and_the_archive_pages(app, factory, client):
    current = _posted(app, factory, "Kulturnämnden", days_ago(3))
    older = _posted(app, factory, "Tekniska nämnden", days_ago(60))
    oldest = _posted(app, factory, "Socialnämnden", days_ago(90))
    page = client.get("/anslagstavla").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/anslagstavla.atom"' in page
    assert f'href="/anslagstavla/{current}"' in page
    assert "Protokoll Kulturnämnden 2026-02-20" in page
    assert '<th scope="col">Sista dag för överklagande</th>' in page
    last_day = services.appeal_last_day(days_ago(3)).isoformat()
    assert f'<time datetime="{last_day}">{last_day}</time>' in page
    assert "Tekniska nämnden" not in page and "Socialnämnden" not in page
    with app.app_context():
        meeting_id = db.session.get(Posting, current).meeting_id
    assert f'href="/protokoll/{meeting_id}/1"' in page
    archive = client.get("/anslagstavla/arkiv").get_data(as_text=True)
    assert "Kulturnämnden" not in archive
    assert archive.index(f'href="/anslagstavla/{older}"') < archive.index(
        f'href="/anslagstavla/{oldest}"'
    )
    # Everyone finds the board from the main navigation.
    assert 'href="/anslagstavla">Anslagstavla</a>' in client.get("/").get_data(as_text=True)


def test_a_body_that_is_no_longer_public_leaves_the_board(app, factory, client):
    posting_id = _posted(app, factory, "Kulturnämnden", days_ago(1))
    with app.app_context():
        body = db.session.get(Posting, posting_id).meeting.body
        body.is_public = False
        db.session.commit()
        assert services.current_postings() == []
    assert "Kulturnämnden" not in client.get("/anslagstavla").get_data(as_text=True)
    assert client.get(f"/anslagstavla/{posting_id}").status_code == 404
    assert client.get(f"/anslag/{posting_id}/anslagsbevis.pdf").status_code == 404
    assert "Kulturnämnden" not in client.get("/anslagstavla.atom").get_data(as_text=True)


def test_the_atom_feed_lists_the_current_notices(app, factory, client):
    first = _posted(app, factory, "Kulturnämnden", days_ago(2))
    second = _posted(app, factory, "Tekniska nämnden", days_ago(5))
    _posted(app, factory, "Socialnämnden", days_ago(60))  # taken down
    response = client.get("/anslagstavla.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = _feed(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Anslagstavla"
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == "http://localhost/anslagstavla.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Protokoll Kulturnämnden 2026-02-20",
        "Protokoll Tekniska nämnden 2026-02-20",
    ]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links == [
        f"http://localhost/anslagstavla/{first}",
        f"http://localhost/anslagstavla/{second}",
    ]
    with app.app_context():
        created = db.session.get(Posting, first).created_at
    updated = entries[0].findtext(f"{ATOM}updated")
    assert updated.startswith(created.strftime("%Y-%m-%dT%H:%M:%S"))
    summary = entries[0].findtext(f"{ATOM}summary")
    last_day = services.appeal_last_day(days_ago(2)).isoformat()
    assert f"Sista dag för överklagande: {last_day}" in summary
    # Ids are stable: the same on every request, different per notice.
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    again = _feed(client.get("/anslagstavla.atom").data)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids
    assert len(set(ids)) == 2 and all(i.startswith("tag:localhost,") for i in ids)
    assert ids[0].endswith(f":anslag/{first}")


def test_an_empty_feed_is_still_a_valid_feed(app, client):
    feed = _feed(client.get("/anslagstavla.atom").data)
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated")


def test_one_notice_shows_every_anslagsbevis_field(app, factory, client):
    posted = days_ago(1)
    posting_id = _posted(app, factory, "Kulturnämnden", posted)
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        meeting_id = posting.meeting_id
        last_day = posting.appeal_last_day
        takedown = posting.takedown_on
    page = client.get(f"/anslagstavla/{posting_id}").get_data(as_text=True)
    assert "Protokoll Kulturnämnden 2026-02-20" in page
    for label, value in (
        ("Organ", '<td lang="sv">Kulturnämnden</td>'),
        ("Sammanträdesdatum", '<time datetime="2026-02-20">2026-02-20</time>'),
        ("Paragrafer", "§§ 1–"),
        ("Datum för justering", f'<time datetime="{posted.isoformat()}">'),
        ("Datum då anslaget sattes upp", f'<time datetime="{posted.isoformat()}">'),
        ("Datum då anslaget tas ned", f'<time datetime="{takedown.isoformat()}">'),
        ("Förvaringsplats för protokollet", "Kulturnämndens kansli"),
        ("Sista dag för överklagande", f'<time datetime="{last_day.isoformat()}">'),
        ("Underskrift", "Stina Sekreterare"),
    ):
        row = page[page.index(f'<th scope="row">{label}</th>') :]
        assert value in row[: row.index("</tr>")], label
    assert f'href="/protokoll/{meeting_id}/1"' in page
    assert f'href="/protokoll/{meeting_id}/1.pdf"' in page
    assert f'href="/anslag/{posting_id}/anslagsbevis.pdf"' in page
    pdf = client.get(f"/anslag/{posting_id}/anslagsbevis.pdf")
    assert pdf.status_code == 200
    assert f"Sista dag för överklagande {last_day.isoformat()}" in pdf_text(pdf.data)
    assert client.get("/anslagstavla/999999").status_code == 404


def test_the_board_is_english_for_english_readers(app, factory, client):
    _posted(app, factory, "Kulturnämnden", days_ago(1))
    client.get("/language?locale=en&next=/anslagstavla")
    page = client.get("/anslagstavla").get_data(as_text=True)
    assert "Last day for appeal" in page
    # The document's own name stays Swedish, and says so.
    assert 'lang="sv">Protokoll Kulturnämnden 2026-02-20</a>' in page
