"""Small office files made by hand (no python-docx in the requirements): the few zip members
a Word, Excel or OpenDocument reader needs."""

import io
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx(*paragraphs: str, content_type: str = DOCX_MAIN) -> bytes:
    """A Word document of ``paragraphs`` (``content_type``: the main part's, to make one
    that says it is something else)."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return zipped(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/word/document.xml" ContentType="{content_type}"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
            ),
            "word/document.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
                f"<w:body>{body}</w:body></w:document>"
            ),
        }
    )


def odt_mimetype_only(mimetype: str) -> bytes:
    """A zip that says it is an OpenDocument file of ``mimetype`` and holds nothing else."""
    return zipped({"mimetype": mimetype})


def zipped(members: dict[str, str]) -> bytes:
    """A zip of these members (name: text)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()
