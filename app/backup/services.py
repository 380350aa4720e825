"""Export everything to one archive and import it into an empty database.

The archive is a tar file:

- ``manifest.json``: format version, the database's Alembic revision, when it was made, the
  row count of every table and the sha256 of every other member;
- ``tables/NNN-<table>.jsonl``: each table's rows, one JSON object a line, the tables in
  dependency order (parents before children). Values that JSON lacks are tagged, so the
  archive moves between SQLite and PostgreSQL: ``{"$datetime": iso}``, ``{"$date": iso}``,
  ``{"$time": iso}``, ``{"$bytes": base64}``, ``{"$decimal": str}``, ``{"$json": value}``
  (a JSON column's value as is); enums are written as their stored name;
- ``files/<sha256>``: every stored file (app.documents.storage), under its own hash.

The search index is not exported: it is derived, and rebuilt after an import.
"""

import base64
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, Table, func, insert, select, text, update
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Connection

from app.documents.storage import store_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.search.index import rebuild_index

FORMAT = 1
MANIFEST = "manifest.json"
#: Derived tables, rebuilt rather than copied; and the data generation (the logged-in
#: readers' cache key, app/core/response_cache.py), which the migration makes and every
#: restored write raises.
DERIVED = {"search_entries", "data_generation"}
BATCH = 500


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why."""


@dataclass
class Summary:
    tables: dict[str, int]
    files: int
    revision: str | None


# -- values ------------------------------------------------------------------------------------


def _encode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, JSON):
        return {"$json": value}
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(column_type: Any, value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$json":
            return raw
        if tag == "$datetime":
            moment = datetime.fromisoformat(raw)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$time":
            return time.fromisoformat(raw)
        if tag == "$bytes":
            return base64.b64decode(raw)
        if tag == "$decimal":
            return Decimal(raw)
    enum_class = getattr(column_type, "enum_class", None)
    if isinstance(value, str) and isinstance(column_type, SAEnum) and enum_class is not None:
        return enum_class[value]
    return value


# -- the database --------------------------------------------------------------------------------


def tables() -> list[Table]:
    """Every table the archive holds, parents before children."""
    return [table for table in db.metadata.sorted_tables if table.name not in DERIVED]


def current_revision(connection: Connection) -> str | None:
    """The Alembic revision of the database; a database made by create_all (the tests) has
    none, and counts as the code's head revision."""
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision or head_revision()


def head_revision() -> str | None:
    config = Config()
    config.set_main_option(
        "script_location", str(Path(current_app.root_path).parent / "migrations")
    )
    return ScriptDirectory.from_config(config).get_current_head()


def _rows(connection: Connection, table: Table) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execute(select(table).order_by(*order))
    for row in result.mappings():
        encoded = {column.name: _encode(column.type, row[column.name]) for column in table.columns}
        yield json.dumps(encoded, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def _stored_files() -> list[Path]:
    root = Path(current_app.config["STORAGE_PATH"])
    if not root.exists():
        return []
    return sorted(
        path
        for path in root.glob("??/??/*")
        if path.is_file() and len(path.name) == 64 and path.parent.parent.parent == root
    )


# -- export ---------------------------------------------------------------------------------------


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0  # the same content makes the same archive
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def export_archive(target: str | Path) -> Summary:
    """Write the database and the stored files to ``target`` (a .tar file)."""
    connection = db.session.connection()
    members: dict[str, str] = {}
    counts: dict[str, int] = {}
    with tarfile.open(target, "w") as archive:
        for index, table in enumerate(tables()):
            data = b"".join(_rows(connection, table))
            name = f"tables/{index:03d}-{table.name}.jsonl"
            counts[table.name] = data.count(b"\n")
            members[name] = hashlib.sha256(data).hexdigest()
            _add(archive, name, data)
        files = _stored_files()
        for path in files:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != path.name:
                raise BackupError(f"the stored file {path.name} is damaged (its hash is {digest})")
            members[f"files/{digest}"] = digest
            _add(archive, f"files/{digest}", data)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "application": "sekretariat",
            "alembic_revision": current_revision(connection),
            "created_at": datetime.now(UTC).isoformat(),
            "database": connection.dialect.name,
            "tables": counts,
            "table_order": [table.name for table in tables()],
            "files": len(files),
            "members": members,
        }
        _add(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    db.session.rollback()
    return Summary(counts, len(files), manifest["alembic_revision"])


# -- import ---------------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(_read(archive, MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError("The archive has no readable manifest.json.") from error
    if manifest.get("format") != FORMAT or manifest.get("application") != "sekretariat":
        raise BackupError(
            f"The archive is not a Sekretariat archive of format {FORMAT} "
            f"(format {manifest.get('format')!r})."
        )
    return manifest


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.getmember(name)
    if not member.isfile():
        raise BackupError(f"{name} in the archive is not a file.")
    handle = archive.extractfile(member)
    assert handle is not None
    return handle.read()


def verify_archive(archive: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every member is listed in the manifest with its sha256, and nothing else is there."""
    listed = manifest.get("members") or {}
    present = {member.name for member in archive.getmembers()} - {MANIFEST}
    if present - set(listed):
        raise BackupError(
            "The archive holds files the manifest does not list: "
            + ", ".join(sorted(present - set(listed))[:5])
        )
    if set(listed) - present:
        raise BackupError(
            "The archive lacks files the manifest lists: "
            + ", ".join(sorted(set(listed) - present)[:5])
        )
    for name, expected in listed.items():
        actual = hashlib.sha256(_read(archive, name)).hexdigest()
        if actual != expected:
            raise BackupError(
                f"The archive is damaged or was changed: {name} has sha256 {actual}, "
                f"the manifest says {expected}. Nothing was imported."
            )


def _is_empty(connection: Connection) -> list[str]:
    return [
        table.name
        for table in tables()
        if connection.scalar(select(func.count()).select_from(table))
    ]


def import_archive(source: str | Path) -> Summary:
    """Restore an archive into this (empty) database and storage. All or nothing for the
    database: the rows are committed together, after every check has passed."""
    try:
        return _import_archive(source)
    except BaseException:
        db.session.rollback()
        raise


def _import_archive(source: str | Path) -> Summary:
    try:
        archive = tarfile.open(source, "r")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"The archive cannot be read: {error}") from error
    with archive:
        manifest = read_manifest(archive)
        verify_archive(archive, manifest)
        connection = db.session.connection()
        revision = current_revision(connection)
        if manifest.get("alembic_revision") != revision:
            raise BackupError(
                f"The archive was made at database revision {manifest.get('alembic_revision')}, "
                f"this database is at {revision}. Upgrade (flask db upgrade) to the same "
                "version of Sekretariat first."
            )
        filled = _is_empty(connection)
        if filled:
            raise BackupError(
                "The database is not empty (" + ", ".join(filled[:5]) + "): an archive is only "
                "imported into an empty database."
            )
        by_name = {table.name: table for table in tables()}
        unknown = set(manifest["tables"]) - set(by_name)
        if unknown:
            raise BackupError(f"The archive has tables this version lacks: {sorted(unknown)}")
        members = {
            name.split("-", 1)[1].removesuffix(".jsonl"): name
            for name in manifest["members"]
            if name.startswith("tables/")
        }
        counts: dict[str, int] = {}
        for table in tables():
            name = members.get(table.name)
            rows = _read(archive, name).splitlines() if name else []
            _insert(connection, table, rows)
            counts[table.name] = len(rows)
            if counts[table.name] != manifest["tables"].get(table.name, 0):
                raise BackupError(f"{table.name}: the manifest counts a different number of rows.")
        _reset_sequences(connection)
        _end_unfinished_jobs(connection)
        # The files before the commit: a file that fails its hash stops the import.
        files = 0
        for name in manifest["members"]:
            if not name.startswith("files/"):
                continue
            data = _read(archive, name)
            digest = name.removeprefix("files/")
            if hashlib.sha256(data).hexdigest() != digest:
                raise BackupError(f"The stored file {digest} in the archive is damaged.")
            store_bytes(data)
            files += 1

        rebuild_index(connection)
        db.session.commit()
    return Summary(counts, files, revision)


def _insert(connection: Connection, table: Table, lines: list[bytes]) -> None:
    columns = {column.name: column for column in table.columns}
    batch: list[dict[str, Any]] = []
    for line in lines:
        raw = json.loads(line)
        batch.append(
            {
                name: _decode(columns[name].type, value)
                for name, value in raw.items()
                if name in columns
            }
        )
        if len(batch) >= BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def _end_unfinished_jobs(connection: Connection) -> None:
    """A job that was queued or running when the archive was written (the export's own job, at
    least) has no worker in the restored installation: it ends as failed, saying why, and can
    be started again from its page."""
    jobs = Job.__table__
    assert isinstance(jobs, Table)
    connection.execute(
        update(jobs)
        .where(jobs.c.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(
            status=JobStatus.FAILED,
            error=_("Interrupted: the installation was restored from a backup."),
        )
    )


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which rows inserted with their ids leave
    behind: move each to the table's highest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            try:
                if column.type.python_type is not int:
                    continue
            except NotImplementedError:
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence:
                highest = connection.scalar(select(func.max(column))) or 0
                connection.execute(
                    text("SELECT setval(:sequence, :next, false)"),
                    {"sequence": sequence, "next": highest + 1},
                )
