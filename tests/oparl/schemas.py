"""Validating API objects against the OParl 1.1 JSON schemas (vendored in ``oparl-1.1/``).

The schemas embed each other by a keyword of their own, ``"schema": "File.json"`` next to
``"type": "object"``; JSON Schema would ignore it. Each such place becomes a ``$ref`` to the
named schema, resolved in a ``referencing`` registry holding all twelve under their
``https://schema.oparl.org/1.1/`` URIs, so an embedded File is checked as a File. Formats are
asserted: ``url`` an absolute http(s) URL, ``date-time`` with its offset, ``date`` a day.
"""

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).parent / "oparl-1.1" / "schema"
BASE = "https://schema.oparl.org/1.1/"
TYPE_PREFIX = "https://schema.oparl.org/1.1/"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")

checker = FormatChecker()


@checker.checks("url")
def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(DATE_TIME.match(value)) and datetime.fromisoformat(value).tzinfo is not None


@checker.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))


def _with_refs(node: Any) -> Any:
    """Turn ``{"type": "object", "schema": "X.json"}`` into ``{"type": "object", "$ref":
    "X.json"}``, everywhere in a schema."""
    if isinstance(node, list):
        return [_with_refs(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _with_refs(value) for key, value in node.items()}
    target = node.get("schema")
    if node.get("type") == "object" and isinstance(target, str) and target.endswith(".json"):
        node["$ref"] = node.pop("schema")
    return node


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """The schemas by type name ("Meeting"), rewritten and given their URIs."""
    found = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = _with_refs(json.loads(path.read_text(encoding="utf-8")))
        schema["$id"] = BASE + path.name
        found[path.stem] = schema
    return found


@cache
def registry() -> Registry:
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schemas().values()
    )


TOMBSTONE_KEYS = ("id", "type", "created", "modified", "deleted")


@cache
def validator(type_name: str, deleted: bool = False) -> Draft202012Validator:
    """The schema of a type; for a deleted object (a tombstone) the same properties, but only
    what a tombstone keeps is required, and nothing else is allowed."""
    schema = schemas()[type_name]
    if deleted:
        schema = {
            **schema,
            "required": list(TOMBSTONE_KEYS),
            "propertyNames": {"enum": list(TOMBSTONE_KEYS)},
            "properties": {**schema["properties"], "deleted": {"const": True}},
        }
    return Draft202012Validator(schema, registry=registry(), format_checker=checker)


def type_name(obj: dict[str, Any]) -> str:
    assert obj["type"].startswith(TYPE_PREFIX), obj["type"]
    return obj["type"].removeprefix(TYPE_PREFIX)


def errors(obj: dict[str, Any]) -> list[str]:
    """Every way ``obj`` breaks the schema of its ``type``."""
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(type_name(obj), obj.get("deleted") is True).iter_errors(obj)
    ]
