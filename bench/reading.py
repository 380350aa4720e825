"""How many readers a published protokoll page serves under gunicorn, against a static file.

    .venv/bin/python bench/reading.py [SECONDS]

Sets up a throwaway instance as `make run` would (migrations, development keys, the demo data
with the SRB protokoll justerat and posted), then starts gunicorn from gunicorn.conf.py with
ProductionConfig and 2 workers on a free loopback port, and runs ``wrk -c50`` (50 concurrent
connections, 2 threads) for SECONDS (default 10) against:

- the published protokoll page ``/protokoll/<id>`` as an anonymous reader, and
- the same bytes as a static file (``/static/bench-….html``) through the same gunicorn.

Prints requests per second, p50 and p99 latency and errors (socket errors and non-2xx answers)
for both, and the ratio page/static (target ≥ 0.5, zero errors). Needs wrk (`make bench`
installs it: scripts/bench-packages).
"""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
TARGET = 0.5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(VENV / "flask"), "--app", "app:create_app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wrk(url: str, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0) + (
        int(non_2xx.group(1)) if non_2xx else 0
    )
    return {
        "rps": rps,
        "p50": latency("50%"),
        "p99": latency("99%"),
        "errors": errors,
        "requests": requests,
    }


def main(seconds: int) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: run scripts/bench-packages (as root) or `make bench`")
    folder = Path(tempfile.mkdtemp(prefix="sekretariat-bench-"))
    database = folder / "sekretariat.db"
    signing = folder / "signing"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "STORAGE_PATH": str(folder / "storage"),
        "SIGNING_DIR": str(signing),
        "SIGNING_PKCS12_PASSWORD": "bench",
        "MAIL_SUPPRESS_SEND": "1",
        "SEKRETARIAT_CONFIG": "development",
        "FLASK_DEBUG": "1",  # init-dev makes development keys only in debug
    }
    # As `make run`: migrations, development keys, the demo with the SRB protokoll posted.
    _flask(env, "db", "upgrade")
    _flask(env, "signing", "init-dev")
    _flask(env, "seed-demo")
    with sqlite3.connect(database) as connection:
        (meeting_id,) = connection.execute(
            "SELECT meeting_id FROM record_revisions WHERE public_html IS NOT NULL "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()

    port = _free_port()
    production = {
        **env,
        "SEKRETARIAT_CONFIG": "production",
        "FLASK_DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "SIGNING_PKCS12": str(signing / "seal.p12"),
        "SIGNING_TRUST_ROOTS": str(signing / "ca.pem"),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_LOGLEVEL": "warning",
    }
    # A TERM (a timeout, make's ^C) still stops gunicorn and removes the static file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    static_name = f"bench-protokoll-{os.getpid()}.html"
    static_file = ROOT / "static" / static_name
    server = subprocess.Popen(
        [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT, env=production
    )
    try:
        page_url = f"http://127.0.0.1:{port}/protokoll/{meeting_id}"
        _wait_for(page_url)
        with urllib.request.urlopen(page_url) as response:
            page = response.read()
        static_file.write_bytes(page)
        static_url = f"http://127.0.0.1:{port}/static/{static_name}"
        with urllib.request.urlopen(static_url) as response:
            assert response.read() == page
        _wrk(page_url, 2)  # warm both workers
        if os.environ.get("BENCH_HOLD"):
            print(page_url, static_url, flush=True)
            time.sleep(float(os.environ["BENCH_HOLD"]))
        results = {
            "protokoll page": _wrk(page_url, seconds),
            "same bytes, static": _wrk(static_url, seconds),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        static_file.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"Reading: /protokoll/{meeting_id} ({len(page) // 1024} kB), gunicorn 2 sync workers, "
        f"wrk -t2 -c50 -d{seconds}s"
    )
    for name, figures in results.items():
        print(
            f"  {name:20} {figures['rps']:8.1f} req/s   p50 {figures['p50']:7.1f} ms   "
            f"p99 {figures['p99']:7.1f} ms   {int(figures['errors'])} errors "
            f"of {int(figures['requests'])}"
        )
    ratio = results["protokoll page"]["rps"] / results["same bytes, static"]["rps"]
    errors = sum(int(figures["errors"]) for figures in results.values())
    verdict = "meets" if ratio >= TARGET and errors == 0 else "MISSES"
    print(f"  ratio page/static {ratio:.2f} {verdict} the target ≥ {TARGET} with zero errors")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
