"""`iqs serve` in its own process on a free port, for tests that speak real HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(home: Path, **env: str) -> Iterator[httpx.Client]:
    """A client of a fresh server whose store lives in `home`; `env` adds IQS_ settings."""
    port = free_port()
    environment = {**os.environ, "IQS_HOME": str(home), **env}
    log = (home / "serve.log")
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "scorer.cli", "serve", "--port", str(port)], cwd=REPO,
            stdout=output, stderr=subprocess.STDOUT, env=environment)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"iqs serve did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        client.server = server  # type: ignore[attr-defined]
        yield client
    finally:
        client.close()
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
