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
Starting a fresh interpreter for every file costs more than most files do: importing
WeasyPrint, pypdf and Flask took about a second of CPU each time (two thirds of all the
sandbox's time in the test suite). So each process that uses the sandbox starts one helper,
the *zygote*: a fresh interpreter with the filtered environment below that imports
``PRELOAD`` once, stays single-threaded, and forks a child for each call. The child is
what it always was: a process of its own with its own limits, reading the call and writing
its answers on a socket the parent made for that call; the zygote reports the child's pid
(so the parent can have it killed at the deadline) and, once it has reaped it, its exit
status. The zygote ends when its parent does (its control socket closes); a zygote that died
is started again on the next call, and a process forked from one that had a zygote (a
gunicorn or Celery worker) starts its own.

The child loads ``app.documents`` without the application package (``app/__init__.py``
imports Flask, SQLAlchemy and every model): only the module that holds the function and
what it imports. So the function must be a module-level function of ``app.documents`` that
needs no app context, and its arguments and result must pickle.
"""

import atexit
import contextlib
import importlib
import io
import math
import os
import pickle
import resource
import selectors
import signal
import socket
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

# The zygote's first lines: the project on the path, ``app`` as a bare namespace (its
# ``__init__`` not run), then the loop below on the control socket it was given.
# ``-I``: no user site, no PYTHON* variables.
BOOTSTRAP = (
    "import sys, types\n"
    "root = sys.argv[1]\n"
    "sys.path.insert(0, root)\n"
    "package = types.ModuleType('app')\n"
    "package.__path__ = [root + '/app']\n"
    "sys.modules['app'] = package\n"
    "from app.documents.sandbox import zygote_main\n"
    "zygote_main(int(sys.argv[2]))\n"
)

# What the zygote imports before its first fork: the modules whose functions run here.
PRELOAD = (
    "app.documents.packet",
    "app.documents.uploads",
    "app.documents.text",
    "app.documents.images",
    "app.documents.office",
)

# Messages on the control socket (SOCK_SEQPACKET: one message each): "fork" with the call's
# socket attached, answered by the child's pid (-1 when the fork failed), and "kill" a pid.
CONTROL = struct.Struct(">cq")
PID = struct.Struct(">q")

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
    zygote, channel, pid = _start_child(limits)
    deadline = time.monotonic() + limits.seconds
    finished = False
    try:
        # Fed from a thread, so that the deadline holds even while the arguments go across.
        threading.Thread(target=_feed, args=(channel, payload), daemon=True).start()
        status = None
        for message in _messages(channel, deadline, limits):
            kind = message[0]
            if kind == "progress" and progress is not None:
                progress(*message[1:])
            elif kind == "done":
                finished = True
                return message[1]
            elif kind == "error":
                finished = True
                raise message[1]
            elif kind == "memory":
                raise LimitExceeded("memory", limits)
            elif kind == "exit":
                finished = True
                status = message[1]
        if status == EXIT_MEMORY:
            raise LimitExceeded("memory", limits)
        if status == -signal.SIGXCPU:
            raise LimitExceeded("time", limits)
        raise LimitExceeded("crash", limits, f"exit status {status}")
    finally:
        if not finished:
            zygote.kill(pid)
            _drain(channel)
        channel.close()


def _feed(channel: socket.socket, payload: bytes) -> None:
    try:
        channel.sendall(payload)
        channel.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the child died or was killed before reading it all: its exit says why


def _drain(channel: socket.socket, seconds: float = 10) -> None:
    """Wait (a while at most) until a child that was told to die has closed its end."""
    channel.settimeout(seconds)
    with contextlib.suppress(OSError):
        while channel.recv(1 << 16):
            pass


def _messages(channel: socket.socket, deadline: float, limits: Limits) -> Iterator[Any]:
    """The frames of the child (and at the end the zygote's "exit" with its status) as they
    arrive, until both have closed their ends; LimitExceeded("time") at the deadline."""
    buffer = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(channel, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LimitExceeded("time", limits)
            if not selector.select(timeout=remaining):
                continue
            chunk = channel.recv(1 << 20)
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


# -- the zygote, seen from the parent --------------------------------------------------------


class _Zygote:
    """The helper process that forks the children (see the module's docstring)."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.owner = os.getpid()
        self.environment = environment
        self.lock = threading.Lock()
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our own code
                [sys.executable, "-I", "-c", BOOTSTRAP, str(ROOT), str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environment,
                pass_fds=(theirs.fileno(),),
            )

    def usable(self, environment: dict[str, str]) -> bool:
        return (
            self.owner == os.getpid()
            and self.environment == environment
            and self.process.poll() is None
        )

    def fork(self, limits: Limits) -> tuple[socket.socket, int]:
        """A new child: the parent's end of its socket, and its pid."""
        ours, theirs = socket.socketpair()
        try:
            with self.lock, theirs:
                socket.send_fds(self.control, [CONTROL.pack(b"F", 0)], [theirs.fileno()])
                answer = self.control.recv(PID.size)
            if len(answer) != PID.size or PID.unpack(answer)[0] < 0:
                raise LimitExceeded("crash", limits, "the sandbox could not start a process")
        except (OSError, LimitExceeded):
            ours.close()
            raise
        return ours, PID.unpack(answer)[0]

    def kill(self, pid: int) -> None:
        """Have the zygote kill its child ``pid``, if it has not been reaped yet (so a pid
        used again by another process is never hit)."""
        with self.lock, contextlib.suppress(OSError):
            self.control.send(CONTROL.pack(b"K", pid))

    def close(self) -> None:
        """Close the control socket (the zygote then ends) and wait for it."""
        self.control.close()
        if self.owner == os.getpid():
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_zygotes: list[_Zygote] = []  # this process's own, last; those inherited through a fork before
_zygote_lock = threading.Lock()


def _zygote() -> _Zygote:
    """This process's zygote, started (again) when there is none that works."""
    # Only what the libraries need: the child reads hostile files, and has no use for the
    # app's secrets (SECRET_KEY, DATABASE_URL, ...) in its environment.
    environment = {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}
    # glibc gives each thread a malloc arena of 64 MB of address space; a few keep
    # RLIMIT_AS about memory used rather than reserved.
    environment["MALLOC_ARENA_MAX"] = "2"
    with _zygote_lock:
        current = _zygotes[-1] if _zygotes else None
        if current is not None and current.usable(environment):
            return current
        if current is not None and current.owner == os.getpid():
            _zygotes.remove(current)
            current.close()
        # One inherited through a fork stays listed: its process belongs to another parent.
        zygote = _Zygote(environment)
        _zygotes.append(zygote)
        return zygote


def _start_child(limits: Limits) -> tuple[_Zygote, socket.socket, int]:
    """A child forked for one call; a zygote that died since its last call is replaced."""
    for attempt in range(2):
        zygote = _zygote()
        try:
            return (zygote, *zygote.fork(limits))
        except (OSError, LimitExceeded):
            if attempt or zygote.process.poll() is None:
                raise
            # Wait for the replacement rather than report a crash nobody caused.
    raise AssertionError("unreachable")


@atexit.register
def _stop_zygote() -> None:
    for zygote in _zygotes:
        if zygote.owner == os.getpid():
            zygote.close()


# -- the child ------------------------------------------------------------------------------
def zygote_main(control_fd: int) -> None:
    """The zygote's side: import ``PRELOAD``, then fork a child for each call until the
    parent closes the control socket. Single-threaded (forking is then safe); a child's exit
    is noticed by SIGCHLD through a wakeup pipe, reaped, and its status sent on its socket."""
    control = socket.socket(fileno=control_fd)
    for name in PRELOAD:
        with contextlib.suppress(Exception):  # the child's own import then says what failed
            importlib.import_module(name)
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, socket.socket] = {}
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wakeup_read, selectors.EVENT_READ)
    while True:
        for key, _events in selector.select():
            if key.fileobj == wakeup_read:
                with contextlib.suppress(BlockingIOError):
                    os.read(wakeup_read, 4096)
                _reap(children)
                continue
            try:
                message, fds, _flags, _address = socket.recv_fds(control, CONTROL.size, 1)
            except InterruptedError:
                continue
            if not message:  # the parent is gone: so are the children it waited for
                for pid in children:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                os._exit(0)
            kind, pid = CONTROL.unpack(message)
            if kind == b"K":
                if pid in children:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                continue
            channel = socket.socket(fileno=fds[0])
            try:
                pid = os.fork()
            except OSError:
                channel.close()
                control.send(PID.pack(-1))
                continue
            if pid == 0:
                _become_child(channel, control, selector, children)
            children[pid] = channel
            control.send(PID.pack(pid))


def _become_child(
    channel: socket.socket,
    control: socket.socket,
    selector: selectors.BaseSelector,
    children: dict[int, socket.socket],
) -> None:
    """In a child just forked: let go of the zygote's sockets and signals, then run the call
    with the channel as stdin and stdout."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        selector.close()
        control.close()
        for other in children.values():
            other.close()
        os.dup2(channel.fileno(), 0)
        os.dup2(channel.fileno(), 1)
        channel.close()
        child_main()
    finally:
        os._exit(1)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        channel = children.pop(pid, None)
        if channel is not None:
            with contextlib.suppress(OSError):
                channel.sendall(_frame(("exit", os.waitstatus_to_exitcode(status))))
            channel.close()


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
