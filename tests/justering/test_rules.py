"""The rules around justering: the deadline (14 days after the meeting) and its warning, who
may send and when, one answer per signatory, who sees a round and the signed original, and
the round's PDF with the signatures made so far."""

import re
from datetime import date, time, timedelta

from app.agenda.models import AgendaItem
from app.agenda.services import set_adjusters
from app.bodies.models import MembershipFunction, MembershipKind
from app.core.dates import local_today
from app.extensions import db
from app.justering import services
from app.justering.models import JusteringRound, RecordRevision, SignoffRole
from app.meetings.models import Meeting, RecordStatus
from app.people.models import Person
from app.record.models import Decision
from app.record.services import start_record
from app.signing.verify import verify_pdf
from tests.conftest import hidden
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting
from tests.justering.pki import signature_fields
from tests.record.helpers import new_meeting

TOVE = "tove@sala.se"  # the nämnd's other secretary: manages it, does not keep this record
ADMIN = "admin@sala.se"  # an administrator with no person
OLLE = "olle@sala.se"  # logged in, but no seat in the nämnd
SECRETARY_ONLY = "Bara Stina Sekreterare, sammanträdets sekreterare, kan signera."
DEADLINE = re.compile(
    r'<p class="([^"]*)">Ska vara justerat senast <time datetime="([^"]+)">[^<]*</time>\s*'
    r"\(([^)]*)\)</p>"
)


def _flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', page, re.S)


def _state(app, ids) -> tuple[RecordStatus, int, int]:
    """The record's status, its justering rounds and its revisions."""
    with app.app_context():
        m = meeting(ids)
        return (
            m.record_status,
            db.session.query(JusteringRound).filter_by(meeting_id=m.id).count(),
            db.session.query(RecordRevision).filter_by(meeting_id=m.id).count(),
        )


def _signoff(app, ids, role: SignoffRole) -> tuple[int, int]:
    with app.app_context():
        justering = services.rounds_of(meeting(ids))[-1]
        return next(s.id for s in justering.signoffs if s.role == role), justering.id


def _record_for_justering(ids: dict[str, int], day: date) -> int:
    """Another meeting of the nämnd on ``day``, ready to be sent (inside a request context).
    It met at midnight: a meeting today has been held whatever the hour the test runs."""
    other = new_meeting(ids["body"], day.isoformat(), start_time=time(0, 0))
    set_adjusters(None, other, [db.session.get(Person, ids["bo"])])
    start_record(None, other)
    for item in other.items:
        if item.decision is None and not item.is_withdrawn:
            db.session.add(Decision(item=item, text="Inga övriga frågor anmäldes."))
    db.session.commit()
    return other.id


def _signatures(app, pdf: bytes) -> list[str]:
    with app.app_context():
        report = verify_pdf(pdf)
    assert report.valid, report
    return [s.field for s in report.signatures]


# -- the deadline --------------------------------------------------------------------------------


def test_the_deadline_is_shown_with_a_warning_when_near(
    app, factory, make_client, login, smtp_server
):
    ids = committee_with_record(app, factory)  # met 2025-03-14: the deadline has passed
    today = local_today()
    with app.test_request_context():
        near = _record_for_justering(ids, today - timedelta(days=12))  # two days left
        far = _record_for_justering(ids, today)  # fourteen days left
    stina, bo = make_client(), make_client()
    login(stina, STINA)
    login(bo, BO)

    def deadline(meeting_id: int) -> tuple[str, str, str]:
        page = stina.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
        found = DEADLINE.search(page)
        assert found, "no deadline on the record page"
        return found.groups()

    assert deadline(ids["meeting"]) == ("warning", "2025-03-28", "tidsfristen har passerat")
    assert deadline(near) == (
        "warning",
        (today + timedelta(days=2)).isoformat(),
        "2 dagar kvar",
    )
    assert deadline(far) == ("", (today + timedelta(days=14)).isoformat(), "14 dagar kvar")

    # Sent, the protokoll is on the justerare's start page with its deadline, warned if near.
    for meeting_id in (ids["meeting"], far):
        sent = stina.submit(
            f"/meetings/{meeting_id}/justering", form_url=f"/meetings/{meeting_id}/record"
        )
        assert sent.status_code == 302
    with app.app_context():
        overdue_round = services.open_round(meeting(ids)).id
        far_round = services.open_round(db.session.get(Meeting, far)).id
    start = bo.get("/").get_data(as_text=True)
    assert "Att justera" in start
    listed = re.findall(
        r'<li><a href="/justering/(\d+)">Protokoll Kulturnämnden [^<]*?(\d{4}-\d\d-\d\d)</a>\s*'
        r'\(justerare\) · senast <time datetime="([\d-]+)">[^<]*</time>\s*'
        r'(<strong class="warning">)?',
        start,
    )
    listed = [(r, day, due, "warning" if flag else "") for r, day, due, flag in listed]
    assert listed == [
        (str(overdue_round), "2025-03-14", "2025-03-28", "warning"),
        (str(far_round), today.isoformat(), (today + timedelta(days=14)).isoformat(), ""),
    ]
    # The review page warns too; the record page keeps showing the deadline while it is out.
    review = bo.get(f"/justering/{overdue_round}").get_data(as_text=True)
    assert DEADLINE.search(review).groups() == (
        "warning",
        "2025-03-28",
        "tidsfristen har passerat",
    )
    assert deadline(ids["meeting"])[1] == "2025-03-28"
    # Stina is no signatory of her own round's approvals: nothing for her to justera.
    assert "Att justera" not in stina.get("/").get_data(as_text=True)


# -- sending -------------------------------------------------------------------------------------


def test_sending_is_refused_while_a_decision_is_missing(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    record_url = f"/meetings/{ids['meeting']}/record"
    stina = make_client()
    login(stina, STINA)
    # The secretary empties the decision in the item form.
    form = stina.get(f"/items/{ids['item']}/record").get_data(as_text=True)
    emptied = stina.submit(
        f"/items/{ids['item']}/record", {"text": "", "version": hidden(form, "version")}
    )
    assert emptied.status_code == 302
    with app.app_context():
        item = db.session.get(AgendaItem, ids["item"])
        problem = f"{item.record_label} Bidrag till kulturföreningar 2025 saknar beslut."

    response = stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
    assert response.status_code == 302 and response.location.endswith(record_url)
    page = stina.get(record_url).get_data(as_text=True)
    assert any(problem in flash for flash in _flashes(page)), _flashes(page)
    # and in the completeness check under "Kvar att göra", linking to the item
    assert "Kvar att göra:" in page
    assert f'<a href="#item-{ids["item"]}">{problem}</a>' in page
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)


def test_only_the_meetings_secretary_sends(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    tove = factory.person("Tove Sekreterare")
    factory.seat(tove, ids["body"], MembershipKind.STAFF, MembershipFunction.SECRETARY)
    factory.user(TOVE, person_id=tove)
    factory.user(ADMIN, is_admin=True)
    record_url = f"/meetings/{ids['meeting']}/record"
    for email in (TOVE, ADMIN):
        client = make_client()
        login(client, email)
        # They manage the nämnd: they see the button, and are told why it is not theirs.
        assert "Signera och skicka på justering" in client.get(record_url).get_data(as_text=True)
        response = client.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
        assert response.status_code == 302
        assert SECRETARY_ONLY in " ".join(_flashes(client.get(record_url).get_data(as_text=True)))
        assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)
    # A member does not manage the nämnd at all.
    dan = make_client()
    login(dan, DAN)
    assert dan.submit(f"/meetings/{ids['meeting']}/justering", form_url="/").status_code == 403
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)


# -- one round at a time, one answer each, who sees what -----------------------------------------


def test_one_round_at_a_time_one_answer_each_and_who_sees_it(
    app, factory, make_client, login, smtp_server
):
    ids = committee_with_record(app, factory)
    factory.user(OLLE, person_id=factory.person("Olle Utomstående"))
    record_url = f"/meetings/{ids['meeting']}/record"
    stina, anna, bo, dan, olle, anonymous = (make_client() for _ in range(6))
    for client, email in ((stina, STINA), (anna, ANNA), (bo, BO), (dan, DAN), (olle, OLLE)):
        login(client, email)

    sent = stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
    assert sent.status_code == 302
    anna_signoff, round_id = _signoff(app, ids, SignoffRole.CHAIR)
    bo_signoff, _round = _signoff(app, ids, SignoffRole.ADJUSTER)
    review_url, pdf_url = f"/justering/{round_id}", f"/justering/{round_id}.pdf"

    # The round's PDF: every signature field, the secretary's signed.
    first = stina.get(pdf_url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert signature_fields(first.data) == ["sekreterare", "ordforande", "justerare-1"]
    assert _signatures(app, first.data) == ["sekreterare"]

    # A second send while the round is open is refused; the round stays as it was.
    again = stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
    assert again.status_code == 302
    page = stina.get(record_url).get_data(as_text=True)
    assert "Bara ett protokollutkast kan skickas på justering." in " ".join(_flashes(page))
    assert _state(app, ids) == (RecordStatus.JUSTERING, 1, 1)
    assert stina.get(pdf_url).data == first.data

    # While it is out the record cannot change ("Medan det är ute på justering kan det inte
    # ändras", as the record page says): an edit posted anyway is refused and not stored.
    with app.app_context():
        decision = db.session.get(AgendaItem, ids["item"]).decision
        before = (decision.text, decision.version)
    edited = stina.submit(
        f"/items/{ids['item']}/record",
        {"text": "Ändrat under justeringen.", "version": str(before[1])},
        form_url=record_url,
    )
    after = edited.get_data(as_text=True) + stina.get(record_url).get_data(as_text=True)
    assert "Protokollet för punkten har sparats." not in after
    assert "Protokollet är ute på justering och kan inte ändras" in after
    with app.app_context():
        decision = db.session.get(AgendaItem, ids["item"]).decision
        assert (decision.text, decision.version) == before

    # Who sees the round: the secretary's side and its signatories; not another member;
    # an anonymous visitor is sent to log in.
    for client in (stina, anna, bo):
        assert client.get(review_url).status_code == 200
    for url in (review_url, pdf_url):
        assert dan.get(url).status_code == 403
        assert olle.get(url).status_code == 403
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.location

    # The chair approves: the round's PDF has two signatures now.
    approved = anna.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url=review_url)
    assert approved.status_code == 302
    second = stina.get(pdf_url).data
    assert _signatures(app, second) == ["sekreterare", "ordforande"]
    # Approving twice is refused: no third signature, the PDF unchanged.
    twice = anna.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url=review_url)
    assert twice.status_code == 302
    assert "Du har redan svarat." in " ".join(_flashes(anna.get(review_url).get_data(as_text=True)))
    assert stina.get(pdf_url).data == second
    # Nor can she reject once she has approved.
    rejected = anna.submit(
        f"/justering/signoffs/{anna_signoff}/reject",
        {"comment": "Ångrar mig."},
        form_url=review_url,
    )
    assert rejected.status_code == 422
    assert "Du har redan svarat." in rejected.get_data(as_text=True)
    assert _state(app, ids) == (RecordStatus.JUSTERING, 1, 1)

    # The justerare completes it; the round's PDF is the signed original.
    approved = bo.submit(f"/justering/signoffs/{bo_signoff}/approve", form_url=review_url)
    assert approved.status_code == 302
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 1)
    original_url = f"/meetings/{ids['meeting']}/record/1/original.pdf"
    original = dan.get(original_url)
    assert original.status_code == 200
    assert _signatures(app, original.data) == ["sekreterare", "ordforande", "justerare-1"]
    assert stina.get(pdf_url).data == original.data
    # A closed round takes no more answers.
    late = bo.submit(f"/justering/signoffs/{bo_signoff}/approve", form_url=review_url)
    assert late.status_code == 302
    assert "Den här justeringsomgången är avslutad." in " ".join(
        _flashes(bo.get(review_url).get_data(as_text=True))
    )

    # The signed original: the body's members and its secretary, nobody else.
    assert stina.get(original_url).status_code == 200
    assert olle.get(original_url).status_code == 403
    response = anonymous.get(original_url)
    assert response.status_code == 302 and "/login" in response.location
    # Members are offered it on the record page; the public reads the record without the link.
    assert original_url in dan.get(record_url).get_data(as_text=True)
    public_page = anonymous.get(record_url)
    assert public_page.status_code == 200
    public_page = public_page.get_data(as_text=True)
    assert "Signerade versioner" in public_page and "original.pdf" not in public_page
    assert "original.pdf" not in olle.get(record_url).get_data(as_text=True)
