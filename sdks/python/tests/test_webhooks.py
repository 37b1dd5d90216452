"""The change feed, webhook endpoints, batch writes and ``verify_webhook``,
against a live server and a real HTTP receiver; every delivery is checked
by the SDK and by the ``standardwebhooks`` package (an independent
implementation of the scheme)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import standardwebhooks

from conftest import Server
from roster import Event, WebhookVerificationError, verify_webhook


class _Inbox(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's spelling)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Inbox.received = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Inbox)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", _Inbox.received
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def hook_server() -> Iterator[Server]:
    # The receiver listens on loopback, which webhooks may reach only so.
    srv = Server({"ROSTER_WEBHOOK_ALLOW_PRIVATE_URLS": "true"}).start()
    try:
        yield srv
    finally:
        srv.close()


def _wait(received: list[Any], n: int) -> None:
    deadline = time.time() + 15
    while len(received) < n and time.time() < deadline:
        time.sleep(0.05)
    assert len(received) >= n, f"{len(received)} of {n} deliveries came"


def test_deliveries_are_the_feeds_events_and_verify(hook_server: Server, receiver: Any) -> None:
    url, received = receiver
    with hook_server.client() as client:
        endpoint = client.webhook_endpoints.create(url=url, event_types=["user.*"])
        assert endpoint.secret is not None and endpoint.secret.startswith("whsec_")
        batch = client.users.batch(
            operations=[
                {"op": "create", "body": {"email": "a@example.com"}},
                {"op": "create", "body": {"email": "a@example.com"}},
            ]
        )
        assert [r.status for r in batch.results] == [201, 409]
        assert batch.results[0].body is not None and batch.results[0].body.email == "a@example.com"
        assert batch.results[1].problem is not None
        assert batch.results[1].problem["param"] == "operations[1].body.email"
        events = list(client.events.list(type="user.*", limit=1))
        assert [e.type for e in events] == ["user.created"]
        _wait(received, 1)
        headers, body = received[0]
        event = verify_webhook(body, headers, endpoint.secret)
        assert isinstance(event, Event)
        assert event.to_dict() == events[0].to_dict()
        standardwebhooks.Webhook(endpoint.secret).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            verify_webhook(body.replace(b"a@example", b"b@example"), headers, endpoint.secret)
        with pytest.raises(WebhookVerificationError):
            verify_webhook(body, headers, endpoint.secret, now=int(headers["webhook-timestamp"]) + 3600)

        log = list(client.webhook_endpoints.deliveries.list(endpoint.id))
        assert len(log) == 1 and log[0].succeeded and log[0].event_id == event.id
        retried = client.webhook_endpoints.deliveries.retry(endpoint.id, log[0].id)
        assert retried.manual and retried.attempt == 2
        rotated = client.webhook_endpoints.rotate_secret(endpoint.id)
        assert rotated.secret != endpoint.secret
        client.users.batch(operations=[{"op": "create", "body": {"email": "c@example.com"}}], atomic=True)
        _wait(received, 3)
        headers, body = received[-1]
        for secret in (endpoint.secret, rotated.secret):
            assert secret is not None
            verify_webhook(body, headers, secret)
            standardwebhooks.Webhook(secret).verify(body, headers)
        assert [e.id for e in client.webhook_endpoints.list()] == [endpoint.id]
        assert client.webhook_endpoints.retrieve(endpoint.id).secret is None
        assert client.webhook_endpoints.update(endpoint.id, enabled=False).enabled is False
        client.webhook_endpoints.delete(endpoint.id)
