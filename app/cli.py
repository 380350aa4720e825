"""Flask commands: accounts and demo data."""

import click
from flask import Flask
from flask.cli import with_appcontext

from app.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Give the account the administrator role.")
@click.option("--person", "person_name", help="Link the account to the person with this name.")
@with_appcontext
def create_user_command(email: str, password: str, admin: bool, person_name: str | None) -> None:
    """Create a login account."""
    from sqlalchemy import select

    from app.accounts.services import create_user
    from app.core.errors import DomainError
    from app.people.models import Person

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
    from app.demo.loader import load_demo

    summary = load_demo()
    db.session.commit()
    for name, count in summary.items():
        click.echo(f"{name}: {count}")
