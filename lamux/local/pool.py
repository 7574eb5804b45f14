"""Execution environments of one function, limited by its reserved concurrency.

An invocation takes a warm idle worker of its deployment if one exists and starts a new one
otherwise. The number of invocations in flight over all qualifiers never exceeds the
function's ``concurrency``. Beyond it a synchronous invocation is throttled, while an
asynchronous one waits for a free slot, as Lambda queues asynchronous events and retries
throttled ones. Starting a worker when the function already has ``concurrency`` workers first
stops the least recently used idle one, so idle workers of other qualifiers do not pile up.
Idle workers stop after ``idle_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from lamux.local.config import Deployment, FunctionConfig
from lamux.local.errors import ServiceException, TooManyRequestsException
from lamux.local.invocation import Invocation, InvocationResult
from lamux.local.worker import Worker

logger = logging.getLogger("lamux.local")

# Lambda keeps idle execution environments for minutes. Five is a choice of this service.
DEFAULT_IDLE_TIMEOUT = 300.0

THROTTLE_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"

WorkerFactory = Callable[[Deployment, Callable[[Worker], None]], Worker]


class FunctionPool:
    """Workers of one function and the count of its invocations in flight."""

    def __init__(
        self,
        function: FunctionConfig,
        create_worker: WorkerFactory,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self.function = function
        self._create_worker = create_worker
        self._idle_timeout = idle_timeout
        self._in_flight = 0
        self._slot_freed = asyncio.Condition()
        self._workers: set[Worker] = set()
        # Idle workers in the order they became idle, oldest first.
        self._idle: dict[Worker, asyncio.TimerHandle] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def in_flight(self) -> int:
        """Number of invocations of the function that are running or starting a worker."""
        return self._in_flight

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the runtimes that are running, busy or idle."""
        return [worker.pid for worker in self._workers if worker.pid is not None]

    async def invoke(
        self, deployment: Deployment, invocation: Invocation, *, wait_for_slot: bool = False
    ) -> InvocationResult:
        """Run an invocation on a warm or new worker of ``deployment``.

        Raises TooManyRequestsException when the function's concurrency is in use, unless
        ``wait_for_slot`` is set and the concurrency is not zero.
        """
        if self._in_flight >= self.function.concurrency:
            if not wait_for_slot or self.function.concurrency == 0:
                raise TooManyRequestsException(THROTTLE_REASON)
            async with self._slot_freed:
                await self._slot_freed.wait_for(lambda: self._in_flight < self.function.concurrency)
        self._in_flight += 1
        try:
            return await self._run(deployment, invocation)
        finally:
            self._in_flight -= 1
            async with self._slot_freed:
                self._slot_freed.notify()

    async def close(self) -> None:
        """Stop every worker and wait until all runtime processes have exited."""
        self._closed = True
        for timer in self._idle.values():
            timer.cancel()
        self._idle.clear()
        workers = list(self._workers)
        self._workers.clear()
        await asyncio.gather(*(worker.stop() for worker in workers), *self._stopping)

    async def _run(self, deployment: Deployment, invocation: Invocation) -> InvocationResult:
        if self._closed:
            raise ServiceException("The local Lambda service is shutting down.")
        worker = self._take_idle_worker(deployment.key)
        if worker is not None and not await worker.wait_until_ready():
            # The runtime exited after its last result (awslambdaric exits when its
            # response is rejected as too large) or never called /next again.
            logger.info("[%s] warm runtime is gone, starting a new one", worker.label)
            self._stop_worker(worker)
            worker = None
        try:
            if worker is None:
                self._make_room()
                worker = self._create_worker(deployment, self._forget)
                self._workers.add(worker)
                init_error = await worker.start(invocation.request_id)
                if init_error is not None:
                    # start() has stopped the worker, or never had a process to stop.
                    self._workers.discard(worker)
                    return init_error
            result = await worker.invoke(invocation)
        except BaseException:
            # Cancelled or failed in the middle of an invocation: the runtime's state is
            # unknown, so it is not reused.
            if worker is not None:
                self._stop_worker(worker)
            raise
        if worker.reusable and not self._closed:
            self._put_idle_worker(worker)
        return result

    def _take_idle_worker(self, key: str) -> Worker | None:
        for worker in reversed(self._idle):
            if worker.deployment.key == key and worker.reusable:
                self._idle.pop(worker).cancel()
                return worker
        return None

    def _put_idle_worker(self, worker: Worker) -> None:
        loop = asyncio.get_running_loop()
        self._idle[worker] = loop.call_later(self._idle_timeout, self._reap_worker, worker)

    def _reap_worker(self, worker: Worker) -> None:
        logger.info("[%s] stopping runtime idle for %g s", worker.label, self._idle_timeout)
        self._stop_worker(worker)

    def _make_room(self) -> None:
        """Stop the least recently used idle worker if one more would exceed the concurrency."""
        if len(self._workers) < self.function.concurrency or not self._idle:
            return
        oldest = next(iter(self._idle))
        logger.info("[%s] stopping idle runtime to make room for another qualifier", oldest.label)
        self._stop_worker(oldest)

    def _stop_worker(self, worker: Worker) -> None:
        timer = self._idle.pop(worker, None)
        if timer is not None:
            timer.cancel()
        self._workers.discard(worker)
        task = asyncio.create_task(worker.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _forget(self, worker: Worker) -> None:
        """Drop a worker whose runtime process has exited."""
        timer = self._idle.pop(worker, None)
        if timer is not None:
            timer.cancel()
        self._workers.discard(worker)
