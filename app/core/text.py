"""Rich text: a safe Markdown subset (paragraphs, bullet and numbered lists, emphasis).

Raw HTML in the source is not rendered, and the output is sanitised again with nh3, so the
same text renders the same on screen and in print and can carry no script.
"""

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image", "heading", "lheading", "code", "fence", "table"], ignoreInvalid=True)

ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "br", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


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
