"""Work for the sandbox tests, run in its child process (so: a module it can import)."""


def add(a: int, b: int, *, progress) -> int:
    progress("adding", 1, 2)
    progress("adding", 2, 2)
    return a + b


def spin() -> None:
    while True:
        pass


def hoard() -> None:
    kept = []
    while True:
        kept.append(bytearray(16 * 2**20))


def refuse() -> None:
    raise ValueError("Bilaga 3 is not a PDF")


class Unloadable(Exception):
    """Pickles, but its class cannot be loaded by the parent (not from app.documents)."""


def raise_unloadable() -> None:
    raise Unloadable("strange")


def environment() -> dict[str, str]:
    import os

    return dict(os.environ)


def parent_pid() -> int:
    import os

    return os.getppid()


def slow_add(a: int, b: int) -> int:
    import time

    time.sleep(0.5)
    return a + b
