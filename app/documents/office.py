"""Word, Excel, PowerPoint and OpenDocument files: checked on upload, converted to PDF/A.

A secretary gets her handlingar as Word files. They are accepted as they came (the original
is kept) and converted to PDF/A-2b by LibreOffice headless (``soffice``, Debian's
``libreoffice-*-nogui``; ``scripts/system-packages``), the PDF being what the handlingar use.

Both steps treat the file as hostile, as ``app.documents.uploads`` does a PDF:

- ``check_office_upload`` decides from the bytes (the file name only picks the format the
  bytes must then be): an Office Open XML or OpenDocument file is a zip whose content types
  (``[Content_Types].xml``) or ``mimetype`` name the format, and which unpacks to at most
  ``MAX_UPLOAD_DECODED_BYTES``; a .doc/.xls/.ppt is an OLE compound file; an .rtf starts
  ``{\\rtf``. Macro-enabled formats (.docm, ...) are not accepted. The zip is read in the
  sandbox, like a PDF.
- ``convert_to_pdf`` runs ``soffice`` in the sandbox's child (``app.documents.sandbox``:
  a time and a memory limit), in a session of its own (killed whole at the deadline), with
  a throwaway user profile, an empty environment but for what it needs, and no network:
  ``unshare --net`` gives it a network namespace with nothing in it where the kernel allows
  (``OFFICE_REQUIRE_NO_NETWORK`` makes that a must). The PDF it makes is then checked like
  any uploaded PDF (``check_pdf_upload``) before it is stored.
"""

import contextlib
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext

from app.documents.sandbox import MB, LimitExceeded, Limits, run_limited
from app.documents.uploads import (
    CheckedUpload,
    UploadRejected,
    check_limits,
    check_pdf_upload,
    clean_filename,
    megabytes,
    require_size,
)

# Used when no app configures them (config.py: OFFICE_CONVERT_TIME_LIMIT and
# OFFICE_CONVERT_MEMORY_LIMIT). LibreOffice reserves far more address space than it uses.
DEFAULT_CONVERT_LIMITS = Limits(seconds=120, memory_bytes=4096 * MB)

# A zip with more members than this is not a document someone wrote.
MAX_MEMBERS = 20_000
# The zip member that names the format is small; a bigger one is not read.
MAX_TYPES_BYTES = 2 * MB
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
OLE_STREAMS = {
    "doc": ("WordDocument",),
    "xls": ("Workbook", "Book"),
    "ppt": ("PowerPoint Document",),
}


@dataclass(frozen=True)
class OfficeFormat:
    """An accepted office format: what its bytes must be (``container``: ``ooxml``, ``odf``,
    ``ole`` or ``rtf``, with ``content_type`` for the zips), its media type, and the
    LibreOffice application whose PDF export converts it."""

    extension: str
    container: str
    content_type: str
    media_type: str
    application: str  # writer, calc, impress


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
FORMATS = {
    f.extension: f
    for f in (
        OfficeFormat(
            "docx",
            "ooxml",
            _OOXML + "wordprocessingml.document.main+xml",
            _OOXML + "wordprocessingml.document",
            "writer",
        ),
        OfficeFormat(
            "xlsx",
            "ooxml",
            _OOXML + "spreadsheetml.sheet.main+xml",
            _OOXML + "spreadsheetml.sheet",
            "calc",
        ),
        OfficeFormat(
            "pptx",
            "ooxml",
            _OOXML + "presentationml.presentation.main+xml",
            _OOXML + "presentationml.presentation",
            "impress",
        ),
        OfficeFormat("odt", "odf", _ODF + "text", _ODF + "text", "writer"),
        OfficeFormat("ods", "odf", _ODF + "spreadsheet", _ODF + "spreadsheet", "calc"),
        OfficeFormat("odp", "odf", _ODF + "presentation", _ODF + "presentation", "impress"),
        OfficeFormat("doc", "ole", "", "application/msword", "writer"),
        OfficeFormat("xls", "ole", "", "application/vnd.ms-excel", "calc"),
        OfficeFormat("ppt", "ole", "", "application/vnd.ms-powerpoint", "impress"),
        OfficeFormat("rtf", "rtf", "", "application/rtf", "writer"),
    )
}

# The PDF export of each application, asked for PDF/A-2b (SelectPdfVersion 2).
PDF_EXPORT = 'pdf:{application}_pdf_Export:{{"SelectPdfVersion":{{"type":"long","value":"2"}}}}'


class ConversionFailed(Exception):
    """The file could not be converted; ``message`` says why in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedOffice:
    """An accepted office file, stored as it came: its bytes, a cleaned file name with its
    extension, its format and sha256."""

    data: bytes
    filename: str
    format: OfficeFormat
    sha256: str

    @property
    def media_type(self) -> str:
        return self.format.media_type


def office_extension(filename: str | None) -> str | None:
    """The accepted office format the file name claims (``docx``, ...), or None."""
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    return suffix if suffix in FORMATS else None


def accepted_extensions() -> list[str]:
    return sorted(FORMATS)


def check_document_upload(
    data: bytes, filename: str | None, *, max_bytes: int, max_pages: int | None = None
) -> CheckedUpload | CheckedOffice:
    """An attachment: an office file when its name says so (``check_office_upload``), else
    a PDF (``check_pdf_upload``, whatever its name). Raises UploadRejected."""
    if office_extension(filename) is not None:
        return check_office_upload(data, filename, max_bytes=max_bytes)
    try:
        return check_pdf_upload(data, filename, max_bytes=max_bytes, max_pages=max_pages)
    except UploadRejected as rejected:
        if rejected.reason != "not_pdf":
            raise
        raise UploadRejected(
            "not_pdf",
            gettext(
                "The file is not a PDF, nor a Word, Excel, PowerPoint or OpenDocument file. "
                "Save it as one of those and upload it again."
            ),
        ) from rejected


def check_office_upload(
    data: bytes,
    filename: str | None,
    *,
    max_bytes: int,
    max_decoded_bytes: int | None = None,
    limits: Limits | None = None,
) -> CheckedOffice:
    """Accept ``data`` as the office file its name claims, or raise UploadRejected.

    Checks: not empty; at most ``max_bytes``; the bytes are of that format (see the module);
    a zip unpacks to at most ``max_decoded_bytes`` (default: the app's
    MAX_UPLOAD_DECODED_BYTES). Needs an app context (the messages are translated).
    """
    extension = office_extension(filename)
    if extension is None:
        raise UploadRejected("not_office", gettext("The file is not a document we can convert."))
    office = FORMATS[extension]
    require_size(data, max_bytes)
    max_decoded_bytes, limits = check_limits(max_decoded_bytes, limits)
    try:
        refusal = run_limited(
            inspect_office, data, extension, max_decoded_bytes=max_decoded_bytes, limits=limits
        )
    except LimitExceeded:
        refusal = "damaged"
    if refusal == "unpacks_too_large":
        raise UploadRejected(
            "unpacks_too_large",
            gettext(
                "The file unpacks to more than %(limit)s MB and cannot be accepted.",
                limit=megabytes(max_decoded_bytes, round_up=False),
            ),
        )
    if refusal == "encrypted":
        raise UploadRejected(
            "encrypted",
            gettext(
                "The file is encrypted or password protected. "
                "Save it without protection and upload it again."
            ),
        )
    if refusal is not None:
        raise UploadRejected(
            "not_office",
            gettext(
                "The file is not a readable %(format)s file: its content does not match its "
                "name, or it is damaged.",
                format="." + extension,
            ),
        )
    return CheckedOffice(
        data=data,
        filename=clean_filename(filename, extension),
        format=office,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def convert_to_pdf(
    data: bytes, extension: str, *, limits: Limits | None = None, isolate: bool | None = None
) -> bytes:
    """The office file ``data`` (of the format ``extension``) as PDF/A-2b, made by
    LibreOffice in the sandbox within ``limits`` (default: the app's OFFICE_CONVERT_*).

    ``isolate``: run it without network (``unshare --net``); None: where the kernel allows,
    or always with OFFICE_REQUIRE_NO_NETWORK. Raises ConversionFailed with the reason."""
    config = current_app.config if has_app_context() else {}
    if limits is None:
        limits = Limits(
            seconds=config.get("OFFICE_CONVERT_TIME_LIMIT", DEFAULT_CONVERT_LIMITS.seconds),
            memory_bytes=config.get(
                "OFFICE_CONVERT_MEMORY_LIMIT", DEFAULT_CONVERT_LIMITS.memory_bytes
            ),
        )
    if shutil.which("soffice") is None:
        raise ConversionFailed(
            gettext("LibreOffice is not installed on the server; tell the administrator.")
        )
    if isolate is None:
        if config.get("OFFICE_REQUIRE_NO_NETWORK") and not can_isolate_network():
            raise ConversionFailed(
                gettext(
                    "the server cannot cut LibreOffice off from the network, which its "
                    "settings require; tell the administrator"
                )
            )
        isolate = can_isolate_network()
    try:
        result = run_limited(
            make_pdf,
            data,
            FORMATS[extension].application,
            extension,
            # The child stops soffice itself a little before the sandbox's deadline, so that
            # it can say so (and leave no process behind).
            seconds=max(1.0, limits.seconds - 5),
            isolate=isolate,
            limits=limits,
        )
    except LimitExceeded as exceeded:
        if exceeded.what == "memory":
            raise ConversionFailed(
                gettext(
                    "the conversion needed more than the %(megabytes)s MB of memory allowed",
                    megabytes=exceeded.limits.memory_megabytes,
                )
            ) from exceeded
        raise ConversionFailed(_too_slow(limits)) from exceeded
    if result == "timeout":
        raise ConversionFailed(_too_slow(limits))
    if isinstance(result, str):
        raise ConversionFailed(
            gettext(
                "LibreOffice could not read the file (it may be damaged, password protected "
                "or not of the kind its name says): %(detail)s",
                detail=result,
            )
        )
    return result


def _too_slow(limits: Limits) -> str:
    return gettext(
        "the conversion took longer than the %(seconds)s seconds allowed",
        seconds=format_decimal(limits.seconds, format="0.#"),
    )


_isolation: list[bool] = []


def can_isolate_network() -> bool:
    """Whether ``unshare --net`` works here (as root, or with user namespaces)."""
    if not _isolation:
        _isolation.append(_try_unshare())
    return _isolation[0]


def _unshare_prefix() -> list[str]:
    if os.geteuid() == 0:
        return ["unshare", "--net"]
    return ["unshare", "--net", "--map-root-user"]


def _try_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command
            [*_unshare_prefix(), "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


# -- in the sandbox's child (no app context: codes and plain text only) -----------------------


def inspect_office(data: bytes, extension: str, *, max_decoded_bytes: int) -> str | None:
    """Why the bytes are not an acceptable file of the format ``extension`` (``damaged``,
    ``wrong_type``, ``encrypted``, ``unpacks_too_large``), or None when they are."""
    office = FORMATS[extension]
    if office.container == "ole":
        if not data.startswith(OLE_MAGIC):
            return "wrong_type"
        # The compound file's directory names its streams (UTF-16): a Word file has a
        # WordDocument stream, and so on. LibreOffice would read anything else as text.
        streams = OLE_STREAMS[extension]
        return None if any(name.encode("utf-16-le") in data for name in streams) else "wrong_type"
    if office.container == "rtf":
        return None if data.lstrip()[:5] == b"{\\rtf" else "wrong_type"
    if data.startswith(OLE_MAGIC):
        # A password-protected Office Open XML file is an encrypted OLE container.
        return "encrypted"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                return "unpacks_too_large"
            if sum(member.file_size for member in members) > max_decoded_bytes:
                return "unpacks_too_large"
            if any(member.flag_bits & 0x1 for member in members):
                return "encrypted"
            name = "[Content_Types].xml" if office.container == "ooxml" else "mimetype"
            try:
                member = archive.getinfo(name)
            except KeyError:
                return "wrong_type"
            if member.file_size > MAX_TYPES_BYTES:
                return "wrong_type"
            text = archive.read(member).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "damaged"
    except NotImplementedError:  # a compression method zipfile does not know
        return "damaged"
    if office.container == "odf":
        return None if text.strip() == office.content_type else "wrong_type"
    types = re.findall(r'ContentType\s*=\s*"([^"]*)"', text)
    return None if office.content_type in types else "wrong_type"


def make_pdf(
    data: bytes, application: str, extension: str, *, seconds: float, isolate: bool
) -> bytes | str:
    """The sandbox's work: ``soffice --headless --convert-to pdf`` on ``data`` in a folder
    and with a user profile of its own, both removed after. The PDF's bytes; "timeout" past
    ``seconds``; else what went wrong, in LibreOffice's words."""
    with tempfile.TemporaryDirectory(prefix="office-") as folder:
        work = Path(folder)
        source = work / f"dokument.{extension}"
        source.write_bytes(data)
        profile = work / "profile"
        output = work / "out"
        output.mkdir()
        command = [
            *(_unshare_prefix() if isolate else []),
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            PDF_EXPORT.format(application=application),
            "--outdir",
            str(output),
            str(source),
        ]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "TMPDIR": str(work),
            "SAL_USE_VCLPLUGIN": "svp",
        }
        process = subprocess.Popen(  # noqa: S603 - a fixed command on our own temporary files
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=environment,
            cwd=work,
        )
        try:
            said, _ = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return "timeout"
        finally:
            # soffice may leave helpers behind in its session: none outlive the conversion.
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        target = output / "dokument.pdf"
        if process.returncode == 0 and target.exists() and target.stat().st_size > 0:
            return target.read_bytes()
        lines = [
            line
            for line in said.decode(errors="replace").splitlines()
            if line.strip() and "javaldx" not in line
        ]
        detail = lines[-1].strip() if lines else f"exit status {process.returncode}"
        return detail[:200] or "no PDF was made"
