"""A bounded queue that never makes its producer wait: when it is full, the
oldest item gives way (and is counted)."""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import anyio

T = TypeVar("T")


class DropOldestBuffer(Generic[T]):
    """What the client's reader hands to one consumer.

    The reader must never block on a slow (or absent) consumer: responses come
    on the same stream as notifications, so a blocked reader would stall every
    request. A full buffer therefore drops its oldest item instead.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a buffer holds at least one item")
        self._items: deque[T] = deque()
        self._capacity = capacity
        self._changed = anyio.Event()
        self._closed = False
        self.dropped = 0
        """How many items were dropped because the buffer was full."""

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        if self._closed:
            return
        if len(self._items) >= self._capacity:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self._wake()

    def close(self) -> None:
        """No more items: `get` returns what is left, then raises `EndOfStream`."""
        self._closed = True
        self._wake()

    async def get(self) -> T:
        while not self._items:
            if self._closed:
                raise anyio.EndOfStream
            await self._changed.wait()
        return self._items.popleft()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()
