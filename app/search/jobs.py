"""Reading the text of attached PDFs for the search: a job per stored file.

When a commit stores a document's file (a Document gets a sha256 whose text has not been
read), a ``document_text`` job is started after it (without a broker: at once, in process,
as every job). The job reads the file's text layer, page by page, in the sandbox
(``app.documents.text``, its time and memory limits); a scan (no text on any page) gets a
Swedish text layer by OCR (``ocrmypdf -l swe``), stored beside the original, which never
changes. The text is kept once per file (``DocumentText``, ``DocumentPage``) and the index
rows of every document with that file are rewritten: each page a row, with the visibility of
the document's title. A file that cannot be read (damaged, hostile, over the limits) is
recorded as failed and its documents are found by their titles only.

``SEARCH_READ_DOCUMENT_TEXT`` (default on) turns the starting off; the tests of other parts
leave it off, so that their jobs and files are theirs alone. ``flask search read-texts`` reads
every file not read yet.
"""

import logging
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.accounts.permissions import roles_of
from app.cases.models import Document
from app.documents.sandbox import Limits
from app.documents.storage import read_bytes, store_bytes
from app.documents.text import TEXT_LIMITS, can_ocr, has_text, ocr_pdf, pdf_pages
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind, start_job
from app.search.index import refresh_index
from app.search.models import DocumentPage, DocumentText, TextMethod

log = logging.getLogger(__name__)

DOCUMENT_TEXT = "document_text"
# The files a transaction stored, in its session's info until it commits.
WANTED = "search_document_text_wanted"


# -- the work --------------------------------------------------------------------------------


def read_document_text(sha256: str, progress: ProgressFn | None = None) -> DocumentText:
    """The text of the stored file ``sha256``, read now (once per file) and indexed."""
    known = db.session.get(DocumentText, sha256)
    if known is not None:
        return known
    say = progress or (lambda percent, step: None)
    method, pages, ocr_sha256, error = TextMethod.TEXT, [], None, None
    limits = Limits(
        seconds=current_app.config.get("SEARCH_TEXT_TIME_LIMIT", TEXT_LIMITS.seconds),
        memory_bytes=current_app.config.get("SEARCH_TEXT_MEMORY_LIMIT", TEXT_LIMITS.memory_bytes),
    )
    try:
        data = read_bytes(sha256)
        say(10, _("Reading the text"))
        pages = pdf_pages(data, limits)
        if not has_text(pages):
            if can_ocr():
                say(30, _("Interpreting the scanned pages (OCR)"))
                layered = ocr_pdf(data)
                ocr_sha256 = store_bytes(layered)
                pages = pdf_pages(layered, limits)
                method = TextMethod.OCR
            else:
                method = TextMethod.NONE
                error = "no text layer, and ocrmypdf with Swedish is not installed"
    except Exception as failure:  # whatever the file does: found by its title alone
        log.warning("the text of file %s could not be read: %s", sha256, failure)
        method, pages, ocr_sha256 = TextMethod.FAILED, [], None
        error = f"{type(failure).__name__}: {failure}"[:1000]
    say(90, _("Updating the search index"))
    record = DocumentText(
        sha256=sha256, method=method, pages=len(pages), ocr_sha256=ocr_sha256, error=error
    )
    db.session.add(record)
    db.session.flush()
    db.session.add_all(
        DocumentPage(sha256=sha256, page=number, text=text)
        for number, text in enumerate(pages, start=1)
        if text.strip()
    )
    db.session.flush()
    documents = list(db.session.scalars(select(Document.id).where(Document.sha256 == sha256)))
    refresh_index(db.session.connection(), document_ids=documents)
    return record


def _run(job: Job, progress: ProgressFn) -> dict[str, Any]:
    record = read_document_text(job.arguments["sha256"], progress)
    return {"method": record.method, "pages": record.pages}


def _title(job: Job) -> str:
    document = db.session.scalars(
        select(Document).where(Document.sha256 == job.arguments.get("sha256")).limit(1)
    ).first()
    return _(
        "Reading the text of “%(title)s” for the search",
        title=document.title if document is not None else job.arguments.get("sha256", ""),
    )


DOCUMENT_TEXT_KIND = JobKind(
    name=DOCUMENT_TEXT,
    run=_run,
    # Started by the commit that stored the file; tried again by an administrator.
    may_start=lambda user, job: roles_of(user).is_admin,
    title=_title,
    back=lambda job: url_for("search.index"),
)


def register_job_kinds() -> None:
    """Make the search's kind of job known to app.jobs (called by create_app)."""
    register_kind(DOCUMENT_TEXT_KIND)


# -- starting after the commit that stored a file --------------------------------------------


def start_reading(sha256s: list[str]) -> list[Job]:
    """A job for each of these files whose text has not been read (nor is being read)."""
    jobs = []
    for sha256 in sorted(set(sha256s)):
        if db.session.get(DocumentText, sha256) is not None:
            continue
        owner = db.session.scalars(
            select(Document.owner_body_id).where(Document.sha256 == sha256).limit(1)
        ).first()
        jobs.append(start_job(None, DOCUMENT_TEXT, arguments={"sha256": sha256}, body_id=owner))
    return jobs


def unread_files() -> list[str]:
    """The stored files of documents whose text has not been read."""
    return list(
        db.session.scalars(
            select(Document.sha256)
            .where(
                Document.sha256.is_not(None),
                Document.sha256.not_in(select(DocumentText.sha256)),
            )
            .distinct()
        )
    )


def _note_file(mapper: Any, connection: Any, target: Document) -> None:
    if target.sha256 and inspect(target).attrs.sha256.history.has_changes():
        session = inspect(target).session
        if session is not None:
            session.info.setdefault(WANTED, set()).add(target.sha256)


def _after_commit(session: Session) -> None:
    wanted = session.info.pop(WANTED, None)
    if not wanted or not current_app.config.get("SEARCH_READ_DOCUMENT_TEXT", True):
        return
    # The committed session can run no more SQL here: the jobs start in an application
    # context of their own (so a session of their own), after what stored the files.
    with current_app.app_context():
        try:
            start_reading(sorted(wanted))
        finally:
            db.session.remove()


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(WANTED, None)


_installed = False


def install_text_hooks() -> None:
    """Start reading a file's text after the commit that stored it (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Document, "after_insert", _note_file)
    event.listen(Document, "after_update", _note_file)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True
