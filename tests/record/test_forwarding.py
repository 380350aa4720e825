"""Decisions up the chain: an utdrag to SRB (för beslut, or för kännedom among its
anmälningar) from the final record's page, group minutes as SRB's beslutsunderlag, the CLI."""

import pytest
from sqlalchemy import func, select

from app.agenda.models import AgendaItemDocument, AgendaNotice, PlannedItem
from app.agenda.rendering import packet_pdf
from app.agenda.services import add_item
from app.cases.models import Document, DocumentKind
from app.core.errors import DomainError
from app.documents.storage import read_bytes
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import Extract, ForwardPurpose
from app.record.services import (
    add_minutes_to_item,
    attach_planned_to_item,
    forward_decision,
    forward_targets_of,
    start_record,
)
from tests.conftest import ELIN, EVA, hidden
from tests.record.helpers import (
    HALSA,
    KOMPETENS,
    NARA_VARD,
    SRB,
    add_case_item,
    assert_in_order,
    item_numbered,
    make_committee,
    meeting_of,
    new_meeting,
    pdf_text,
    without_page_furniture,
)

UTDRAG = "Utdrag ur minnesanteckningar Samverkansgrupp Nära vård 2024-02-02 punkt 5"
DECISION = (
    "Samverkansgrupp Nära vård rekommenderar Strategisk regional beredning (SRB) att "
    "rekommendera Region Västmanland och länets kommuner att anta målbilden för nära vård."
)
# The Nära vård items other than 5, as the minutes title them.
OTHER_TITLES = [
    "Ordförande hälsar samverkansgrupp nära vård välkomna",
    "Besök och information från Mottagningen för tidiga insatser",
    "Årsplan 2024",
    "Information kring de gemensamma uppdragen",
    "Information om målbild Hälso- och sjukvård 2029",
    "Övriga frågor",
    "Nästa sammanträde",
]


def _assert_utdrag(text: str) -> None:
    text = without_page_furniture(text)
    assert_in_order(
        text,
        [
            "UTDRAG UR MINNESANTECKNINGAR",
            "Samverkansgrupp Nära vård 2023",
            "Mötesdatum 2024-02-02",
            "Beslutande ledamöter Lina Eriksson (L) (Ordförande) (Region Västmanland)",
            "Ej tjänstgörande ersättare Elin Granqvist (KD) (Region Västmanland)",
            "Övriga närvarande Sara Fredin (processledare)",
            "5 Gemensam målbild Nära vård",
            "Sammanfattning Cecilia von Alten och Sara Fredin presenterar bakgrunden till gemensam målbild",
            f"Beslut {DECISION}",
            "Rätt utdraget intygar",
            "Eva Wilhelmsson",
        ],
    )
    for title in OTHER_TITLES:
        assert title not in text
    assert "Vid minnesanteckningarna" not in text


def _forward(app) -> tuple[int, int]:
    """Forward Nära vård 2024-02-02 item 5 to SRB's meeting of 2024-04-19."""
    with app.test_request_context():
        nara = meeting_of(*NARA_VARD)
        srb = meeting_of(*SRB)
        planned = forward_decision(None, item_numbered(nara, 5), srb)
        db.session.commit()
        return planned.id, srb.id


def _group_under_board(factory, *, secretary_user: bool = False) -> tuple[int, dict[str, int]]:
    """A nämnd reporting to Kommunstyrelsen; with Stina's login when ``secretary_user``."""
    board = factory.body("Kommunstyrelsen")
    ids = make_committee(factory, parent_id=board)
    if secretary_user:
        factory.user("stina@sala.se", person_id=ids["stina"])
    return board, ids


def test_forwarded_decision_becomes_a_planned_item_with_its_utdrag(app, demo):
    planned_id, srb_id = _forward(app)
    with app.app_context():
        planned = db.session.get(PlannedItem, planned_id)
        srb = meeting_of(*SRB)
        assert (planned.body_id, planned.meeting_id, planned.item_id) == (srb.body_id, srb_id, None)
        assert planned.title == "Gemensam målbild Nära vård"
        assert planned.description == DECISION
        document = planned.document
        assert document.title == UTDRAG
        assert document.kind == DocumentKind.EXTRACT
        assert document.has_file and document.media_type == "application/pdf"
        pdf = read_bytes(document.sha256)
        assert document.size == len(pdf)
        extract = db.session.scalar(select(Extract))
        assert extract.item_ids == [item_numbered(meeting_of(*NARA_VARD), 5).id]
        assert extract.sha256 == document.sha256
    _assert_utdrag(pdf_text(pdf))


def test_utdrag_fills_srb_item_8s_placeholder_and_reaches_the_handlingar(app, demo):
    planned_id, _srb_id = _forward(app)
    with app.test_request_context():
        srb = meeting_of(*SRB)
        item = item_numbered(srb, 8)
        links_before = [(link.position, link.document.title) for link in item.documents]
        assert links_before[0] == (1, f"Bilaga {UTDRAG}")
        assert not item.documents[0].document.has_file
        attach_planned_to_item(None, db.session.get(PlannedItem, planned_id), item)
        db.session.commit()
        item = item_numbered(meeting_of(*SRB), 8)
        assert [(link.position, link.document.title) for link in item.documents] == links_before
        placeholder = item.documents[0].document
        assert placeholder.has_file and placeholder.media_type == "application/pdf"
        assert placeholder.sha256 == db.session.get(PlannedItem, planned_id).document.sha256
        assert db.session.get(PlannedItem, planned_id).item_id == item.id
        assert db.session.scalar(
            select(func.count())
            .select_from(AgendaItemDocument)
            .where(AgendaItemDocument.item_id == item.id)
        ) == len(links_before)
        # Used once: the topic is on an agenda now.
        with pytest.raises(DomainError):
            attach_planned_to_item(None, db.session.get(PlannedItem, planned_id), item)
        _assert_utdrag(pdf_text(read_bytes(placeholder.sha256)))
        packet = pdf_text(packet_pdf(meeting_of(*SRB)))
        db.session.commit()
    assert_in_order(
        packet,
        ["FÖREDRAGNINGSLISTA", "8 Gemensam målbild nära vård", "UTDRAG UR MINNESANTECKNINGAR"],
    )
    assert "Rätt utdraget intygar" in packet and DECISION in without_page_furniture(packet)


def test_group_minutes_fill_srb_item_5s_placeholder(app, demo):
    with app.test_request_context():
        kompetens = meeting_of(*KOMPETENS)
        item = item_numbered(meeting_of(*SRB), 5)
        titles = [link.document.title for link in item.documents]
        document = add_minutes_to_item(None, kompetens, item)
        db.session.commit()
        item = item_numbered(meeting_of(*SRB), 5)
        assert [link.document.title for link in item.documents] == titles
        assert document.id == item.documents[0].document.id
        assert (
            document.title == "Minnesanteckningar samverkansgrupp Kompetensförsörjning 2024-02-16"
        )
        assert document.has_file and document.kind == DocumentKind.MINUTES
        assert [link.document.has_file for link in item.documents] == [True, False, False]
        text = pdf_text(read_bytes(document.sha256))
    assert_in_order(
        text,
        [
            "MINNESANTECKNINGAR",
            "Samverkansgrupp Kompetensförsörjning 2023",
            "Mötesdatum 2024-02-16",
            "Vid minnesanteckningarna",
            "Elin Hellström",
            "§ 1 Inledning",
            "§ 8 Övriga frågor",
        ],
    )


def test_forwarding_goes_up_the_chain_only_from_final_records(app, demo):
    with app.test_request_context():
        nara = meeting_of(*NARA_VARD)
        halsa = meeting_of(*HALSA)
        srb = meeting_of(*SRB)
        documents = db.session.scalar(select(func.count()).select_from(Document))
        planned = db.session.scalar(select(func.count()).select_from(PlannedItem))
        # Not to a sibling group, not to itself: only to the body the group reports to.
        with pytest.raises(DomainError):
            forward_decision(None, item_numbered(nara, 5), halsa)
        with pytest.raises(DomainError):
            forward_decision(None, item_numbered(nara, 5), nara)
        # SRB reports to no one.
        with pytest.raises(DomainError):
            forward_decision(None, item_numbered(srb, 8), srb)
        with pytest.raises(DomainError):
            add_minutes_to_item(None, nara, item_numbered(halsa, 2))
        nara.record_status = RecordStatus.DRAFT
        with pytest.raises(DomainError):
            forward_decision(None, item_numbered(nara, 5), srb)
        with pytest.raises(DomainError):
            add_minutes_to_item(None, nara, item_numbered(srb, 5))
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(Document)) == documents
        assert db.session.scalar(select(func.count()).select_from(PlannedItem)) == planned
        db.session.rollback()


def _cli(app, tmp_path, *extra: str):
    target = tmp_path / "record.pdf"
    result = app.test_cli_runner().invoke(
        args=[
            "record",
            "pdf",
            "--body",
            NARA_VARD[0],
            "--date",
            NARA_VARD[1],
            "-o",
            str(target),
            *extra,
        ]
    )
    return result, target


def test_cli_writes_the_minutes_and_an_utdrag(app, demo, tmp_path):
    result, target = _cli(app, tmp_path, "--items", "5")
    assert result.exit_code == 0, result.output
    _assert_utdrag(pdf_text(target.read_bytes()))
    first = target.read_bytes()
    result, target = _cli(app, tmp_path, "--items", "§ 5")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == first  # the stored utdrag, not a new one
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Extract)) == 1
    result, target = _cli(app, tmp_path)
    assert result.exit_code == 0, result.output
    text = without_page_furniture(pdf_text(target.read_bytes()))
    assert text.startswith("MINNESANTECKNINGAR") and "UTDRAG" not in text
    assert_in_order(
        text,
        [
            "Vid minnesanteckningarna",
            "Eva Wilhelmsson",
            "1 Ordförande hälsar samverkansgrupp nära vård välkomna",
            "2 Nästa sammanträde",
            "3 Besök och information från Mottagningen för tidiga insatser",
            "4 Årsplan 2024",
            "5 Gemensam målbild Nära vård",
            "6 Information kring de gemensamma uppdragen",
            "7 Information om målbild Hälso- och sjukvård 2029",
            "8 Övriga frågor",
        ],
    )
    assert "Rätt utdraget intygar" not in text


def test_cli_utdrag_of_several_items_keeps_the_record_order(app, demo, tmp_path):
    target = tmp_path / "utdrag.pdf"
    result = app.test_cli_runner().invoke(
        args=[
            "record",
            "pdf",
            "--body",
            KOMPETENS[0],
            "--date",
            KOMPETENS[1],
            "--items",
            "§ 5, 2",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    text = without_page_furniture(pdf_text(target.read_bytes()))
    assert_in_order(
        text,
        [
            "UTDRAG UR MINNESANTECKNINGAR",
            "§ 2 Samverkan skola och arbetsliv- Ullvigymnasiet och Volvo",
            "§ 5 Uppföljning planering och dimensionering",
            "Rätt utdraget intygar",
            "Elin Hellström",
        ],
    )
    for title in (
        "§ 1 Inledning",
        "§ 3 Nästa sammanträde",
        "§ 4 Återkoppling",
        "§ 6 Samverkan",
        "§ 8 Övriga frågor",
    ):
        assert title not in text


def test_cli_refuses_an_unknown_item(app, demo, tmp_path):
    result, target = _cli(app, tmp_path, "--items", "5,9")
    assert result.exit_code != 0
    assert "No item numbered 9" in result.output
    assert not target.exists()
    missing = app.test_cli_runner().invoke(
        args=["record", "pdf", "--body", NARA_VARD[0], "--date", "2024-02-03", "-o", str(target)]
    )
    assert missing.exit_code != 0 and "no meeting" in missing.output


def test_a_protokoll_is_forwarded_as_protokollsutdrag(app, factory):
    board, ids = _group_under_board(factory)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        target = new_meeting(board, "2025-04-10")
        db.session.commit()
        # A protokoll is forwarded once justerat (final), not as a draft.
        with pytest.raises(DomainError):
            forward_decision(None, item, target)
        meeting.record_status = RecordStatus.FINAL
        planned = forward_decision(None, item, target)
        again = forward_decision(None, item, target)
        db.session.commit()
        # The body numbers in §§: the utdrag names the item by its §, as its record does.
        assert planned.document.title == "Utdrag ur protokoll Kulturnämnden 2025-03-14 § 5"
        assert planned.body_id == board and planned.description == item.decision.text
        # The same utdrag is made once and reused.
        assert again.document.sha256 == planned.document.sha256
        assert db.session.scalar(select(func.count()).select_from(Extract)) == 1
        text = without_page_furniture(pdf_text(read_bytes(planned.document.sha256)))
    assert_in_order(
        text,
        [
            "PROTOKOLLSUTDRAG",
            "Kulturnämnden 2023–2026",
            "Sammanträdesdatum 2025-03-14",
            "Justerare Bo Ek",
            "§ 5 Bidrag till kulturföreningar 2025",
            "Dnr 2025/17",
            "Beslut Bidragen fördelas enligt förvaltningens förslag.",
            "Rätt utdraget intygar",
            "Stina Sekreterare",
        ],
    )
    assert "§ 4 Nästa sammanträde" not in text and "Övriga frågor" not in text


# -- from the final record's page --------------------------------------------------------------

# Eva (EVA) is Nära vård's secretary; Elin (ELIN) Kompetensförsörjning's, not Nära vård's.
NOTICE_TITLE = f"{UTDRAG} – Gemensam målbild Nära vård"


def _nara_item_5(app) -> tuple[int, int, int]:
    """The ids of Nära vård 2024-02-02, its item 5 and SRB's meeting of 2024-04-19."""
    with app.app_context():
        nara = meeting_of(*NARA_VARD)
        return nara.id, item_numbered(nara, 5).id, meeting_of(*SRB).id


def _forward_from_page(client, meeting_id: int, item_id: int, target_id: int, purpose: str):
    """Open the record page and send the item's forwarding form, as the secretary does."""
    page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    prefix = f"forward{item_id}"
    return client.post(
        f"/items/{item_id}/forward",
        data={
            f"{prefix}-csrf_token": hidden(page, f"{prefix}-csrf_token"),
            f"{prefix}-meeting_id": str(target_id),
            f"{prefix}-purpose": purpose,
        },
        follow_redirects=True,
    )


def _counts() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(model))
        for model in (PlannedItem, AgendaNotice, Document)
    )


def test_the_final_record_offers_forwarding_per_item(app, demo, client, login_demo):
    nara_id, item_id, srb_id = _nara_item_5(app)
    login_demo(client, EVA)
    page = client.get(f"/meetings/{nara_id}/record").get_data(as_text=True)
    assert f'action="/items/{item_id}/forward"' in page
    assert "Skicka beslutet vidare till Strategisk regional beredning" in page
    form = page[page.index(f'action="/items/{item_id}/forward"') :]
    form = form[: form.index("</form>")]
    assert f'<option value="{srb_id}">Strategisk regional beredning 2024-04-19</option>' in form
    assert "För kännedom" in form and "För beslut" in form
    # Every decided, public item of the record but the standing ones (the agenda, the justerare,
    # the next meeting) can be forwarded, each with a form of its own.
    with app.app_context():
        decided = [
            i.id
            for i in db.session.get(Meeting, nara_id).items
            if i.is_public and not i.is_withdrawn and i.decision and i.standard_kind is None
        ]
    assert item_id in decided
    assert page.count('<details class="forward">') == len(decided)


def test_a_draft_record_offers_no_forwarding(app, factory, client, login):
    board, ids = _group_under_board(factory, secretary_user=True)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        new_meeting(board, "2025-04-10")
        db.session.commit()
        meeting_id, item_id = meeting.id, item.id
    login(client, "stina@sala.se")
    record_page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    item_page = client.get(f"/items/{item_id}/record").get_data(as_text=True)
    assert "Redigera protokollet för den här punkten" in record_page  # the draft, as it is
    for page in (record_page, item_page):
        assert "/forward" not in page and "Skicka beslutet vidare" not in page


def test_forwarded_for_information_it_is_listed_among_srbs_anmalningar(
    app, demo, client, login_demo
):
    nara_id, item_id, srb_id = _nara_item_5(app)
    login_demo(client, EVA)
    with app.app_context():
        listing = item_numbered(meeting_of(*SRB), 6)
        assert listing.title == "Anmälningar för kännedom"
        before = [(n.case_number, n.title) for n in listing.notices]
        planned, notices, documents = _counts()
    response = _forward_from_page(client, nara_id, item_id, srb_id, "information")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Beslutet har skickats vidare för kännedom: det finns bland anmälningarna till "
        "Strategisk regional beredning 2024-04-19." in text
    )
    with app.app_context():
        listing = item_numbered(meeting_of(*SRB), 6)
        nara_case = item_numbered(meeting_of(*NARA_VARD), 5).case
        case_number = nara_case.case_number if nara_case else None
        assert [(n.case_number, n.title) for n in listing.notices] == [
            *before,
            (case_number, NOTICE_TITLE),
        ]
        # Nothing planned, no document made: an anmälan is listed, not decided.
        assert _counts() == (planned, notices + 1, documents)
    # SRB's agenda prints it under Anmälningar with the rest.
    agenda = client.get(f"/meetings/{srb_id}/agenda").get_data(as_text=True)
    assert NOTICE_TITLE in agenda
    # Once is enough: a second time is refused with the reason.
    again = _forward_from_page(client, nara_id, item_id, srb_id, "information")
    assert "finns redan bland anmälningarna" in again.get_data(as_text=True)
    with app.app_context():
        assert len(item_numbered(meeting_of(*SRB), 6).notices) == len(before) + 1


def test_forwarded_for_decision_it_waits_as_a_planned_item_with_the_utdrag(
    app, demo, client, login_demo
):
    nara_id, item_id, srb_id = _nara_item_5(app)
    login_demo(client, EVA)
    with app.app_context():
        notices = db.session.scalar(select(func.count()).select_from(AgendaNotice))
    response = _forward_from_page(client, nara_id, item_id, srb_id, "decision")
    assert "väntar bland de planerade frågorna" in response.get_data(as_text=True)
    with app.app_context():
        # The one forwarded (the demo plans SRB's 2024-06-14 topics at 2024-04-19 item 15).
        planned = db.session.scalar(select(PlannedItem).where(PlannedItem.planned_at_id.is_(None)))
        assert (planned.meeting_id, planned.title) == (srb_id, "Gemensam målbild Nära vård")
        assert planned.document.title == UTDRAG and planned.document.has_file
        assert db.session.scalar(select(func.count()).select_from(AgendaNotice)) == notices
        pdf = read_bytes(planned.document.sha256)
    _assert_utdrag(pdf_text(pdf))


def test_forwarding_without_a_choice_says_so_and_changes_nothing(app, demo, client, login_demo):
    nara_id, item_id, srb_id = _nara_item_5(app)
    login_demo(client, EVA)
    with app.app_context():
        before = _counts()
    response = _forward_from_page(client, nara_id, item_id, srb_id, "")
    assert "Välj vad beslutet skickas vidare för." in response.get_data(as_text=True)
    with app.app_context():
        assert _counts() == before


def test_only_the_groups_secretary_forwards(app, demo, client, login_demo):
    nara_id, item_id, srb_id = _nara_item_5(app)
    login_demo(client, ELIN)
    # Her own group's record page gives her a token; Nära vård's record is not hers to forward.
    token = client.csrf_token("/")
    with app.app_context():
        before = _counts()
    for purpose in ("information", "decision"):
        response = client.post(
            f"/items/{item_id}/forward",
            data={
                f"forward{item_id}-csrf_token": token,
                f"forward{item_id}-meeting_id": str(srb_id),
                f"forward{item_id}-purpose": purpose,
            },
        )
        assert response.status_code == 403
    page = client.get(f"/meetings/{nara_id}/record").get_data(as_text=True)
    assert "/forward" not in page
    with app.app_context():
        assert _counts() == before


def test_a_target_that_is_final_or_held_is_refused_and_not_offered(app, factory):
    board, ids = _group_under_board(factory)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        meeting.record_status = RecordStatus.FINAL
        final = new_meeting(board, "2025-04-10")
        final.status, final.record_status = MeetingStatus.HELD, RecordStatus.FINAL
        held = new_meeting(board, "2025-04-17")
        start_record(None, held)  # held, its record a draft
        coming = new_meeting(board, "2025-05-08")
        db.session.commit()
        before = _counts()
        for target in (final, held):
            for purpose in ForwardPurpose:
                with pytest.raises(DomainError) as refused:
                    forward_decision(None, item, target, purpose)
                reason = "är slutligt" if target is final else "har redan hållits"
                assert reason in refused.value.message
        db.session.rollback()
        assert _counts() == before
        assert forward_targets_of(meeting) == [coming]


def test_a_closed_items_decision_is_neither_offered_nor_forwarded(app, factory, client, login):
    board, ids = _group_under_board(factory, secretary_user=True)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        item.is_public = False  # sekretess: the public never reads it
        public = add_item(None, meeting, title="Kulturpris 2025", proposal="Priset delas ut.")
        start_record(None, meeting)
        meeting.record_status = RecordStatus.FINAL
        target = new_meeting(board, "2025-04-10")
        db.session.commit()
        meeting_id, item_id, public_id = meeting.id, item.id, public.id
        before = _counts()
        for purpose in ForwardPurpose:
            with pytest.raises(DomainError) as refused:
                forward_decision(None, item, target, purpose)
            assert "inte offentlig" in refused.value.message
        db.session.rollback()
        assert _counts() == before
    login(client, "stina@sala.se")
    page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    assert f"/items/{item_id}/forward" not in page
    assert f"/items/{public_id}/forward" in page  # the public item beside it can go
