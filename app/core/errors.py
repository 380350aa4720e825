"""Domain errors raised by services and turned into messages by views."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user as is."""

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        super().__init__(message or self.default_message())
        self.message = str(message or self.default_message())
        self.field = field

    @staticmethod
    def default_message() -> str:
        return str(_l("The change could not be made."))


class ConflictError(DomainError):
    """Somebody else saved the record after this form was loaded."""

    @staticmethod
    def default_message() -> str:
        return str(
            _l(
                "Someone else changed this record while you were editing it. "
                "Your text is kept below; compare it with the saved version and save again."
            )
        )


def check_version(record: object, submitted_version: int | None) -> None:
    """Raise ConflictError when the form was loaded from an older version of ``record``."""
    if submitted_version is None:
        return
    try:
        version = int(submitted_version)
    except (TypeError, ValueError):
        raise ConflictError() from None  # a garbled form: never save over the record blindly
    if version != record.version:  # type: ignore[attr-defined]
        raise ConflictError()
