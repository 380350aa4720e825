"""RUM's date windows against one scan over all matches, interleaved in one run (issue 15).

    TEST_DATABASE_URL=URL .venv/bin/python bench/search_windows.py [--rounds 5]

On a PostgreSQL database that `bench/search_synthetic.py --database-url URL` seeded (150 × 10:
`--bodies 150 --years 10`), runs bench/search_synthetic.py's 20 queries as an anonymous reader,
a secretary and a member, each sample twice in a row in alternating order: with the windows
(``services.RUM_WINDOWS``, the last year first) and without (one window: every match, the code
before). The machine is shared, so only the two figures of one run compare. Checks on the way
that both give the same pool (rows and order) and the same page. Besides wall-clock, the CPU
time of each search: this process's and the PostgreSQL backend's (from /proc/PID/schedstat,
where readable: the server must run on this machine), which a loaded machine distorts less.
"""

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_synthetic import QUERIES, _percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from flask_login import AnonymousUserMixin
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.bodies.models import Membership, MembershipFunction
    from app.extensions import db
    from app.search import services
    from app.search.services import Filters, search
    from app.search.text import parse_query

    windows = services.RUM_WINDOWS
    app = create_app("testing")
    with app.test_request_context():
        pid = db.session.execute(db.text("SELECT pg_backend_pid()")).scalar_one()
        schedstat = Path(f"/proc/{pid}/schedstat")

        def cpu() -> float:
            """Seconds of CPU: this process's and the backend's (0 where unreadable)."""
            try:
                backend = int(schedstat.read_text().split()[0]) / 1e9
            except OSError:
                backend = 0.0
            return time.process_time() + backend

        readers: dict[str, object] = {"anonymous": AnonymousUserMixin()}
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
        backend = services.BACKENDS["postgresql"]
        for label, user in readers.items():
            samples: dict[str, list[float]] = {"windows": [], "one scan": []}
            cpus: dict[str, list[float]] = {"windows": [], "one scan": []}
            medians: dict[str, dict[str, float]] = {"windows": {}, "one scan": {}}
            for query in QUERIES:
                pools = {}
                pages = {}
                for name, value in (("windows", windows), ("one scan", ())):
                    services.RUM_WINDOWS = value
                    services.ensure_index(db.session.connection())
                    pools[name] = backend(
                        parse_query(query), user, Filters(), services.COUNT_CAP + 1
                    )
                    pages[name] = [hit.url for hit in search(user, query).hits]
                assert [row[0] for row in pools["windows"]] == [
                    row[0] for row in pools["one scan"]
                ], query
                assert pages["windows"] == pages["one scan"], query
                mine: dict[str, list[float]] = {"windows": [], "one scan": []}
                for round_ in range(args.rounds):
                    order = (("windows", windows), ("one scan", ()))
                    for name, value in order if round_ % 2 == 0 else reversed(order):
                        services.RUM_WINDOWS = value
                        begin, spent = time.perf_counter(), cpu()
                        search(user, query)
                        mine[name].append(time.perf_counter() - begin)
                        cpus[name].append(cpu() - spent)
                for name, values in mine.items():
                    samples[name].extend(values)
                    medians[name][query] = statistics.median(values)
            for name, values in samples.items():
                worst = max(medians[name], key=medians[name].get)  # type: ignore[arg-type]
                print(
                    f"{label:9} {name:8}: p50 {_percentile(values, 0.5) * 1000:6.1f} ms   "
                    f"p95 {_percentile(values, 0.95) * 1000:6.1f} ms   "
                    f"slowest {worst!r} {medians[name][worst] * 1000:.1f} ms;   CPU p50 "
                    f"{_percentile(cpus[name], 0.5) * 1000:6.1f} ms   "
                    f"p95 {_percentile(cpus[name], 0.95) * 1000:6.1f} ms"
                )
            ratio = _percentile(samples["windows"], 0.95) / _percentile(samples["one scan"], 0.95)
            by_cpu = _percentile(cpus["windows"], 0.95) / _percentile(cpus["one scan"], 0.95)
            print(f"{label:9} p95 windows / one scan: {ratio:.2f} (CPU {by_cpu:.2f})", flush=True)
        services.RUM_WINDOWS = windows
        db.session.rollback()


if __name__ == "__main__":
    main()
