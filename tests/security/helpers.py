"""Reading pages as a browser would: the forms on a page, and anything on it that could run."""

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

# Text typed into every field. Each is a classic way to run script: a script element, an event
# handler, a javascript: link in Markdown and in HTML, and breaking out of an attribute.
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '"><svg onload=alert(1)>',
)
ALL_PAYLOADS = " ".join(PAYLOADS)

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "applet"}


def _scheme(value: str) -> str:
    """The scheme of a URL as a browser sees it: control characters and spaces ignored."""
    cleaned = "".join(ch for ch in value if ch > " ").lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


class ExecutableFinder(HTMLParser):
    """Collects everything in a page that a browser would run or load as active content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> {values}")
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...> (inline style, refused by the CSP)")
            if name in URL_ATTRIBUTES and _scheme(value or "") in ("javascript", "vbscript"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and _scheme(value or "") == "data" and tag != "img":
                self.found.append(f"<{tag} {name}=data:...>")

    handle_startendtag = handle_starttag


def executable_parts(page: str) -> list[str]:
    finder = ExecutableFinder()
    finder.feed(page)
    finder.close()
    return finder.found


# -- forms ---------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, hidden, date, ...
    value: str = ""
    maxlength: int | None = None
    checked: bool = False
    options: list[str] = field(default_factory=list)
    id: str | None = None


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    @property
    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind in ("text", "textarea", "search")]


class FormParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
            return
        if self._form is None or "name" not in a:
            return
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            self._form.fields.append(
                Field(
                    a["name"], kind, a.get("value", ""), maxlength, "checked" in a, id=a.get("id")
                )
            )
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea", "", maxlength, id=a.get("id"))
            self._form.fields.append(self._textarea)
        elif tag == "select":
            kind = "multiselect" if "multiple" in a else "select"
            self._select = Field(a["name"], kind, "", id=a.get("id"))
            self._form.fields.append(self._select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            if (
                self._select is not None
                and self._select.kind == "select"
                and not self._select.value
                and self._select.options
            ):
                self._select.value = self._select.options[0]
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(page: str, url: str) -> list[Form]:
    parser = FormParser(url)
    parser.feed(page)
    parser.close()
    for form in parser.forms:
        for f in form.fields:
            if f.kind == "textarea" and f.value.startswith("\n"):
                f.value = f.value[1:]
    return parser.forms


def form_data(form: Form, overrides: dict[str, str]) -> dict[str, str]:
    """What a browser would post: every field's value (checked boxes only), with overrides."""
    data: dict[str, str] = {}
    for f in form.fields:
        if f.kind in ("checkbox", "radio") and not f.checked:
            continue
        if f.kind == "multiselect" and not f.value and f.name not in overrides:
            continue
        data[f.name] = overrides.get(f.name, f.value)
    return data


def payload_for(f: Field, index: int) -> str:
    """Every payload if the field has room, else as many as fit (at least one)."""
    limit = f.maxlength or 10_000
    if len(ALL_PAYLOADS) <= limit:
        return ALL_PAYLOADS
    chosen = PAYLOADS[index % len(PAYLOADS)]
    return chosen if len(chosen) <= limit else chosen[:limit]


def error_field_ids(page: str) -> set[str]:
    """The ids of fields the page marks as wrong (aria-invalid)."""
    ids = set()
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", page):
        if 'aria-invalid="true"' in tag:
            match = re.search(r'\bid="([^"]+)"', tag)
            if match:
                ids.add(match.group(1))
    return ids


# -- PDFs ------------------------------------------------------------------------------------------


def pdf_active_content(pdf: bytes) -> list[str]:
    """JavaScript actions, launch actions and javascript: links anywhere in the PDF."""
    found: list[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    seen: set[int] = set()

    def walk(obj, path: str) -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in ("/JS", "/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                    found.append(f"{path}{key}")
                if key == "/S" and str(value) in ("/JavaScript", "/Launch", "/SubmitForm"):
                    found.append(f"{path}/S {value}")
                if key == "/URI" and _scheme(str(value)) in ("javascript", "file", "data"):
                    found.append(f"{path}/URI {value}")
                walk(value, f"{path}{key}")
        elif isinstance(obj, list):
            for index, value in enumerate(obj):
                walk(value, f"{path}[{index}]")

    walk(reader.trailer.get("/Root"), "")
    return found


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
