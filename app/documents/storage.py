"""Content-addressed file storage: bytes are stored once under their sha256.

Files live under ``STORAGE_PATH/ab/cd/<sha256>``; a folder shared by every app server. Reading
checks the hash, so a file damaged on disk is never served as if it were the original.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


class StorageError(Exception):
    pass


def _root() -> Path:
    return Path(current_app.config["STORAGE_PATH"])


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise StorageError(f"not a sha256 digest: {sha256!r}")
    return _root() / sha256[:2] / sha256[2:4] / sha256


def store_bytes(data: bytes) -> str:
    """Store ``data`` and return its sha256; storing the same bytes twice is a no-op."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(data)
        temporary = Path(handle.name)
    os.replace(temporary, target)
    return digest


def read_bytes(sha256: str) -> bytes:
    target = path_for(sha256)
    if not target.exists():
        raise StorageError(f"no stored file {sha256}")
    data = target.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StorageError(f"stored file {sha256} is damaged")
    return data
