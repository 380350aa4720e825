"""Reading pages as a browser would: the forms on a page, and anything on it that could run."""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from app.core.dates import local_today

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


# Buttons that end the session, move or remove things, or send mail: not text fields' forms.
SKIP_ACTIONS = ("/logout", "/language", "/remove", "/move/", "/kallelse", "/search")


def fill_forms(
    client,
    url: str,
    choose: Callable[[str], bool] = lambda action: True,
    dates: bool = False,
    selects: bool = False,
) -> list:
    """Every POST form on ``url`` with text fields: fill them all with payloads and submit.

    A field the form refuses (a date, a diarienummer pattern, an email address) gets its
    original value back and the form is sent again. Returns (action, status, typed fields).
    """
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    results = []
    for form in forms_on(page.get_data(as_text=True), url):
        if form.method != "post" or not form.text_fields or not choose(form.action):
            continue
        if any(skip in form.action for skip in SKIP_ACTIONS):
            continue
        overrides = {
            f.name: payload_for(f, index)
            for index, f in enumerate(form.text_fields)
            if f.name not in ("q",)
        }
        for f in form.fields if dates else ():
            if f.kind == "date" and not f.value:
                # Yesterday: a meeting that has been held can be recorded to the end.
                overrides[f.name] = (local_today() - timedelta(days=1)).isoformat()
            if f.kind == "time" and not f.value:
                overrides[f.name] = "13:00"
        for f in form.fields if selects else ():
            if f.kind == "select" and not f.value and any(f.options):
                overrides[f.name] = next(option for option in f.options if option)
        response = client.post(form.action, data=form_data(form, overrides))
        for _attempt in range(3):
            if response.status_code != 422:
                break
            wrong = error_field_ids(response.get_data(as_text=True))
            for f in form.fields:
                if f.id in wrong and f.name in overrides:
                    overrides[f.name] = f.value
            response = client.post(form.action, data=form_data(form, overrides))
        results.append((form.action, response.status_code, sorted(overrides)))
    return results


def saved(results: list, action_part: str) -> None:
    """The forms posting to ``action_part`` were there and were accepted (saved, redirected)."""
    matching = [r for r in results if action_part in r[0]]
    assert matching, f"no form posting to {action_part}: {results}"
    assert all(status == 302 for _a, status, _f in matching), matching


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
