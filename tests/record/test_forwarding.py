"""Decisions up the chain: an utdrag to SRB, group minutes as SRB's beslutsunderlag, the CLI."""

import pytest
from sqlalchemy import func, select

from app.agenda.models import AgendaItemDocument, PlannedItem
from app.agenda.rendering import packet_pdf
from app.cases.models import Document, DocumentKind
from app.core.errors import DomainError
from app.documents.storage import read_bytes
from app.extensions import db
from app.meetings.models import RecordStatus
from app.record.models import Extract
from app.record.services import (
    add_minutes_to_item,
    attach_planned_to_item,
    forward_decision,
    start_record,
)
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
        assert db.session.scalar(select(func.count()).select_from(PlannedItem)) == 0
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
    board = factory.body("Kommunstyrelsen")
    ids = make_committee(factory, parent_id=board)
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
