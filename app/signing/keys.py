"""Keys and certificates for signing: a development CA, the organisation's seal, personal keys.

Nothing here is for production trust. A real deployment gets its seal certificate (and any
personal certificates) from a CA the readers already trust, and points ``SIGNING_PKCS12`` at
it; this module lets development, the demo and the tests sign without one:

- a root CA, ``ca.pem`` (its key, encrypted with the password, in ``ca-key.pem``),
- the organisation's seal, ``seal.p12``, issued by that CA,
- personal certificates, ``personal/<email>.p12``, issued by the same CA on demand.

Keys are RSA 2048 with SHA-256: what both pyHanko and poppler's ``pdfsig`` (through NSS)
accept everywhere. (An EC key would also make pyHanko declare the ISO 32002 extension, based on
PDF 2.0, in a PDF/A-3 file.) Signing certificates carry digitalSignature and nonRepudiation
and no extended key usage, so NSS accepts them as document signers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SEAL = "seal.p12"
PERSONAL = "personal"

DEFAULT_ORGANISATION = "Sekretariat (utveckling)"
CA_NAME = "Sekretariat utvecklings-CA (endast för test)"
SEAL_NAME = "Sekretariat demo – organisationens sigill"

CA_YEARS = 10
CERT_YEARS = 3


class KeyMaterialError(Exception):
    """Key material could not be created or read."""


@dataclass(frozen=True)
class DevSigning:
    """Where the development CA and seal live, and whether this call created them."""

    folder: Path
    ca_cert: Path
    ca_key: Path
    seal: Path
    created: bool

    @property
    def personal_dir(self) -> Path:
        return self.folder / PERSONAL


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def _password(password: str | bytes) -> bytes:
    value = password.encode() if isinstance(password, str) else password
    if not value:
        raise KeyMaterialError("a password is needed to protect the keys (SIGNING_PKCS12_PASSWORD)")
    return value


def _name(common_name: str, organisation: str, email: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attributes)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _validity(years: int) -> tuple[dt.datetime, dt.datetime]:
    # Backdated a little so a clock that lags behind does not see a certificate from the future.
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    return start, start + dt.timedelta(days=365 * years)


def make_root_ca(organisation: str = DEFAULT_ORGANISATION, common_name: str = CA_NAME) -> Issued:
    """A self-signed root CA certificate and key."""
    key = _new_key()
    name = _name(common_name, organisation)
    not_before, not_after = _validity(CA_YEARS)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def issue_certificate(
    ca: Issued,
    common_name: str,
    *,
    organisation: str,
    email: str | None = None,
    timestamping: bool = False,
) -> Issued:
    """A certificate issued by ``ca``: for signing documents, or with ``timestamping`` for a TSA.

    Signing certificates have digitalSignature and nonRepudiation (pyHanko requires the latter
    by default, NSS accepts either); a TSA certificate has the critical timeStamping extended
    key usage RFC 3161 requires.
    """
    key = _new_key()
    not_before, not_after = _validity(CERT_YEARS)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation, email))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(not_after, ca.cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not timestamping,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    if timestamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def pkcs12_bytes(issued: Issued, ca_cert: x509.Certificate, password: str | bytes) -> bytes:
    """``issued`` as PKCS#12 with the CA certificate, so a signature can carry its chain."""
    return pkcs12.serialize_key_and_certificates(
        name=issued.cert.subject.rfc4514_string().encode(),
        key=issued.key,
        cert=issued.cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(_password(password)),
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (keys, and files holding keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(data)


def init_dev_signing(
    folder: str | Path,
    *,
    password: str | bytes,
    organisation: str = DEFAULT_ORGANISATION,
    force: bool = False,
) -> DevSigning:
    """Create the development CA and the organisation's seal in ``folder``.

    When all three files exist they are kept (``created`` is then False); otherwise, or with
    ``force``, all are made anew, and signatures made with the old ones are no longer trusted.
    """
    folder = Path(folder)
    files = DevSigning(folder, folder / CA_CERT, folder / CA_KEY, folder / SEAL, created=False)
    if not force and all(p.exists() for p in (files.ca_cert, files.ca_key, files.seal)):
        return files
    secret = _password(password)
    ca = make_root_ca(organisation)
    seal = issue_certificate(ca, SEAL_NAME, organisation=organisation)
    folder.mkdir(parents=True, exist_ok=True)
    files.ca_cert.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    _write_private(
        files.ca_key,
        ca.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        ),
    )
    _write_private(files.seal, pkcs12_bytes(seal, ca.cert, secret))
    return DevSigning(files.folder, files.ca_cert, files.ca_key, files.seal, created=True)


def load_ca(folder: str | Path, password: str | bytes) -> Issued:
    """The development CA in ``folder`` (made by init_dev_signing), to issue more certificates."""
    folder = Path(folder)
    try:
        cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key(
            (folder / CA_KEY).read_bytes(), password=_password(password)
        )
    except (OSError, ValueError, TypeError) as error:
        raise KeyMaterialError(f"no usable development CA in {folder}: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyMaterialError(f"the CA key in {folder} is not an RSA key")
    return Issued(cert, key)


def personal_pkcs12_path(personal_dir: str | Path, email: str) -> Path:
    """Where a person's certificate lives: ``<personal_dir>/<email>.p12`` (email in lower case)."""
    name = email.strip().lower()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise KeyMaterialError(f"not a usable email address for a file name: {email!r}")
    return Path(personal_dir) / f"{name}.p12"


def issue_personal_certificate(
    ca: Issued,
    personal_dir: str | Path,
    *,
    name: str,
    email: str,
    password: str | bytes,
    organisation: str = DEFAULT_ORGANISATION,
) -> Path:
    """Issue ``name``'s personal signing certificate into ``<personal_dir>/<email>.p12``."""
    target = personal_pkcs12_path(personal_dir, email)
    issued = issue_certificate(ca, name, organisation=organisation, email=email.strip())
    _write_private(target, pkcs12_bytes(issued, ca.cert, password))
    return target
