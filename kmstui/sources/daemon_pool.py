"""Worker threads a load can walk away from: cancel, a deadline or Ctrl-C never wait for a blocked call.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at shutdown and at interpreter exit, so one
call stuck in a socket read holds up cancel and exit until botocore's timeouts and retries run out.
These threads are daemons: ``abandon`` cancels what has not started and returns at once; a call still
blocked finishes (or times out) on its own, and its result is ignored.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.05  # how often a waiting thread looks at the cancel event


class DaemonPool:
    """A fixed number of daemon threads running submitted callables; ``abandon`` never blocks."""

    def __init__(self, workers: int, name: str = "kmstui-worker") -> None:
        self._tasks: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._pending: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._workers = max(1, workers)
        for number in range(self._workers):
            threading.Thread(target=self._work, name=f"{name}-{number}", daemon=True).start()

    def submit(self, task: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            self._pending.append(future)
        self._tasks.put((future, task, args))
        return future

    def abandon(self) -> None:
        """Cancel every task not yet started and let the threads end once they are free (returns at once)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            future.cancel()
        for _ in range(self._workers):
            self._tasks.put(None)

    def _work(self) -> None:
        while True:
            item = self._tasks.get()
            if item is None:
                return
            future, task, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = task(*args)
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(error)
            else:
                future.set_result(result)
            with self._lock:
                if future in self._pending:
                    self._pending.remove(future)


class Interrupted(Exception):
    """``call_interruptibly`` stopped waiting: ``reason`` is ``"cancelled"`` or ``"deadline"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def call_interruptibly(task: Callable[[], T], cancel: threading.Event, deadline: float) -> T:
    """Run ``task`` on a daemon thread and wait for it, giving up on ``cancel`` or at ``deadline``
    (a ``time.monotonic()`` value); Ctrl-C reaches the caller at once too."""
    pool = DaemonPool(1, "kmstui-call")
    future = pool.submit(task)
    try:
        while True:
            if cancel.is_set():
                raise Interrupted("cancelled")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Interrupted("deadline")
            try:
                return future.result(timeout=min(POLL_SECONDS, left))
            except TimeoutError:
                continue
    finally:
        pool.abandon()
