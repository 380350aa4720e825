"""An admin sets the organisation's logo; the protokoll and the minnesanteckningar print it in
their letterhead. A refused file says why and changes nothing; a signed, justerat record
keeps the logo it was made with."""

import html
import io
import os
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from app.accounts.models import User
from app.agenda.services import add_item
from app.bodies.models import BodyKind, RecordType
from app.extensions import db
from app.justering import services as justering
from app.justering.models import SignoffRole
from app.meetings.models import Meeting
from app.organisations.models import Organisation
from app.record.services import start_record
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting
from tests.record.helpers import make_committee, new_meeting

ADMIN = "admin@sala.se"


def png(width: int = 240, height: int = 80, color: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int = 240, height: int = 80) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "darkred").save(buffer, "JPEG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims ``width`` × ``height`` pixels: a bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100_000))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def _images(pdf: bytes) -> list[int]:
    """The number of images drawn on each page (pages may share their resources, so the
    images they list are not the ones they draw)."""
    counts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        images = {name for name, x in xobjects.items() if x.get_object()["/Subtype"] == "/Image"}
        content = page.get_contents().get_data()
        counts.append(sum(content.count(f"{name} Do".encode()) for name in images))
    return counts


def _alt_texts(pdf: bytes) -> list[str]:
    """The alternative texts of the tagged figures, found from the marked content drawn on
    the pages (the structure tree's /ParentTree: what a screen reader maps the page to).

    WeasyPrint links the structure of a running element (the letterhead, drawn in the page
    margin) to the document only through its /ParentTree, not from the root's kids."""
    reader = PdfReader(io.BytesIO(pdf))
    numbers = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    found = []
    for entry in numbers[1::2]:
        entry = entry.get_object()
        for element in entry if isinstance(entry, ArrayObject) else [entry]:
            element = element.get_object()
            if isinstance(element, DictionaryObject) and element.get("/S") == "/Figure":
                found.append(str(element.get("/Alt")))
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def protokoll(app, factory):
    ids = committee_with_record(app, factory)
    ids["admin"] = factory.user(ADMIN, is_admin=True)
    with app.app_context():
        ids["name"] = db.session.get(Organisation, ids["organisation"]).name
    return ids


def _logo_of(app, organisation_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Organisation, organisation_id).logo_sha256


def _upload(
    client, organisation_id: int, data: bytes, filename: str, form_url="/account", **kwargs
):
    token = client.csrf_token(form_url)
    return client.post(
        f"/organisations/{organisation_id}/logo",
        data={"csrf_token": token, "logo-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def _record_pdf(client, meeting_id: int) -> bytes:
    response = client.get(f"/meetings/{meeting_id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def test_an_admin_uploads_a_logo_and_the_protokoll_prints_it(protokoll, make_client, login):
    admin, stina = make_client(), make_client()
    login(admin, ADMIN)
    login(stina, STINA)
    before = _record_pdf(stina, protokoll["meeting"])
    assert set(_images(before)) == {0}  # the name alone
    page = admin.get(f"/organisations/{protokoll['organisation']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "No logo" not in page  # Swedish UI
    response = _upload(admin, protokoll["organisation"], png(), "logga.png", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Logotypen sparades" in page
    assert '<img class="organisation-logo" src="data:image/png;base64,' in page
    assert f'alt="{html.escape(protokoll["name"])}"' in page
    assert _logo_of(admin.application, protokoll["organisation"]) is not None

    pdf = _record_pdf(stina, protokoll["meeting"])
    counts = _images(pdf)
    assert counts and all(count == 1 for count in counts)  # the letterhead of every page
    text = _text(pdf)
    assert protokoll["name"] in text and "UTKAST" in text
    assert protokoll["name"] in _alt_texts(pdf)


def test_a_jpeg_is_accepted_and_the_logo_can_be_removed(protokoll, make_client, login):
    admin, stina = make_client(), make_client()
    login(admin, ADMIN)
    login(stina, STINA)
    _upload(admin, protokoll["organisation"], jpeg(), "logga.jpg")
    assert _logo_of(admin.application, protokoll["organisation"]) is not None
    assert set(_images(_record_pdf(stina, protokoll["meeting"]))) == {1}
    response = admin.submit(
        f"/organisations/{protokoll['organisation']}/logo/remove",
        form_url=f"/organisations/{protokoll['organisation']}",
        follow_redirects=True,
    )
    assert "Logotypen togs bort" in response.get_data(as_text=True)
    assert _logo_of(admin.application, protokoll["organisation"]) is None
    pdf = _record_pdf(stina, protokoll["meeting"])
    assert set(_images(pdf)) == {0} and protokoll["name"] in _text(pdf)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        ("Det här är ingen bild.\n".encode() * 10, "logga.png", "inte en PNG- eller JPEG-bild"),
        (SVG, "logga.svg", "SVG-bilder tas inte emot"),
        (png_claiming(100_000, 100_000), "bomb.png", "100000 × 100000 pixlar"),
        (png(4001, 10), "bred.png", "4001 × 10 pixlar"),
        (png()[:60], "avklippt.png", "skadad"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(2 * 2**20), "stor.png", "för stor"),
        (b"", "tom.png", "Filen är tom"),
    ],
    ids=["text", "svg", "bomb", "too-wide", "truncated", "too-large", "empty"],
)
def test_a_refused_file_says_why_and_the_logo_stays(
    protokoll, make_client, login, data, filename, message
):
    admin = make_client()
    login(admin, ADMIN)
    _upload(admin, protokoll["organisation"], png(), "logga.png")
    kept = _logo_of(admin.application, protokoll["organisation"])
    assert kept is not None
    response = _upload(admin, protokoll["organisation"], data, filename, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{filename} användes inte som logotyp" in html.unescape(page)
    assert message in html.unescape(page)
    assert _logo_of(admin.application, protokoll["organisation"]) == kept


def test_no_file_at_all_is_asked_for(protokoll, make_client, login):
    admin = make_client()
    login(admin, ADMIN)
    response = admin.submit(
        f"/organisations/{protokoll['organisation']}/logo",
        form_url=f"/organisations/{protokoll['organisation']}",
        follow_redirects=True,
    )
    assert "Välj bildfilen med logotypen." in response.get_data(as_text=True)
    assert _logo_of(admin.application, protokoll["organisation"]) is None


def test_only_an_admin_sets_or_removes_the_logo(protokoll, app, make_client, login, client):
    member = make_client()
    login(member, DAN)
    page = member.get(f"/organisations/{protokoll['organisation']}").get_data(as_text=True)
    assert "logo-file" not in page
    assert _upload(member, protokoll["organisation"], png(), "logga.png").status_code == 403
    token = member.csrf_token("/account")
    removal = member.post(
        f"/organisations/{protokoll['organisation']}/logo/remove", data={"csrf_token": token}
    )
    assert removal.status_code == 403
    anonymous = _upload(client, protokoll["organisation"], png(), "logga.png", form_url="/login")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert _logo_of(app, protokoll["organisation"]) is None
    # The admin without the CSRF token: refused, nothing stored.
    admin = make_client()
    login(admin, ADMIN)
    forged = admin.post(
        f"/organisations/{protokoll['organisation']}/logo",
        data={"logo-file": (io.BytesIO(png()), "logga.png")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 400
    assert _logo_of(app, protokoll["organisation"]) is None
    # An unknown organisation: 404.
    assert _upload(admin, 999_999, png(), "logga.png").status_code == 404


def test_minnesanteckningar_print_the_logo_only_once_one_is_set(app, factory, make_client, login):
    ids = make_committee(
        factory,
        name="Samverkansgrupp Kultur",
        record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )
    factory.user(STINA, person_id=ids["stina"])
    factory.user(ADMIN, is_admin=True)
    with app.test_request_context():
        notes = new_meeting(ids["body"], "2025-03-14")
        add_item(None, notes, title="Kompetensförsörjning", proposal="Informationen noteras.")
        start_record(None, notes)
        db.session.commit()
        meeting_id = notes.id
        name = notes.body.organisation.name
    admin, stina = make_client(), make_client()
    login(admin, ADMIN)
    login(stina, STINA)
    before = _record_pdf(stina, meeting_id)
    assert set(_images(before)) == {0}
    assert name not in _text(before)  # the seeds' layout: no letterhead without a logo
    _upload(admin, ids["organisation"], png(), "logga.png")
    pdf = _record_pdf(stina, meeting_id)
    assert _images(pdf)[0] == 1 and sum(_images(pdf)) == 1  # once, on the first page
    text = _text(pdf)
    assert name in text and "MINNESANTECKNINGAR" in text
    assert name in _alt_texts(pdf)


def test_a_justerat_protokoll_keeps_the_logo_it_was_signed_with(
    protokoll, app, make_client, login, client
):
    admin = make_client()
    login(admin, ADMIN)
    _upload(admin, protokoll["organisation"], png(color="navy"), "blå.png")
    first_logo = _logo_of(app, protokoll["organisation"])
    with app.test_request_context():
        users = {
            email: db.session.scalar(db.select(User).where(User.email == email))
            for email in (STINA, ANNA, BO)
        }
        sent = justering.send_to_justering(
            users[STINA], meeting(protokoll), review_url=lambda round_id: f"/justering/{round_id}"
        ).round
        for signoff in sent.signoffs:
            if signoff.role == SignoffRole.CHAIR:
                justering.approve(users[ANNA], signoff)
            elif signoff.role == SignoffRole.ADJUSTER:
                justering.approve(users[BO], signoff)
        db.session.commit()
        revision = justering.justered_revision(meeting(protokoll))
        frozen = (revision.signed_pdf_sha256, revision.public_pdf_sha256, revision.public_html)
    member = make_client()
    login(member, DAN)
    url = f"/meetings/{protokoll['meeting']}/record.pdf"
    signed, public = member.get(url).data, client.get(f"/protokoll/{protokoll['meeting']}.pdf").data
    assert set(_images(signed)) == {1} and set(_images(public)) == {1}

    # A new logo, then none: what was stored at justering is what is served, byte for byte.
    _upload(admin, protokoll["organisation"], png(color="orange"), "orange.png")
    assert _logo_of(app, protokoll["organisation"]) not in (None, first_logo)
    assert member.get(url).data == signed
    assert client.get(f"/protokoll/{protokoll['meeting']}.pdf").data == public
    admin.submit(
        f"/organisations/{protokoll['organisation']}/logo/remove",
        form_url=f"/organisations/{protokoll['organisation']}",
    )
    assert member.get(url).data == signed
    assert client.get(f"/protokoll/{protokoll['meeting']}.pdf").data == public
    with app.app_context():
        revision = justering.justered_revision(db.session.get(Meeting, protokoll["meeting"]))
        assert (
            revision.signed_pdf_sha256,
            revision.public_pdf_sha256,
            revision.public_html,
        ) == frozen
