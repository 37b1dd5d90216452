"""What the sync and async clients share: configuration, request building,
response decoding and the retry policy."""

from __future__ import annotations

import json
import logging
import os
import random
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from ._encoding import QueryParams, jsonable
from ._errors import RosterError, error_from_response, parse_retry_after
from ._models import BaseModel
from ._types import NOT_GIVEN, Timeout
from ._version import __version__

log = logging.getLogger("roster")

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3

#: What a 401 says when the client has no key.
MISSING_API_KEY = (
    "no API key was given: pass api_key= to the client (Roster(api_key=...), Client(api_key=...))"
    " or set the ROSTER_API_KEY environment variable"
)

Expect = Literal["json", "text", "none"]


class RequestOptions:
    """One API call, as the resources describe it to the client."""

    __slots__ = (
        "method",
        "path",
        "params",
        "body",
        "headers",
        "cast",
        "content_type",
        "idempotency_key",
        "allow_not_modified",
        "expect",
    )

    def __init__(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: Any = NOT_GIVEN,
        headers: Mapping[str, str | None] | None = None,
        cast: type[BaseModel] | None = None,
        content_type: str = "application/json",
        idempotency_key: str | None = None,
        allow_not_modified: bool = False,
        expect: Expect = "json",
    ) -> None:
        self.method = method
        self.path = path
        self.params = params or []
        self.body = body
        self.headers = {k: v for k, v in (headers or {}).items() if v is not None}
        self.cast = cast
        self.content_type = content_type
        self.idempotency_key = idempotency_key
        self.allow_not_modified = allow_not_modified
        self.expect = expect


class BaseClient:
    """Configuration and the parts of a call that do no I/O."""

    #: First retry waits about this long (seconds); each further retry doubles it.
    initial_retry_delay: float = 0.5
    #: Upper bound of one backoff wait (seconds).
    max_retry_delay: float = 8.0
    #: A ``Retry-After`` longer than this (seconds) is not waited for: the error is raised.
    max_retry_after: float = 60.0

    base_url: str
    api_key: str | None
    timeout: Timeout
    max_retries: int

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        #: True when neither ``base_url`` nor ``$ROSTER_BASE_URL`` was given
        #: (``DEFAULT_BASE_URL`` is used; connection errors say so).
        self._base_url_defaulted = False
        if base_url is None:
            base_url = os.environ.get("ROSTER_BASE_URL") or None
            if base_url is None:
                base_url = DEFAULT_BASE_URL
                self._base_url_defaulted = True
        if api_key is None:
            api_key = os.environ.get("ROSTER_API_KEY") or None
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = _normalize_base_url(base_url)
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self._default_headers = dict(default_headers or {})

    # -- requests -------------------------------------------------------------

    def _headers(self, opts: RequestOptions, idempotency_key: str | None) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "User-Agent": f"roster-python/{__version__}",
            "X-API-Version": "v1",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self._default_headers)
        if opts.body is not NOT_GIVEN:
            headers["Content-Type"] = opts.content_type
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(opts.headers)
        return headers

    def _idempotency_key(self, opts: RequestOptions) -> str | None:
        """POSTs always carry a key: the caller's, else a fresh uuid4, reused
        by every retry of this call so the server can replay instead of
        creating twice."""
        if opts.idempotency_key is not None:
            return opts.idempotency_key
        if opts.method == "POST":
            return str(uuid.uuid4())
        return None

    def _build_request(self, http: httpx.Client | httpx.AsyncClient, opts: RequestOptions, key: str | None) -> httpx.Request:
        content: bytes | None = None
        if opts.body is not NOT_GIVEN:
            content = json.dumps(jsonable(opts.body), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        params: httpx.QueryParams | None = httpx.QueryParams(tuple(opts.params)) if opts.params else None
        return http.build_request(
            opts.method,
            self.base_url + opts.path,
            params=params,
            content=content,
            headers=self._headers(opts, key),
            timeout=self.timeout,
        )

    # -- retries ----------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number ``attempt`` (0-based)."""
        delay: float = min(self.max_retry_delay, self.initial_retry_delay * 2.0**attempt)
        return delay * random.uniform(0.75, 1.25)

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float | None:
        """How long to wait before retrying this response, or ``None`` not to retry."""
        if attempt >= self.max_retries:
            return None
        status = response.status_code
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is None:
                return self._backoff(attempt)
            if retry_after > self.max_retry_after:
                return None
            # Honour Retry-After: never earlier, a little later at random so
            # that clients throttled together do not return together.
            return retry_after + random.uniform(0.0, min(1.0, 0.1 * retry_after + 0.05))
        if status in (502, 504):
            return self._backoff(attempt)
        if status == 409 and _problem_code(response) == "idempotency_key_in_use":
            # The first attempt of this very call is still running on the server.
            return self._backoff(attempt)
        return None

    def _connection_retry_delay(self, attempt: int) -> float | None:
        if attempt >= self.max_retries:
            return None
        return self._backoff(attempt)

    # -- responses ------------------------------------------------------------

    def _process_response(self, response: httpx.Response, opts: RequestOptions) -> Any:
        if response.status_code == 304 and opts.allow_not_modified:
            return None
        if response.status_code >= 400:
            error = error_from_response(response)
            if response.status_code == 401 and not self.api_key:
                error.message = f"{error.message} ({MISSING_API_KEY})"
                error.args = (error.message,)
            raise error
        if opts.expect == "none" or response.status_code == 204:
            return None
        if opts.expect == "text":
            return response.text
        try:
            data = response.json()
        except ValueError as exc:
            raise RosterError(
                f"{response.status_code}: the response is not JSON",
                status=response.status_code,
                response=response,
            ) from exc
        if opts.cast is None:
            return data
        model = opts.cast.from_dict(data)
        etag = response.headers.get("etag")
        if etag is not None:
            object.__setattr__(model, "_etag", etag)
        return model

    def _connection_error_message(self, exc: Exception) -> str:
        message = f"Connection error: {exc}"
        if self._base_url_defaulted:
            message += (
                f" (no base_url was given and ROSTER_BASE_URL is not set, so {DEFAULT_BASE_URL} was used:"
                " pass base_url= or set the ROSTER_BASE_URL environment variable)"
            )
        return message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _normalize_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "http://" + url
    # The operation paths carry /v1 themselves; accept a base URL that has it.
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url
