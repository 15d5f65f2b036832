"""A task group for the caller's block of a client's context manager.

What the block raises comes out as is, not wrapped in the task group's
exception group; ``cleanup`` runs (shielded from cancellation) when the
block ends, however it ends, before the group's tasks are cancelled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import TaskGroup


@asynccontextmanager
async def block_tasks(cleanup: Callable[[], Awaitable[object]]) -> AsyncIterator[TaskGroup]:
    raised: BaseException | None = None
    async with anyio.create_task_group() as tasks:
        try:
            yield tasks
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            raised = exc
        finally:
            with anyio.CancelScope(shield=True):
                await cleanup()
            tasks.cancel_scope.cancel()
    if raised is not None:
        raise raised
