"""Password hashing with argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200

# Passwords long enough to pass the length rule that attackers try first anyway: the top of
# the leaked-password lists, Swedish favourites and this application's own name. Compared
# without case, spaces and trailing digits or punctuation.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "abcdefghijkl",
        "qwertyuiopasdf",
        "qwertyuiopå",
        "qwertyuiopåasdf",
        "asdfghjklöä",
        "password",
        "passwordpassword",
        "iloveyouiloveyou",
        "letmeinletmein",
        "administrator",
        "administratör",
        "welcome",
        "välkommen",
        "lösenord",
        "lösenordlösenord",
        "sommar",
        "sommarsommar",
        "hemligt",
        "hemligthemligt",
        "sekretariat",
        "sekretariatet",
        "sekreterare",
        "protokoll",
        "kommunen",
        "regionen",
        "changeme",
        "changemechangeme",
        "trustno1trustno1",
        "football",
        "baseball",
        "superman",
        "princess",
        "qwerty",
        "qwertyqwerty",
        "dragon",
        "monkey",
        "sunshine",
        "starwars",
        "whatever",
    }
)


def _normalised(text: str) -> str:
    return "".join(text.lower().split()).rstrip("0123456789!?.-_#@*")


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used for the account ``email``, or None if it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    plain = _normalised(password)
    if email:
        address = email.strip().lower()
        if plain in (_normalised(address), _normalised(address.split("@")[0])):
            return _("The password must not be your email address.")
    if plain in COMMON_PASSWORDS or len(set(plain)) <= 2:
        return _("This password is too common and easy to guess. Choose another one.")
    return None


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config.get("ARGON2_PARAMS", {}))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when no account matches, so a login for an unknown address
# does the same work as one for a known address (one verification) and reveals nothing.
# Made once per set of hashing parameters, so no extra hashing happens on the unknown path.
_dummy_hashes: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    hasher = _hasher()
    key = repr(sorted(current_app.config.get("ARGON2_PARAMS", {}).items()))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not-a-real-password")
    verify_password(_dummy_hashes[key], password)
