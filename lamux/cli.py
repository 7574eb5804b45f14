"""The ``lamux`` command.

Subcommands: ``serve`` (the default) runs the proxy, ``serve --local FILE``
runs it with the local Lambda service in the same process, and ``local FILE``
runs the local Lambda service alone. Options are derived from
:data:`lamux.config.SETTINGS`; this module is the only place that turns
exceptions into exit codes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from lamux import __version__
from lamux.config import SETTINGS, load_settings
from lamux.errors import LamuxError
from lamux.log import configure_logging

logger = logging.getLogger("lamux.server")

_SUBCOMMANDS = ("serve", "local")
DEFAULT_LOCAL_PORT = 3001


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lamux",
        description="Multiplexing HTTP reverse proxy for AWS Lambda: routes ALIAS.FUNCTION.SUFFIX "
        "host names to Lambda functions and aliases.",
    )
    parser.add_argument("--version", action="version", version=f"lamux {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = subparsers.add_parser("serve", help="run the proxy (the default command)")
    for setting in SETTINGS:
        env = f" [env {setting.env}]" if setting.env else ""
        if setting.kind == "bool":
            serve.add_argument(
                setting.flag,
                dest=setting.field,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=setting.help + env,
            )
        else:
            serve.add_argument(
                setting.flag,
                dest=setting.field,
                default=None,
                metavar=setting.metavar or "{" + ",".join(setting.choices or ()) + "}",
                help=setting.help + env,
            )
    serve.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="TOML file whose [proxy] table holds settings and per-function event format rules "
        "[env LAMUX_CONFIG] (default: the --local file)",
    )
    serve.add_argument(
        "--local",
        metavar="FILE",
        type=Path,
        help="run the functions declared in this TOML file with the built-in local Lambda service",
    )

    local = subparsers.add_parser("local", help="run the local Lambda service alone (serves the Invoke API)")
    local.add_argument("file", type=Path, metavar="FILE", help="TOML file that declares the functions")
    local.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS", help="address to listen on (default 127.0.0.1)")
    local.add_argument(
        "--port", type=int, default=DEFAULT_LOCAL_PORT, help=f"TCP port to listen on (default {DEFAULT_LOCAL_PORT})"
    )
    local.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"), help="log level")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the lamux command; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*_SUBCOMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "serve")
    args = build_parser().parse_args(args_list)
    try:
        if args.command == "local":
            configure_logging(args.log_level)
            asyncio.run(_run_local(args.file, args.bind, args.port))
        else:
            flags = {setting.field: getattr(args, setting.field) for setting in SETTINGS}
            settings = load_settings(flags, local_config=args.local, config_file=args.config)
            configure_logging(settings.log_level)
            from lamux.server import serve

            asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 130
    except (LamuxError, ValueError, OSError) as error:
        print(f"lamux: {error}", file=sys.stderr)
        return 2
    return 0


async def _run_local(path: Path, bind: str, port: int) -> None:
    from lamux.local.service import LocalLambdaService
    from lamux.server import wait_for_shutdown_signal

    service = LocalLambdaService.from_file(path)
    await service.start(host=bind, port=port)
    logger.info("local Lambda service listening on %s", service.endpoint_url)
    try:
        await wait_for_shutdown_signal()
    finally:
        await service.close()


if __name__ == "__main__":
    sys.exit(main())
