"""Swedish words for search: tokens, stems, the reader's query, and highlighted snippets.

Knows no domain. The stems follow Snowball's Swedish algorithm (the ``snowballstemmer``
package), the same algorithm as PostgreSQL's ``swedish`` text search configuration, and the
stop words are PostgreSQL's (Snowball's) Swedish list: a query finds the same on SQLite, where
the index stores these stems, as on PostgreSQL, which stems with its own dictionary.
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

# Letters and digits: what SQLite's unicode61 tokenizer keeps as a token, so the stems joined
# by spaces are split by FTS5 exactly as here.
WORD_RE = re.compile(r"[^\W_]+")

# PostgreSQL 15's tsearch_data/swedish.stop (from Snowball), so both backends ignore the same.
_STOP_WORDS = """
    och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
    något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
    någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev
    oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom mellan
    sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era
    vilkas
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_stemmer = snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str | None:
    """The stem of one word, None for a stop word."""
    word = word.lower()
    if word in STOP_WORDS:
        return None
    return _stemmer.stemWord(word)


# A diarienummer as written: letters, then (perhaps after a space or a hyphen) six or more
# digits, then perhaps a part number: "RV240022", "RV 240022", "RUF240012-14", "RV240022-1.1".
# Indexed and searched with the letters and digits joined ("RV240022"), so every written form
# of the number is one token on both backends.
CASE_NUMBER_RE = re.compile(r"\b([^\W\d_]{1,5})[ \-]?(\d{6,})\b")


def joined_case_numbers(text: str) -> str:
    """``text`` with every diarienummer written as one token ("RV 240022" -> "RV240022")."""
    return CASE_NUMBER_RE.sub(lambda match: match.group(1) + match.group(2), text)


def case_keys(numbers: Iterable[str | None]) -> str | None:
    """The diarienummer an index row is found by, each once, in the order given."""
    keys: list[str] = []
    for number in numbers:
        key = joined_case_numbers(number.strip()) if number else ""
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys) or None


def stems(text: str | None) -> str:
    """The text as its stems, separated by spaces: what the SQLite index holds."""
    if not text:
        return ""
    return " ".join(s for s in (stem(m.group()) for m in WORD_RE.finditer(text)) if s)


# -- the query -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase of the query, as stems."""

    stems: tuple[str, ...]


@dataclass
class Query:
    """The reader's query in web search syntax, as PostgreSQL's ``websearch_to_tsquery`` reads
    it: words must all occur, ``"a phrase"`` in that order, ``or`` between two alternatives,
    ``-word`` must not occur."""

    text: str
    # The text as searched: diarienummer joined (``joined_case_numbers``).
    search_text: str = ""
    # All groups must match; a group matches when one of its alternatives does.
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def highlighted(self) -> frozenset[str]:
        """The stems a snippet marks: those the reader looks for, never the excluded ones."""
        return frozenset(s for group in self.groups for term in group for s in term.stems)

    def fts5(self) -> str:
        """The query as an SQLite FTS5 expression over the stems (every stem quoted)."""

        def phrase(term: Term) -> str:
            return '"' + " ".join(term.stems) + '"'

        expression = " AND ".join(
            "(" + " OR ".join(phrase(term) for term in group) + ")" for group in self.groups
        )
        for term in self.excluded:
            expression = f"({expression}) NOT {phrase(term)}"
        return expression


# -- ranking ---------------------------------------------------------------------------------

# BM25's parameters as SQLite's FTS5 has them (fts5_aux.c).
BM25_K1 = 1.2
BM25_B = 0.75


def bm25(
    terms: list[Term], documents: list[tuple[str | None, ...]], weights: tuple[float, ...]
) -> list[float]:
    """Each document's BM25 score for these terms, higher for a better match: as FTS5's bm25
    (a term's occurrences in each column times the column's weight, the document's length in
    all its columns), but with the statistics of these documents alone (how many hold a term,
    their average length) and the inverse document frequency kept positive (Lucene's
    ``log(1 + (n - df + 0.5) / (df + 0.5))``). Ranking a few hundred matches so reads nothing
    else; FTS5's own bm25 counts every match of every term first.

    A document is its columns as stems separated by spaces (``stems``).
    """
    columns = [[column.split() if column else [] for column in document] for document in documents]
    count = len(columns)
    if not count:
        return []
    lengths = [sum(map(len, document)) for document in columns]
    average = (sum(lengths) / count) or 1.0
    # The length part of each document's norm, once.
    norms = [BM25_K1 * (1 - BM25_B + BM25_B * length / average) for length in lengths]
    weighted = list(zip(weights, range(len(weights)), strict=False))
    scores = [0.0] * count
    for term in terms:
        frequencies = []
        for document in columns:
            frequency = 0.0
            for weight, column in weighted:
                if column < len(document):
                    frequency += weight * _occurrences(document[column], term.stems)
            frequencies.append(frequency)
        held = count - frequencies.count(0.0)
        idf = math.log(1 + (count - held + 0.5) / (held + 0.5))
        for i, frequency in enumerate(frequencies):
            if frequency:
                scores[i] += idf * frequency * (BM25_K1 + 1) / (frequency + norms[i])
    return scores


def _occurrences(tokens: list[str], phrase: tuple[str, ...]) -> int:
    """How often the phrase (stems in order) occurs in the tokens."""
    first = phrase[0]
    if len(phrase) == 1:
        return tokens.count(first)
    size = len(phrase)
    return sum(
        1
        for i, token in enumerate(tokens)
        if token == first and tuple(tokens[i : i + size]) == phrase
    )


_QUERY_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(text: str) -> Query:
    query = Query(text=text, search_text=joined_case_numbers(text))
    pending_or = False
    for match in _QUERY_TOKEN_RE.finditer(query.search_text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or":
                pending_or = bool(query.groups)
                continue
            negated = "-" if bare.startswith("-") else ""
            words = bare.lstrip("-")
        else:
            words = quoted
        term_stems = tuple(s for s in (stem(m.group()) for m in WORD_RE.finditer(words)) if s)
        if not term_stems:
            continue  # only stop words or punctuation: ignored, as PostgreSQL does
        if negated:
            query.excluded.append(Term(term_stems))
        elif pending_or:
            query.groups[-1].append(Term(term_stems))
        else:
            query.groups.append([Term(term_stems)])
        pending_or = False
    return query


# -- snippets --------------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
_SPACE_RE = re.compile(r"\s+")


def plain(text: str | None) -> str:
    """Stored text (a small Markdown subset) as one line: list markers gone, spaces collapsed."""
    if not text:
        return ""
    return _SPACE_RE.sub(" ", _BULLET_RE.sub("", text)).strip()


def highlight(text: str | None, wanted: frozenset[str]) -> Markup:
    """The whole text, escaped, with every word whose stem is wanted in ``<mark>``."""
    return _marked(plain(text), wanted, 0, None)


def snippet(text: str | None, wanted: frozenset[str], words: int = 30) -> Markup:
    """About ``words`` words of the text around the most hits, escaped, hits in ``<mark>``.

    Where the text has no hit (the title matched), its beginning.
    """
    line = plain(text)
    tokens = list(WORD_RE.finditer(line))
    if not tokens:
        return Markup("")
    hits = [i for i, token in enumerate(tokens) if stem(token.group()) in wanted]
    if len(tokens) <= words:
        return _marked(line, wanted, 0, None)
    start = 0
    if hits:
        # The window of ``words`` tokens holding the most hits, begun a little before the first.
        best, best_count = hits[0], 0
        for first in hits:
            count = sum(1 for h in hits if first <= h < first + words)
            if count > best_count:
                best, best_count = first, count
        start = max(0, min(best - words // 4, len(tokens) - words))
    end = min(len(tokens), start + words)
    begin_at = 0 if start == 0 else tokens[start].start()
    end_at = None if end == len(tokens) else tokens[end - 1].end()
    marked = _marked(line, wanted, begin_at, end_at)
    return Markup("{}{}{}").format(
        Markup("… ") if begin_at else "", marked, Markup(" …") if end_at is not None else ""
    )


def _marked(line: str, wanted: frozenset[str], begin: int, end: int | None) -> Markup:
    part = line[begin:end]
    out: list[str] = []
    position = 0
    for token in WORD_RE.finditer(part):
        if stem(token.group()) in wanted:
            out.append(str(escape(part[position : token.start()])))
            out.append(f"<mark>{escape(token.group())}</mark>")
            position = token.end()
    out.append(str(escape(part[position:])))
    # Safe: every piece of the text was escaped above; only <mark> is added.
    return Markup("".join(out))  # noqa: S704
