"""Every view loads and authorises the record named in its URL one way, app.core.loading
(docs/architecture.md, "One load → authorise path"): no view module keeps a load-and-check
helper of its own or calls ``get_or_404``."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


PRIVATE_LOADER = re.compile(r"_(managed|manageable|readable|visible|own)_\w+")


def offences(source: str) -> list[str]:
    """What in a view module goes around the one path: a private load-and-check helper (by
    its name), a call of ``get_or_404`` (``db.get_or_404``, ``query.get_or_404``, bare), or a
    refusal of its own (``abort(403)``: ``loaded``, ``load`` and ``allowed`` refuse)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and PRIVATE_LOADER.fullmatch(
            node.name
        ):
            found.append(f"line {node.lineno}: helper {node.name}")
        elif isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name == "get_or_404":
                found.append(f"line {node.lineno}: get_or_404")
            elif name == "abort" and [ast.unparse(a) for a in node.args] == ["403"]:
                found.append(f"line {node.lineno}: abort(403)")
    return found


def _view_modules() -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("app/*/views.py"))


@pytest.mark.parametrize("module", _view_modules())
def test_views_load_their_records_through_core_loading(module: str):
    assert offences((ROOT / module).read_text(encoding="utf-8")) == [], module


def test_what_is_caught():
    source = """
from app.extensions import db

def _manageable_meeting(meeting_id):
    return db.get_or_404(Meeting, meeting_id)

def _visible_job(job_id): ...
def _own_thing(x): ...
def _readable_record(x): ...
def _managed_body(x): ...

def show(meeting_id):
    return get_or_404(Meeting, meeting_id)

def users():
    if not can_administer(current_user):
        abort(403)

def _meeting_form(meeting): ...      # a private helper with another name is fine
def visible_jobs(): ...              # and so is a public one
"""
    assert offences(source) == [
        "line 4: helper _manageable_meeting",
        "line 7: helper _visible_job",
        "line 8: helper _own_thing",
        "line 9: helper _readable_record",
        "line 10: helper _managed_body",
        "line 5: get_or_404",
        "line 13: get_or_404",
        "line 17: abort(403)",
    ]
