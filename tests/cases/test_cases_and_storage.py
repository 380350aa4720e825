"""Cases follow their organisation's diarienummer format; files are stored by sha256."""

import hashlib

import pytest

from app.cases.services import register_case
from app.core.errors import DomainError
from app.documents.storage import StorageError, path_for, read_bytes, store_bytes
from app.extensions import db
from app.organisations.models import Organisation


def test_register_case_checks_the_format(app, factory):
    region_id = factory.organisation("Region Västmanland", kind="region")
    borlange_id = factory.organisation("Borlänge kommun", case_number_pattern=r"\d{4}/\d{1,6}")
    with app.test_request_context():
        region = db.session.get(Organisation, region_id)
        borlange = db.session.get(Organisation, borlange_id)
        for number in ("RV240022", "RUF240012-14", "RV240022-1.1"):
            assert register_case(None, region, number).case_number == number
        assert register_case(None, borlange, " 2020/2239 ").case_number == "2020/2239"
        with pytest.raises(DomainError, match="formatet"):
            register_case(None, borlange, "RV240022")
        with pytest.raises(DomainError):
            register_case(None, region, "RV240022")  # already registered
        db.session.rollback()


def test_storage_is_content_addressed(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path))
    with app.app_context():
        data = b"%PDF-1.7 minnesanteckningar"
        digest = store_bytes(data)
        assert digest == hashlib.sha256(data).hexdigest()
        assert store_bytes(data) == digest  # idempotent
        assert read_bytes(digest) == data
        path_for(digest).write_bytes(b"tampered")
        with pytest.raises(StorageError, match="damaged"):
            read_bytes(digest)
        with pytest.raises(StorageError):
            path_for("../../etc/passwd")
