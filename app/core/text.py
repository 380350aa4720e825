"""Rich text: a safe Markdown subset (paragraphs, bullet and numbered lists, emphasis).

Raw HTML in the source is not rendered, and the output is sanitised again with nh3, so the
same text renders the same on screen and in print and can carry no script.
"""

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image", "heading", "lheading", "code", "fence", "table"], ignoreInvalid=True)

ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "br", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


# The same text renders the same, and a page renders each item's summary, proposal and
# decision on every request (Markdown and nh3: a sixth of the meeting page's time): keep the
# results. Markup is immutable; the key is the whole source text.
@lru_cache(maxsize=2048)
def render_text(source: str | None) -> Markup:
    if not source:
        return Markup("")
    html = _md.render(source)
    # Safe to mark: nh3 has just sanitised the HTML to the allow-list above.
    return Markup(  # noqa: S704
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )
    )


LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_url(url: str | None) -> str:
    """``url`` if it is a web or mail address, else "" (a stored javascript: or data: URL
    never becomes a link, whatever let it in)."""
    if not url:
        return ""
    cleaned = "".join(ch for ch in url if ch > " ").strip()
    return url if urlsplit(cleaned).scheme.lower() in LINK_SCHEMES else ""


#: What an HTML parser reads as the start of a tag, comment or processing instruction.
_MARKUP_START = re.compile(r"<[A-Za-z!/?]")
#: Markdown autolinks (<https://…>, <namn@example.se>): text, not markup.
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^\s<>]*>|<[^\s<>@]+@[^\s<>@]+>")


def strip_markup(text: str | None) -> str | None:
    """``text`` without anything a browser would read as HTML markup: the input side of
    sanitising (the output side is render_text and Jinja's escaping).

    Text with no tag in it is kept exactly as typed, so "< 5 år", "5 > 3", "a & b" and a typed
    "&lt;" survive. Where there is markup, nh3 removes every tag (and the content of script and
    style elements) and the text between them is kept as text.
    """
    if not isinstance(text, str):
        return text
    for _ in range(5):  # unescaping can reveal markup typed as entities: clean until none is left
        parts = _AUTOLINK.split(text)
        if not any(_MARKUP_START.search(part) for part in parts):
            return text
        links = _AUTOLINK.findall(text)
        cleaned = [html.unescape(nh3.clean(part, tags=set())) for part in parts]
        text = "".join(
            part + (links[index] if index < len(links) else "")
            for index, part in enumerate(cleaned)
        )
    return nh3.clean(text, tags=set())
