"""The import rules (docs/architecture.md) hold for the code, and their checks can fail."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "scripts" / "check-function-imports.py"


def _check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECKER), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_the_code_keeps_the_import_contracts():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def test_no_import_hides_in_a_function_of_the_code():
    result = _check()
    assert result.returncode == 0, result.stdout


def test_an_import_inside_a_function_needs_a_reason(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def quiet():\n"
        "    from app.agenda.models import AgendaItem\n"
        "    return AgendaItem\n"
        "\n"
        "\n"
        "def explained():\n"
        "    # imported here: a cycle documented in docs/architecture.md\n"
        "    from app.record.rendering import record_pdf\n"
        "    return record_pdf\n"
        "\n"
        "\n"
        "def mumbled():\n"
        "    import json  # imported here:\n"
        "    return json\n"
    )
    result = _check(module)
    assert result.returncode == 1
    flagged = {line.split(":")[1] for line in result.stdout.splitlines()}
    assert flagged == {"2", "13"}  # without a reason, and with an empty one
