"""Requests per second and latency of lamux in front of a stub Lambda API.

Starts the stub (benchmarks/stub_lambda.py) and ``lamux serve`` as separate
processes on loopback, then sends a fixed number of GET requests with a fixed
number of concurrent connections from this process, and prints throughput
and latency percentiles. The load generator, the stub and lamux share the
machine's cores, so throughput depends on all three; lamux's own CPU time per
request (from /proc) is the figure that isolates lamux. Nothing leaves the
machine.

    python benchmarks/bench_proxy.py [--requests 20000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    # Only used to pick ports for child processes; they bind again at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until_up(url: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def run_load(url: str, host: str, total: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = total
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with session.get(url, headers={"Host": host}) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"unexpected status {response.status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    stub_port, lamux_port = free_port(), free_port()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    stub = subprocess.Popen([sys.executable, str(HERE / "stub_lambda.py"), str(stub_port)], env=env)
    lamux = subprocess.Popen(
        [
            sys.executable, "-m", "lamux", "serve",
            "--bind", "127.0.0.1", "--port", str(lamux_port),
            "--domain-suffix", "bench.test", "--log-level", "warning",
            "--endpoint-url", f"http://127.0.0.1:{stub_port}",
        ],
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{lamux_port}/items?id=1"
        asyncio.run(wait_until_up(f"http://127.0.0.1:{lamux_port}/health", time.monotonic() + 20))
        asyncio.run(run_load(url, "main.hello.bench.test", 1000, args.concurrency))  # warm-up
        cpu_before = cpu_seconds(lamux.pid)
        elapsed, latencies = asyncio.run(run_load(url, "main.hello.bench.test", args.requests, args.concurrency))
        lamux_cpu = cpu_seconds(lamux.pid) - cpu_before
    finally:
        lamux.terminate()
        stub.terminate()
        lamux.wait(10)
        stub.wait(10)
    latencies.sort()
    print(f"requests: {args.requests}, concurrency: {args.concurrency}")
    print(f"throughput: {args.requests / elapsed:,.0f} requests/s")
    print(f"lamux CPU time per request: {lamux_cpu / args.requests * 1e6:.0f} µs")
    for label, fraction in (("p50", 0.50), ("p90", 0.90), ("p99", 0.99)):
        print(f"latency {label}: {latencies[int(fraction * (len(latencies) - 1))] * 1000:.2f} ms")
    print(f"latency mean: {statistics.fmean(latencies) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
