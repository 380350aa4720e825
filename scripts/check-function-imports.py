#!/usr/bin/env python3
"""No import inside a function unless a comment beside it says why.

Imports belong at the top of a module, where the import rules (import-linter, pyproject.toml)
and a reader see them. An import inside a function is allowed only with a comment, on the
line above it or on one of its own lines, that starts ``# imported here:`` and gives the
reason (a heavy library only a command needs, a cycle that is documented). Alembic
migrations and the tests are not checked.

Usage: scripts/check-function-imports.py [PATH ...]  (default: app config.py)
"""

import ast
import sys
import tokenize
from pathlib import Path

MARKER = "# imported here:"
DEFAULT_PATHS = ("app", "config.py")


def _comments(path: Path) -> dict[int, str]:
    with tokenize.open(path) as source:
        return {
            token.start[0]: token.string
            for token in tokenize.generate_tokens(source.readline)
            if token.type == tokenize.COMMENT
        }


def _function_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(inner)
    return found


def check(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    comments = _comments(path)
    problems = []
    for node in sorted(set(_function_imports(tree)), key=lambda n: n.lineno):
        lines = range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)
        said = [comments.get(line, "") for line in lines]
        reason = max((c.partition(MARKER)[2].strip() for c in said if MARKER in c), default="")
        if len(reason) < 10:
            problems.append(
                f"{path}:{node.lineno}: import inside a function without "
                f"'{MARKER} <why>' on or above it"
            )
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [Path(p) for p in DEFAULT_PATHS]
    files = sorted(
        file
        for path in paths
        for file in (path.rglob("*.py") if path.is_dir() else [path])
        if "migrations" not in file.parts and "tests" not in file.parts
    )
    problems = [problem for file in files for problem in check(file)]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} import(s) inside functions without a reason.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
