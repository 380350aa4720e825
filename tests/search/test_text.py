"""Swedish stems, the query syntax, and snippets that are escaped and marked."""

import pytest

from app.search.text import bm25, highlight, parse_query, snippet, stem, stems


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("samverkansgruppen", "samverkansgrupp", "samverkansgrupper"), True),
        (("målbild", "målbilden", "målbilder", "Målbilden"), True),
        (("beslut", "beslutet", "besluten"), True),
        (("rekommendera", "rekommenderar"), True),
        (("mål", "mal"), False),  # å is a letter of its own, not an a
    ],
)
def test_inflected_forms_share_a_stem(words, same):
    assert (len({stem(word) for word in words}) == 1) is same


def test_stop_words_are_left_out_but_not_words_that_stem_to_one():
    assert stems("Målbilden för nära vård och omsorg") == "målbild när vård omsorg"
    assert stem("när") is None  # "när" is a stop word; "nära" stems to "när" and stays


def test_query_syntax_as_websearch_reads_it():
    query = parse_query('målbilden "nära vården" or hälsa -budget och')
    assert query.groups[0][0].stems == ("målbild",)
    assert [term.stems for term in query.groups[1]] == [("när", "vård"), ("häls",)]
    assert [term.stems for term in query.excluded] == [("budget",)]
    assert query.fts5() == '(("målbild") AND ("när vård" OR "häls")) NOT "budget"'
    assert query.highlighted == {"målbild", "när", "vård", "häls"}


@pytest.mark.parametrize("text", ["", "och att", "-budget", '"', "—", "or"])
def test_a_query_without_a_word_to_find_is_empty(text):
    assert parse_query(text).is_empty


def test_quotes_and_operators_typed_by_the_reader_cannot_break_the_fts5_syntax():
    query = parse_query('mål"bild NEAR( AND* ^x {y}:')
    assert query.fts5() == '("mål bild") AND ("near") AND ("and") AND ("x") AND ("y")'


def test_snippets_escape_everything_and_mark_only_hits():
    text = "Nämnden <script>alert('x')</script> antar målbilden & <b>budgeten</b>."
    marked = str(snippet(text, frozenset({"målbild"})))
    assert "<script>" not in marked and "<b>" not in marked
    assert "&lt;script&gt;" in marked and "&amp;" in marked
    assert "<mark>målbilden</mark>" in marked
    assert marked.count("<mark>") == 1


def test_a_long_text_is_cut_around_its_hits():
    text = (
        " ".join(f"ord{i}" for i in range(100))
        + " målbild "
        + " ".join(f"mer{i}" for i in range(100))
    )
    marked = str(snippet(text, frozenset({"målbild"}), words=20))
    assert marked.startswith("… ") and marked.endswith(" …")
    assert "<mark>målbild</mark>" in marked
    assert len(marked.split()) <= 24


def test_without_a_hit_in_the_text_its_beginning_is_shown():
    marked = str(snippet("- Första punkten\n- Andra punkten", frozenset({"målbild"})))
    assert marked == "Första punkten Andra punkten"


def test_titles_are_marked_whole():
    assert str(highlight("Gemensam målbild <Nära vård>", frozenset({"målbild"}))) == (
        "Gemensam <mark>målbild</mark> &lt;Nära vård&gt;"
    )


def _terms(text: str) -> list:
    return [term for group in parse_query(text).groups for term in group]


def _documents(*texts: tuple[str, str]) -> list[tuple[str, str]]:
    return [(stems(title), stems(content)) for title, content in texts]


def test_bm25_ranks_as_fts5_does_within_the_documents_given():
    documents = _documents(
        ("Budget", "Om ekonomin."),  # in the title
        ("Rapport", "Budget om ekonomin."),  # in the text, as short
        ("Rapport", "Budget. " + "Om ekonomin och annat. " * 10),  # in a long text
        ("Rapport", "Ingenting."),  # not at all
    )
    title, short, long, none = bm25(_terms("budget"), documents, (4.0, 1.0))
    assert title > short > long > none == 0.0
    # A phrase counts only in its order; a rarer alternative weighs more.
    reversed_phrase = bm25(
        _terms('"intern kontroll"'),
        _documents(("", "Intern kontroll."), ("", "Kontroll, intern.")),
        (4.0, 1.0),
    )
    assert reversed_phrase[0] > 0 == reversed_phrase[1]
    rare, common, _ = bm25(
        _terms("skolan or budgeten"),
        _documents(("", "Skolan."), ("", "Budgeten."), ("", "Budgeten.")),
        (4.0, 1.0),
    )
    assert rare > common > 0
    assert bm25(_terms("budget"), [], (4.0, 1.0)) == []
