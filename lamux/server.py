"""The standalone server: app factory, start-up and graceful shutdown.

:class:`ProxyServer` owns every socket and client of one lamux process: the
listener, the Invoke client and, with ``serve --local``, the local Lambda
service on a private loopback port. Construction does nothing; ``start()``
binds and connects, ``close()`` releases everything in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from contextlib import suppress

from aiohttp import web
from botocore.credentials import ReadOnlyCredentials

from lamux.config import Settings
from lamux.errors import ConfigError
from lamux.invoker import MAX_INVOKE_PAYLOAD, Invoker, LambdaInvoker
from lamux.proxy import Proxy, ProxyOptions
from lamux.routing import HostForm, Router
from lamux.target_rules import EventFormatSelector

logger = logging.getLogger("lamux.server")

# Credentials and region for calls to the embedded local Lambda service. The
# service checks that requests are signed, not which key signed them.
LOCAL_CREDENTIALS = ReadOnlyCredentials("AKIDLAMUXLOCAL", "lamux-local-secret", None)
LOCAL_REGION = "us-east-1"


def build_app(proxy: Proxy) -> web.Application:
    """Return the aiohttp application that sends every request to ``proxy``."""
    # Bodies up to the Invoke limit are read; larger ones are rejected with 413.
    app = web.Application(client_max_size=MAX_INVOKE_PAYLOAD)
    app.router.add_route("*", "/{path:.*}", proxy.handle)
    return app


def build_proxy(settings: Settings, invoker: Invoker) -> Proxy:
    router = Router(settings.domain_suffix, settings.function_name, HostForm(settings.host_form))
    # Inside Lambda (lamux as an extension, or as the function's own server),
    # invoking the function lamux runs in would call lamux again, without end.
    own_function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    options = ProxyOptions(
        error_details=settings.error_details,
        trust_forwarded_headers=settings.trust_forwarded_headers,
        own_function=own_function or None,
    )
    event_formats = EventFormatSelector(settings.rules, settings.event_format)
    return Proxy(router, event_formats, invoker, options)


class ProxyServer:
    """One running lamux proxy and everything it owns."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port: int | None = None
        self.local_service = None
        self._invoker: Invoker | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.settings.bind in ("0.0.0.0", "") else self.settings.bind
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        settings = self.settings
        endpoint_url, region, credentials = settings.endpoint_url, settings.region, None
        try:
            if settings.local_config is not None:
                from lamux.local.service import LocalLambdaService

                self.local_service = LocalLambdaService.from_file(settings.local_config)
                await self.local_service.start(host="127.0.0.1", port=0)
                endpoint_url, region, credentials = self.local_service.endpoint_url, LOCAL_REGION, LOCAL_CREDENTIALS
            self._invoker = await LambdaInvoker.create(
                timeout=settings.upstream_timeout,
                endpoint_url=endpoint_url,
                region=region,
                static_credentials=credentials,
            )
            proxy = build_proxy(settings, self._invoker)
            app = build_app(proxy)
            # Request bodies reach the function as sent: a gzip upload stays gzip.
            self._runner = web.AppRunner(app, access_log=None, handle_signals=False, auto_decompress=False)
            await self._runner.setup()
            site = web.TCPSite(self._runner, settings.bind, settings.port)
            try:
                await site.start()
            except OSError as error:
                raise ConfigError(
                    f"cannot listen on {settings.bind}:{settings.port} (--bind, --port): {error.strerror or error}"
                ) from error
        except BaseException:
            await self.close()
            raise
        self.port = self._runner.addresses[0][1]
        logger.info(
            "lamux listening on %s:%s for %s",
            settings.bind,
            self.port,
            proxy.router.expected_form,
        )
        rules = ", ".join(
            f"{rule.function}:{rule.alias} → {rule.event_format}" for rule in settings.rules
        )
        logger.info("event format %s by default%s", settings.event_format, f"; rules: {rules}" if rules else "")

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._invoker is not None:
            await self._invoker.close()
            self._invoker = None
        if self.local_service is not None:
            await self.local_service.close()
            self.local_service = None


async def wait_for_shutdown_signal() -> None:
    """Return once SIGINT or SIGTERM arrives."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("shutting down")


async def serve(settings: Settings) -> None:
    """Run the proxy until SIGINT or SIGTERM, then drain in-flight requests."""
    server = ProxyServer(settings)
    await server.start()
    try:
        await wait_for_shutdown_signal()
    finally:
        await server.close()
