"""Connections left open are found in the test that leaves them (a pytest plugin).

psycopg reports a connection dropped without being closed (a ResourceWarning, an error under
``filterwarnings = error``) when the garbage collector gets to it, which may be several tests
later, in whichever test happens to be running. On PostgreSQL each test ends with a
collection, so the report lands in the teardown of the test that dropped the connection.

A full collection walks every object of the process (the app, the demo's rows kept for the
next test: over 300,000 objects, a third of a second each time). What was alive when a test
began is frozen (``gc.freeze``): the collection at its end walks only what the test made,
which is where a connection it dropped is. Every ``FULL_EVERY`` tests everything is thawed and
collected once, so garbage that was frozen while still in use is freed too.
"""

import gc
import os
from collections.abc import Iterator

import pytest

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
FULL_EVERY = 100

_tests_run = 0


@pytest.fixture(autouse=True)
def _no_connection_left_behind() -> Iterator[None]:
    global _tests_run
    _tests_run += 1
    if _tests_run % FULL_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    yield
    if ON_POSTGRESQL:
        gc.collect()
