"""The Swedish catalogue is complete: every string the code and templates use is translated."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_swedish_catalogue_covers_every_ui_string(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        used = {m.id for m in read_po(handle) if m.id}
    # The extraction must really see the code and the templates, or this test proves nothing.
    assert {"Log in", "Wrong email or password.", "Skip to content"} <= used
    with (ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(str(i) for i in used - translated)
    assert missing == [], f"untranslated (run `make translations-update` and translate): {missing}"


def test_pages_are_swedish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in" in page and "Lösenord" in page
    assert "Password" not in page
