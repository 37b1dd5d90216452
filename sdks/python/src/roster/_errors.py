"""Errors. Every error response of the API is ``application/problem+json``
(RFC 9457) with a stable ``code``; it becomes a :class:`RosterError` subclass
chosen by the HTTP status."""

from __future__ import annotations

import json
from typing import Any

import httpx

__all__ = [
    "RosterError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
    "APIConnectionError",
    "APITimeoutError",
    "NoNextPageError",
]


class RosterError(Exception):
    """Base of every error this SDK raises.

    For errors the server answered, ``status`` is the HTTP status and ``code``,
    ``param``, ``detail``, ``type`` and ``title`` come from the problem body;
    they are ``None`` for connection errors.
    """

    status: int | None
    code: str | None
    param: str | None
    detail: str | None
    type: str | None
    title: str | None
    errors: list[dict[str, Any]] | None
    request_id: str | None
    response: httpx.Response | None
    body: Any

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        param: str | None = None,
        detail: str | None = None,
        type: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.param = param
        self.detail = detail
        self.type = type
        self.title = title
        self.errors = errors
        self.request_id = request_id
        self.response = response
        self.body = body

    @property
    def status_code(self) -> int | None:
        """Alias of ``status``."""
        return self.status

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers if self.response is not None else httpx.Headers()


class APIStatusError(RosterError):
    """The server answered with a 4xx or 5xx status."""


class BadRequestError(APIStatusError):
    """400: ``invalid_parameter``, ``invalid_body``, ``invalid_cursor``, …"""


class AuthenticationError(APIStatusError):
    """401: missing, malformed, unknown or revoked API key."""


class PermissionDeniedError(APIStatusError):
    """403: the key lacks a scope (``insufficient_scope``)."""


class NotFoundError(APIStatusError):
    """404: no such resource, or one this key may not see."""


class ConflictError(APIStatusError):
    """409: ``conflict`` (``param`` names the field), ``zone_not_empty``,
    ``user_disabled``, ``idempotency_key_in_use``."""


class PreconditionFailedError(APIStatusError):
    """412: the ``If-Match`` ETag is stale."""


class UnprocessableEntityError(APIStatusError):
    """422: e.g. ``idempotency_key_reused`` (same key, different body)."""


class RateLimitError(APIStatusError):
    """429: the key's rate limit is exhausted. ``retry_after`` is in seconds."""

    retry_after: float | None

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx."""


class ServiceUnavailableError(InternalServerError):
    """503: the database is unreachable or overloaded."""


class APIConnectionError(RosterError):
    """The request never got an answer (connection refused, reset, …)."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


class NoNextPageError(RosterError, LookupError):
    """``next_page()`` was called on the last page."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime
        from datetime import datetime, timezone

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds)


def error_from_response(response: httpx.Response) -> APIStatusError:
    """Builds the error for a 4xx/5xx response (problem+json or not)."""
    status = response.status_code
    body: Any = None
    problem: dict[str, Any] = {}
    try:
        text = response.text
    except Exception:  # pragma: no cover - undecodable body
        text = ""
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    if isinstance(body, dict):
        problem = body
    detail = problem.get("detail")
    if detail is None and isinstance(body, str) and body.strip():
        detail = body.strip()[:500]
    code = problem.get("code")
    title = problem.get("title") or response.reason_phrase or None
    message = f"{status}"
    if code:
        message += f" {code}"
    if detail:
        message += f": {detail}"
    elif title:
        message += f": {title}"
    if problem.get("param"):
        message += f" (param: {problem['param']})"
    cls: type[APIStatusError]
    if status in _BY_STATUS:
        cls = _BY_STATUS[status]
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = APIStatusError
    kwargs: dict[str, Any] = dict(
        status=status,
        code=code,
        param=problem.get("param"),
        detail=detail,
        type=problem.get("type"),
        title=title,
        errors=problem.get("errors"),
        request_id=response.headers.get("x-request-id"),
        response=response,
        body=body,
    )
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers.get("retry-after")), **kwargs)
    return cls(message, **kwargs)
