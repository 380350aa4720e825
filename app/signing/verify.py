"""Verification of a signed PDF with pyHanko: is each signature intact, trusted, unaltered?

``verify_pdf`` never raises for a bad file: what is wrong with it is in the report, as a
sentence for the reader. It checks every signature (document timestamps, which PAdES B-LTA
adds, are not listed) against the given trust roots, or the configured SIGNING_TRUST_ROOTS.
Revocation is not looked up online: the development CA publishes none, and a signature made
with revocation data embedded (PAdES B-LT) carries its own.

The report carries the file's sha256, so the caller can tell whether it is an archived file.
It names the signature fields nobody has signed (``unsigned_fields``, ``valid_and_complete``):
a protokoll with one left empty is not justerat, however intact its other signatures (a
justerare's signature cut off the end of the file leaves her field empty and the rest whole).
A change to the document's properties (/Info: its title, author...; the XMP title) after a
signature is reported as a change, although pyHanko's difference analysis lets it pass as
metadata bookkeeping.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from io import BytesIO
from typing import TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask import has_app_context
from flask_babel import gettext as _
from pyhanko.keys import load_certs_from_pemder, load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.signing.settings import signing_settings

log = logging.getLogger(__name__)

# pyHanko logs every certificate it cannot trust as a warning with a traceback; the report
# says it in a sentence, so a rejected file prints no traceback (``flask verify-pdf``) and
# an upload fills no log.
for _noisy in ("pyhanko.sign.validation", "pyhanko.sign.diff_analysis", "pyhanko_certvalidator"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

#: Entries of /Info that software updates when it saves a file (pyHanko names itself in
#: /Producer at every incremental update, signatures included): not a change to the document.
BOOKKEEPING_INFO = frozenset({"/Producer", "/ModDate"})

#: A trust root: a PEM or DER file, its bytes, or a certificate object.
TrustRoot: TypeAlias = str | os.PathLike | bytes | asn1_x509.Certificate | pyca_x509.Certificate

#: Seals often carry nonRepudiation only, personal signing certificates digitalSignature too;
#: either makes a certificate fit for signing documents (pyHanko's default demands the first).
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


class Changes(StrEnum):
    """What happened to the file after a signature was made."""

    NONE = "none"  # the signature covers the whole file
    ALLOWED = "allowed"  # later signatures, form filling, validation data
    DISALLOWED = "disallowed"  # anything else: the signed document was altered
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer_name: str  # the certificate's common name (a person, or the organisation's seal)
    signed_at: datetime | None  # the timestamp's time if there is one, else the signer's claim
    intact: bool  # the signed bytes are unchanged (digest and signature match)
    trusted: bool  # the certificate chains to a trust root
    timestamped: bool  # an RFC 3161 timestamp, intact and trusted
    changes: Changes
    modification: str  # ``changes`` as a sentence for the reader
    signatory_name: str | None = None  # the /Name the signature was made for, if given
    problem: str | None = None  # why this signature could not be fully checked
    signed_length: int | None = None  # the signature covers the file's first bytes up to this

    @property
    def person_name(self) -> str:
        """Whom the signature is for: the /Name a seal signed for, else the holder."""
        return self.signatory_name or self.signer_name

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.trusted
            and self.changes in (Changes.NONE, Changes.ALLOWED)
            and self.problem is None
        )


@dataclass(frozen=True)
class VerificationReport:
    sha256: str
    signatures: tuple[SignatureReport, ...] = ()
    error: str | None = None  # why the file as a whole could not be checked
    # Signature fields nobody has signed (a protokoll with one is not justerat).
    unsigned_fields: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every signature field of the file is signed."""
        return not self.unsigned_fields

    @property
    def valid(self) -> bool:
        """At least one signature, and every one intact, trusted and not altered after.

        Says nothing of fields still empty (a protokoll part-way through justering is valid
        so far): a finished document is ``valid and complete``."""
        return self.error is None and bool(self.signatures) and all(s.ok for s in self.signatures)

    @property
    def valid_and_complete(self) -> bool:
        """Valid, and every signature field of the file signed: nothing is missing."""
        return self.valid and self.complete


def verify_pdf(data: bytes, *, trust_roots: list[TrustRoot] | None = None) -> VerificationReport:
    """Check every signature of ``data``. Trust roots default to SIGNING_TRUST_ROOTS."""
    sha256 = hashlib.sha256(data).hexdigest()
    if b"%PDF-" not in data[:1024]:
        return VerificationReport(sha256, error=_("The file is not a PDF."))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return VerificationReport(
                sha256, error=_("The PDF is encrypted; its signatures cannot be checked.")
            )
        embedded = list(reader.embedded_regular_signatures)
        unsigned = tuple(
            str(name) for name, _value, _ref in enumerate_sig_fields(reader, filled_status=False)
        )
    except Exception as error:  # pyHanko raises many kinds for damaged files
        log.info("Unreadable PDF %s: %s", sha256, error)
        return VerificationReport(
            sha256, error=_("The PDF could not be read; the file may be damaged.")
        )
    if not embedded:
        return VerificationReport(sha256, error=_("The PDF has no signatures."))
    roots = _load_roots(trust_roots)
    return VerificationReport(
        sha256,
        tuple(_check(reader, signature, roots) for signature in embedded),
        unsigned_fields=unsigned,
    )


def _check(
    reader: PdfFileReader, embedded: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]
) -> SignatureReport:
    field = str(embedded.field_name)
    try:
        # A context per signature: pyHanko releases it after each validation.
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=context,
            key_usage_settings=SIGNING_KEY_USAGE,
        )
    except Exception as error:
        log.info("Signature %s could not be validated: %s", field, error)
        return SignatureReport(
            field=field,
            signer_name=_signer_name(embedded),
            signed_at=None,
            intact=False,
            trusted=False,
            timestamped=False,
            changes=Changes.UNKNOWN,
            modification=_describe(Changes.UNKNOWN, None),
            signatory_name=_claimed_name(embedded),
            problem=_("The signature could not be checked: it is damaged or of an unknown kind."),
        )
    token = status.timestamp_validity
    timestamped = token is not None and token.intact and token.valid and token.trusted
    intact = status.intact and status.valid
    changes = _changes(status) if intact else Changes.DISALLOWED
    if intact:
        modification = _describe(changes, status.modification_level)
        changed_properties = (
            _changed_properties(reader, embedded) if changes == Changes.ALLOWED else []
        )
        if changed_properties:
            changes = Changes.DISALLOWED
            modification = _(
                "After signing, the document's properties were changed (%(names)s): the file "
                "is not as it was signed.",
                names=", ".join(changed_properties),
            )
    else:
        modification = _(
            "The signed content was altered: the signature no longer matches the file."
        )
    return SignatureReport(
        field=field,
        signer_name=_common_name(status.signing_cert),
        signed_at=token.timestamp if token is not None else status.signer_reported_dt,
        intact=intact,
        trusted=status.trusted,
        timestamped=timestamped,
        changes=changes,
        modification=modification,
        signatory_name=_claimed_name(embedded),
        signed_length=_signed_length(embedded),
        problem=(
            _("The signature's timestamp could not be verified.")
            if token is not None and not timestamped
            else None
        ),
    )


def _changes(status: PdfSignatureStatus) -> Changes:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Changes.NONE
    level = status.modification_level
    if status.docmdp_ok is False or level in (
        ModificationLevel.ANNOTATIONS,
        ModificationLevel.OTHER,
    ):
        return Changes.DISALLOWED
    if level is None or status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return Changes.UNKNOWN
    return Changes.ALLOWED


def _describe(changes: Changes, level: ModificationLevel | None) -> str:
    if changes == Changes.NONE:
        return _("The signature covers the whole file: nothing was changed after signing.")
    if changes == Changes.DISALLOWED:
        return _("The file was changed after signing in a way that is not allowed.")
    if changes == Changes.UNKNOWN:
        return _("Whether the file was changed after signing could not be determined.")
    if level == ModificationLevel.FORM_FILLING:
        return _("After signing, only further signatures were added, which is allowed.")
    if level == ModificationLevel.NONE:
        return _("After signing, the file was saved again without changes, which is allowed.")
    return _("After signing, only validation data or timestamps were added, which is allowed.")


def _changed_properties(reader: PdfFileReader, embedded: EmbeddedPdfSignature) -> list[str]:
    """The document properties (/Info entries, the XMP metadata) that differ between the
    revision the signature covers and the file as it is now, by name."""
    try:
        signed = _properties(reader.get_historical_resolver(embedded.signed_revision))
        now = _properties(reader)
    except Exception as error:  # a damaged /Info: the file is not as it was signed
        log.info("Document properties could not be compared: %s", error)
        return ["/Info"]
    return sorted(
        name.lstrip("/") for name in signed.keys() | now.keys() if signed.get(name) != now.get(name)
    )


def _properties(handler: PdfHandler) -> dict[str, str]:
    """The document's properties as a reader sees them: /Info's entries (but bookkeeping) and
    the title, author, subject and keywords of its XMP metadata. Resolved in ``handler``'s
    revision."""
    found: dict[str, str] = {}
    info = _resolved(handler, handler.trailer_view, "/Info")
    if isinstance(info, generic.DictionaryObject):
        for name in info:
            if str(name) not in BOOKKEEPING_INFO:
                found[str(name)] = str(_resolved(handler, info, name))
    metadata = _resolved(handler, handler.root, "/Metadata")
    if isinstance(metadata, generic.StreamObject):
        xmp = metadata.data.decode("utf-8", errors="replace")
        for name, pattern in XMP_PROPERTIES.items():
            values = [_text(match) for match in pattern.findall(xmp)]
            if values:
                found[name] = " | ".join(values)
    return found


def _resolved(handler: PdfHandler, container: generic.DictionaryObject, key: str) -> object:
    """``container[key]`` as stored in ``handler``'s revision (None if absent)."""
    if key not in container:
        return None
    value = container.raw_get(key)
    if isinstance(value, generic.IndirectObject):
        return handler.get_object(value.reference)
    return value


#: What XMP says of the document (as elements, or pdf:Keywords as an attribute); its dates and
#: producer are rewritten by every save and are left out.
XMP_PROPERTIES = {
    f"XMP {name}": re.compile(
        rf"<{prefix}:{name}\b[^>]*>(.*?)</{prefix}:{name}>|\b{prefix}:{name}=\"([^\"]*)\"",
        re.DOTALL,
    )
    for prefix, name in (
        ("dc", "title"),
        ("dc", "creator"),
        ("dc", "description"),
        ("dc", "subject"),
        ("pdf", "Keywords"),
    )
}


def _text(match: tuple[str, str]) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", match[0] or match[1]).split())


def _common_name(cert: asn1_x509.Certificate) -> str:
    names = cert.subject.native
    return str(names.get("common_name") or cert.subject.human_friendly)


def _signer_name(embedded: EmbeddedPdfSignature) -> str:
    try:
        return _common_name(embedded.signer_cert)
    except Exception:
        return ""


def _signed_length(embedded: EmbeddedPdfSignature) -> int | None:
    try:
        start, _length, after, rest = (int(n) for n in embedded.byte_range)
    except Exception:
        return None
    return after + rest if start == 0 else None


def _claimed_name(embedded: EmbeddedPdfSignature) -> str | None:
    name = embedded.sig_object.get("/Name")
    return str(name) if name else None


def _load_roots(trust_roots: list[TrustRoot] | None) -> list[asn1_x509.Certificate]:
    if trust_roots is None:
        trust_roots = list(signing_settings().trust_roots) if has_app_context() else []
    roots: list[asn1_x509.Certificate] = []
    for root in trust_roots:
        try:
            roots.extend(_certificates(root))
        except (OSError, ValueError) as error:
            # A root that cannot be read trusts nothing, and the report shows it.
            log.error("Trust root %r could not be read: %s", root, error)
    return roots


def _certificates(root: TrustRoot) -> list[asn1_x509.Certificate]:
    if isinstance(root, asn1_x509.Certificate):
        return [root]
    if isinstance(root, pyca_x509.Certificate):
        return [asn1_x509.Certificate.load(root.public_bytes(Encoding.DER))]
    if isinstance(root, bytes):
        return list(load_certs_from_pemder_data(root))
    return list(load_certs_from_pemder([os.fspath(root)]))
