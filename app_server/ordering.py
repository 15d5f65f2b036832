"""The ordering column of the method table, enforced.

Requests are admitted in the order they arrive; each then waits, in its own
task, for the earlier requests its row's `Ordering` says it must see:

* serial: every earlier serial or per-thread request still running;
* per thread: the latest serial request, and the latest request on its thread;
* free: nothing (and nothing waits for it).

Waiting for the latest one is enough: it waited for those before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from app_server_protocol.methods import Ordering


@dataclass(eq=False)
class Admission:
    """One admitted request's place in the order."""

    ordering: Ordering
    thread: object = None
    waits_for: tuple[anyio.Event, ...] = ()
    done: anyio.Event = field(default_factory=anyio.Event)

    async def wait(self) -> None:
        """Until every earlier request this one must see has finished."""
        for earlier in self.waits_for:
            if not earlier.is_set():  # (a finished one costs no trip through the loop)
                await earlier.wait()


class RequestOrder:
    def __init__(self) -> None:
        self._last_serial: anyio.Event | None = None
        self._since_serial: set[anyio.Event] = set()
        """The ends of the per-thread requests admitted since the latest
        serial one and not finished yet."""
        self._last_on_thread: dict[object, anyio.Event] = {}

    def admit(self, ordering: Ordering, thread: object = None) -> Admission:
        """The place of a request that just arrived (call in arrival order)."""
        if ordering is Ordering.FREE:
            return Admission(ordering)
        admission = Admission(ordering, thread)
        if ordering is Ordering.SERIAL:
            # The latest serial request waited for everything before it: the
            # per-thread requests since are the rest.
            earlier = (self._last_serial, *self._since_serial)
            admission.waits_for = tuple(e for e in earlier if e is not None and not e.is_set())
            self._last_serial = admission.done
            self._since_serial = set()
        else:
            latest = (self._last_serial, self._last_on_thread.get(thread))
            admission.waits_for = tuple(e for e in latest if e is not None and not e.is_set())
            self._last_on_thread[thread] = admission.done
            self._since_serial.add(admission.done)
        return admission

    def finish(self, admission: Admission) -> None:
        """The request is answered (and what follows its answer is sent)."""
        admission.done.set()
        if admission.ordering is Ordering.FREE:
            return
        self._since_serial.discard(admission.done)
        if self._last_serial is admission.done:
            self._last_serial = None
        if self._last_on_thread.get(admission.thread) is admission.done:
            del self._last_on_thread[admission.thread]
