"""Time per SigV4 signature of an Invoke request, for each signer lamux has.

    python benchmarks/bench_signing.py [--count 20000]

Signs the same 700-byte Invoke request repeatedly, in this process, with
botocore's SigV4Auth and with the AWS Common Runtime signer, and prints the
mean time per signature.
"""

from __future__ import annotations

import argparse
import time

from botocore.credentials import ReadOnlyCredentials

from lamux.signing import BotocoreSigner, CrtSigner, RequestSigner

URL = "http://127.0.0.1:3001/2015-03-31/functions/hello/invocations?Qualifier=main"
BODY = b'{"version":"2.0","rawPath":"/items"}' * 20
CREDENTIALS = ReadOnlyCredentials("AKIDBENCH", "bench-secret", "bench-session-token")


def time_signer(signer: RequestSigner, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        signer.sign(CREDENTIALS, "POST", URL, {"Content-Type": "application/json"}, BODY)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    args = parser.parse_args()
    for signer in (BotocoreSigner("lambda", "us-east-1"), CrtSigner("lambda", "us-east-1")):
        time_signer(signer, 1000)  # warm-up
        print(f"{signer.name}: {time_signer(signer, args.count) * 1e6:.1f} µs per signature")


if __name__ == "__main__":
    main()
