"""Cases (diarieförda ärenden) and the documents they own."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from app.organisations.models import Organisation


class Case(VersionedMixin, TimestampMixin, Base):
    """A matter in an organisation's registry; it lives across bodies and meetings."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("organisation_id", "case_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str | None] = mapped_column(String(500))

    organisation: Mapped[Organisation] = relationship()
    documents: Mapped[list["Document"]] = relationship(back_populates="case")

    def __repr__(self) -> str:
        return f"<Case {self.case_number}>"


class DocumentKind(LabelledEnum):
    SUPPORTING = "beslutsunderlag"
    ATTACHMENT = "bilaga"
    MEMO = "tjansteskrivelse"
    MINUTES = "minnesanteckningar"
    PROTOCOL = "protokoll"
    EXTRACT = "utdrag"
    AGENDA = "foredragningslista"
    OTHER = "other"

    @classmethod
    def labels(cls) -> dict:
        return {
            "beslutsunderlag": _l("Supporting document"),
            "bilaga": _l("Attachment"),
            "tjansteskrivelse": _l("Official memo"),
            "minnesanteckningar": _l("Minutes"),
            "protokoll": _l("Protocol"),
            "utdrag": _l("Extract"),
            "foredragningslista": _l("Agenda"),
            "other": _l("Other"),
        }


class Confidentiality(LabelledEnum):
    PUBLIC = "public"
    INTERNAL = "internal"  # members and secretaries of the owner body only
    SECRET = "secret"  # noqa: S105 - sekretess under OSL: the owner body's secretaries

    @classmethod
    def labels(cls) -> dict:
        return {
            "public": _l("Public"),
            "internal": _l("Internal"),
            "secret": _l("Secret (OSL)"),
        }


class Document(VersionedMixin, TimestampMixin, Base):
    """A file with its metadata. The bytes live in content-addressed storage under sha256.

    ``sha256`` is None for a document known by title only (the seeds list beslutsunderlag
    whose files they do not include); such a document is shown as "file missing".

    The owner is the body the document was filed for (``owner_body_id``), or an organisation
    as a whole (``owner_organisation_id`` alone). Who may read an internal or secret document
    is judged by its owner, never by where it is shown (app.accounts.permissions). A document
    gets its owner when it is first attached (app.cases.ownership); one with none is read, if
    it is not public, by admins alone.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[DocumentKind] = enum_column(DocumentKind, default=DocumentKind.SUPPORTING)
    confidentiality: Mapped[Confidentiality] = enum_column(
        Confidentiality, default=Confidentiality.PUBLIC
    )
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    owner_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    owner_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    # An office file (Word, ...) as it was uploaded; sha256 above is the PDF/A made from it
    # in a background job (conversion_job), None until that job has succeeded.
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    source_filename: Mapped[str | None] = mapped_column(String(255))
    source_media_type: Mapped[str | None] = mapped_column(String(100))
    conversion_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)

    case: Mapped[Case | None] = relationship(back_populates="documents")
    owner_body: Mapped["Body | None"] = relationship("Body")  # type: ignore[name-defined]  # noqa: F821
    owner_organisation: Mapped[Organisation | None] = relationship()
    conversion_job: Mapped["Job | None"] = relationship("Job")  # type: ignore[name-defined]  # noqa: F821

    @property
    def has_file(self) -> bool:
        return self.sha256 is not None

    @property
    def is_converting(self) -> bool:
        """An office original whose PDF is still to be made (or whose conversion failed)."""
        return self.sha256 is None and self.source_sha256 is not None
