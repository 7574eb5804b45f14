"""The local Lambda service: the Invoke API on a loopback port, backed by runtime processes.

Usage::

    service = LocalLambdaService.from_file("lamux.toml")
    await service.start(host="127.0.0.1", port=0)   # port 0 picks a free port
    ...  # invoke at service.endpoint_url with any SigV4-signing client
    await service.close()                            # also kills every runtime process
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from aiohttp import web

from lamux.local.config import Deployment, LocalConfig, load_config
from lamux.local.invoke_api import InvokeApi
from lamux.local.names import default_region
from lamux.local.pool import DEFAULT_IDLE_TIMEOUT, FunctionPool
from lamux.local.runtime_api import RuntimeApiServer
from lamux.local.worker import DEFAULT_INIT_TIMEOUT, Worker

logger = logging.getLogger("lamux.local")

# Unspecified addresses cannot be connected to, so workers reach the service on loopback.
_UNSPECIFIED_HOSTS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


class LocalLambdaService:
    """Serves the Lambda Invoke API for the functions of a configuration file."""

    def __init__(
        self,
        config: LocalConfig,
        *,
        region: str | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        init_timeout: float = DEFAULT_INIT_TIMEOUT,
    ) -> None:
        """Prepare the service. ``region`` defaults to AWS_REGION, AWS_DEFAULT_REGION or us-east-1.

        ``idle_timeout`` is how long, in seconds, an idle runtime process is kept for reuse.
        ``init_timeout`` is how long a new runtime may take to request its first invocation.
        """
        self.config = config
        self.region = region or default_region()
        self._idle_timeout = idle_timeout
        self._init_timeout = init_timeout
        self._runtime_api = RuntimeApiServer()
        self._pools = MappingProxyType(
            {
                name: FunctionPool(function, self._create_worker, idle_timeout=idle_timeout)
                for name, function in config.functions.items()
            }
        )
        self._invoke_api = InvokeApi(config, self._pools, self.region)
        self._runner: web.AppRunner | None = None
        self._endpoint_url: str | None = None
        self._port: int | None = None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **kwargs: Any) -> LocalLambdaService:
        """Load a configuration file and prepare a service for it. Raises ConfigError."""
        return cls(load_config(path), **kwargs)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the service is not started")
        return self._port

    @property
    def endpoint_url(self) -> str:
        """URL of the Invoke API, for ``endpoint_url`` of an SDK client, such as http://127.0.0.1:43123."""
        if self._endpoint_url is None:
            raise RuntimeError("the service is not started")
        return self._endpoint_url

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of all runtime processes that are running."""
        return [pid for pool in self._pools.values() for pid in pool.worker_pids]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start the Runtime API and bind the Invoke API to ``host`` and ``port``."""
        await self._runtime_api.start()
        # shutdown_timeout bounds how long close() waits for responses still being written,
        # after every invocation has ended.
        runner = web.AppRunner(self._invoke_api.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._port = runner.addresses[0][1]
        url_host = _UNSPECIFIED_HOSTS.get(host, host)
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self._endpoint_url = f"http://{url_host}:{self._port}"
        logger.info(
            "local Lambda service listening on %s with functions: %s",
            self._endpoint_url,
            ", ".join(self.config.functions),
        )

    async def close(self) -> None:
        """Stop serving, kill every runtime process and wait until all have exited.

        Synchronous invocations still running end with a Runtime.ExitError result, and
        asynchronous ones are cancelled.
        """
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()
        await self._invoke_api.close()
        for pool in self._pools.values():
            await pool.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._runtime_api.close()
        logger.info("local Lambda service stopped")

    def _create_worker(self, deployment: Deployment, on_exit: Callable[[Worker], None]) -> Worker:
        return Worker(
            deployment,
            runtime_api=self._runtime_api,
            endpoint_url=self.endpoint_url,
            region=self.region,
            init_timeout=self._init_timeout,
            on_exit=on_exit,
        )
