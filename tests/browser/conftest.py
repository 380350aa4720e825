"""Browser tests: Debian's Chromium, driven by Playwright, against the app served live.

The app runs in a real HTTP server (werkzeug, in a thread of the test process) on a free
loopback port, on a SQLite database file the tests also seed through the usual factories:
this package's ``app`` fixture replaces the suite's in-memory one, which a server thread
cannot share. The other fixtures (``factory``, ``demo``, ``smtp_server``, the cleaning after
each test) work unchanged on it.

They run in the SQLite pass of ``scripts/run-tests`` only: with TEST_DATABASE_URL naming
PostgreSQL they are skipped, since the browser adds nothing there that the HTTP tests of the
PostgreSQL pass do not already cover and a second run would double CI's slowest tests.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``scripts/system-packages``):
Playwright's own browser download does not work offline. Where it is missing the tests skip,
except in CI (env CI set), where that is a failure. Screenshots of each step are kept under
``test-artifacts/e2e/``.
"""

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.signing.keys import init_dev_signing

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, and nothing that would reach out to the network on its own (the CI network is
# closed and refuses Chromium's background connections).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
T = TypeVar("T")
# How long a click or an expectation waits for the page: generous upper bounds (rendering and
# signing a PDF on a busy CI machine takes seconds), never a measured time.
TIMEOUT_MS = 30_000


def require_chromium() -> None:
    """Skip without Chromium or Playwright, except in CI, where that is a failure."""
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"{CHROMIUM} not installed (Debian: chromium; scripts/system-packages installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (requirements-dev.txt)"
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the browser tests")
    pytest.skip(reason)


def _skip_on_postgresql() -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and make_url(url).get_backend_name() == "postgresql":
        pytest.skip("browser tests run in the SQLite pass only (see tests/browser/conftest.py)")


@pytest.fixture(scope="package")
def app(tmp_path_factory) -> Iterator[Flask]:
    """The app on a SQLite file, with a development CA of its own."""
    _skip_on_postgresql()
    require_chromium()
    folder = tmp_path_factory.mktemp("browser-app")
    app = create_app(
        "testing",
        overrides={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'sekretariat.db'}",
            "SIGNING_DIR": str(folder / "signing"),
            "STORAGE_PATH": str(folder / "storage"),
        },
    )
    with app.app_context():
        db.create_all()
    init_dev_signing(app.config["SIGNING_DIR"], password=app.config["SIGNING_PKCS12_PASSWORD"])
    yield app
    with app.app_context():
        db.engine.dispose()


class LiveServer:
    """The app served over HTTP from a thread of the test process."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


@pytest.fixture(scope="package")
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def browser(app: Flask):
    """Chromium, for this package's tests only: while Playwright's sync API runs, its event
    loop is the main thread's, and asyncio.run() there (pyHanko signs with it) fails; so the
    rest of the suite must run without it, and this package's own setup that signs runs in a
    thread of its own (``in_thread``)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server: LiveServer) -> Iterator[Callable[[], object]]:
    """A page in a fresh browser context (its own cookies: one person each), on the server.

    What the browser reports as an error on the way (a script error, a style or script the
    Content-Security-Policy refused) fails the test; a response's status is the test's to
    check, so "Failed to load resource" is not counted."""
    contexts = []
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"{message.location.get('url', '')}: {message.text}")

    def make():
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


def in_thread(work: Callable[[], T]) -> T:
    """``work()`` run in a new thread (where no event loop runs), its result or its error."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


# axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA, and its best practices; a finding
# fails the test when its impact is serious or critical.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}


@dataclass
class Finding:
    where: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (" …" if len(self.targets) > 3 else "")
        return f"[{self.impact}] {self.where}: {self.rule} ({self.help}) at {shown}"


class AccessibilityScan:
    """axe-core (bundled with axe-playwright-python: nothing is fetched) run on pages as
    they are shown; every finding is kept, and written to test-artifacts/e2e/<name>-axe.txt."""

    def __init__(self, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self._axe = Axe()
        self.report = ARTIFACTS / f"{name}-axe.txt"
        self.pages: list[str] = []
        self.findings: list[Finding] = []

    def __call__(self, page, where: str) -> None:
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = self._axe.run(page, options=options).response
        self.pages.append(where)
        self.findings.extend(
            Finding(
                where,
                violation["id"],
                violation["impact"] or "unknown",
                violation["help"],
                [json.dumps(node["target"]) for node in violation["nodes"]],
            )
            for violation in results["violations"]
        )

    def assert_nothing_serious(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        lines = [f"{len(self.pages)} pages scanned:", *(f"  {p}" for p in self.pages)]
        lines += [str(f) for f in self.findings] or ["No violations."]
        self.report.write_text("\n".join(lines) + "\n")
        serious = [str(f) for f in self.findings if f.impact in FAILING_IMPACTS]
        assert not serious, "\n".join(serious)


@pytest.fixture
def axe_scan(request) -> AccessibilityScan:
    return AccessibilityScan(request.node.name.removeprefix("test_"))


class Screenshots:
    """Numbered full-page screenshots, test-artifacts/e2e/<prefix>-01-<step>.png, …, and
    files the browser fetched (a PDF) numbered among them. With a scan, each page shot is
    also scanned for accessibility."""

    def __init__(self, prefix: str, scan: AccessibilityScan | None = None) -> None:
        self.prefix = prefix
        self.scan = scan
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob(f"{prefix}-*"):
            old.unlink()

    def _path(self, step: str, suffix: str) -> Path:
        self.count += 1
        return ARTIFACTS / f"{self.prefix}-{self.count:02d}-{step}{suffix}"

    def __call__(self, page, step: str) -> Path:
        path = self._path(step, ".png")
        page.screenshot(path=str(path), full_page=True)
        if self.scan is not None:
            self.scan(page, f"{path.stem} {page.url}")
        return path

    def keep(self, data: bytes, step: str, suffix: str) -> Path:
        path = self._path(step, suffix)
        path.write_bytes(data)
        return path


@pytest.fixture
def screenshots(request, axe_scan) -> Screenshots:
    """Screenshots of each step, each step's page scanned with axe as well."""
    return Screenshots(request.node.name.removeprefix("test_"), axe_scan)


def log_in(page, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("E-post", exact=True).fill(email)
    page.get_by_label("Lösenord", exact=True).fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def confirm(page: Any, label: str, yes: str) -> None:
    """A step that cannot be undone: open its button (a details summary), read what it will
    do, then press the panel's own button."""
    # Here, as above: the module loads without Playwright (its tests are skipped then).
    from playwright.sync_api import expect

    step = page.locator("details.confirm", has=page.locator("summary", has_text=label))
    step.locator("summary").click()
    expect(step.locator(".confirm-panel p")).to_be_visible()
    step.get_by_role("button", name=yes).click()


def pick(scope: Any, label: str, option: str) -> None:
    """Choose a person in a people picker as a user does: type the name, take the match with
    the arrow key and Enter (static/js/picker.js)."""
    # Here, as above: the module loads without Playwright (its tests are skipped then).
    from playwright.sync_api import expect

    box = scope.get_by_role("combobox", name=label, exact=True)
    box.fill(option)
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value(option)
