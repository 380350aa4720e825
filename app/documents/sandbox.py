"""Work on untrusted files in a child process with a time and a memory limit.

An uploaded PDF is made by whoever uploads it, and reading one can cost far more than its
size suggests (a page stream that inflates a thousandfold, shared by a thousand pages). Such
work runs here: ``run_limited`` starts a fresh Python process, hands it the function's
arguments, and waits at most ``Limits.seconds`` of wall-clock time; the child limits its own
address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``, a backstop should the parent be
killed first). Whatever happens the worker that called survives, and the caller gets the
result, the child's own exception, or ``LimitExceeded``.

A subprocess, not ``multiprocessing``: Celery's prefork workers are daemonic processes, which
``multiprocessing`` refuses to give children, and forking a threaded web worker is unsafe.
The child loads ``app.documents`` without the application package (``app/__init__.py``
imports Flask, SQLAlchemy and every model): only the module that holds the function and
what it imports. So the function must be a module-level function of ``app.documents`` that
needs no app context, and its arguments and result must pickle.
"""

import contextlib
import importlib
import io
import math
import os
import pickle
import resource
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MB = 2**20

# The child's first lines: the project on the path, ``app`` as a bare namespace (its
# ``__init__`` not run), then the protocol below. ``-I``: no user site, no PYTHON* variables.
BOOTSTRAP = (
    "import sys, types\n"
    "root = sys.argv[1]\n"
    "sys.path.insert(0, root)\n"
    "package = types.ModuleType('app')\n"
    "package.__path__ = [root + '/app']\n"
    "sys.modules['app'] = package\n"
    "from app.documents.sandbox import child_main\n"
    "child_main()\n"
)

# The environment variables the child keeps (locale, temporary files, fonts).
CHILD_ENVIRONMENT = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TZ",
    "FONTCONFIG_FILE",
    "FONTCONFIG_PATH",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_DIRS",
)

# Frames on the child's stdout: an 8-byte big-endian length, then a pickle.
HEADER = struct.Struct(">Q")
# Exit codes of a child that ended on its own (anything else: killed or crashed).
EXIT_OK = 0
EXIT_MEMORY = 3


@dataclass(frozen=True)
class Limits:
    """How long (wall clock, seconds) and how much memory (address space, bytes) may go."""

    seconds: float
    memory_bytes: int

    @property
    def memory_megabytes(self) -> int:
        return self.memory_bytes // MB


class LimitExceeded(Exception):
    """The child took too long (``what == "time"``), ran out of memory (``"memory"``), or
    stopped without an answer (``"crash"``: killed from outside, or a library failed)."""

    def __init__(self, what: str, limits: Limits, detail: str = "") -> None:
        super().__init__(f"{what} limit exceeded ({limits}){': ' + detail if detail else ''}")
        self.what = what
        self.limits = limits
        self.detail = detail


def run_limited(
    function: Callable[..., Any],
    *args: Any,
    limits: Limits,
    progress: Callable[[str, int, int], None] | None = None,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)`` in a child process within ``limits``.

    ``progress``, when given, is passed to the function as its ``progress`` keyword; its calls
    in the child are relayed to it here, as they happen. An exception the function raises is
    raised here (the same class when it pickles). Raises ``LimitExceeded`` when the child is
    over time or memory or dies without answering; the child is never left running.
    """
    payload = pickle.dumps(
        (function.__module__, function.__qualname__, args, kwargs, limits, progress is not None),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    # Only what the libraries need: the child reads hostile files, and has no use for the
    # app's secrets (SECRET_KEY, DATABASE_URL, ...) in its environment.
    environment = {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}
    # glibc gives each thread a malloc arena of 64 MB of address space; a few keep
    # RLIMIT_AS about memory used rather than reserved.
    environment["MALLOC_ARENA_MAX"] = "2"
    deadline = time.monotonic() + limits.seconds
    child = subprocess.Popen(  # noqa: S603 - our interpreter and our own bootstrap code
        [sys.executable, "-I", "-c", BOOTSTRAP, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
        close_fds=True,
    )
    try:
        # Fed from a thread, so that the deadline holds even while the arguments go across.
        threading.Thread(target=_feed, args=(child.stdin, payload), daemon=True).start()
        for message in _messages(child, deadline, limits):
            kind = message[0]
            if kind == "progress" and progress is not None:
                progress(*message[1:])
            elif kind == "done":
                return message[1]
            elif kind == "error":
                raise message[1]
            elif kind == "memory":
                raise LimitExceeded("memory", limits)
        status = child.wait()
        if status == EXIT_MEMORY:
            raise LimitExceeded("memory", limits)
        if status == -signal.SIGXCPU:
            raise LimitExceeded("time", limits)
        raise LimitExceeded("crash", limits, f"exit status {status}")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def _feed(stream: Any, payload: bytes) -> None:
    try:
        stream.write(payload)
    except (BrokenPipeError, ValueError, OSError):
        pass  # the child died or was killed before reading it all: its exit says why
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            stream.close()  # always, or the pipe is left open (a ResourceWarning)


def _messages(child: subprocess.Popen[bytes], deadline: float, limits: Limits) -> Iterator[Any]:
    """The child's frames as they arrive, until it closes its end; LimitExceeded("time") at
    the deadline."""
    stream = child.stdout
    assert stream is not None
    buffer = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                child.kill()
                raise LimitExceeded("time", limits)
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= HEADER.size:
                (length,) = HEADER.unpack_from(buffer)
                if len(buffer) < HEADER.size + length:
                    break
                frame = bytes(buffer[HEADER.size : HEADER.size + length])
                del buffer[: HEADER.size + length]
                yield _ChildUnpickler(io.BytesIO(frame)).load()


class _ChildUnpickler(pickle.Unpickler):
    """Loads the child's answers, which may only hold plain data, exceptions and the classes
    of ``app.documents`` and ``pypdf.errors``: the child reads hostile files, so should one
    ever take it over, its answers still cannot make the parent run anything."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("app.documents.") or module == "pypdf.errors":
            return super().find_class(module, name)
        if module == "builtins":
            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, Exception):
                return found
        raise pickle.UnpicklingError(f"the child may not send {module}.{name}")


# -- the child ------------------------------------------------------------------------------


def child_main() -> None:
    """The child's side: read the call from stdin, set the limits, run, answer on stdout."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() must not end up in the frames
    # From the parent, which is trusted (the reverse direction is not: see _ChildUnpickler).
    call = pickle.load(sys.stdin.buffer)  # noqa: S301
    module, name, args, kwargs, limits, wants_progress = call
    function: Any = importlib.import_module(module)
    for part in name.split("."):
        function = getattr(function, part)
    # Prepared before the limit: answering "out of memory" must not need memory.
    out_of_memory = _frame(("memory",))

    def send(message: tuple) -> None:
        channel.write(_frame(message))
        channel.flush()

    if wants_progress:
        kwargs["progress"] = lambda stage, done, total: send(("progress", stage, done, total))
    _limit_self(limits)
    try:
        result = function(*args, **kwargs)
    except MemoryError:
        channel.write(out_of_memory)
        channel.flush()
        os._exit(EXIT_MEMORY)
    except BaseException as error:  # every failure goes back to the parent
        try:
            # The parent must be able to load it too.
            _ChildUnpickler(io.BytesIO(pickle.dumps(error))).load()
        except MemoryError:
            os._exit(EXIT_MEMORY)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        send(("error", error))
    else:
        try:
            send(("done", result))
        except MemoryError:
            os._exit(EXIT_MEMORY)
    channel.close()
    os._exit(EXIT_OK)


def _frame(message: tuple) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def _limit_self(limits: Limits) -> None:
    cpu = math.ceil(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
