"""Fixtures: a real Roster server per test module, and clients for it.

The server binary is ``$ROSTER_BIN`` (default ``<repo>/target/debug/roster``,
built by ``cargo build -p roster``). Each server gets a free port, a fresh
SQLite database in a temporary directory and a fixed bootstrap admin key.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from roster import Roster, Zone

REPO = Path(__file__).resolve().parents[3]
ROSTER_BIN = os.environ.get("ROSTER_BIN") or str(REPO / "target" / "debug" / "roster")
BOOTSTRAP_KEY = "rk_test_python_sdk_0123456789a"  # 30 characters
assert len(BOOTSTRAP_KEY) == 30


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``roster serve`` process on a fresh SQLite database."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.extra_env = extra_env or {}
        self.tmp = tempfile.TemporaryDirectory(prefix="roster-sdk-py-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.api_key = BOOTSTRAP_KEY

    def start(self) -> Server:
        if not Path(ROSTER_BIN).is_file():
            raise RuntimeError(
                f"Roster binary not found at {ROSTER_BIN}: run `cargo build -p roster` or set ROSTER_BIN"
            )
        last_error = ""
        for _ in range(3):  # a free port can be taken between probe and bind
            port = _free_port()
            env = dict(os.environ)
            env.update(
                {
                    "ROSTER_BOOTSTRAP_API_KEY": BOOTSTRAP_KEY,
                    "ROSTER_RATE_LIMIT_PER_SECOND": "0",
                    "ROSTER_LOG": "warn",
                }
            )
            env.update(self.extra_env)
            for var in ("ROSTER_LISTEN", "ROSTER_DATABASE_URL", "ROSTER_METRICS_LISTEN", "ROSTER_PUBLIC_URL"):
                env.pop(var, None)
            log = open(Path(self.tmp.name) / "server.log", "ab")
            db = Path(self.tmp.name) / f"t-{port}.db"
            self.proc = subprocess.Popen(
                [ROSTER_BIN, "serve", "--listen", f"127.0.0.1:{port}", "--database-url", f"sqlite://{db}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
            self.base_url = f"http://127.0.0.1:{port}"
            if self._wait_ready():
                return self
            last_error = self.log()
            self.stop()
        raise RuntimeError(f"roster did not become ready:\n{last_error}")

    def _wait_ready(self, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1.0).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        return False

    def log(self) -> str:
        path = Path(self.tmp.name) / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.tmp.cleanup()

    def client(self, **kwargs: Any) -> Roster:
        kwargs.setdefault("api_key", self.api_key)
        return Roster(base_url=self.base_url, **kwargs)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server().start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Roster]:
    with server.client() as c:
        yield c


class Tenant:
    """A fresh zone and an admin key whose default zone it is, so that
    ``tenant.client.users.list()`` sees only this test's users."""

    def __init__(self, zone: Zone, key: str, key_id: str, client: Roster) -> None:
        self.zone = zone
        self.key = key
        self.key_id = key_id
        self.client = client


@pytest.fixture
def tenant(server: Server, client: Roster) -> Iterator[Tenant]:
    zone = client.zones.create(identifier=f"t-{uuid.uuid4().hex[:12]}", name="test zone")
    key = client.api_keys.create(name="test", scopes=["admin"], default_zone=zone.id)
    assert key.key
    with server.client(api_key=key.key) as c:
        yield Tenant(zone, key.key, key.id, c)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
