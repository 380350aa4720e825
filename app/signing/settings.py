"""The SIGNING_* settings with their defaults resolved, read lazily from the current app.

config.py cannot know the instance folder, so an unset path falls back here, when it is used:
the development CA and seal that ``flask signing init-dev`` made in ``<instance>/signing/``,
but only if those files exist. Nothing is created behind anyone's back.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from app.signing.keys import CA_CERT, PERSONAL, SEAL


@dataclass(frozen=True)
class SigningSettings:
    folder: Path  # where init-dev keeps the development CA and seal
    pkcs12: Path | None  # the organisation's seal, None when there is none
    password: str | None
    personal_dir: Path | None  # <email>.p12 personal certificates
    personal_password: str | None
    trust_roots: tuple[Path, ...]  # PEM (or DER) certificates trusted when verifying
    tsa_url: str | None  # RFC 3161 timestamp server: signatures become PAdES B-T


def signing_settings(app: Flask | None = None) -> SigningSettings:
    """The settings of ``app`` (default: the current app)."""
    config = (app or current_app).config
    instance_path = (app or current_app).instance_path
    folder = Path(config.get("SIGNING_DIR") or Path(instance_path) / "signing")
    password = config.get("SIGNING_PKCS12_PASSWORD") or None
    return SigningSettings(
        folder=folder,
        pkcs12=_path_or_default(config.get("SIGNING_PKCS12"), folder / SEAL),
        password=password,
        personal_dir=_path_or_default(config.get("SIGNING_PERSONAL_DIR"), folder / PERSONAL),
        personal_password=config.get("SIGNING_PERSONAL_PASSWORD") or password,
        trust_roots=_trust_roots(config.get("SIGNING_TRUST_ROOTS"), folder / CA_CERT),
        tsa_url=config.get("SIGNING_TSA_URL") or None,
    )


def _path_or_default(value: str | os.PathLike | None, default: Path) -> Path | None:
    if value:
        return Path(value)
    return default if default.exists() else None


def _trust_roots(
    value: str | Iterable[str | os.PathLike] | None, default: Path
) -> tuple[Path, ...]:
    if isinstance(value, str):  # an environment variable: paths separated like PATH
        value = [part for part in value.split(os.pathsep) if part]
    if value:
        return tuple(Path(path) for path in value)
    return (default,) if default.exists() else ()
