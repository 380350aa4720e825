"""Verification anyone can run: are the signatures of this PDF intact and trusted, and is it
the archived record? Used by ``flask verify-pdf`` and the public "Verifiera protokoll" page.

A file that is not byte for byte an archived record may still carry an archived record's
signatures (the signed original cut short, or with something added): it is recognised by
them, and its signatories are compared with those the archive expects (the justering round's
signoffs), naming who is missing and who should not be there."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core.dates import local_stamp
from app.documents.storage import StorageError, read_bytes
from app.extensions import db
from app.justering.models import (
    JusteringRound,
    RecordRevision,
    RoundStatus,
    Signoff,
    SignoffRole,
    SignoffStatus,
)
from app.signing.verify import SignatureReport, VerificationReport, verify_pdf

log = logging.getLogger(__name__)

# How far apart a signature's time and the archive's record of it may be (a timestamp server,
# a slow signing) for the file to be looked up as that record's.
MATCH_WINDOW = timedelta(hours=1)
# At most this many archived originals are read to recognise one file.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class ExpectedSignatory:
    field: str
    name: str
    role: str  # as the document prints it: Sekreterare, Ordförande, Justerare

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass
class VerifyResult:
    report: VerificationReport
    # The record revision whose signed original (or public copy) this file is, byte for byte.
    revision: RecordRevision | None = None
    is_signed_original: bool = False
    # Not the archived file, but it carries the signatures of this archived record.
    related: RecordRevision | None = None
    # ... and is its signed original cut short (the later signatures cut off the end).
    cut_short: bool = False
    # The related record's signatories missing from the file, and signatures that are not
    # the ones the archive expects ("Name (in field x)").
    missing: list[ExpectedSignatory] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def is_public_copy(self) -> bool:
        """The archived public copy: unsigned by design, genuine by its sha256."""
        return self.revision is not None and not self.is_signed_original

    @property
    def valid(self) -> bool:
        """Every signature intact, trusted and unaltered; every signature field signed; and,
        for a file carrying an archived record's signatures, exactly the ones expected."""
        return self.report.valid_and_complete and not self.missing and not self.unexpected

    @property
    def is_genuine(self) -> bool:
        return self.valid or self.is_public_copy

    @property
    def not_justerat(self) -> bool:
        """A signature field is empty, or the archive expects signatures the file lacks."""
        return bool(self.report.signatures) and (not self.report.complete or bool(self.missing))

    def as_text(self) -> str:
        lines = [f"sha256: {self.report.sha256}"]
        if self.report.error:
            lines.append(str(self.report.error))
        for check in self.report.signatures:
            signer = signer_of(check)
            lines.append(
                f"- {check.field}: {signer}, {local_stamp(check.signed_at)}"
                if check.signed_at
                else f"- {check.field}: {signer}"
            )
            lines.append(f"  intact: {'yes' if check.intact else 'NO'}")
            lines.append(f"  trusted: {'yes' if check.trusted else 'NO'}")
            lines.append(f"  {check.modification}")
        if self.report.unsigned_fields:
            lines.append(f"unsigned fields: {', '.join(self.report.unsigned_fields)}")
        if self.not_justerat:
            lines.append("NOT JUSTERAT: not every signature the protokoll needs is in the file")
        lines.append(f"valid: {'yes' if self.valid else 'NO'}")
        if self.is_public_copy and not self.valid:
            lines.append("(the public copy carries no signatures; it is genuine by its sha256)")
        if self.related is not None:
            meeting = self.related.meeting
            relation = (
                "the signed original cut short"
                if self.cut_short
                else "not identical to the signed original, but carries its signatures"
            )
            lines.append(f"archive: {relation} of {meeting.title}, version {self.related.number}")
            for signatory in self.missing:
                lines.append(f"missing signature: {signatory} in field {signatory.field}")
            for signature in self.unexpected:
                lines.append(f"unexpected signature: {signature}")
        elif self.revision is None:
            lines.append("archive: not an archived record")
        else:
            meeting = self.revision.meeting
            kind = "signed original" if self.is_signed_original else "public copy"
            lines.append(f"archive: the {kind} of {meeting.title}, version {self.revision.number}")
        return "\n".join(lines)


def signer_of(check: SignatureReport) -> str:
    """Who signed: the certificate's holder, and the person a seal signed for."""
    if check.signatory_name and check.signatory_name != check.signer_name:
        return f"{check.signer_name} ({check.signatory_name})"
    return check.signer_name


def archived_revision(sha256: str) -> RecordRevision | None:
    return db.session.scalar(
        select(RecordRevision).where(
            or_(
                RecordRevision.signed_pdf_sha256 == sha256,
                RecordRevision.public_pdf_sha256 == sha256,
            ),
            RecordRevision.justered_at.is_not(None),
        )
    )


def verify_upload(data: bytes) -> VerifyResult:
    report = verify_pdf(data)
    revision = archived_revision(report.sha256)
    result = VerifyResult(
        report=report,
        revision=revision,
        is_signed_original=revision is not None and revision.signed_pdf_sha256 == report.sha256,
    )
    if revision is None and report.signatures:
        related = related_revision(data, report)
        if related is not None:
            original = read_bytes(related.signed_pdf_sha256)
            result.related = related
            result.cut_short = len(data) < len(original) and original.startswith(data)
            result.missing, result.unexpected = compare_signatories(
                report, expected_signatories(related)
            )
    return result


def related_revision(data: bytes, report: VerificationReport) -> RecordRevision | None:
    """The justerat record whose signed original begins as this file does, up to the end of
    the file's first signature: the same signed document, cut short or added to since.

    Looked up by the time of each signature (a signoff of a completed round decided then, or
    a revision justerat then), and confirmed on the bytes."""
    times = [check.signed_at for check in report.signatures if check.signed_at is not None]
    first = report.signatures[0]
    if not times or not first.signed_length or first.signed_length > len(data):
        return None
    by_signoff = [
        (Signoff.decided_at.between(at - MATCH_WINDOW, at + MATCH_WINDOW)) for at in times
    ]
    by_revision = [
        (RecordRevision.justered_at.between(at - MATCH_WINDOW, at + MATCH_WINDOW)) for at in times
    ]
    candidates = list(
        db.session.scalars(
            select(RecordRevision)
            .where(
                RecordRevision.justered_at.is_not(None),
                RecordRevision.signed_pdf_sha256.is_not(None),
                or_(
                    *by_revision,
                    RecordRevision.id.in_(
                        select(JusteringRound.revision_id)
                        .join(Signoff, Signoff.round_id == JusteringRound.id)
                        .where(
                            JusteringRound.status == RoundStatus.COMPLETED,
                            Signoff.status == SignoffStatus.APPROVED,
                            or_(*by_signoff),
                        )
                    ),
                ),
            )
            .order_by(RecordRevision.id.desc())
            .limit(MAX_CANDIDATES)
        )
    )
    prefix = data[: first.signed_length]
    for candidate in candidates:
        try:
            original = read_bytes(candidate.signed_pdf_sha256)
        except StorageError:
            log.error("archived original of revision %s is missing", candidate.id)
            continue
        if original.startswith(prefix):
            return candidate
    return None


def expected_signatories(revision: RecordRevision) -> list[ExpectedSignatory]:
    """Who signed the archived record, field by field: the completed round's signoffs (minutes
    have none: the meeting's secretary signs them alone)."""
    completed = [r for r in revision.rounds if r.status == RoundStatus.COMPLETED]
    if completed:
        return [
            ExpectedSignatory(s.field_name, s.person.name, s.role.printed)
            for s in completed[-1].signoffs
        ]
    secretary = revision.meeting.secretary
    if secretary is None:
        return []
    return [ExpectedSignatory("sekreterare", secretary.name, SignoffRole.SECRETARY.printed)]


def compare_signatories(
    report: VerificationReport, expected: list[ExpectedSignatory]
) -> tuple[list[ExpectedSignatory], list[str]]:
    """The expected signatories the file lacks, and the file's signatures the archive does
    not expect (another person in a field, or a field it does not know)."""
    signed = {check.field: check for check in report.signatures}
    known = {signatory.field: signatory for signatory in expected}
    missing = [signatory for signatory in expected if signatory.field not in signed]
    unexpected = [
        _("%(name)s (in the field %(field)s)", name=check.person_name, field=check.field)
        for check in report.signatures
        if check.field not in known or known[check.field].name != check.person_name
    ]
    return missing, unexpected
