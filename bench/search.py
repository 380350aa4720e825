"""How fast the search answers on the demo data, against a naive substring scan.

    .venv/bin/python bench/search.py [ROUNDS]

For a few queries, prints the median time of the full-text search (as an anonymous reader,
with the permission filter) and of the baseline in the same run: a case-insensitive LIKE over
the same texts without any ranking or permission filter, which is what a search without an
index would at least have to do. Also the time to rebuild the index. Throwaway SQLite database.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_login import AnonymousUserMixin
from sqlalchemy import or_, select

from app import create_app
from app.agenda.models import AgendaItem
from app.extensions import db
from app.record.models import Decision
from app.search.index import rebuild_index
from app.search.services import search

QUERIES = ("målbild", "samverkansgruppen", "kompetensförsörjning", "regionala ledningsgruppen")


def _median_seconds(action, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _like(word: str) -> int:
    pattern = f"%{word}%"
    items = db.session.scalars(
        select(AgendaItem.id).where(
            or_(
                AgendaItem.title.ilike(pattern),
                AgendaItem.summary.ilike(pattern),
                AgendaItem.proposal.ilike(pattern),
            )
        )
    ).all()
    decisions = db.session.scalars(
        select(Decision.id).where(or_(Decision.text.ilike(pattern), Decision.notes.ilike(pattern)))
    ).all()
    return len(items) + len(decisions)


def main(rounds: int) -> None:
    app = create_app("testing")
    with app.test_request_context():
        db.create_all()
        from app.demo.loader import load_demo

        load_demo()
        db.session.commit()
        anonymous = AnonymousUserMixin()
        rebuild = _median_seconds(lambda: rebuild_index(db.session.connection()), rounds)
        print(f"Demo data, {rounds} rounds (medians); index rebuild {rebuild * 1000:.0f} ms")
        for query in QUERIES:
            hits = search(anonymous, query).total
            fts = _median_seconds(lambda q=query: search(anonymous, q), rounds)
            like = _median_seconds(lambda q=query: _like(q.split()[0]), rounds)
            print(
                f"  {query!r:30} {hits:3d} hits  search {fts * 1000:6.1f} ms   "
                f"LIKE baseline {like * 1000:6.1f} ms   {fts / like:5.2f}× baseline"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
