"""The sandbox's zygote (app/documents/sandbox.py): one helper per process forks a child for
each call, is replaced when it dies, serves threads at once, and a forked process (a gunicorn
or Celery worker) starts its own. The limits, errors and environment of the children are
tested in test_hostile_pdfs.py."""

import os
import threading
import time

from app.documents import sandbox
from app.documents.sandbox import Limits, run_limited
from tests.documents import sandbox_work

ROOMY = Limits(seconds=60, memory_bytes=2048 * 2**20)


def test_each_call_is_a_child_of_the_zygote_not_of_this_process():
    first = run_limited(sandbox_work.parent_pid, limits=ROOMY)
    second = run_limited(sandbox_work.parent_pid, limits=ROOMY)
    zygote = sandbox._zygotes[-1]
    assert first == second == zygote.process.pid != os.getpid()


def test_a_zygote_that_died_is_replaced():
    assert run_limited(sandbox_work.add, 1, 1, limits=ROOMY, progress=lambda *_: None) == 2
    dead = sandbox._zygotes[-1]
    dead.process.kill()
    dead.process.wait()
    assert run_limited(sandbox_work.add, 2, 3, limits=ROOMY, progress=lambda *_: None) == 5
    assert sandbox._zygotes[-1] is not dead
    assert dead not in sandbox._zygotes


def test_two_threads_call_at_once():
    results: list[int] = []
    threads = [
        threading.Thread(
            target=lambda n=n: results.append(
                run_limited(sandbox_work.slow_add, n, 1, limits=ROOMY)
            )
        )
        for n in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [2, 3]


def test_a_forked_process_starts_its_own_zygote():
    ours = run_limited(sandbox_work.parent_pid, limits=ROOMY)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked process: one call, its answer on the pipe
        try:
            os.write(write, str(run_limited(sandbox_work.parent_pid, limits=ROOMY)).encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 60
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError("the forked process did not answer")
        time.sleep(0.05)
    with os.fdopen(read) as answer:
        theirs = int(answer.read())
    assert theirs not in (ours, pid, os.getpid())
    # This process's zygote still serves it.
    assert run_limited(sandbox_work.parent_pid, limits=ROOMY) == ours
