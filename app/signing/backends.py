"""Who holds the keys: a ``SigningBackend`` gives the pyHanko ``Signer`` for a signatory.

``sign_pdf`` (app/signing/pdf.py) asks the backend for a signer and does everything else
itself: the field, the visible block, PAdES, the timestamp. The local backend reads PKCS#12
files: the person's own certificate when there is one for their email address, else the
organisation's seal.

A remote signing service plugs in here without touching the rest. Swedish e-signature
services (the DIGG-approved underskriftstjänster, BankID behind a provider) never hand out a
key: the client sends a hash, the signer authenticates, the service sends a signature back.

- If the service answers within one call, the backend returns a ``Signer`` subclass whose
  ``async_sign_raw(data, digest_algorithm)`` hashes ``data`` (the DER-encoded signed
  attributes pyHanko built), sends the hash and returns the signature bytes; its
  ``signing_cert`` and ``cert_registry`` are the certificate and chain the service signs with.
  ``sign_pdf`` is unchanged.
- If the signer must authenticate elsewhere first (a redirect, the BankID app), signing is
  interrupted, as pyHanko supports: ``PdfSigner.async_digest_doc_for_signing`` (with an
  ``ExternalSigner(signing_cert, cert_registry, signature_value=<placeholder size>)``) writes
  the document with the appearance and an empty signature and returns a
  ``PreparedByteRangeDigest`` and the output. Keep those two (bytes and digest); build the
  signed attributes with ``await signer.signed_attrs(prepared.document_digest, md_algorithm,
  use_pades=True)`` and send their hash to the service. When the signature comes back,
  ``ExternalSigner(..., signature_value=signature).async_sign_prescribed_attributes(md_algorithm,
  signed_attrs)`` gives the CMS object and ``PdfTBSDocument.finish_signing(output, prepared,
  cms)`` puts it in place. That is a second entry point beside ``sign_pdf`` (prepare, then
  finish), sharing its field and appearance code; the callers' domain code does not change.
  Services that issue a certificate per signature return the signed attributes they signed;
  those, not locally built ones, go into the CMS.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flask_babel import lazy_gettext as _l
from pyhanko.sign.signers import Signer, SimpleSigner

from app.signing.errors import SigningError
from app.signing.keys import KeyMaterialError, personal_pkcs12_path
from app.signing.settings import SigningSettings, signing_settings

if TYPE_CHECKING:
    from app.signing.pdf import Signatory

log = logging.getLogger(__name__)


class SigningBackend(Protocol):
    def signer_for(self, signatory: Signatory) -> Signer:
        """The pyHanko signer that signs on ``signatory``'s behalf; SigningError if none."""
        ...


class LocalPkcs12Backend:
    """Keys in PKCS#12 files on this server: personal certificates, else the organisation's seal.

    ``personal_dir`` holds ``<email>.p12`` files (email in lower case). ``personal_password``
    opens them; by default the seal's password.
    """

    def __init__(
        self,
        seal: str | Path | None,
        password: str | None,
        *,
        personal_dir: str | Path | None = None,
        personal_password: str | None = None,
    ) -> None:
        self.seal = Path(seal) if seal else None
        self.password = password
        self.personal_dir = Path(personal_dir) if personal_dir else None
        self.personal_password = personal_password or password

    @classmethod
    def from_settings(cls, settings: SigningSettings | None = None) -> LocalPkcs12Backend:
        """The backend the SIGNING_* settings of the current app describe."""
        settings = settings or signing_settings()
        return cls(
            settings.pkcs12,
            settings.password,
            personal_dir=settings.personal_dir,
            personal_password=settings.personal_password,
        )

    def personal_certificate(self, email: str | None) -> Path | None:
        """The PKCS#12 file of the person with this email address, if there is one."""
        if not email or self.personal_dir is None:
            return None
        try:
            path = personal_pkcs12_path(self.personal_dir, email)
        except KeyMaterialError:
            return None
        return path if path.is_file() else None

    def signer_for(self, signatory: Signatory) -> Signer:
        personal = self.personal_certificate(signatory.email)
        if personal is not None:
            return _load(personal, self.personal_password)
        if self.seal is None:
            raise SigningError(_l("No signing certificate is configured (SIGNING_PKCS12)."))
        return _load(self.seal, self.password)


def _load(path: Path, password: str | None) -> Signer:
    if not password:
        raise SigningError(_l("The password of the signing certificate is not configured."))
    try:
        signer = _opened(path.read_bytes(), password)
    except (OSError, ValueError) as error:
        log.error("Signing certificate %s could not be opened: %s", path, error)
        raise SigningError(
            _l("The signing certificate could not be opened (wrong password or damaged file).")
        ) from error
    return signer


@functools.lru_cache(maxsize=16)
def _opened(data: bytes, password: str) -> SimpleSigner:
    """The signer of a PKCS#12 file's bytes. Opening one costs 50-100 ms (its key derivation
    and parsing) and a justering signs several times with the same seal, so a process keeps
    the last few it opened, keyed by the file's bytes: a replaced file is opened anew, a wrong
    password is refused every time (a failure is not kept)."""
    return SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password.encode())


def backend_from_config() -> SigningBackend:
    """The backend the current app is configured for (today always local PKCS#12 files)."""
    return LocalPkcs12Backend.from_settings()


def signing_configured() -> bool:
    """Whether the current app can sign: an organisation seal with its password."""
    settings = signing_settings()
    return bool(settings.pkcs12 and settings.pkcs12.is_file() and settings.password)
