"""SIGNING_TSA_URL: signatures get an RFC 3161 timestamp (PAdES B-T) from the configured server.

The server is a real HTTP timestamp service on loopback, answering with pyHanko's own TSA
implementation and a TSA certificate from the development CA.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.sign.timestamps import DummyTimeStamper

from app.signing import keys
from app.signing.errors import SigningError
from app.signing.pdf import SignatureSlot, add_signature_fields, sign_pdf
from app.signing.verify import verify_pdf
from tests.signing.conftest import JOHANNA, PASSWORD, pdfsig

TSA_TIME = datetime(2026, 3, 17, 13, 6, 30, tzinfo=UTC)


class TsaServer(ThreadingHTTPServer):
    tsa: DummyTimeStamper
    requests: int = 0


class TsaHandler(BaseHTTPRequestHandler):
    server: TsaServer

    def do_POST(self) -> None:
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests += 1
        body = self.server.tsa.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


def asn1(issued: keys.Issued) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    cert = asn1_x509.Certificate.load(issued.cert.public_bytes(Encoding.DER))
    key = issued.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return cert, asn1_keys.PrivateKeyInfo.load(key)


@pytest.fixture(scope="module")
def tsa_url(pki) -> Iterator[str]:
    ca = keys.load_ca(pki.dev.folder, PASSWORD)
    issued = keys.issue_certificate(
        ca, "Sekretariat test-TSA", organisation="Sekretariat (utveckling)", timestamping=True
    )
    cert, key = asn1(issued)
    server = TsaServer(("127.0.0.1", 0), TsaHandler)
    server.tsa = DummyTimeStamper(cert, key, fixed_dt=TSA_TIME)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def field_pdf(app) -> bytes:
    from app.documents.render import render_pdf

    with app.app_context():
        pdf = render_pdf("<h1>Protokoll</h1>")
    return add_signature_fields(pdf, [SignatureSlot("justerare", 0, (60, 60, 260, 110))])


def test_signatures_are_timestamped_when_a_server_is_configured(
    app, pki, tsa_url, field_pdf, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa_url)
    with app.app_context():
        signed = sign_pdf(
            field_pdf,
            field="justerare",
            signatory=JOHANNA,
            backend=pki.backend(),
            reason="Justering",
        )
    report = verify_pdf(signed, trust_roots=[pki.dev.ca_cert])

    (check,) = report.signatures
    assert check.timestamped and check.intact and check.trusted
    assert check.signed_at == TSA_TIME  # the timestamp's time, not the signer's own claim
    assert report.valid


def test_without_a_server_there_is_no_timestamp(app, pki, field_pdf):
    with app.app_context():
        assert app.config["SIGNING_TSA_URL"] is None
        signed = sign_pdf(
            field_pdf,
            field="justerare",
            signatory=JOHANNA,
            backend=pki.backend(),
            reason="Justering",
        )
    (check,) = verify_pdf(signed, trust_roots=[pki.dev.ca_cert]).signatures
    assert not check.timestamped and check.signed_at != TSA_TIME


def test_an_untrusted_timestamp_makes_the_signature_doubtful(
    app, pki, tsa_url, field_pdf, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa_url)
    with app.app_context():
        signed = sign_pdf(
            field_pdf,
            field="justerare",
            signatory=JOHANNA,
            backend=pki.backend(),
            reason="Justering",
        )
    # Trust Johanna's certificate itself, but not the CA that issued the TSA's.
    personal = pki.backend().signer_for(JOHANNA).signing_cert
    (check,) = verify_pdf(signed, trust_roots=[personal]).signatures
    assert check.intact and check.trusted and not check.timestamped
    assert check.problem and not check.ok


def test_a_silent_server_leaves_the_document_unsigned(app, pki, field_pdf, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", "http://127.0.0.1:9/")  # discard port
    with app.app_context(), pytest.raises(SigningError):
        sign_pdf(field_pdf, field="justerare", signatory=JOHANNA, backend=pki.backend(), reason="x")


def test_pdfsig_accepts_the_timestamped_signature(
    app, pki, tsa_url, field_pdf, nss_db, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa_url)
    with app.app_context():
        signed = sign_pdf(
            field_pdf,
            field="justerare",
            signatory=JOHANNA,
            backend=pki.backend(),
            reason="Justering",
        )
    output = pdfsig(signed, tmp_path, nss_db)
    assert "Signature is Valid." in output and "Certificate is Trusted." in output, output
