"""The agenda's documents: the föredragningslista PDF, uploads, the handlingar packet, the CLI."""

import html
import io
import re

from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.documents.render import render_pdf
from app.documents.storage import read_bytes
from app.extensions import db
from app.jobs.models import Job
from app.meetings.models import Meeting
from tests.agenda.helpers import make_committee, meeting_on
from tests.conftest import ELIN


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def _srb(app) -> tuple[int, int]:
    with app.app_context():
        srb = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        return srb.id, meeting_on(app, srb.id, "2024-04-19").id


def _pdf(app, text: str, pages: int = 1) -> bytes:
    body = "".join(
        f'<p style="page-break-after: always">{text} sida {n}</p>' for n in range(1, pages + 1)
    )
    with app.app_context():
        return render_pdf(f"<html><body>{body}</body></html>")


def test_srb_agenda_pdf_reads_as_the_seed(app, demo, make_client, login_demo):
    _body_id, meeting_id = _srb(app)
    elin = make_client()
    login_demo(elin, ELIN)
    response = elin.get(f"/meetings/{meeting_id}/foredragningslista.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    expected_in_order = [
        "FÖREDRAGNINGSLISTA", "Strategisk regional beredning", "2024-04-19", "kl. 09:00",
        "1 Fastställande av föredragningslista", "Förslag till beslut", "Den preliminära föredragningslistan fastställs.",
        "2 Föregående protokoll", "Anmäls att beredningens protokoll från sammanträdet 2024-01-26 justerats i föreskriven ordning.",
        "3 Justering", "Johanna Odö utses att jämte ordföranden justera dagens protokoll.",
        "4 Nästa sammanträde", "Nästa sammanträde ska äga rum fredagen den 14 juni 2024 kl 09.00.",
        "5 Minnesanteckningar från samverkansgrupperna (RV240022)", "Sammanfattning", "Minnesanteckningarna läggs till handlingarna.",
        "Beslutsunderlag", "Minnesanteckningar samverkansgrupp Kompetensförsörjning 2024-02-16",
        "Minnesanteckningar samverkansgrupp Hälsa 2024-02-09", "Minnesanteckningar samverkansgrupp Nära vård 2024-02-02",
        "6 Anmälningar för kännedom", "Informationen noteras.", "Anmälningar", "RUF240012-14", "Västmanlands Remissvar Inriktningsunderlag",
        "RV240022-1.1", "Årsplan Samverkansgrupp Nära vård 2024",
        "7 Välfärdsbrottslighet", "Ärendet i korthet", "Temapass med information",
        "8 Gemensam målbild nära vård", "Bilaga Utdrag ur minnesanteckningar Samverkansgrupp Nära vård 2024-02-02 punkt 5",
        "9 Infrastruktur", "10 Återrapportering om näringslivsprojekt etablering (RUF240104)",
        "Bilaga 2 Benchmark investeringsfrämjande organisationer",
        "11 Uppföljning projekt om företagsklimat", "12 Beslutade förändringar i kollektivtrafiken",
        "13 Mellankommunala frågor", "14 Övriga frågor", "15 Kommande möte", "Samverkan Mälardalens Universitet", "Kollektivtrafik",
    ]  # fmt: skip
    position = 0
    for fragment in expected_in_order:
        found = text.find(fragment, position)
        assert found >= 0, (
            f"{fragment!r} missing or out of order after …{text[max(0, position - 80) : position]}"
        )
        position = found + len(fragment)


def test_agenda_pdf_is_stored_by_the_kallelse_and_served_until_the_agenda_changes(
    app, factory, make_client, login, smtp_server
):
    """The kallelse stores the föredragningslista and the handlingar; a GET only reads: the
    stored PDF while the agenda is as sent, else the changed agenda rendered on the fly."""
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new", {"meeting_date": "2030-09-03", "mode": "on_site"}
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    url = f"/meetings/{meeting_id}/foredragningslista.pdf"
    draft = elin.get(url).data
    assert draft.startswith(b"%PDF-")
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.agenda_pdf_sha256 is None  # the draft was rendered, not stored
    elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    smtp_server.wait_for(3)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        sha = meeting.agenda_pdf_sha256
        assert sha is not None and meeting.packet_pdf_sha256 is not None
        sent = read_bytes(sha)
    assert elin.get(url).data == sent
    assert elin.get(f"/meetings/{meeting_id}/handlingar.pdf").data.startswith(b"%PDF-")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1  # the kallelse
        item = db.session.scalar(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.number == 5)
        )
        item.title = "Infrastruktur och kollektivtrafik"
        db.session.commit()
    changed = elin.get(url).data
    assert changed != sent and "Infrastruktur och kollektivtrafik" in _text(changed)
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).agenda_pdf_sha256 == sha


def _upload(client, item_id: int, data: bytes, filename: str, title: str = ""):
    token = client.csrf_token(f"/items/{item_id}/edit")
    return client.post(
        f"/items/{item_id}/documents/upload",
        data={
            "csrf_token": token,
            "upload-file": (io.BytesIO(data), filename),
            "upload-title": title,
            "upload-confidentiality": "public",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _item(app, meeting_id: int, number: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.number == number
            )
        )


def test_uploads_are_checked_by_content(app, demo, make_client, login_demo):
    _body_id, meeting_id = _srb(app)
    item_id = _item(app, meeting_id, 8)
    elin = make_client()
    login_demo(elin, ELIN)
    encrypted = PdfWriter(clone_from=io.BytesIO(_pdf(app, "Hemlig")))
    encrypted.encrypt("lösenord")
    locked = io.BytesIO()
    encrypted.write(locked)
    good = _pdf(app, "Nära vård reviderad målbild", pages=2)
    refusals = {
        "bild.pdf": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        "trasig.pdf": good[: len(good) // 2],
        "last.pdf": locked.getvalue(),
        "tom.pdf": b"",
    }
    for filename, data in refusals.items():
        page = html.unescape(_upload(elin, item_id, data, filename).get_data(as_text=True))
        # The message names the document by its title (the file's name without .pdf).
        title = filename.removesuffix(".pdf")
        assert f"”{title}” bifogades inte" in page and "flash-error" in page, filename
    with app.app_context():
        assert all(
            link.document.has_file is False
            for link in db.session.get(AgendaItem, item_id).documents
        )
    page = _upload(
        elin,
        item_id,
        good,
        "../../Bilaga Nära vård målbild.PDF",
        "Bilaga Nära vård reviderad målbild (ny)",
    ).get_data(as_text=True)
    assert "flash-success" in page
    with app.app_context():
        documents = [link.document for link in db.session.get(AgendaItem, item_id).documents]
        added = documents[-1]
        assert added.title == "Bilaga Nära vård reviderad målbild (ny)"
        assert "/" not in added.filename and added.filename.endswith(".pdf")
        assert added.has_file and added.size == len(good)


def test_handlingar_packet_has_agenda_documents_and_bookmarks(app, demo, make_client, login_demo):
    _body_id, meeting_id = _srb(app)
    elin = make_client()
    login_demo(elin, ELIN)
    _upload(
        elin,
        _item(app, meeting_id, 5),
        _pdf(app, "Kompetensförsörjning anteckningar", 2),
        "a.pdf",
        "Minnesanteckningar Kompetensförsörjning (fil)",
    )
    _upload(
        elin,
        _item(app, meeting_id, 10),
        _pdf(app, "Tjänsteskrivelse etablering", 3),
        "b.pdf",
        "Tjänsteskrivelse (fil)",
    )
    agenda = elin.get(f"/meetings/{meeting_id}/foredragningslista.pdf").data
    agenda_pages = len(PdfReader(io.BytesIO(agenda)).pages)
    response = elin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == agenda_pages + 5
    text = _text(response.data)
    assert (
        text.index("FÖREDRAGNINGSLISTA")
        < text.index("Kompetensförsörjning anteckningar sida 1")
        < text.index("Tjänsteskrivelse etablering sida 3")
    )
    total = len(reader.pages)
    assert f"Sida {total} ({total})" in reader.pages[-1].extract_text()
    outline = [
        (entry.title if not isinstance(entry, list) else [e.title for e in entry])
        for entry in reader.outline
    ]
    assert outline[0] == "Föredragningslista"
    assert "5 Minnesanteckningar från samverkansgrupperna" in outline
    assert ["Minnesanteckningar Kompetensförsörjning (fil)"] in outline
    assert "10 Återrapportering om näringslivsprojekt etablering" in outline
    assert ["Tjänsteskrivelse (fil)"] in outline


def test_members_read_the_pdfs_the_public_does_not(app, demo, make_client, login_demo):
    _body_id, meeting_id = _srb(app)
    johanna, anonymous = make_client(), make_client()
    login_demo(johanna, "johanna.odo@example.se")
    assert johanna.get(f"/meetings/{meeting_id}/foredragningslista.pdf").status_code == 200
    assert anonymous.get(f"/meetings/{meeting_id}/handlingar.pdf").status_code == 302  # to login


def test_cli_writes_the_agenda_and_the_packet(app, demo, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "srb.pdf"
    result = runner.invoke(
        args=["agenda", "pdf", "--body", "SRB", "--date", "2024-04-19", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "15 Kommande möte" in _text(target.read_bytes())
    packet = tmp_path / "handlingar.pdf"
    result = runner.invoke(
        args=[
            "agenda",
            "pdf",
            "--body",
            "Strategisk regional beredning",
            "--date",
            "2024-04-19",
            "-o",
            str(packet),
            "--handlingar",
        ]
    )
    assert result.exit_code == 0, result.output
    assert PdfReader(str(packet)).outline[0].title == "Föredragningslista"
    missing = runner.invoke(
        args=["agenda", "pdf", "--body", "SRB", "--date", "2024-04-20", "-o", str(target)]
    )
    assert missing.exit_code != 0 and "no meeting" in missing.output
