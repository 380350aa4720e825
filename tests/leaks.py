"""Connections left open are found in the test that leaves them (a pytest plugin).

psycopg reports a connection dropped without being closed (a ResourceWarning, an error under
``filterwarnings = error``) when the garbage collector gets to it, which may be several tests
later, in whichever test happens to be running. On PostgreSQL each test ends with a
collection, so the report lands in the teardown of the test that dropped the connection."""

import gc
import os
from collections.abc import Iterator

import pytest

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture(autouse=True)
def _no_connection_left_behind() -> Iterator[None]:
    yield
    if ON_POSTGRESQL:
        gc.collect()
