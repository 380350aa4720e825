"""Every document has an owner: the body it was filed for, or an organisation as a whole.

Confidentiality is judged by the owner (app.accounts.permissions), so a document must have one
before anyone but an admin can read it if it is not public. The services give it explicitly
(``give_owner``); so that every path holds (jobs, commands, imports, tests), each flush also
gives a document without an owner the body of the first item or planned topic it is attached
to (app.agenda.ownership, where documents are attached). An owner, once given, never changes by
attaching the document elsewhere.
"""

from typing import Any

from app.cases.models import Document


def give_owner(document: Document, body: Any) -> None:
    """Make ``body`` the owner of ``document`` unless it has one already."""
    if document.owner_body_id is not None or document.owner_organisation_id is not None:
        return
    if document.owner_body is not None or document.owner_organisation is not None:
        return
    document.owner_body = body
    document.owner_organisation = body.organisation
