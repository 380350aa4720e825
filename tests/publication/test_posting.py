"""Posting the anslag: who may, when, the dates it gets, the late warning, the refusals and the
anslagsbevis."""

from datetime import date

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.bodies.models import Body, RecordType
from app.core.audit import AuditEntry
from app.core.dates import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting
from app.publication import services
from app.publication.models import Posting
from tests.conftest import hidden
from tests.publication.helpers import (
    complete,
    days_ago,
    justerat_protocol,
    open_correction,
)
from tests.record.helpers import pdf_text

JUSTERED = date(2026, 3, 2)  # a Monday: the anslag is due by Wednesday 2026-03-04


def _post(app, ids, *, posted_on, today, kept_at="Sala kommun, kommunkansliet", note=None):
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        actor = db.session.scalar(select(User).where(User.email == ids["secretary_email"]))
        posting = services.post_anslag(
            actor, meeting, kept_at=kept_at, posted_on=posted_on, note=note, today=today
        )
        db.session.commit()
        return posting.id


def _refusal(app, ids, **values) -> DomainError:
    values = {"kept_at": "Kansliet", "today": date(2026, 3, 4), **values}
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        with pytest.raises(DomainError) as caught:
            services.post_anslag(None, meeting, **values)
        db.session.rollback()
        assert db.session.scalar(select(Posting)) is None
        return caught.value


# -- the dates and the anslagsbevis -----------------------------------------------------------------


def test_posting_computes_the_appeal_window_and_stores_the_anslagsbevis(app, factory):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    posting_id = _post(app, ids, posted_on=date(2026, 3, 4), today=date(2026, 3, 4))
    with app.test_request_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.posted_on == date(2026, 3, 4)
        assert posting.appeal_last_day == date(2026, 3, 25)
        assert posting.takedown_on == date(2026, 3, 26)
        assert posting.note is None  # on time
        assert posting.revision_id == ids["revision"]
        audit = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "Posting", AuditEntry.object_id == posting_id
            )
        )
        assert audit.action == "post anslag"
        assert audit.changes["kept_at"]["after"] == "Sala kommun, kommunkansliet"
        text = pdf_text(services.certificate_pdf(posting))
    for part in (
        "ANSLAGSBEVIS",
        "Protokollet är justerat. Justeringen har tillkännagivits genom anslag.",
        "Organ Kulturnämnden",
        "Sammanträdesdatum 2026-02-20",
        "Paragrafer §§ 1–",
        "Datum då anslaget sattes upp 2026-03-04",
        "Datum då anslaget tas ned 2026-03-26",
        "Förvaringsplats för protokollet Sala kommun, kommunkansliet",
        "Sista dag för överklagande 2026-03-25",
        "Underskrift Stina Sekreterare",
    ):
        assert part in text, (part, text)
    assert "Rättelse" not in text


def test_a_holiday_moves_the_last_day_for_appeal(app, factory):
    ids = justerat_protocol(app, factory, justered=date(2026, 12, 3))
    posting_id = _post(app, ids, posted_on=date(2026, 12, 4), today=date(2026, 12, 4))
    with app.test_request_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.appeal_last_day == date(2026, 12, 28)  # not juldagen
        assert posting.takedown_on == date(2026, 12, 29)
        text = pdf_text(services.certificate_pdf(posting))
    assert "Sista dag för överklagande 2026-12-28" in text
    assert "Datum då anslaget tas ned 2026-12-29" in text


def test_a_late_anslag_is_posted_with_a_note_and_a_warning(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    posting_id = _post(app, ids, posted_on=date(2026, 3, 9), today=date(2026, 3, 10))
    with app.test_request_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.appeal_last_day == date(2026, 3, 30)
        assert "senare än andra dagen efter justeringen" in posting.note
        assert "(senast 2026-03-04)" in posting.note
        assert services.notice_of(posting).is_late
    login(client, ids["secretary_email"])
    page = client.get(f"/meetings/{ids['meeting']}/anslag").get_data(as_text=True)
    assert "Sent uppsatt" in page
    assert '<time datetime="2026-03-04">2026-03-04</time>' in page
    assert "senare än andra dagen efter justeringen" in page  # the note


def test_the_form_warns_when_the_last_day_for_posting_has_passed(
    app, factory, client, login, make_client
):
    ids = justerat_protocol(app, factory, justered=days_ago(10))
    login(client, ids["secretary_email"])
    page = client.get(f"/meetings/{ids['meeting']}/anslag").get_data(as_text=True)
    assert "Den dagen har passerat" in page
    on_time = justerat_protocol(app, factory, name="Tekniska nämnden", justered=days_ago(0))
    other = make_client()
    login(other, on_time["secretary_email"])
    page = other.get(f"/meetings/{on_time['meeting']}/anslag").get_data(as_text=True)
    assert "Den dagen har passerat" not in page
    deadline = services.latest_posting_day(days_ago(0)).isoformat()
    assert f'Sätt upp anslaget senast <time datetime="{deadline}">' in page
    # What posting today gives, before anything is posted.
    last_day = services.appeal_last_day(days_ago(0)).isoformat()
    assert f'sista dag för överklagande <time datetime="{last_day}">{last_day}</time>' in page


# -- the secretary's page ------------------------------------------------------------------------


def test_the_secretary_posts_from_the_page(app, factory, client, login):
    justered = days_ago(1)
    ids = justerat_protocol(app, factory, justered=justered)
    login(client, ids["secretary_email"])
    url = f"/meetings/{ids['meeting']}/anslag"
    page = client.get(url).get_data(as_text=True)
    today = local_today()
    # Prefilled: today, and the organisation's kansli as the Förvaringsplats.
    assert hidden(page, "csrf_token")
    assert f'value="{today.isoformat()}"' in page
    assert 'value="Sala kommun Kulturnämnden, kansliet"' in page
    response = client.submit(
        url, {"posted_on": today.isoformat(), "kept_at": "Sala kommun, kommunkansliet"}
    )
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalar(select(Posting))
        assert posting.posted_on == today
        assert posting.appeal_last_day == services.appeal_last_day(today)
        assert posting.kept_at == "Sala kommun, kommunkansliet"
        posting_id = posting.id
    assert response.headers["Location"].endswith(f"{url}#posting-{posting_id}")
    page = client.get(url).get_data(as_text=True)
    assert "Anslaget är uppsatt på anslagstavlan." in page
    assert f'<time datetime="{services.appeal_last_day(today).isoformat()}">' in page
    assert f"/anslag/{posting_id}/anslagsbevis.pdf" in page
    assert '<form method="post" novalidate' not in page  # nothing left to post
    pdf = client.get(f"/anslag/{posting_id}/anslagsbevis.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "ANSLAGSBEVIS" in pdf_text(pdf.data)


def test_the_next_posting_of_the_body_is_prefilled_with_the_last_place(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    _post(app, ids, posted_on=JUSTERED, today=JUSTERED, kept_at="Stadshuset, Sala")
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        assert services.default_kept_at(meeting.body) == "Stadshuset, Sala"


def test_form_errors_keep_what_was_typed(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=days_ago(0))
    login(client, ids["secretary_email"])
    url = f"/meetings/{ids['meeting']}/anslag"
    response = client.submit(url, {"posted_on": days_ago(1).isoformat(), "kept_at": "Arkivet"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "innan protokollet justerades" in page
    assert 'value="Arkivet"' in page
    response = client.submit(url, {"posted_on": days_ago(0).isoformat(), "kept_at": " "})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Posting)) is None


# -- who may post ---------------------------------------------------------------------------------


def test_only_the_bodys_secretary_or_an_admin_may_post(app, factory, client, login, make_client):
    ids = justerat_protocol(app, factory, justered=days_ago(0))
    url = f"/meetings/{ids['meeting']}/anslag"
    data = {"posted_on": days_ago(0).isoformat(), "kept_at": "Kansliet"}
    # Anonymous: to the login page, for the form and the post alike.
    assert client.get(url).status_code == 302
    response = client.submit(url, data, form_url="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # A member of the body: forbidden.
    login(client, ids["member_email"])
    assert client.get(url).status_code == 403
    assert client.submit(url, data, form_url="/").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Posting)) is None
    # An admin may.
    factory.user("admin@example.se", is_admin=True)
    admin = make_client()
    login(admin, "admin@example.se")
    assert admin.get(url).status_code == 200


def test_a_post_without_csrf_token_is_refused(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=days_ago(0))
    login(client, ids["secretary_email"])
    url = f"/meetings/{ids['meeting']}/anslag"
    response = client.post(url, data={"posted_on": days_ago(0).isoformat(), "kept_at": "K"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Posting)) is None


# -- refusals -------------------------------------------------------------------------------------


def test_refused_before_justering(app, factory):
    ids = justerat_protocol(app, factory, justered=None)
    error = _refusal(app, ids)
    assert "inte justerat" in error.message
    with app.app_context():
        assert not services.can_post(db.session.get(Meeting, ids["meeting"]))


def test_a_rattelse_in_draft_does_not_hold_back_the_originals_anslag(app, factory):
    """A typo found the day after justering: the rättelse is drafted, and the original's
    anslag (which starts the appeal period) is still posted on time."""
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    with app.test_request_context():
        open_correction(db.session.get(Meeting, ids["meeting"]), 2, reason="Fel datum i § 3")
        db.session.commit()
    posting_id = _post(app, ids, posted_on=JUSTERED, today=JUSTERED)
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.revision.number == 1
        # The draft rättelse itself is posted only once it is justerat.
        assert not services.can_post(posting.meeting)


def test_refused_for_minutes(app, factory):
    ids = justerat_protocol(app, factory, justered=JUSTERED, record_type=RecordType.NOTES)
    assert "minnesanteckningar" in _refusal(app, ids).message


def test_refused_for_a_body_that_is_not_public(app, factory, client, login):
    ids = justerat_protocol(app, factory, justered=days_ago(0), is_public=False)
    message = _refusal(app, ids, today=days_ago(0)).message
    assert "Kulturnämnden är inte ett offentligt organ" in message
    login(client, ids["secretary_email"])
    page = client.get(f"/meetings/{ids['meeting']}/anslag").get_data(as_text=True)
    assert "Kulturnämnden är inte ett offentligt organ" in page
    assert 'name="kept_at"' not in page


def test_refused_before_the_justering_date_and_in_the_future(app, factory):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    error = _refusal(app, ids, posted_on=date(2026, 3, 1), today=date(2026, 3, 4))
    assert error.field == "posted_on"
    assert "2026-03-02" in error.message
    error = _refusal(app, ids, posted_on=date(2026, 3, 5), today=date(2026, 3, 4))
    assert error.field == "posted_on"
    assert _refusal(app, ids, kept_at="  ").field == "kept_at"


def test_one_posting_per_revision_and_a_rattelse_gets_its_own(app, factory):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    first = _post(app, ids, posted_on=date(2026, 3, 3), today=date(2026, 3, 3))
    error = _refusal_after_posting(app, ids, today=date(2026, 3, 5))
    assert "uppsatt 2026-03-03" in error.message
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        assert not services.can_post(meeting)
        # A rättelse: not postable while drafted, then justerat on 2026-03-10.
        revision = open_correction(meeting, 2, reason="Fel belopp i § 3.")
        assert not services.can_post(meeting)
        complete(meeting, revision, date(2026, 3, 10))
        db.session.commit()
        assert services.can_post(meeting)
        assert services.posting_of(revision) is None
    second = _post(app, ids, posted_on=date(2026, 3, 11), today=date(2026, 3, 11))
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        assert [p.id for p in services.postings_of(meeting)] == [second, first]
        posting = db.session.get(Posting, second)
        assert posting.appeal_last_day == date(2026, 4, 1)
        assert services.posting_of(posting.revision).id == second
        text = pdf_text(services.certificate_pdf(posting))
    assert "Rättelse Version 2. Fel belopp i § 3." in text
    assert "Datum för justering 2026-03-10" in text


def _refusal_after_posting(app, ids, **values) -> DomainError:
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        count = len(services.postings_of(meeting))
        with pytest.raises(DomainError) as caught:
            services.post_anslag(None, meeting, kept_at="K", **values)
        db.session.rollback()
        assert len(services.postings_of(meeting)) == count
        return caught.value


def test_body_lookup_is_by_meeting(app, factory):
    ids = justerat_protocol(app, factory, justered=JUSTERED)
    with app.app_context():
        body = db.session.get(Body, ids["body"])
        assert services.default_kept_at(body) == "Sala kommun Kulturnämnden, kansliet"
