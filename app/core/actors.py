"""Who does an action: the type every service's ``actor`` has.

A service is handed the user doing the action (a view's ``current_user``, the user who
started a job, the demo's accounts). It reads ``id`` for the audit log and the "by" columns,
``person_id`` to tell whether she is the meeting's secretary or a signatory, and
``display_name`` to name her; and hands her to ``app.accounts.permissions``. ``User``
(app.accounts.models) has all three; app.core knows no domain, so this is a Protocol.
Paths that act without a user (a job whose starter is gone, a command) pass ``None``:
those services take ``Actor | None`` and record no one.
"""

from typing import Protocol


class Actor(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def display_name(self) -> str: ...
