"""Search latency on the synthetic corpus, on SQLite and on PostgreSQL.

    .venv/bin/python bench/search_synthetic.py [--bodies 30] [--years 10] [--rounds 5]
                                                [--backend sqlite|postgresql|both]
                                                [--database-url URL]

Loads `flask seed-synthetic`'s data (default 30 bodies × 10 years: 3,000 meetings, 45,000
items and as many decisions, 90,000 index rows) into a throwaway database per backend: a SQLite
file, and a PostgreSQL server started by scripts/postgres-server (skipped with a message where
none can be started). Then runs 20 representative Swedish queries as an anonymous reader (the
full /search query: the reader's latest 1,001 matches from the index with the permission
filter, ranked, the first page with snippets), ROUNDS times each after one warm-up, and prints
p50 and p95 over all samples (target p95 ≤ 50 ms), the slowest query (its median), and the
median of the baseline in the same run: a case-insensitive LIKE over the same texts without
ranking or permission filter (what a search without an index would at least do). Then the same
queries as a body's secretary and as one of its members (the live permission rules for their
body's rows), with their p50, p95 and slowest query. Each backend runs in its own process (the
database URL is read at start); on PostgreSQL it says whether the index is RUM or GIN.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 50
QUERIES = (
    "budget",
    "detaljplanen",
    "äldreomsorgens bemanning",
    "förskolans lokaler",
    "motionen",
    "medborgarförslag",
    "skolskjutsar",
    "delårsrapport",
    "årsredovisningen",
    "yttrande över remiss",
    "riktlinjer",
    "vatten och avlopp",
    "bibliotekens öppettider",
    "kollektivtrafik",
    "integration och etablering",
    "försörjningsstöd",
    "intern kontroll",
    "energieffektivisering",
    "trygghetsboende",
    "ungdomars psykiska hälsa",
)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_backend(name: str, bodies: int, years: int, rounds: int, reuse: bool = False) -> None:
    """In this process, on the database TEST_DATABASE_URL names (with ``reuse``, left as an
    earlier run seeded it)."""
    from flask_login import AnonymousUserMixin
    from sqlalchemy import func, or_, select

    from app import create_app
    from app.accounts.models import User
    from app.agenda.models import AgendaItem
    from app.bodies.models import Membership, MembershipFunction
    from app.demo.synthetic import seed_synthetic
    from app.extensions import db
    from app.meetings.models import Meeting
    from app.record.models import Decision
    from app.search import services
    from app.search.models import SearchEntry
    from app.search.services import search

    app = create_app("testing")
    with app.test_request_context():
        db.create_all()
        start = time.perf_counter()
        if reuse and db.session.scalar(select(func.count(SearchEntry.id))):
            # Seeded by an earlier run (--database-url): measured as it is.
            counts = {
                "meetings": db.session.scalar(select(func.count(Meeting.id))),
                "items": db.session.scalar(select(func.count(AgendaItem.id))),
                "search entries": db.session.scalar(select(func.count(SearchEntry.id))),
            }
        else:
            counts = seed_synthetic(db.session.connection(), bodies=bodies, years=years)
        db.session.commit()
        seeded = time.perf_counter() - start
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        anonymous = AnonymousUserMixin()

        def like(word: str) -> int:
            pattern = f"%{word}%"
            items = db.session.scalars(
                select(AgendaItem.id).where(
                    or_(AgendaItem.title.ilike(pattern), AgendaItem.summary.ilike(pattern))
                )
            ).all()
            decisions = db.session.scalars(
                select(Decision.id).where(Decision.text.ilike(pattern))
            ).all()
            return len(items) + len(decisions)

        samples: list[float] = []
        per_query: dict[str, float] = {}
        hits: dict[str, int] = {}
        baseline: list[float] = []
        cap = services.COUNT_CAP
        for query in QUERIES:
            # Warm, and the exact number of hits (the page counts up to COUNT_CAP only).
            services.COUNT_CAP = 10**9
            hits[query] = search(anonymous, query).total
            services.COUNT_CAP = cap
            mine = []
            for _ in range(rounds):
                begin = time.perf_counter()
                search(anonymous, query)
                mine.append(time.perf_counter() - begin)
                begin = time.perf_counter()
                like(query.split()[0])
                baseline.append(time.perf_counter() - begin)
            samples.extend(mine)
            per_query[query] = statistics.median(mine)
        readers = {}
        today = date.today()
        for label, wanted in (("secretary", True), ("member", False)):
            for membership in db.session.scalars(select(Membership).order_by(Membership.id)):
                is_secretary = membership.function == MembershipFunction.SECRETARY
                if membership.is_active(today) and is_secretary is wanted:
                    user = User(
                        email=f"bench-{label}@example.se",
                        password_hash="!",  # noqa: S106 (no password: never logs in)
                        person_id=membership.person_id,
                    )
                    db.session.add(user)
                    db.session.flush()
                    readers[label] = user
                    break
        by_reader: dict[str, list[float]] = {}
        slowest_by_reader: dict[str, tuple[str, float]] = {}
        for label, user in readers.items():
            by_reader[label] = []
            medians = {}
            for query in QUERIES:
                search(user, query)  # warm
                theirs = []
                for _ in range(rounds):
                    begin = time.perf_counter()
                    search(user, query)
                    theirs.append(time.perf_counter() - begin)
                by_reader[label].extend(theirs)
                medians[query] = statistics.median(theirs)
            worst = max(medians, key=medians.get)  # type: ignore[arg-type]
            slowest_by_reader[label] = (worst, medians[worst])
        index = "FTS5"
        if db.engine.dialect.name == "postgresql":
            index = db.session.execute(
                db.text(
                    "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                    "WHERE c.oid = to_regclass('ix_search_entries_tsv')"
                )
            ).scalar_one()
        db.session.rollback()

    p50, p95 = _percentile(samples, 0.5) * 1000, _percentile(samples, 0.95) * 1000
    slowest = max(per_query, key=per_query.get)  # type: ignore[arg-type]
    like_median = statistics.median(baseline) * 1000
    print(
        f"{name}: {counts['meetings']} meetings, {counts['items']} items, "
        f"{counts['search entries']} index rows (seeded in {seeded:.1f} s); "
        f"{len(QUERIES)} queries × {rounds} rounds; index {index}"
    )
    print(
        f"  search p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
        f"({'meets' if p95 <= TARGET_P95_MS else 'MISSES'} p95 ≤ {TARGET_P95_MS} ms)"
    )
    print(
        f"  slowest query {slowest!r}: {per_query[slowest] * 1000:.1f} ms "
        f"({hits[slowest]} hits); hits per query {min(hits.values())}–{max(hits.values())}, "
        f"median {statistics.median(hits.values()):.0f}"
    )
    if missing := [query for query, count in hits.items() if not count]:
        print(f"  no hits: {', '.join(repr(query) for query in missing)}")
    print(
        f"  LIKE baseline median {like_median:6.1f} ms   search p50 {p50 / like_median:5.2f}× "
        "baseline"
    )
    for label, mine in by_reader.items():
        worst, median = slowest_by_reader[label]
        print(
            f"  as a {label}: p50 {_percentile(mine, 0.5) * 1000:6.1f} ms   "
            f"p95 {_percentile(mine, 0.95) * 1000:6.1f} ms   "
            f"slowest {worst!r} {median * 1000:.1f} ms"
        )
    if not by_reader:
        print("  (no active secretary or member to search as)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _child(name: str, url: str, args: argparse.Namespace, reuse: bool = False) -> None:
    env = {**os.environ, "TEST_DATABASE_URL": url}
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            name,
            "--bodies",
            str(args.bodies),
            "--years",
            str(args.years),
            "--rounds",
            str(args.rounds),
            *(["--reuse"] if reuse else []),
        ],
        env=env,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=30)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--database-url",
        help="measure on this database instead of a throwaway one: seeded on the first run, "
        "reused as it is on the next (seeding 150 × 10 on PostgreSQL takes 7–14 minutes)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.bodies, args.years, args.rounds, reuse=args.reuse)
        return
    if args.database_url:
        name = "PostgreSQL (swedish)" if args.database_url.startswith("postgres") else "SQLite"
        _child(name, args.database_url, args, reuse=True)
        return
    folder = Path(tempfile.mkdtemp(prefix="sekretariat-bench-"))
    folder.chmod(0o755)  # the PostgreSQL server runs as its own user below it
    try:
        if args.backend in ("sqlite", "both"):
            _child("SQLite (FTS5)", f"sqlite:///{folder / 'search.db'}", args)
        if args.backend in ("postgresql", "both"):
            server = folder / "postgres"
            started = subprocess.run(
                [ROOT / "scripts" / "postgres-server", "start", str(server), str(_free_port())],
                capture_output=True,
                text=True,
            )
            if started.returncode != 0:
                print(f"PostgreSQL: skipped, no server could be started ({started.stderr.strip()})")
            else:
                try:
                    _child("PostgreSQL (swedish)", started.stdout.strip(), args)
                finally:
                    subprocess.run(
                        [str(ROOT / "scripts" / "postgres-server"), "stop", str(server)],
                        capture_output=True,
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
