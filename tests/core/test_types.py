"""mypy (make lint, scripts/run-tests) checks every package's services and jobs: a new one is
not forgotten in pyproject.toml (docs/architecture.md "Types")."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_checks_every_service_and_job_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    checked = set(config["files"])
    modules = sorted(ROOT.glob("app/*/services.py")) + sorted(ROOT.glob("app/*/jobs.py"))
    missing = [
        path.relative_to(ROOT).as_posix()
        for path in modules
        if path.relative_to(ROOT).as_posix() not in checked
        and path.parent.relative_to(ROOT).as_posix() not in checked
    ]
    assert missing == []
