"""Small domain rules: diarienummer formats, safe rich text, attendance lines."""

from html.parser import HTMLParser

import pytest

from app.core.text import render_text
from app.organisations.models import Organisation


@pytest.mark.parametrize(
    "number", ["RV240022", "RUF240012-14", "RV240022-1.1", "RUF240104", "2020/2239"]
)
def test_seed_case_numbers_are_valid_by_default(number):
    assert Organisation(name="x").is_valid_case_number(number)


@pytest.mark.parametrize(
    "number", ["", "RV24", "240022", "RV240022-", "2020/", "rv240022", "RV240022 ; drop"]
)
def test_malformed_case_numbers_are_refused(number):
    assert not Organisation(name="x").is_valid_case_number(number)


def test_organisation_format_rule():
    borlange = Organisation(name="Borlänge kommun", case_number_pattern=r"\d{4}/\d{1,5}")
    assert borlange.is_valid_case_number("2020/2239")
    assert not borlange.is_valid_case_number("RV240022")


def test_rich_text_keeps_paragraphs_and_bullets():
    html = render_text(
        "Temapass om välfärdsbrottslighet.\n\n- Christina Kiernan, SKR\n- Lena Törneskär"
    )
    assert html.count("<p>") == 1 and html.count("<li>") == 2


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klick](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_rich_text_carries_no_script(payload):
    """Hostile markup may survive as visible text, never as a tag, handler or script URL."""
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collect().feed(str(render_text(payload)))
    assert all(tag in {"p", "a", "ul", "li", "em", "strong"} for tag, _ in tags)
    for _, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")
