"""`flask export ARCHIVE` and `flask import ARCHIVE`."""

import click
from flask.cli import with_appcontext

from app.backup.services import BackupError, export_archive, import_archive


@click.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(archive: str) -> None:
    """Write the database and every stored file, with checksums, to ARCHIVE (a .tar file)."""
    try:
        summary = export_archive(archive)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(summary.tables.values())
    click.echo(
        f"Exported {rows} rows in {len(summary.tables)} tables and {summary.files} files "
        f"(revision {summary.revision}) to {archive}."
    )


@click.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(archive: str) -> None:
    """Restore ARCHIVE (made by `flask export`) into an empty database."""
    try:
        summary = import_archive(archive)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(summary.tables.values())
    click.echo(f"Imported {rows} rows in {len(summary.tables)} tables and {summary.files} files.")
