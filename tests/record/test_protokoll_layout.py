"""The protokoll PDF looks like a Swedish protokoll: the organisation's letterhead, "Sida 2 av
7", the boxes for the justerandes signatur and the utdragsbestyrkande on every page, the
beslutsunderlag under each §, and UTKAST on every page of a draft. Minnesanteckningar keep
the seeds' layout."""

import io

from pypdf import PdfReader

from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.agenda.services import add_item, attach_document
from app.bodies.models import BodyKind, RecordType
from app.cases.models import Confidentiality, Document
from app.extensions import db
from app.justering import services as justering
from app.record.rendering import record_pdf, record_view
from app.record.services import start_record
from tests.justering.helpers import STINA, committee_with_record, meeting
from tests.record.helpers import make_committee, new_meeting

LONG = "Förvaltningen redogör för ärendet och dess bakgrund. " * 60


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _protokoll_with_underlag(app, factory) -> dict[str, int]:
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        item = db.session.get(AgendaItem, ids["item"])
        item.summary = LONG  # long enough for several pages
        for title, confidentiality in (
            ("Tjänsteskrivelse Bidrag 2025", Confidentiality.PUBLIC),
            ("Ansökningar från föreningarna", Confidentiality.INTERNAL),
            ("Utredning om enskild sökande", Confidentiality.SECRET),
        ):
            attach_document(None, item, Document(title=title, confidentiality=confidentiality))
        db.session.commit()
    return ids


def test_every_page_of_a_draft_protokoll_has_the_letterhead_the_boxes_and_utkast(app, factory):
    ids = _protokoll_with_underlag(app, factory)
    with app.test_request_context():
        pages = _pages(record_pdf(meeting(ids)))
        organisation = meeting(ids).body.organisation.name
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert organisation in text
        assert "Justerandes signatur" in text and "Utdragsbestyrkande" in text
        assert f"Sida {number} av {len(pages)}" in text
        assert "UTKAST" in text
    whole = "\n".join(pages)
    # The § lists its beslutsunderlag: never a secret document's title.
    assert "Beslutsunderlag" in whole
    assert "Tjänsteskrivelse Bidrag 2025" in whole
    assert "Ansökningar från föreningarna" in whole
    assert "Utredning om enskild sökande" not in whole


def test_the_public_version_lists_only_public_underlag(app, factory):
    ids = _protokoll_with_underlag(app, factory)
    with app.test_request_context():
        view = record_view(meeting(ids), meeting(ids).items, is_public=True)
        listed = [title for titles in view.underlag.values() for title in titles]
    assert listed == ["Tjänsteskrivelse Bidrag 2025"]


def test_the_protokoll_sent_for_signing_is_not_a_draft(app, factory):
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.email == STINA))  # the secretary
        sent = justering.send_to_justering(
            user, meeting(ids), review_url=lambda round_id: f"/justering/{round_id}"
        )
        db.session.commit()
        pages = _pages(justering.round_pdf(sent.round))
    assert pages and all("UTKAST" not in text for text in pages)
    assert all("Justerandes signatur" in text for text in pages)


def test_minutes_keep_the_seeds_layout_and_a_draft_says_utkast(app, factory):
    ids = make_committee(
        factory, name="Samverkansgrupp Kultur", record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )  # fmt: skip
    with app.test_request_context():
        minutes = new_meeting(ids["body"], "2025-03-14")
        add_item(None, minutes, title="Kulturskolan", proposal="Gruppen tar del av informationen.")
        start_record(None, minutes)
        pages = _pages(record_pdf(minutes))
        db.session.rollback()
    for number, text in enumerate(pages, 1):
        assert "UTKAST" in text
        assert f"Sida {number} ({len(pages)})" in text
        assert "Justerandes signatur" not in text
