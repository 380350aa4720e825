"""Verification anyone can run: are the signatures of this PDF intact and trusted, and is it
the archived record? Used by ``flask verify-pdf`` and the public "Verifiera protokoll" page."""

from dataclasses import dataclass

from sqlalchemy import or_, select

from app.core.dates import local_stamp
from app.extensions import db
from app.justering.models import RecordRevision
from app.signing.verify import SignatureReport, VerificationReport, verify_pdf


@dataclass
class VerifyResult:
    report: VerificationReport
    # The record revision whose signed original (or public copy) this file is, byte for byte.
    revision: RecordRevision | None = None
    is_signed_original: bool = False

    @property
    def is_public_copy(self) -> bool:
        """The archived public copy: unsigned by design, genuine by its sha256."""
        return self.revision is not None and not self.is_signed_original

    @property
    def is_genuine(self) -> bool:
        return self.report.valid or self.is_public_copy

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
        lines.append(f"valid: {'yes' if self.report.valid else 'NO'}")
        if self.is_public_copy and not self.report.valid:
            lines.append("(the public copy carries no signatures; it is genuine by its sha256)")
        if self.revision is None:
            lines.append("archive: not an archived record")
        else:
            meeting = self.revision.meeting
            kind = "signed original" if self.is_signed_original else "public copy"
            lines.append(
                f"archive: the {kind} of {meeting.heading} {meeting.meeting_date.isoformat()}"
                f", version {self.revision.number}"
            )
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
    return VerifyResult(
        report=report,
        revision=revision,
        is_signed_original=revision is not None and revision.signed_pdf_sha256 == report.sha256,
    )
