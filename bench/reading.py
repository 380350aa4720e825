"""How many readers the meeting pages serve under gunicorn, each against a static file.

    .venv/bin/python bench/reading.py [SECONDS]

Sets up a throwaway instance as `make run` would (migrations, development keys, the demo data
with the SRB protokoll justerat and posted), then starts gunicorn from gunicorn.conf.py with
ProductionConfig and 2 workers on a free loopback port (with a throwaway redis-server for the
login limits, which several workers must share), logs in over HTTP as the demo member Johanna
Odö (a ledamot of SRB) and the demo secretary Elin Hellström, and runs ``wrk -c50`` (50
concurrent connections, 2 threads) for SECONDS (default 10) against each page, and against the
same bytes as a static file (``/static/bench-….html``) through the same gunicorn:

- anonymous: the published protokoll page ``/protokoll/<id>`` (response-cached);
- member: the SRB meeting page ``/meetings/<id>`` and its record page ``/meetings/<id>/record``;
- secretary: the agenda editor of SRB's next meeting (2024-06-14, preliminary, with topics and
  uppdrag offered) and, once its record is started, the record page of its first item.

The logged-in pages are kept per login session until anything is written
(READER_CACHE_SECONDS, app/core/response_cache.py), as in production; run with
``READER_CACHE_SECONDS=0`` in the environment to measure every request rendered. At the end each
worker's resident size is shown, after logging in and after all the requests.

Each page is checked before it is measured (status 200, the user's name, the page's heading).
Prints requests per second, p50 and p99 latency and errors (socket errors and non-2xx answers)
for each, and the ratio page/static against its target, then one line per page
``ratio <who> <page> <value>``. Needs wrk (`make bench` installs it: scripts/bench-packages)
and redis-server (scripts/system-packages).
"""

import http.client
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
PASSWORD = "sekretariat-demo"  # noqa: S105 - the README's demo password
MEMBER = "johanna.odo@example.se"  # Johanna Odö (S), ledamot of SRB
SECRETARY = "elin.hellstrom@example.se"  # Elin Hellström, SRB's secretary in the demo
# page/static, at least (issue 15); the anonymous page is answered from the response cache.
TARGETS = {"anonymous": 0.5, "member": 0.3, "secretary": 0.2}
P99_LIMIT_MS = 100.0  # for the anonymous and the member's pages


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


@contextmanager
def _redis(folder: Path):
    """A throwaway redis-server for the login limits (gunicorn.conf.py refuses several workers
    counting logins in memory); yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is missing: run scripts/system-packages (as root)")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


class Browser:
    """One visitor's cookies, kept by hand: the production session cookie is Secure, which
    urllib's cookie jar would not send over the benchmark's plain HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        """Status, Location and body; redirects are not followed."""
        headers = {"Cookie": self.cookie} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value
            return response.status, response.headers.get("Location", ""), content
        finally:
            connection.close()

    def get(self, path: str, *expected: str) -> bytes:
        """The page at ``path``, which must answer 200 and contain each ``expected`` text."""
        status, _, content = self.request("GET", path)
        text = content.decode()
        missing = [e for e in expected if e not in text]
        if status != 200 or missing:
            sys.exit(f"GET {path} as {self.cookies.keys() or 'anonymous'}: {status}, {missing}")
        return content

    def post(self, path: str, form: dict[str, str], token_from: bytes) -> str:
        """POST ``form`` with the CSRF token of the page ``token_from``; the redirect target."""
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', token_from)
        assert token, "the page has no CSRF token"
        status, location, _ = self.request(
            "POST", path, {**form, "csrf_token": token.group(1).decode()}
        )
        if status not in (302, 303):
            sys.exit(f"POST {path}: {status}")
        # Where the answer sends us, once: shows (and so clears) its flashed message, which
        # would otherwise stay in the session cookie wrk sends with every request.
        target = urlsplit(location)
        target_path = target.path + (f"?{target.query}" if target.query else "")
        if self.request("GET", target_path)[0] != 200:
            sys.exit(f"POST {path} led to {location}, which does not answer 200")
        return location

    def login(self, email: str) -> None:
        location = self.post("/login", {"email": email, "password": PASSWORD}, self.get("/login"))
        if "login" in location:
            sys.exit(f"logging in as {email} did not work")


@dataclass
class Case:
    who: str
    page: str
    path: str
    browser: Browser
    expected: tuple[str, ...]
    prepare: object = None  # a callable run before the page is checked


def _wrk(url: str, seconds: int, cookie: str = "") -> dict[str, float]:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "10s", "--latency", *header, url],
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


def _ids(database: Path) -> dict[str, object]:
    """The SRB meeting with the justerat protokoll, and SRB's next meeting with its first item."""
    with sqlite3.connect(database) as connection:
        (meeting_id,) = connection.execute(
            "SELECT meeting_id FROM record_revisions WHERE public_html IS NOT NULL "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        (next_id,) = connection.execute(
            "SELECT id FROM meetings WHERE body_id = (SELECT body_id FROM meetings WHERE id = ?) "
            "AND meeting_date = '2024-06-14'",
            (meeting_id,),
        ).fetchone()
        item_id, title = connection.execute(
            "SELECT id, title FROM agenda_items WHERE meeting_id = ? ORDER BY position LIMIT 1",
            (next_id,),
        ).fetchone()
    # As much of the title as the page prints unescaped.
    return {
        "meeting": meeting_id,
        "next": next_id,
        "item": item_id,
        "title": re.split(r"[&<>\"']", title)[0],
    }


def _workers_rss(master: int) -> dict[int, float]:
    """Each gunicorn worker's resident size in MiB, by process id (Linux /proc)."""
    sizes = {}
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in map(int, children):
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            sizes[pid] = int(match.group(1)) / 1024
    return sizes


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
    ids = _ids(database)

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
    # A TERM (a timeout, make's ^C) still stops gunicorn and removes the static files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    static_files: list[Path] = []
    results: dict[tuple[str, str], tuple[str, int, dict, dict]] = {}
    with _redis(folder) as redis_url:
        production["RATELIMIT_STORAGE_URI"] = redis_url
        server = subprocess.Popen(
            [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT, env=production
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(f"{base}/login")
            anonymous, member, secretary = Browser(port), Browser(port), Browser(port)
            member.login(MEMBER)
            secretary.login(SECRETARY)
            meeting, upcoming, item = ids["meeting"], ids["next"], ids["item"]
            memory_before = _workers_rss(server.pid)

            def start_record() -> None:
                editor = secretary.get(f"/meetings/{upcoming}/agenda")
                secretary.post(f"/meetings/{upcoming}/record/start", {}, editor)

            srb = "Strategisk regional beredning"
            cases = [
                Case("anonymous", "protokoll", f"/protokoll/{meeting}", anonymous, (srb,)),
                Case(
                    "member",
                    "meeting",
                    f"/meetings/{meeting}",
                    member,
                    ("Johanna Odö", f"{srb} 2024-04-19"),
                ),
                Case(
                    "member",
                    "record",
                    f"/meetings/{meeting}/record",
                    member,
                    ("Johanna Odö", f"{srb} 2024-04-19", "Protokoll"),
                ),
                Case(
                    "secretary",
                    "agenda",
                    f"/meetings/{upcoming}/agenda",
                    secretary,
                    ("Elin Hellström", f"{srb} 2024-06-14", str(ids["title"])),
                ),
                Case(
                    "secretary",
                    "item",
                    f"/items/{item}/record",
                    secretary,
                    ("Elin Hellström", str(ids["title"]), 'name="text"'),
                    start_record,
                ),
            ]
            for case in cases:
                if callable(case.prepare):
                    case.prepare()
                page = case.browser.get(case.path, *case.expected)
                if case.who == "anonymous" and case.browser.cookies:
                    sys.exit(f"an anonymous reader of {case.path} was given a cookie")
                static_name = f"bench-{case.who}-{case.page}-{os.getpid()}.html"
                static_files.append(ROOT / "static" / static_name)
                static_files[-1].write_bytes(page)
                static_url = f"{base}/static/{static_name}"
                with urllib.request.urlopen(static_url) as response:
                    assert response.read() == page
                page_url = f"{base}{case.path}"
                _wrk(page_url, 2, case.browser.cookie)  # warm both workers
                if os.environ.get("BENCH_HOLD"):
                    print(page_url, static_url, case.browser.cookie, flush=True)
                    time.sleep(float(os.environ["BENCH_HOLD"]))
                results[(case.who, case.page)] = (
                    case.path,
                    len(page),
                    _wrk(page_url, seconds, case.browser.cookie),
                    _wrk(static_url, seconds),
                )
            memory_after = _workers_rss(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            for static_file in static_files:
                static_file.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)

    print(
        f"Reading: gunicorn 2 sync workers, wrk -t2 -c50 -d{seconds}s, "
        "each page and then its bytes as a static file"
    )
    ratios = {}
    for (who, name), (path, size, page, static) in results.items():
        ratio = page["rps"] / static["rps"]
        ratios[(who, name)] = ratio
        print(f"{who} {name}: {path} ({size // 1024} kB)")
        for label, figures in (("page", page), ("same bytes, static", static)):
            print(
                f"  {label:20} {figures['rps']:8.1f} req/s   p50 {figures['p50']:7.1f} ms   "
                f"p99 {figures['p99']:7.1f} ms   {int(figures['errors'])} errors "
                f"of {int(figures['requests'])}"
            )
        target = TARGETS[who]
        met = ratio >= target and page["errors"] == 0 and static["errors"] == 0
        if who != "secretary":
            met = met and page["p99"] <= P99_LIMIT_MS
            limit = f", p99 ≤ {P99_LIMIT_MS:.0f} ms"
        else:
            limit = ""
        verdict = "meets" if met else "MISSES"
        print(
            f"  ratio page/static {ratio:.2f} {verdict} the target ≥ {target}{limit}, zero errors"
        )
    served = sum(page["requests"] + static["requests"] for _p, _s, page, static in results.values())
    print(
        f"Memory: each worker's resident size after logging in, and after about {served:,} "
        "requests of all the pages above (a worker replaced meanwhile shows a new id)"
    )
    for pid, size in sorted(memory_before.items()):
        print(f"  worker {pid}: {size:6.1f} MiB before")
    for pid, size in sorted(memory_after.items()):
        print(f"  worker {pid}: {size:6.1f} MiB after")
    print(f"memory worker max_rss_mib {max(memory_after.values()):.1f}")
    for (who, name), ratio in ratios.items():
        print(f"ratio {who} {name} {ratio:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
