"""Retries (429 with Retry-After, 503, connection errors) and idempotent creates."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from conftest import Server, Tenant, unique_email
from roster import (
    APIConnectionError,
    APITimeoutError,
    AsyncRoster,
    RateLimitError,
    Roster,
    ServiceUnavailableError,
)


@pytest.fixture(scope="module")
def limited() -> Iterator[Server]:
    """A server that allows 2 requests per second per key, burst 2."""
    srv = Server({"ROSTER_RATE_LIMIT_PER_SECOND": "2", "ROSTER_RATE_LIMIT_BURST": "2"}).start()
    try:
        yield srv
    finally:
        srv.close()


class Recorder:
    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.times: list[float] = []

    def __call__(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)
        self.times.append(time.monotonic())


def _exhaust(srv: Server) -> RateLimitError:
    """Spends the key's burst; returns the 429 the next request gets."""
    with srv.client(max_retries=0) as c:
        for _ in range(10):
            try:
                c.users.list(limit=1)
            except RateLimitError as err:
                return err
    raise AssertionError("the rate limit never answered 429")


def test_rate_limit_error_without_retries(limited: Server) -> None:
    err = _exhaust(limited)
    assert err.status == 429 and err.code == "rate_limited"
    assert err.retry_after is not None and err.retry_after >= 1
    assert err.headers.get("ratelimit-limit") == "2"


def test_429_is_retried_after_retry_after(limited: Server) -> None:
    err = _exhaust(limited)
    assert err.retry_after is not None
    rec = Recorder()
    with Roster(
        base_url=limited.base_url,
        api_key=limited.api_key,
        max_retries=3,
        http_client=httpx.Client(event_hooks={"response": [rec]}),
    ) as c:
        start = time.monotonic()
        page = c.users.list(limit=1)
        elapsed = time.monotonic() - start
    assert page.total_count >= 0
    assert rec.statuses[0] == 429 and rec.statuses[-1] == 200
    # It waited Retry-After before trying again.
    assert rec.times[1] - rec.times[0] >= err.retry_after * 0.95
    assert elapsed >= err.retry_after * 0.95


def test_429_retry_async(limited: Server) -> None:
    _exhaust(limited)
    rec = Recorder()

    async def main() -> None:
        async def hook(response: httpx.Response) -> None:
            rec(response)

        async with AsyncRoster(
            base_url=limited.base_url,
            api_key=limited.api_key,
            http_client=httpx.AsyncClient(event_hooks={"response": [hook]}),
        ) as c:
            user = await c.users.create(email=unique_email("rl"))
            assert user.id

    asyncio.run(main())
    assert rec.statuses[0] == 429 and rec.statuses[-1] == 201


def test_same_idempotency_key_twice_makes_one_user(tenant: Tenant) -> None:
    c = tenant.client
    email = unique_email("idem")
    first = c.users.create(email=email, first_name="Once", idempotency_key="create-once-1")
    second = c.users.create(email=email, first_name="Once", idempotency_key="create-once-1")
    assert first.id == second.id
    assert first.to_dict() == second.to_dict()
    assert c.users.list(email=email).total_count == 1


class LoseFirstResponse(httpx.BaseTransport):
    """Forwards to the real server, but loses the response of the first POST
    (the server did the work; the client sees the connection drop)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str | None] = []
        self.replayed: list[str | None] = []
        self.lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.keys.append(request.headers.get("idempotency-key"))
        response = self.inner.handle_request(request)
        if request.method == "POST":
            response.read()
            self.replayed.append(response.headers.get("idempotent-replayed"))
            if not self.lost:
                self.lost = True
                response.close()
                raise httpx.ReadError("simulated: connection reset before the response arrived", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_auto_idempotency_key_makes_a_retried_create_safe(server: Server, tenant: Tenant) -> None:
    transport = LoseFirstResponse()
    with Roster(base_url=server.base_url, api_key=tenant.key, http_client=httpx.Client(transport=transport)) as c:
        c.initial_retry_delay = 0.01
        email = unique_email("retry")
        user = c.users.create(email=email)
        assert user.email == email
    # Two attempts, one generated key, and the second was a replay.
    assert len(transport.keys) == 2
    assert transport.keys[0] and transport.keys[0] == transport.keys[1]
    assert transport.replayed == [None, "true"]
    assert tenant.client.users.list(email=email).total_count == 1
    # A new call gets a new key.
    with Roster(base_url=server.base_url, api_key=tenant.key, http_client=httpx.Client(transport=transport)) as c:
        c.users.create(email=unique_email())
    assert transport.keys[2] != transport.keys[0]


class AsyncLoseFirstResponse(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.keys: list[str | None] = []
        self.lost = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.keys.append(request.headers.get("idempotency-key"))
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and not self.lost:
            self.lost = True
            await response.aread()
            await response.aclose()
            raise httpx.RemoteProtocolError("simulated: server disconnected", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_async_retried_create_makes_one_user(server: Server, tenant: Tenant) -> None:
    transport = AsyncLoseFirstResponse()
    email = unique_email("aretry")

    async def main() -> None:
        async with AsyncRoster(
            base_url=server.base_url, api_key=tenant.key, http_client=httpx.AsyncClient(transport=transport)
        ) as c:
            c.initial_retry_delay = 0.01
            await c.users.create(email=email, idempotency_key="caller-chosen-key")

    asyncio.run(main())
    assert transport.keys == ["caller-chosen-key", "caller-chosen-key"]
    assert tenant.client.users.list(email=email).total_count == 1


# -- retry policy against a scripted transport (no server involved) ----------


def _scripted(*steps: object) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0)
        if isinstance(step, Exception):
            raise step
        assert isinstance(step, httpx.Response)
        return step

    return httpx.MockTransport(handler), seen


def _problem(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"type": f"urn:roster:problem:{code}", "title": code, "status": status, "detail": code, "code": code}
    return httpx.Response(status, headers={"content-type": "application/problem+json", **(headers or {})}, json=body)


USER = {
    "id": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "organization_id": "org_1",
    "zone_id": "zone_1",
    "identifier": "jane",
    "email": "jane@example.com",
    "email_verified": False,
    "first_name": "Jane",
    "last_name": "Doe",
    "name": "Jane Doe",
    "user_type": "saas_user",
    "status": "active",
    "attributes": {},
    "created_at": "2024-01-15T09:30:00Z",
    "updated_at": "2024-01-20T14:45:00Z",
}


def test_503_then_success_reuses_the_key() -> None:
    transport, seen = _scripted(
        _problem(503, "unavailable", {"retry-after": "0"}),
        httpx.ReadTimeout("slow", request=None),  # type: ignore[arg-type]
        httpx.Response(201, json=USER),
    )
    with Roster(base_url="http://roster.test", api_key="k" * 20, http_client=httpx.Client(transport=transport)) as c:
        c.initial_retry_delay = 0.001
        user = c.users.create(email="jane@example.com")
    assert user.name == "Jane Doe"
    assert len(seen) == 3
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(keys) == 1
    assert all(json.loads(r.content) == {"email": "jane@example.com"} for r in seen)
    assert seen[0].headers["authorization"] == "Bearer " + "k" * 20
    assert seen[0].headers["x-api-version"] == "v1"


def test_gives_up_after_max_retries() -> None:
    transport, seen = _scripted(*[_problem(503, "unavailable", {"retry-after": "0"}) for _ in range(3)])
    with Roster(base_url="http://roster.test", api_key="k" * 20, max_retries=2, http_client=httpx.Client(transport=transport)) as c:
        with pytest.raises(ServiceUnavailableError) as info:
            c.users.list()
    assert info.value.status == 503 and len(seen) == 3


def test_connection_errors_and_timeouts() -> None:
    transport, seen = _scripted(*[httpx.ConnectError("refused") for _ in range(2)])
    with Roster(base_url="http://roster.test", max_retries=1, http_client=httpx.Client(transport=transport)) as c:
        c.initial_retry_delay = 0.001
        with pytest.raises(APIConnectionError):
            c.users.list()
    assert len(seen) == 2
    transport, seen = _scripted(httpx.ConnectTimeout("slow"))
    with Roster(base_url="http://roster.test", max_retries=0, http_client=httpx.Client(transport=transport)) as c:
        with pytest.raises(APITimeoutError):
            c.users.retrieve("user_1")
    # Nothing listens on this port: a real connection error, retried, then raised.
    with Roster(base_url="http://127.0.0.1:9", max_retries=1) as c:
        c.initial_retry_delay = 0.001
        with pytest.raises(APIConnectionError):
            c.health.check()


def test_client_errors_are_not_retried() -> None:
    transport, seen = _scripted(_problem(409, "conflict"))
    with Roster(base_url="http://roster.test", http_client=httpx.Client(transport=transport)) as c:
        with pytest.raises(Exception):
            c.users.create(email="a@b.c")
    assert len(seen) == 1


def test_long_retry_after_is_not_waited_for() -> None:
    transport, seen = _scripted(_problem(429, "rate_limited", {"retry-after": "3600"}))
    with Roster(base_url="http://roster.test", http_client=httpx.Client(transport=transport)) as c:
        with pytest.raises(RateLimitError) as info:
            c.users.list()
    assert info.value.retry_after == 3600 and len(seen) == 1


def test_get_and_patch_carry_no_idempotency_key_unless_asked() -> None:
    transport, seen = _scripted(httpx.Response(200, json=USER), httpx.Response(200, json=USER))
    with Roster(base_url="http://roster.test", http_client=httpx.Client(transport=transport)) as c:
        c.users.retrieve("user_1")
        c.users.update("user_1", name="x", if_match='"v-1"')
    assert "idempotency-key" not in seen[0].headers and "idempotency-key" not in seen[1].headers
    assert seen[1].headers["content-type"] == "application/merge-patch+json"
    assert seen[1].headers["if-match"] == '"v-1"'
    assert json.loads(seen[1].content) == {"name": "x"}
