"""Rules for organisations."""

import base64
import logging
import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.services import add_record, change_record
from app.documents.images import CheckedImage
from app.documents.storage import StorageError, read_bytes, store_bytes
from app.extensions import db
from app.organisations.models import Organisation

log = logging.getLogger(__name__)


def _validate(values: dict[str, Any], organisation: Organisation | None = None) -> None:
    pattern = values.get("case_number_pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise DomainError(
                _("Not a valid regular expression: %(error)s", error=str(error)),
                field="case_number_pattern",
            ) from error
    clash = db.session.scalar(select(Organisation).where(Organisation.name == values["name"]))
    if clash is not None and clash is not organisation:
        raise DomainError(_("An organisation with this name already exists."), field="name")
    if organisation is not None and values.get("parent_id") == organisation.id:
        raise DomainError(_("An organisation cannot be part of itself."), field="parent_id")


def create_organisation(actor: Actor, **values: Any) -> Organisation:
    """Register an organisation that bodies belong to and people represent."""
    _validate(values)
    return add_record(actor, Organisation(**values))


def update_organisation(
    actor: Actor, organisation: Organisation, version: int | None, **values: Any
) -> Organisation:
    _validate(values, organisation)
    return change_record(actor, organisation, version, values)


def set_logo(actor: Actor, organisation: Organisation, image: CheckedImage) -> Organisation:
    """Store a checked image (``app.documents.images.check_image_upload``) as the logo the
    letterhead prints from now on. Documents already stored keep the logo they were made
    with: a justerat protokoll, its public copy, a sent kallelse never change."""
    return change_record(actor, organisation, None, {"logo_sha256": store_bytes(image.data)})


def remove_logo(actor: Actor, organisation: Organisation) -> Organisation:
    """The letterhead prints the name alone again (the stored file stays: documents made
    with it may still be read)."""
    if organisation.logo_sha256 is None:
        raise DomainError(_("The organisation has no logo to remove."))
    return change_record(actor, organisation, None, {"logo_sha256": None})


def logo_data_uri(organisation: Organisation) -> str | None:
    """The logo as a ``data:`` URI, for a page or a PDF (the PDF renderer fetches nothing
    but static files and data URIs); None when there is none, or its file is missing or
    damaged in storage (then the letterhead prints the name alone, and the log says why)."""
    if organisation.logo_sha256 is None:
        return None
    try:
        data = read_bytes(organisation.logo_sha256)
    except StorageError as error:
        log.warning("the logo of organisation %s cannot be read: %s", organisation.id, error)
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
