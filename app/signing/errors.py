"""The one error signing raises for a reason a user or an administrator can act on."""

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError


class SigningError(DomainError):
    """The document could not be signed; the message says why, in the user's language."""

    @staticmethod
    def default_message() -> str:
        return str(_l("The document could not be signed."))
