"""A real Redis server for the tests that need one: background jobs (a broker for Celery
workers) and login limits shared by workers. Started on a free loopback port, without
persistence, and stopped afterwards.

Skipped where redis-server is missing, except in CI (scripts/system-packages installs it)."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(folder: Path, wait: float = 60) -> Iterator[str]:
    """A running redis-server whose log is ``folder/redis.log``; yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        reason = "redis-server not installed (Debian: redis-server; scripts/system-packages)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must run the tests that need it")
        pytest.skip(reason)
    port = free_port()
    log_path = folder / "redis.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + wait
        while not _answers(port):
            if time.monotonic() > deadline or process.poll() is not None:
                detail = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"redis-server did not start\n{detail}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)
