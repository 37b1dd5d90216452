"""Checking a webhook delivery: the Standard Webhooks scheme Roster signs with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from ._models import Event

__all__ = ["verify_webhook", "WebhookVerificationError", "WEBHOOK_TOLERANCE_SECONDS"]

WEBHOOK_TOLERANCE_SECONDS = 300
"""How far a delivery's ``webhook-timestamp`` may be from now, either way."""


class WebhookVerificationError(Exception):
    """A delivery whose signature, timestamp or body does not hold up."""


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"no {name} header")


def verify_webhook(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    now: float | None = None,
    tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
) -> Event:
    """Returns the delivered event when one ``v1`` signature of ``webhook-signature``
    is the HMAC-SHA256 of ``"id.timestamp.body"`` under ``secret`` (``whsec_…``),
    compared in constant time, and ``webhook-timestamp`` is within ``tolerance``
    seconds of now; raises :class:`WebhookVerificationError` otherwise."""
    body = payload.encode() if isinstance(payload, str) else bytes(payload)
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    if abs((time.time() if now is None else now) - sent) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise WebhookVerificationError("the secret is not whsec_ followed by base64") from None
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    if not any(
        hmac.compare_digest(sig.removeprefix("v1,"), expected)
        for sig in signatures.split(" ")
        if sig.startswith("v1,")
    ):
        raise WebhookVerificationError("no signature matches the secret")
    try:
        return Event.from_dict(json.loads(body))
    except (ValueError, TypeError) as e:
        raise WebhookVerificationError(f"the body is not an event: {e}") from None
