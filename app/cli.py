"""Flask commands: accounts and demo data."""

import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from app.accounts.services import create_user
from app.agenda.rendering import agenda_pdf, packet_pdf
from app.backup.cli import export_command, import_command
from app.bodies.models import Body
from app.core.errors import DomainError
from app.documents.storage import read_bytes
from app.extensions import db
from app.justering.services import justered_revision
from app.justering.verification import verify_upload
from app.meetings.models import Meeting
from app.people.models import Person
from app.record.rendering import extract_pdf, record_pdf
from app.signing.backends import signing_configured
from app.signing.cli import signing_group


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_synthetic_command)
    app.cli.add_command(agenda_group)
    app.cli.add_command(record_group)
    app.cli.add_command(verify_pdf_command)
    app.cli.add_command(signing_group)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Give the account the administrator role.")
@click.option("--person", "person_name", help="Link the account to the person with this name.")
@with_appcontext
def create_user_command(email: str, password: str, admin: bool, person_name: str | None) -> None:
    """Create a login account."""
    person_id = None
    if person_name:
        people = db.session.scalars(select(Person).where(Person.name == person_name)).all()
        if len(people) != 1:
            raise click.ClickException(
                f"{len(people)} people are named {person_name!r}; exactly one is needed."
            )
        person_id = people[0].id
    try:
        user = create_user(
            None, email=email, password=password, is_admin=admin, person_id=person_id
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.email}{' (admin)' if admin else ''}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo data from the seeds (safe to run again: it updates, never duplicates)."""
    # imported here: the demo package (every domain, YAML) only for this command
    from app.demo.loader import load_demo

    summary = load_demo()
    db.session.commit()
    for name, count in summary.items():
        click.echo(f"{name}: {count}")
    # imported here: the demo package (every domain, YAML) only for this command
    from app.demo.cycle import run_srb_cycle

    if not signing_configured():
        click.echo("Signing is not configured (run `flask signing init-dev`): the SRB protokoll")
        click.echo("stays unsigned.")
    elif run_srb_cycle():
        db.session.commit()
        click.echo("SRB 2024-04-19: protokoll justerat, signed and posted on the anslagstavla.")


@click.command("seed-synthetic")
@click.option("--bodies", default=30, show_default=True, help="Number of bodies.")
@click.option("--years", default=10, show_default=True, help="Years of meetings per body.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same data).")
@with_appcontext
def seed_synthetic_command(bodies: int, years: int, seed: int) -> None:
    """Synthetic volume for benchmarks: kommuner, nämnder, ten meetings a year with 15 items."""
    # imported here: the demo package (every domain, YAML) only for this command
    from app.demo.synthetic import SyntheticError, seed_synthetic

    start = time.perf_counter()
    try:
        summary = seed_synthetic(db.session.connection(), bodies=bodies, years=years, seed=seed)
    except SyntheticError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for name, count in summary.items():
        click.echo(f"{name}: {count}")
    click.echo(f"in {time.perf_counter() - start:.1f} s")


@click.group("agenda")
def agenda_group() -> None:
    """Agendas: render the föredragningslista and the handlingar."""


@agenda_group.command("pdf")
@click.option("--body", "body_name", required=True, help="The body's name or short name.")
@click.option("--date", "meeting_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--handlingar", is_flag=True, help="The whole packet: agenda and beslutsunderlag.")
@with_appcontext
def agenda_pdf_command(body_name: str, meeting_date, output: str, handlingar: bool) -> None:
    """Write a meeting's föredragningslista (or, with --handlingar, the packet) as PDF."""
    meeting = _find_meeting(body_name, meeting_date)
    _write(output, packet_pdf(meeting) if handlingar else agenda_pdf(meeting))


def _find_meeting(body_name: str, meeting_date):

    bodies = db.session.scalars(
        select(Body).where(or_(Body.name == body_name, Body.short_name == body_name))
    ).all()
    if len(bodies) != 1:
        raise click.ClickException(f"{len(bodies)} bodies are called {body_name!r}.")
    meeting = db.session.scalar(
        select(Meeting).where(
            Meeting.body_id == bodies[0].id, Meeting.meeting_date == meeting_date.date()
        )
    )
    if meeting is None:
        raise click.ClickException(f"{bodies[0].name} has no meeting on {meeting_date:%Y-%m-%d}.")
    return meeting


def _write(output: str, pdf: bytes) -> None:
    db.session.commit()  # the rendering is stored for the web pages too
    with open(output, "wb") as handle:
        handle.write(pdf)
    click.echo(f"Wrote {output} ({len(pdf)} bytes).")


@click.group("record")
def record_group() -> None:
    """Meeting records: render the minnesanteckningar or protokoll, and utdrag."""


@record_group.command("pdf")
@click.option("--body", "body_name", required=True, help="The body's name or short name.")
@click.option("--date", "meeting_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--items", help="An utdrag of these items, by number as printed: 5,7.")
@click.option("--signed", is_flag=True, help="The signed original of the justerat record.")
@click.option("--public", "public", is_flag=True, help="The public copy of the justerat record.")
@with_appcontext
def record_pdf_command(
    body_name: str, meeting_date, output: str, items: str | None, signed: bool, public: bool
) -> None:
    """Write a meeting's record as PDF, or with --items an utdrag of those items."""
    meeting = _find_meeting(body_name, meeting_date)
    if signed or public:
        revision = justered_revision(meeting)
        if revision is None:
            raise click.ClickException("This record is not signed (justerat) yet.")
        _write(
            output, read_bytes(revision.signed_pdf_sha256 if signed else revision.public_pdf_sha256)
        )
        return
    if not items:
        _write(output, record_pdf(meeting))
        return
    wanted = [part.strip().lstrip("§ ") for part in items.split(",") if part.strip()]
    by_number = {item.record_label.lstrip("§ "): item for item in meeting.items}
    unknown = [number for number in wanted if number not in by_number]
    if unknown:
        raise click.ClickException(f"No item numbered {', '.join(unknown)} in this record.")
    _write(output, extract_pdf(None, meeting, [by_number[number] for number in wanted]))


@click.command("verify-pdf")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def verify_pdf_command(files: tuple[str, ...]) -> None:
    """Check the signatures of each PDF and whether it is an archived record.

    Exits 1 unless every file's signatures are valid (every signature field signed) or the file
    is an archived public copy. A file that cannot be checked gets its reason in one line
    ("Error: FILE: reason"); the others are still checked."""
    genuine = True
    for file in files:
        genuine = _verify_one(file, several=len(files) > 1) and genuine
    if not genuine:
        raise SystemExit(1)


def _verify_one(file: str, *, several: bool) -> bool:
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        click.echo(f"Error: {file}: {error.strerror or error}", err=True)
        return False
    result = verify_upload(data)
    if result.report.error and result.revision is None:
        # Nothing to check (not a PDF, encrypted, damaged, unsigned): the reason, one line.
        click.echo(f"Error: {file}: {result.report.error}", err=True)
        return False
    if several:
        click.echo(f"{file}:")
    click.echo(result.as_text())
    return result.is_genuine
