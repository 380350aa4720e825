"""The public "Verifiera protokoll" page (/verifiera) and ``flask verify-pdf``: anyone can
check a signed protokoll's signatures and whether it is the archived one.

One protokoll is justerat (real PDF, real signatures) by the first test; its signed original
is kept for the module, so the tests that need only the file do not sign again.
"""

import io
import re

from app.accounts.models import User
from app.bodies.models import Body
from app.documents.storage import read_bytes
from app.extensions import db
from app.justering import services
from app.justering.models import SignoffRole
from tests.justering.helpers import DAN, committee_with_record, meeting
from tests.justering.pki import tampered

_SIGNED: dict[str, bytes] = {}


def _justerat(app, factory) -> tuple[dict[str, int], bytes]:
    """The nämnd's protokoll sent, approved by the chair and the justerare: justerat.

    Through the services (the browser's way is test_flow's): the page under test here is
    the verification."""
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        m = meeting(ids)
        users = {u.person_id: u for u in db.session.query(User)}
        justering = services.send_to_justering(
            users[m.secretary.id], m, review_url=lambda round_id: f"/justering/{round_id}"
        ).round
        for signoff in justering.signoffs:
            if signoff.role != SignoffRole.SECRETARY:
                services.approve(users[signoff.person_id], signoff)
        db.session.commit()
        revision = services.justered_revision(m)
        original = read_bytes(revision.signed_pdf_sha256)
    _SIGNED["original"] = original
    return ids, original


def _signed_original(app, factory) -> bytes:
    """The signed original made earlier in this module (made now if this test runs alone)."""
    if "original" not in _SIGNED:
        _justerat(app, factory)
    return _SIGNED["original"]


def _upload(client, data: bytes | None, filename: str = "protokoll.pdf"):
    token = client.csrf_token("/verifiera")
    form = {"csrf_token": token}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return client.post("/verifiera", data=form, content_type="multipart/form-data")


def _result(page: str) -> str:
    """The result section of the page ("" when there is none)."""
    start = page.find('<section class="panel verification"')
    return page[start : page.index("</section>", start)] if start >= 0 else ""


def _cli(app, path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["verify-pdf", str(path)])
    return result.exit_code, result.output


def test_the_signed_original_is_valid_and_archived(
    app, factory, make_client, login, tmp_path, smtp_server
):
    ids, original = _justerat(app, factory)
    anonymous = make_client()
    page = anonymous.get("/verifiera")
    assert page.status_code == 200
    assert "Verifiera protokoll" in page.get_data(as_text=True)

    response = _upload(anonymous, original)
    assert response.status_code == 200
    result = _result(response.get_data(as_text=True))
    assert "Underskrifterna är giltiga" in result
    # One row per signature: intact and trusted.
    assert len(re.findall(r"<td>ja</td>\s*<td>ja</td>", result)) == 3
    assert "NEJ" not in result
    # The nämnd is public and the protokoll justerat: anyone may read it, so it is linked.
    assert "Filen är det arkiverade signerade originalet av" in result
    assert f'<a href="/meetings/{ids["meeting"]}/record">' in result
    assert "2025-03-14" in result

    # The public copy is recognised as such; it carries no signatures to check.
    public_copy = anonymous.get(f"/protokoll/{ids['meeting']}.pdf").data
    result = _result(_upload(anonymous, public_copy).get_data(as_text=True))
    assert "Detta är den äkta offentliga kopian" in result
    assert "Filen klarar inte kontrollen" not in result
    assert "Filen är den arkiverade offentliga kopian av" in result

    # Where the reader may not read the record (the nämnd is not public), the archive match
    # is told without the link; a member of the nämnd still gets the link.
    with app.app_context():
        db.session.get(Body, ids["body"]).is_public = False
        db.session.commit()
    result = _result(_upload(anonymous, original).get_data(as_text=True))
    assert "Underskrifterna är giltiga" in result
    assert "Filen är identisk med ett protokoll som finns i arkivet." in result
    assert "/record" not in result and "Kulturnämnden" not in result
    dan = make_client()
    login(dan, DAN)
    result = _result(_upload(dan, original).get_data(as_text=True))
    assert "Filen är det arkiverade signerade originalet av" in result
    assert f'<a href="/meetings/{ids["meeting"]}/record">' in result

    # flask verify-pdf: exit code 0, valid, and the archive entry.
    path = tmp_path / "original.pdf"
    path.write_bytes(original)
    code, output = _cli(app, path)
    assert code == 0, output
    assert "valid: yes" in output
    assert output.count("intact: yes") == 3 and output.count("trusted: yes") == 3
    assert "archive: the signed original of" in output and "2025-03-14, version 1" in output
    # Several files at once: each checked and named; one that fails makes the exit code 1.
    other = tmp_path / "not-a-pdf.pdf"
    other.write_bytes(b"Protokoll\n")
    result = app.test_cli_runner().invoke(args=["verify-pdf", str(path), str(other)])
    assert result.exit_code == 1, result.output
    assert f"{path}:\n" in result.output and "valid: yes" in result.output
    assert f"Error: {other}: Filen är inte en PDF." in result.output


def test_a_tampered_copy_is_not_valid(app, factory, client, tmp_path, smtp_server):
    broken = tampered(_signed_original(app, factory))
    response = _upload(client, broken)
    assert response.status_code == 200
    result = _result(response.get_data(as_text=True))
    assert "Filen klarar inte kontrollen" in result
    assert "Underskrifterna är giltiga" not in result
    # Every signature is shown as no longer matching the file.
    altered = "Det signerade innehållet har ändrats: underskriften stämmer inte längre med filen."
    assert result.count(altered) == 3
    assert (
        len(re.findall(r"<td>NEJ</td>\s*<td>[^<]*</td>\s*<td>" + re.escape(altered), result)) == 3
    )
    assert "Filen är inte identisk med något protokoll i arkivet." in result

    path = tmp_path / "tampered.pdf"
    path.write_bytes(broken)
    code, output = _cli(app, path)
    assert code == 1, output
    assert "valid: NO" in output and output.count("intact: NO") == 3
    assert "archive: not an archived record" in output


def test_a_file_that_is_not_a_pdf_gets_a_clear_answer(app, client):
    response = _upload(client, "Protokoll Kulturnämnden\n".encode(), filename="protokoll.pdf")
    # A result, not a form error: the file was read and found not to be a PDF.
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Filen är inte en PDF." in page
    assert "Underskrifterna är giltiga" not in page
    assert 'type="file"' in page and 'name="file"' in page  # the form, to try again


def test_nothing_uploaded_is_a_field_error(app, client):
    response = _upload(client, None)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Välj PDF-filen som ska kontrolleras." in page
    assert "Rätta felen som är markerade nedan." in page
    assert _result(page) == ""
