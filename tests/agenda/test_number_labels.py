"""One wording of an item's number, by the body's rule (``app.agenda.models.number_label``)."""

import pytest

from app.agenda.models import number_label, number_range, uses_paragraphs
from app.bodies.models import NumberingRule

SECTION_RULES = (NumberingRule.PER_YEAR, NumberingRule.PER_MEETING)


@pytest.mark.parametrize("rule", SECTION_RULES)
def test_a_body_that_numbers_in_paragraphs_prints_a_sign_and_a_space(rule):
    # Item 5 on the agenda became § 26 of the year (or of the meeting) in the record.
    assert uses_paragraphs(rule)
    assert number_label(5, 26, rule, "agenda") == "5"
    assert number_label(5, 26, rule, "record") == "§ 26"
    assert number_label(5, 26, rule, "reference") == "§ 26"
    # No § number yet (the record is not opened): the record has no number to print, and
    # never the agenda's number dressed as a §.
    assert number_label(5, None, rule, "record") == ""
    assert number_label(5, None, rule, "reference") == ""
    assert number_range([26, 27, 38], rule) == "§§ 26–38"
    assert number_range([9], rule) == "§ 9"


def test_a_body_that_numbers_plainly_never_prints_a_paragraph_sign():
    rule = NumberingRule.PLAIN
    assert not uses_paragraphs(rule)
    assert number_label(6, 6, rule, "agenda") == "6"
    assert number_label(6, 6, rule, "record") == "6"
    assert number_label(6, 6, rule, "reference") == "punkt 6"
    # Before the record is opened the item number stands for itself.
    assert number_label(6, None, rule, "record") == "6"
    assert number_range([1, 2, 3, 4, 5, 6], rule) == "1–6"
    assert number_range([4], rule) == "4"
    labels = [
        number_label(n, n, rule, where) for n in range(1, 9) for where in ("agenda", "record")
    ]
    assert not any("§" in label for label in labels)


@pytest.mark.parametrize("rule", [*SECTION_RULES, NumberingRule.PLAIN])
def test_an_unnumbered_item_prints_nothing(rule):
    for where in ("agenda", "record", "reference"):
        assert number_label(None, None, rule, where) == ""
    assert number_range([], rule) == ""
