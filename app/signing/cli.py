"""``flask signing``: the development CA and seal, and personal certificates for the demo."""

import click
from flask import current_app
from flask.cli import with_appcontext

from app.signing.keys import (
    DEFAULT_ORGANISATION,
    PERSONAL,
    KeyMaterialError,
    init_dev_signing,
    issue_personal_certificate,
    load_ca,
)
from app.signing.settings import signing_settings


@click.group("signing")
def signing_group() -> None:
    """Signing keys: a development CA, the organisation's seal, personal certificates."""


def _password() -> str:
    password = signing_settings().password
    if not password:
        raise click.ClickException("Set SIGNING_PKCS12_PASSWORD: it protects the keys.")
    return password


@signing_group.command("init-dev")
@click.option(
    "--organisation",
    default=DEFAULT_ORGANISATION,
    show_default=True,
    help="O= of the CA and the seal.",
)
@click.option(
    "--force", is_flag=True, help="Replace existing keys (earlier signatures lose trust)."
)
@with_appcontext
def init_dev_command(organisation: str, force: bool) -> None:
    """Create a development CA and the organisation's seal (kept if they exist)."""
    if not current_app.config.get("SIGNING_DEV_KEYS_ALLOWED"):
        raise click.ClickException(
            "init-dev makes development keys; production uses SIGNING_PKCS12 and "
            "SIGNING_TRUST_ROOTS from the organisation's own CA."
        )
    folder = signing_settings().folder
    try:
        files = init_dev_signing(
            folder, password=_password(), organisation=organisation, force=force
        )
    except (KeyMaterialError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(("Created" if files.created else "Kept the existing") + " development signing keys:")
    click.echo(f"  CA certificate (trust root): {files.ca_cert}")
    click.echo(f"  organisation seal (PKCS#12): {files.seal}")
    if not files.created:
        click.echo("Run with --force to replace them.")


@signing_group.command("issue-personal")
@click.option("--name", required=True, help="The person's name, as the certificate shows it.")
@click.option("--email", required=True, help="Their email address: signatures find it by it.")
@click.option("--organisation", default=DEFAULT_ORGANISATION, show_default=True)
@with_appcontext
def issue_personal_command(name: str, email: str, organisation: str) -> None:
    """Issue a personal certificate from the development CA (replaces an existing one)."""
    settings = signing_settings()
    password = _password()
    personal_dir = settings.personal_dir or settings.folder / PERSONAL
    try:
        ca = load_ca(settings.folder, password)
        path = issue_personal_certificate(
            ca,
            personal_dir,
            name=name,
            email=email,
            password=settings.personal_password or password,
            organisation=organisation,
        )
    except (KeyMaterialError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Issued {name}'s certificate: {path}")
