"""Rich text: a safe Markdown subset (paragraphs, bullet and numbered lists, emphasis).

Raw HTML in the source is not rendered, and the output is sanitised again with nh3, so the
same text renders the same on screen and in print and can carry no script.
"""

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
