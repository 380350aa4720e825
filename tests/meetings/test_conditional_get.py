"""Every PDF carries a strong ETag (its sha256) and answers If-None-Match with 304; the public
copy may sit in a shared cache, what a logged-in reader gets only in her own."""

import hashlib

from app.extensions import db
from tests.members_world import ANNA, STINA


def _sha_of_link(app, link_id: int) -> str:
    from app.agenda.models import AgendaItemDocument

    with app.app_context():
        return db.session.get(AgendaItemDocument, link_id).document.sha256


def test_a_stored_document_is_served_with_its_sha256_and_revalidated(app, world, client):
    url = f"/meetings/{world['held']}/documents/{world['link_public']}"
    sha = _sha_of_link(app, world["link_public"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{sha}"'
    assert hashlib.sha256(response.data).hexdigest() == sha
    # Anonymous readers get only what is public: a shared cache may keep it, revalidating.
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"]

    again = client.get(url, headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == f'"{sha}"'

    other = client.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200
    assert other.data == response.data
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"sha" and * match too.
    assert client.get(url, headers={"If-None-Match": f'W/"{sha}"'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304


def test_a_304_is_decided_before_the_file_is_read(app, world, client, monkeypatch):
    url = f"/meetings/{world['held']}/documents/{world['link_public']}"
    sha = _sha_of_link(app, world["link_public"])
    import app.documents.storage as storage

    def refuse(_sha):
        raise AssertionError("read on a 304")

    monkeypatch.setattr(storage, "read_bytes", refuse)
    assert client.get(url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304


def test_what_a_logged_in_reader_gets_is_private(app, world, make_client, login):
    member = make_client()
    login(member, ANNA)
    url = f"/meetings/{world['held']}/documents/{world['link_internal']}"
    response = member.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    etag = response.headers["ETag"]
    assert member.get(url, headers={"If-None-Match": etag}).status_code == 304
    # The ETag never opens a door: an anonymous request with it is still refused.
    anonymous = make_client()
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_a_generated_pdf_has_the_hash_of_its_bytes_as_etag(app, world, make_client, login):
    secretary = make_client()
    login(secretary, STINA)
    url = f"/meetings/{world['held']}/record.pdf"
    response = secretary.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    sha = hashlib.sha256(response.data).hexdigest()
    assert response.headers["ETag"] == f'"{sha}"'
    assert response.headers["Cache-Control"].startswith("private")
    assert secretary.get(url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    with app.app_context():
        from app.meetings.models import Meeting

        # Rendered for the reader, not stored: a GET writes nothing.
        assert db.session.get(Meeting, world["held"]).record_pdf_sha256 is None
