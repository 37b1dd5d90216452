"""The clients: :class:`Roster` (blocking) and :class:`AsyncRoster` (asyncio)."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

from . import _resources_async as _ar
from . import _resources_sync as _sr
from ._base_client import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    BaseClient,
    RequestOptions,
    log,
)
from ._encoding import QueryParams
from ._errors import APIConnectionError, APITimeoutError
from ._models import BaseModel
from ._pagination import AsyncPage, AsyncPaginator, Page
from ._types import Timeout

__all__ = ["Roster", "AsyncRoster"]

T = TypeVar("T", bound=BaseModel)
_SENTINEL: Any = object()


class Roster(BaseClient):
    """The Roster API client.

    ``base_url`` defaults to ``$ROSTER_BASE_URL`` (else
    ``http://127.0.0.1:8080``) and ``api_key`` to ``$ROSTER_API_KEY``.
    Failed calls are retried up to ``max_retries`` times on 429 (after
    ``Retry-After``), 502/503/504 and connection errors, with exponential
    backoff and jitter. Every POST carries an ``Idempotency-Key`` that its
    retries reuse.

    Resources mirror the API's operation ids: ``users.list`` is
    ``client.users.list(...)``, ``zones.users.sessions.create`` is
    ``client.zones.users.sessions.create(zone, user_id, ...)``.
    """

    users: _sr.Users
    zones: _sr.Zones
    roles: _sr.Roles
    providers: _sr.Providers
    api_keys: _sr.ApiKeys
    events: _sr.Events
    webhook_endpoints: _sr.WebhookEndpoints
    health: _sr.Health
    metrics: _sr.Metrics
    openapi: _sr.OpenAPI
    docs: _sr.Docs

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        *,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._attach_resources()

    def _attach_resources(self) -> None:
        self.users = _sr.Users(self)
        self.zones = _sr.Zones(self)
        self.roles = _sr.Roles(self)
        self.providers = _sr.Providers(self)
        self.api_keys = _sr.ApiKeys(self)
        self.events = _sr.Events(self)
        self.webhook_endpoints = _sr.WebhookEndpoints(self)
        self.health = _sr.Health(self)
        self.metrics = _sr.Metrics(self)
        self.openapi = _sr.OpenAPI(self)
        self.docs = _sr.Docs(self)

    def with_options(
        self,
        *,
        api_key: str | None = _SENTINEL,
        timeout: Timeout = _SENTINEL,
        max_retries: int = _SENTINEL,
    ) -> Roster:
        """A copy of this client with other settings, sharing its connections."""
        clone = copy.copy(self)
        if api_key is not _SENTINEL:
            clone.api_key = api_key
        if timeout is not _SENTINEL:
            clone.timeout = timeout
        if max_retries is not _SENTINEL:
            clone.max_retries = max_retries
        clone._owns_http = False
        clone._attach_resources()
        return clone

    def close(self) -> None:
        """Closes the connections (only when this client created them)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Roster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _request(self, opts: RequestOptions) -> Any:
        key = self._idempotency_key(opts)
        attempt = 0
        while True:
            request = self._build_request(self._http, opts, key)
            try:
                response = self._http.send(request)
            except httpx.TimeoutException as exc:
                delay = self._connection_retry_delay(attempt)
                if delay is None:
                    raise APITimeoutError(request=request) from exc
                log.info("roster: %s %s timed out; retrying in %.2fs", opts.method, opts.path, delay)
            except httpx.TransportError as exc:
                delay = self._connection_retry_delay(attempt)
                if delay is None:
                    raise APIConnectionError(self._connection_error_message(exc), request=request) from exc
                log.info("roster: %s %s failed (%s); retrying in %.2fs", opts.method, opts.path, exc, delay)
            else:
                delay = self._retry_delay(response, attempt) if response.status_code >= 400 else None
                if delay is None:
                    return self._process_response(response, opts)
                log.info(
                    "roster: %s %s answered %s; retrying in %.2fs",
                    opts.method,
                    opts.path,
                    response.status_code,
                    delay,
                )
                response.close()
            self._sleep(delay)
            attempt += 1

    def _get_page(self, path: str, params: QueryParams, cast: type[T]) -> Page[T]:
        body = self._request(RequestOptions("GET", path, params=params))
        return Page(body, cast, params, lambda p: self._get_page(path, p, cast))

    def _paginate(self, path: str, params: QueryParams, cast: type[T]) -> Page[T]:
        return self._get_page(path, params, cast)


class AsyncRoster(BaseClient):
    """The asyncio Roster API client: the same surface as :class:`Roster`,
    with ``await``-able methods. List calls return an :class:`AsyncPaginator`:
    ``page = await client.users.list()`` or ``async for user in client.users.list()``.
    """

    users: _ar.AsyncUsers
    zones: _ar.AsyncZones
    roles: _ar.AsyncRoles
    providers: _ar.AsyncProviders
    api_keys: _ar.AsyncApiKeys
    events: _ar.AsyncEvents
    webhook_endpoints: _ar.AsyncWebhookEndpoints
    health: _ar.AsyncHealth
    metrics: _ar.AsyncMetrics
    openapi: _ar.AsyncOpenAPI
    docs: _ar.AsyncDocs

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        *,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._attach_resources()

    def _attach_resources(self) -> None:
        self.users = _ar.AsyncUsers(self)
        self.zones = _ar.AsyncZones(self)
        self.roles = _ar.AsyncRoles(self)
        self.providers = _ar.AsyncProviders(self)
        self.api_keys = _ar.AsyncApiKeys(self)
        self.events = _ar.AsyncEvents(self)
        self.webhook_endpoints = _ar.AsyncWebhookEndpoints(self)
        self.health = _ar.AsyncHealth(self)
        self.metrics = _ar.AsyncMetrics(self)
        self.openapi = _ar.AsyncOpenAPI(self)
        self.docs = _ar.AsyncDocs(self)

    def with_options(
        self,
        *,
        api_key: str | None = _SENTINEL,
        timeout: Timeout = _SENTINEL,
        max_retries: int = _SENTINEL,
    ) -> AsyncRoster:
        """A copy of this client with other settings, sharing its connections."""
        clone = copy.copy(self)
        if api_key is not _SENTINEL:
            clone.api_key = api_key
        if timeout is not _SENTINEL:
            clone.timeout = timeout
        if max_retries is not _SENTINEL:
            clone.max_retries = max_retries
        clone._owns_http = False
        clone._attach_resources()
        return clone

    async def close(self) -> None:
        """Closes the connections (only when this client created them)."""
        if self._owns_http:
            await self._http.aclose()

    aclose = close

    async def __aenter__(self) -> AsyncRoster:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- transport ----------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def _request(self, opts: RequestOptions) -> Any:
        key = self._idempotency_key(opts)
        attempt = 0
        while True:
            request = self._build_request(self._http, opts, key)
            try:
                response = await self._http.send(request)
            except httpx.TimeoutException as exc:
                delay = self._connection_retry_delay(attempt)
                if delay is None:
                    raise APITimeoutError(request=request) from exc
                log.info("roster: %s %s timed out; retrying in %.2fs", opts.method, opts.path, delay)
            except httpx.TransportError as exc:
                delay = self._connection_retry_delay(attempt)
                if delay is None:
                    raise APIConnectionError(self._connection_error_message(exc), request=request) from exc
                log.info("roster: %s %s failed (%s); retrying in %.2fs", opts.method, opts.path, exc, delay)
            else:
                delay = self._retry_delay(response, attempt) if response.status_code >= 400 else None
                if delay is None:
                    return self._process_response(response, opts)
                log.info(
                    "roster: %s %s answered %s; retrying in %.2fs",
                    opts.method,
                    opts.path,
                    response.status_code,
                    delay,
                )
                await response.aclose()
            await self._sleep(delay)
            attempt += 1

    async def _get_page(self, path: str, params: QueryParams, cast: type[T]) -> AsyncPage[T]:
        body = await self._request(RequestOptions("GET", path, params=params))
        return AsyncPage(body, cast, params, lambda p: self._get_page(path, p, cast))

    def _paginate(self, path: str, params: QueryParams, cast: type[T]) -> AsyncPaginator[T]:
        return AsyncPaginator(lambda p: self._get_page(path, p, cast), params)

