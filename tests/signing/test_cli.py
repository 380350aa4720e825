"""flask signing init-dev and issue-personal: keys made once, kept, replaced only on request."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from app.signing.backends import LocalPkcs12Backend, signing_configured
from app.signing.settings import signing_settings
from tests.signing.conftest import ELIN, JOHANNA, PASSWORD


@pytest.fixture
def signing_dir(app, monkeypatch, tmp_path):
    folder = tmp_path / "signing"
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(folder))
    return folder


def organisation_of(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value


def test_init_dev_creates_the_ca_and_the_seal_once(app, signing_dir):
    runner = app.test_cli_runner()
    with app.app_context():
        assert not signing_configured()

    result = runner.invoke(args=["signing", "init-dev", "--organisation", "Region Västmanland"])
    assert result.exit_code == 0, result.output
    assert "Created" in result.output and str(signing_dir / "seal.p12") in result.output
    ca = x509.load_pem_x509_certificate((signing_dir / "ca.pem").read_bytes())
    key, seal, chain = pkcs12.load_key_and_certificates(
        (signing_dir / "seal.p12").read_bytes(), PASSWORD.encode()
    )
    assert key is not None and seal is not None
    assert organisation_of(seal) == organisation_of(ca) == "Region Västmanland"
    assert seal.issuer == ca.subject and chain == [ca]
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert "sigill" in seal.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    with app.app_context():
        assert signing_configured()
        settings = signing_settings()
        assert settings.pkcs12 == signing_dir / "seal.p12"
        assert settings.trust_roots == (signing_dir / "ca.pem",)
    before = {p.name: p.read_bytes() for p in signing_dir.iterdir() if p.is_file()}

    again = runner.invoke(args=["signing", "init-dev"])
    assert again.exit_code == 0, again.output
    assert "Kept" in again.output and str(signing_dir / "ca.pem") in again.output
    assert {p.name: p.read_bytes() for p in signing_dir.iterdir() if p.is_file()} == before

    forced = runner.invoke(args=["signing", "init-dev", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (signing_dir / "ca.pem").read_bytes() != before["ca.pem"]
    assert (signing_dir / "seal.p12").read_bytes() != before["seal.p12"]


def test_issue_personal_gives_a_certificate_the_backend_uses(app, signing_dir):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["signing", "init-dev"]).exit_code == 0
    result = runner.invoke(
        args=[
            "signing",
            "issue-personal",
            "--name",
            JOHANNA.name,
            "--email",
            "Johanna.Odo@example.se",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (signing_dir / "personal" / "johanna.odo@example.se.p12").is_file()

    with app.app_context():
        backend = LocalPkcs12Backend.from_settings()
        personal = backend.signer_for(JOHANNA).signing_cert
        seal = backend.signer_for(ELIN).signing_cert
    assert personal.subject.native["common_name"] == "Johanna Odö"
    assert personal.subject.native["email_address"] == "Johanna.Odo@example.se"
    assert "sigill" in seal.subject.native["common_name"]


def test_commands_need_a_password(app, signing_dir, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", None)
    result = app.test_cli_runner().invoke(args=["signing", "init-dev"])
    assert result.exit_code != 0
    assert "SIGNING_PKCS12_PASSWORD" in result.output
    assert not signing_dir.exists()


def test_init_dev_works_as_make_run_calls_it(tmp_path):
    """`make run` calls `flask signing init-dev` with no FLASK_DEBUG: the development
    configuration decides that development keys may be made, not that variable."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLASK_DEBUG", "SEKRETARIAT_CONFIG", "SIGNING_PKCS12_PASSWORD"}
    }
    env.update(
        FLASK_APP="app:create_app",
        SIGNING_DIR=str(tmp_path / "signing"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "signing", "init-dev"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "signing" / "seal.p12").is_file()


def test_init_dev_is_refused_outside_development(app, signing_dir, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_DEV_KEYS_ALLOWED", False)
    result = app.test_cli_runner().invoke(args=["signing", "init-dev"])
    assert result.exit_code != 0
    assert "production uses SIGNING_PKCS12" in result.output
    assert not signing_dir.exists()
