"""Resources of :class:`~roster.AsyncRoster`, one class per operation-id prefix.

This file is the source of ``_resources_sync.py``, which
``tools/unasync.py`` generates from it (``async def`` → ``def``, ``await``
dropped, ``AsyncX`` → ``X``, ``AsyncPaginator`` → ``Page``). Edit this file,
then run ``python tools/unasync.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Dict, Tuple, Union, overload

from ._base_client import RequestOptions
from ._encoding import (
    cursor_params,
    expand_params,
    path_segment,
    user_list_params,
)
from ._models import (
    ApiKey,
    BatchResponse,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    Grant,
    Health as HealthModel,
    Provider,
    Role,
    RoleAssignment,
    RoleAssignmentScope,
    Session,
    SignIn,
    User,
    Zone,
)
from ._pagination import AsyncPaginator
from ._types import NOT_GIVEN, strip_none, strip_not_given

if TYPE_CHECKING:
    from ._client import AsyncRoster

__all__ = [
    "AsyncUsers",
    "AsyncSessions",
    "AsyncGrants",
    "AsyncRoleAssignments",
    "AsyncZones",
    "AsyncZoneUsers",
    "AsyncZoneSessions",
    "AsyncZoneGrants",
    "AsyncZoneRoleAssignments",
    "AsyncRoles",
    "AsyncZoneRoles",
    "AsyncProviders",
    "AsyncSignIns",
    "AsyncZoneProviders",
    "AsyncZoneSignIns",
    "AsyncApiKeys",
    "AsyncEvents",
    "AsyncWebhookEndpoints",
    "AsyncWebhookDeliveries",
    "AsyncHealth",
    "AsyncMetrics",
    "AsyncOpenAPI",
    "AsyncDocs",
]

StrOrList = Union[str, Iterable[str]]
DateTimeLike = Union[datetime, date, str]
ScopeLike = Union[RoleAssignmentScope, Mapping[str, str]]
ExtraQuery = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


def _path(zone: str | None, *parts: str) -> str:
    """``/v1/<parts>``, or ``/v1/zones/<zone>/<parts>`` for a zone-scoped call."""
    segments = ["/v1"]
    if zone is not None:
        segments += ["zones", path_segment(zone)]
    segments += [path_segment(p) for p in parts]
    return "/".join(segments)


class _AsyncResource:
    def __init__(self, client: AsyncRoster) -> None:
        self._client = client


# ---------------------------------------------------------------------------
# Users (default zone)


class AsyncUsers(_AsyncResource):
    """``users.*``: users of the API key's default zone."""

    sessions: AsyncSessions
    grants: AsyncGrants
    role_assignments: AsyncRoleAssignments

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.sessions = AsyncSessions(client)
        self.grants = AsyncGrants(client)
        self.role_assignments = AsyncRoleAssignments(client)

    def list(
        self,
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
        page: int | None = None,
        page_size: int | None = None,
        id: StrOrList | None = None,
        email: str | None = None,
        identifier: str | None = None,
        user_type: StrOrList | None = None,
        status: StrOrList | None = None,
        created_by: str | None = None,
        updated_by: str | None = None,
        created_at_from: DateTimeLike | None = None,
        created_at_to: DateTimeLike | None = None,
        updated_at_from: DateTimeLike | None = None,
        updated_at_to: DateTimeLike | None = None,
        provider_id: str | None = None,
        external_id: str | None = None,
        role: str | None = None,
        search: str | None = None,
        q: str | None = None,
        query: StrOrList | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        sort: StrOrList | None = None,
        expand: StrOrList | None = None,
        attributes: Mapping[str, Any] | None = None,
        extra_query: ExtraQuery | None = None,
    ) -> AsyncPaginator[User]:
        """Lists users (``GET /v1/users``).

        Cursor mode: ``after``/``before``/``limit`` (1..1000). Page mode:
        ``page`` with ``page_size`` (1..100) or ``limit``. Filters combine
        with AND: ``id``, ``user_type`` and ``status`` take a comma string or
        a list; dates take a ``datetime`` (naive = UTC) or an RFC 3339
        string; ``query`` is repeated as ``query[]``; ``sort`` takes
        ``"-created_at,email"`` or a list of keys; ``expand`` is repeated as
        ``expand[]``; ``attributes={"plan": "pro", "seats": 5}`` becomes
        ``attributes.plan=pro&attributes.seats=5``.
        """
        params = user_list_params(
            after=after,
            before=before,
            limit=limit,
            page=page,
            page_size=page_size,
            id=id,
            email=email,
            identifier=identifier,
            user_type=user_type,
            status=status,
            created_by=created_by,
            updated_by=updated_by,
            created_at_from=created_at_from,
            created_at_to=created_at_to,
            updated_at_from=updated_at_from,
            updated_at_to=updated_at_to,
            provider_id=provider_id,
            external_id=external_id,
            role=role,
            search=search,
            q=q,
            query=query,
            sort_by=sort_by,
            sort_order=sort_order,
            sort=sort,
            expand=expand,
            attributes=attributes,
            extra_query=extra_query,
        )
        return self._client._paginate(_path(None, "users"), params, User)

    async def batch(
        self,
        *,
        operations: Sequence[Mapping[str, Any]],
        atomic: bool = False,
        idempotency_key: str | None = None,
    ) -> BatchResponse:
        """Runs up to 1 000 ``{"op": "create"|"update"|"delete", ...}`` operations in
        one transaction; each has its result, or (``atomic=True``) all or none apply."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "users", "batch"),
                body={"atomic": atomic, "operations": [dict(o) for o in operations]},
                cast=BatchResponse,
                idempotency_key=idempotency_key,
            )
        )

    @overload
    async def retrieve(self, id: str, *, expand: StrOrList | None = None, if_none_match: None = None) -> User: ...

    @overload
    async def retrieve(self, id: str, *, expand: StrOrList | None = None, if_none_match: str) -> User | None: ...

    async def retrieve(
        self, id: str, *, expand: StrOrList | None = None, if_none_match: str | None = None
    ) -> User | None:
        """Gets a user (``GET /v1/users/{id}``). With ``if_none_match`` (an
        ETag, e.g. ``user.etag``) returns ``None`` when the user is unchanged."""
        return await self._client._request(_user_retrieve(None, id, expand, if_none_match))

    get = retrieve

    async def create(
        self,
        *,
        email: str,
        identifier: str | None = None,
        email_verified: bool | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        name: str | None = None,
        description: str | None = None,
        user_type: str | None = None,
        status: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        issuer: str | None = None,
        provider_id: str | None = None,
        subject: str | None = None,
        external_id: str | None = None,
        authenticated_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> User:
        """Creates a user (``POST /v1/users``). Arguments left ``None`` take
        the server's defaults. Retries reuse one ``Idempotency-Key``."""
        body = strip_none(
            {
                "email": email,
                "identifier": identifier,
                "email_verified": email_verified,
                "first_name": first_name,
                "last_name": last_name,
                "name": name,
                "description": description,
                "user_type": user_type,
                "status": status,
                "attributes": attributes,
                "issuer": issuer,
                "provider_id": provider_id,
                "subject": subject,
                "external_id": external_id,
                "authenticated_at": authenticated_at,
            }
        )
        return await self._client._request(_user_create(None, body, idempotency_key))

    async def update(
        self,
        id: str,
        *,
        email: str = NOT_GIVEN,
        identifier: str = NOT_GIVEN,
        email_verified: bool = NOT_GIVEN,
        first_name: str = NOT_GIVEN,
        last_name: str = NOT_GIVEN,
        name: str = NOT_GIVEN,
        description: str | None = NOT_GIVEN,
        user_type: str = NOT_GIVEN,
        status: str = NOT_GIVEN,
        attributes: Mapping[str, Any] | None = NOT_GIVEN,
        issuer: str | None = NOT_GIVEN,
        provider_id: str | None = NOT_GIVEN,
        subject: str | None = NOT_GIVEN,
        external_id: str | None = NOT_GIVEN,
        authenticated_at: DateTimeLike | None = NOT_GIVEN,
        if_match: str | None = None,
    ) -> User:
        """Updates a user with a JSON merge patch (``PATCH /v1/users/{id}``).

        Only the arguments passed are sent; ``None`` clears a nullable field
        (``description``, ``issuer``, ``provider_id``, ``subject``, ``external_id``,
        ``authenticated_at``; ``attributes=None`` clears every attribute).
        ``attributes`` is merged key by key (a key set to ``None`` is
        removed). ``if_match`` (an ETag) makes a stale update fail with
        :class:`~roster.PreconditionFailedError`.
        """
        body = strip_not_given(
            {
                "email": email,
                "identifier": identifier,
                "email_verified": email_verified,
                "first_name": first_name,
                "last_name": last_name,
                "name": name,
                "description": description,
                "user_type": user_type,
                "status": status,
                "attributes": attributes,
                "issuer": issuer,
                "provider_id": provider_id,
                "subject": subject,
                "external_id": external_id,
                "authenticated_at": authenticated_at,
            }
        )
        return await self._client._request(_user_update(None, id, body, if_match))

    async def delete(self, id: str, *, if_match: str | None = None) -> None:
        """Deletes a user (``DELETE /v1/users/{id}``)."""
        await self._client._request(_user_delete(None, id, if_match))


def _zone_of(method: str, zone: str | None, zone_id: str | None) -> str:
    """The zone of a ``zones.users`` call given as ``zone`` (positional) or ``zone_id=``."""
    if zone is not None and zone_id is not None and zone != zone_id:
        raise TypeError(f"zones.users.{method}() got two zones: {zone!r} and zone_id={zone_id!r}")
    chosen = zone if zone is not None else zone_id
    if chosen is None:
        raise TypeError(f"zones.users.{method}() needs a zone: {method}(zone) or {method}(zone_id=zone)")
    return chosen


def _user_retrieve(zone: str | None, id: str, expand: StrOrList | None, if_none_match: str | None) -> RequestOptions:
    return RequestOptions(
        "GET",
        _path(zone, "users", id),
        params=expand_params(expand),
        headers={"If-None-Match": if_none_match},
        cast=User,
        allow_not_modified=if_none_match is not None,
    )


def _user_create(zone: str | None, body: Dict[str, Any], idempotency_key: str | None) -> RequestOptions:
    return RequestOptions("POST", _path(zone, "users"), body=body, cast=User, idempotency_key=idempotency_key)


def _user_update(zone: str | None, id: str, body: Dict[str, Any], if_match: str | None) -> RequestOptions:
    return RequestOptions(
        "PATCH",
        _path(zone, "users", id),
        body=body,
        headers={"If-Match": if_match},
        cast=User,
        content_type="application/merge-patch+json",
    )


def _user_delete(zone: str | None, id: str, if_match: str | None) -> RequestOptions:
    return RequestOptions("DELETE", _path(zone, "users", id), headers={"If-Match": if_match}, expect="none")


def _session_body(provider_id: str | None, expires_at: DateTimeLike | None) -> Dict[str, Any]:
    return strip_none({"provider_id": provider_id, "expires_at": expires_at})


def _grant_body(
    client_id: str, resource: str, scopes: Sequence[str], expires_at: DateTimeLike | None
) -> Dict[str, Any]:
    return strip_none(
        {
            "client_id": client_id,
            "resource": resource,
            "scopes": list(scopes),
            "expires_at": expires_at,
        }
    )


def _role_assignment_body(role_id: str | None, role_identifier: str | None, scope: ScopeLike | None) -> Dict[str, Any]:
    if role_id is None and role_identifier is None:
        raise TypeError("pass role_id or role_identifier")
    return strip_none({"role_id": role_id, "role_identifier": role_identifier, "scope": scope})


class AsyncSessions(_AsyncResource):
    """``users.sessions.*``: recorded authentications of a user."""

    def list(
        self, user_id: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Session]:
        return self._client._paginate(
            _path(None, "users", user_id, "sessions"), cursor_params(after, before, limit), Session
        )

    async def create(
        self,
        user_id: str,
        *,
        provider_id: str | None = None,
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Records an authentication; sets the user's ``authenticated_at``."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "users", user_id, "sessions"),
                body=_session_body(provider_id, expires_at),
                cast=Session,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, user_id: str, session_id: str) -> Session:
        """One session, live, expired or revoked."""
        return await self._client._request(
            RequestOptions("GET", _path(None, "users", user_id, "sessions", session_id), cast=Session)
        )

    async def delete(self, user_id: str, session_id: str) -> None:
        """Revokes a session."""
        await self._client._request(
            RequestOptions("DELETE", _path(None, "users", user_id, "sessions", session_id), expect="none")
        )


class AsyncGrants(_AsyncResource):
    """``users.grants.*``: delegated grants of a user."""

    def list(
        self, user_id: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Grant]:
        return self._client._paginate(_path(None, "users", user_id, "grants"), cursor_params(after, before, limit), Grant)

    async def create(
        self,
        user_id: str,
        *,
        client_id: str,
        resource: str,
        scopes: Sequence[str],
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> Grant:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "users", user_id, "grants"),
                body=_grant_body(client_id, resource, scopes, expires_at),
                cast=Grant,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, user_id: str, grant_id: str) -> Grant:
        """One grant, live, expired or revoked."""
        return await self._client._request(
            RequestOptions("GET", _path(None, "users", user_id, "grants", grant_id), cast=Grant)
        )

    async def delete(self, user_id: str, grant_id: str) -> None:
        """Revokes a grant."""
        await self._client._request(
            RequestOptions("DELETE", _path(None, "users", user_id, "grants", grant_id), expect="none")
        )


class AsyncRoleAssignments(_AsyncResource):
    """``users.role_assignments.*``: roles held by a user."""

    def list(
        self, user_id: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[RoleAssignment]:
        return self._client._paginate(
            _path(None, "users", user_id, "role-assignments"), cursor_params(after, before, limit), RoleAssignment
        )

    async def create(
        self,
        user_id: str,
        *,
        role_id: str | None = None,
        role_identifier: str | None = None,
        scope: ScopeLike | None = None,
        idempotency_key: str | None = None,
    ) -> RoleAssignment:
        """Assigns a role (by ``role_id`` or ``role_identifier``), optionally
        limited to ``scope={"type": ..., "id": ...}``."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "users", user_id, "role-assignments"),
                body=_role_assignment_body(role_id, role_identifier, scope),
                cast=RoleAssignment,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, user_id: str, role_assignment_id: str) -> RoleAssignment:
        return await self._client._request(
            RequestOptions(
                "GET", _path(None, "users", user_id, "role-assignments", role_assignment_id), cast=RoleAssignment
            )
        )

    async def delete(self, user_id: str, role_assignment_id: str) -> None:
        await self._client._request(
            RequestOptions(
                "DELETE", _path(None, "users", user_id, "role-assignments", role_assignment_id), expect="none"
            )
        )


# ---------------------------------------------------------------------------
# Zones and everything under /v1/zones/{zone}


class AsyncZones(_AsyncResource):
    """``zones.*``: zones (tenants), and ``zones.users``, ``zones.roles``,
    ``zones.providers`` addressed by zone id or identifier."""

    users: AsyncZoneUsers
    roles: AsyncZoneRoles
    providers: AsyncZoneProviders

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.users = AsyncZoneUsers(client)
        self.roles = AsyncZoneRoles(client)
        self.providers = AsyncZoneProviders(client)

    def list(
        self, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Zone]:
        return self._client._paginate(_path(None, "zones"), cursor_params(after, before, limit), Zone)

    async def retrieve(self, zone: str) -> Zone:
        return await self._client._request(RequestOptions("GET", _path(None, "zones", zone), cast=Zone))

    get = retrieve

    async def create(self, *, identifier: str, name: str | None = None, idempotency_key: str | None = None) -> Zone:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "zones"),
                body=strip_none({"identifier": identifier, "name": name}),
                cast=Zone,
                idempotency_key=idempotency_key,
            )
        )

    async def update(self, zone: str, *, identifier: str = NOT_GIVEN, name: str = NOT_GIVEN) -> Zone:
        return await self._client._request(
            RequestOptions(
                "PATCH",
                _path(None, "zones", zone),
                body=strip_not_given({"identifier": identifier, "name": name}),
                cast=Zone,
                content_type="application/merge-patch+json",
            )
        )

    async def delete(self, zone: str) -> None:
        """Deletes a zone (409 ``zone_not_empty`` while it holds users)."""
        await self._client._request(RequestOptions("DELETE", _path(None, "zones", zone), expect="none"))


class AsyncZoneUsers(_AsyncResource):
    """``zones.users.*``: users of a zone (id ``zone_…`` or identifier).

    The zone comes first (``list(zone)``, ``retrieve(zone, id)``); ``list`` and
    ``retrieve`` also take it as ``zone_id=`` (``list(zone_id="default")``,
    ``retrieve(user_id, zone_id="default")``).
    """

    sessions: AsyncZoneSessions
    grants: AsyncZoneGrants
    role_assignments: AsyncZoneRoleAssignments

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.sessions = AsyncZoneSessions(client)
        self.grants = AsyncZoneGrants(client)
        self.role_assignments = AsyncZoneRoleAssignments(client)

    def list(
        self,
        zone: str | None = None,
        *,
        zone_id: str | None = None,
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
        page: int | None = None,
        page_size: int | None = None,
        id: StrOrList | None = None,
        email: str | None = None,
        identifier: str | None = None,
        user_type: StrOrList | None = None,
        status: StrOrList | None = None,
        created_by: str | None = None,
        updated_by: str | None = None,
        created_at_from: DateTimeLike | None = None,
        created_at_to: DateTimeLike | None = None,
        updated_at_from: DateTimeLike | None = None,
        updated_at_to: DateTimeLike | None = None,
        provider_id: str | None = None,
        external_id: str | None = None,
        role: str | None = None,
        search: str | None = None,
        q: str | None = None,
        query: StrOrList | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        sort: StrOrList | None = None,
        expand: StrOrList | None = None,
        attributes: Mapping[str, Any] | None = None,
        extra_query: ExtraQuery | None = None,
    ) -> AsyncPaginator[User]:
        """Lists the users of ``zone`` (or ``zone_id=``, the same); the other
        parameters are those of ``users.list``."""
        zone = _zone_of("list", zone, zone_id)
        params = user_list_params(
            after=after,
            before=before,
            limit=limit,
            page=page,
            page_size=page_size,
            id=id,
            email=email,
            identifier=identifier,
            user_type=user_type,
            status=status,
            created_by=created_by,
            updated_by=updated_by,
            created_at_from=created_at_from,
            created_at_to=created_at_to,
            updated_at_from=updated_at_from,
            updated_at_to=updated_at_to,
            provider_id=provider_id,
            external_id=external_id,
            role=role,
            search=search,
            q=q,
            query=query,
            sort_by=sort_by,
            sort_order=sort_order,
            sort=sort,
            expand=expand,
            attributes=attributes,
            extra_query=extra_query,
        )
        return self._client._paginate(_path(zone, "users"), params, User)

    async def batch(
        self,
        zone: str,
        *,
        operations: Sequence[Mapping[str, Any]],
        atomic: bool = False,
        idempotency_key: str | None = None,
    ) -> BatchResponse:
        """Runs up to 1 000 ``{"op": "create"|"update"|"delete", ...}`` operations in
        one transaction; each has its result, or (``atomic=True``) all or none apply."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "users", "batch"),
                body={"atomic": atomic, "operations": [dict(o) for o in operations]},
                cast=BatchResponse,
                idempotency_key=idempotency_key,
            )
        )

    @overload
    async def retrieve(
        self, zone: str, id: str, *, expand: StrOrList | None = None, if_none_match: None = None
    ) -> User: ...

    @overload
    async def retrieve(
        self, zone: str, id: str, *, expand: StrOrList | None = None, if_none_match: str
    ) -> User | None: ...

    @overload
    async def retrieve(
        self, id: str, /, *, zone_id: str, expand: StrOrList | None = None, if_none_match: None = None
    ) -> User: ...

    @overload
    async def retrieve(
        self, id: str, /, *, zone_id: str, expand: StrOrList | None = None, if_none_match: str
    ) -> User | None: ...

    async def retrieve(
        self,
        zone: str | None = None,
        id: str | None = None,
        *,
        zone_id: str | None = None,
        expand: StrOrList | None = None,
        if_none_match: str | None = None,
    ) -> User | None:
        """Gets a user of a zone (``GET /v1/zones/{zone}/users/{id}``), as
        ``retrieve(zone, id)`` or ``retrieve(id, zone_id=zone)``. With
        ``if_none_match`` (an ETag) returns ``None`` when the user is unchanged."""
        if zone_id is not None:
            if zone is not None and id is not None:
                raise TypeError(
                    "zones.users.retrieve() takes the zone once: retrieve(zone, id) or retrieve(id, zone_id=zone)"
                )
            if id is None:
                zone, id = zone_id, zone  # retrieve(user_id, zone_id=...): the one positional is the user
            else:
                zone = zone_id  # retrieve(id=user_id, zone_id=...)
        if zone is None or id is None:
            raise TypeError(
                "zones.users.retrieve() needs a zone and a user id: retrieve(zone, id) or retrieve(id, zone_id=zone)"
            )
        return await self._client._request(_user_retrieve(zone, id, expand, if_none_match))

    get = retrieve

    async def create(
        self,
        zone: str,
        *,
        email: str,
        identifier: str | None = None,
        email_verified: bool | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        name: str | None = None,
        description: str | None = None,
        user_type: str | None = None,
        status: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        issuer: str | None = None,
        provider_id: str | None = None,
        subject: str | None = None,
        external_id: str | None = None,
        authenticated_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> User:
        body = strip_none(
            {
                "email": email,
                "identifier": identifier,
                "email_verified": email_verified,
                "first_name": first_name,
                "last_name": last_name,
                "name": name,
                "description": description,
                "user_type": user_type,
                "status": status,
                "attributes": attributes,
                "issuer": issuer,
                "provider_id": provider_id,
                "subject": subject,
                "external_id": external_id,
                "authenticated_at": authenticated_at,
            }
        )
        return await self._client._request(_user_create(zone, body, idempotency_key))

    async def update(
        self,
        zone: str,
        id: str,
        *,
        email: str = NOT_GIVEN,
        identifier: str = NOT_GIVEN,
        email_verified: bool = NOT_GIVEN,
        first_name: str = NOT_GIVEN,
        last_name: str = NOT_GIVEN,
        name: str = NOT_GIVEN,
        description: str | None = NOT_GIVEN,
        user_type: str = NOT_GIVEN,
        status: str = NOT_GIVEN,
        attributes: Mapping[str, Any] | None = NOT_GIVEN,
        issuer: str | None = NOT_GIVEN,
        provider_id: str | None = NOT_GIVEN,
        subject: str | None = NOT_GIVEN,
        external_id: str | None = NOT_GIVEN,
        authenticated_at: DateTimeLike | None = NOT_GIVEN,
        if_match: str | None = None,
    ) -> User:
        body = strip_not_given(
            {
                "email": email,
                "identifier": identifier,
                "email_verified": email_verified,
                "first_name": first_name,
                "last_name": last_name,
                "name": name,
                "description": description,
                "user_type": user_type,
                "status": status,
                "attributes": attributes,
                "issuer": issuer,
                "provider_id": provider_id,
                "subject": subject,
                "external_id": external_id,
                "authenticated_at": authenticated_at,
            }
        )
        return await self._client._request(_user_update(zone, id, body, if_match))

    async def delete(self, zone: str, id: str, *, if_match: str | None = None) -> None:
        await self._client._request(_user_delete(zone, id, if_match))


class AsyncZoneSessions(_AsyncResource):
    """``zones.users.sessions.*``."""

    def list(
        self,
        zone: str,
        user_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[Session]:
        return self._client._paginate(
            _path(zone, "users", user_id, "sessions"), cursor_params(after, before, limit), Session
        )

    async def create(
        self,
        zone: str,
        user_id: str,
        *,
        provider_id: str | None = None,
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "users", user_id, "sessions"),
                body=_session_body(provider_id, expires_at),
                cast=Session,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, zone: str, user_id: str, session_id: str) -> Session:
        return await self._client._request(
            RequestOptions("GET", _path(zone, "users", user_id, "sessions", session_id), cast=Session)
        )

    async def delete(self, zone: str, user_id: str, session_id: str) -> None:
        await self._client._request(
            RequestOptions("DELETE", _path(zone, "users", user_id, "sessions", session_id), expect="none")
        )


class AsyncZoneGrants(_AsyncResource):
    """``zones.users.grants.*``."""

    def list(
        self,
        zone: str,
        user_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[Grant]:
        return self._client._paginate(_path(zone, "users", user_id, "grants"), cursor_params(after, before, limit), Grant)

    async def create(
        self,
        zone: str,
        user_id: str,
        *,
        client_id: str,
        resource: str,
        scopes: Sequence[str],
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> Grant:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "users", user_id, "grants"),
                body=_grant_body(client_id, resource, scopes, expires_at),
                cast=Grant,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, zone: str, user_id: str, grant_id: str) -> Grant:
        return await self._client._request(
            RequestOptions("GET", _path(zone, "users", user_id, "grants", grant_id), cast=Grant)
        )

    async def delete(self, zone: str, user_id: str, grant_id: str) -> None:
        await self._client._request(
            RequestOptions("DELETE", _path(zone, "users", user_id, "grants", grant_id), expect="none")
        )


class AsyncZoneRoleAssignments(_AsyncResource):
    """``zones.users.role_assignments.*``."""

    def list(
        self,
        zone: str,
        user_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[RoleAssignment]:
        return self._client._paginate(
            _path(zone, "users", user_id, "role-assignments"), cursor_params(after, before, limit), RoleAssignment
        )

    async def create(
        self,
        zone: str,
        user_id: str,
        *,
        role_id: str | None = None,
        role_identifier: str | None = None,
        scope: ScopeLike | None = None,
        idempotency_key: str | None = None,
    ) -> RoleAssignment:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "users", user_id, "role-assignments"),
                body=_role_assignment_body(role_id, role_identifier, scope),
                cast=RoleAssignment,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, zone: str, user_id: str, role_assignment_id: str) -> RoleAssignment:
        return await self._client._request(
            RequestOptions(
                "GET", _path(zone, "users", user_id, "role-assignments", role_assignment_id), cast=RoleAssignment
            )
        )

    async def delete(self, zone: str, user_id: str, role_assignment_id: str) -> None:
        await self._client._request(
            RequestOptions(
                "DELETE", _path(zone, "users", user_id, "role-assignments", role_assignment_id), expect="none"
            )
        )


# ---------------------------------------------------------------------------
# Roles


class AsyncRoles(_AsyncResource):
    """``roles.*``: roles of the API key's default zone."""

    def list(
        self, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Role]:
        return self._client._paginate(_path(None, "roles"), cursor_params(after, before, limit), Role)

    async def retrieve(self, role: str) -> Role:
        return await self._client._request(RequestOptions("GET", _path(None, "roles", role), cast=Role))

    get = retrieve

    async def create(
        self,
        *,
        identifier: str,
        name: str | None = None,
        description: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Role:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "roles"),
                body=strip_none(
                    {"identifier": identifier, "name": name, "description": description, "external_id": external_id}
                ),
                cast=Role,
                idempotency_key=idempotency_key,
            )
        )

    async def update(
        self,
        role: str,
        *,
        identifier: str = NOT_GIVEN,
        name: str = NOT_GIVEN,
        description: str | None = NOT_GIVEN,
        external_id: str | None = NOT_GIVEN,
    ) -> Role:
        return await self._client._request(
            RequestOptions(
                "PATCH",
                _path(None, "roles", role),
                body=strip_not_given(
                    {"identifier": identifier, "name": name, "description": description, "external_id": external_id}
                ),
                cast=Role,
            )
        )

    async def delete(self, role: str) -> None:
        """Deletes a role and its assignments."""
        await self._client._request(RequestOptions("DELETE", _path(None, "roles", role), expect="none"))


class AsyncZoneRoles(_AsyncResource):
    """``zones.roles.*``."""

    def list(
        self, zone: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Role]:
        return self._client._paginate(_path(zone, "roles"), cursor_params(after, before, limit), Role)

    async def retrieve(self, zone: str, role: str) -> Role:
        return await self._client._request(RequestOptions("GET", _path(zone, "roles", role), cast=Role))

    get = retrieve

    async def create(
        self,
        zone: str,
        *,
        identifier: str,
        name: str | None = None,
        description: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Role:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "roles"),
                body=strip_none(
                    {"identifier": identifier, "name": name, "description": description, "external_id": external_id}
                ),
                cast=Role,
                idempotency_key=idempotency_key,
            )
        )

    async def update(
        self,
        zone: str,
        role: str,
        *,
        identifier: str = NOT_GIVEN,
        name: str = NOT_GIVEN,
        description: str | None = NOT_GIVEN,
        external_id: str | None = NOT_GIVEN,
    ) -> Role:
        return await self._client._request(
            RequestOptions(
                "PATCH",
                _path(zone, "roles", role),
                body=strip_not_given(
                    {"identifier": identifier, "name": name, "description": description, "external_id": external_id}
                ),
                cast=Role,
            )
        )

    async def delete(self, zone: str, role: str) -> None:
        await self._client._request(RequestOptions("DELETE", _path(zone, "roles", role), expect="none"))


# ---------------------------------------------------------------------------
# Identity providers and sign-ins


class AsyncProviders(_AsyncResource):
    """``providers.*``: identity providers of the API key's default zone."""

    sign_ins: AsyncSignIns

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.sign_ins = AsyncSignIns(client)

    def list(
        self, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Provider]:
        return self._client._paginate(_path(None, "providers"), cursor_params(after, before, limit), Provider)

    async def retrieve(self, idp: str) -> Provider:
        return await self._client._request(RequestOptions("GET", _path(None, "providers", idp), cast=Provider))

    get = retrieve

    async def create(
        self,
        *,
        identifier: str,
        issuer: str,
        user_identifier_claim: str | None = None,
        idempotency_key: str | None = None,
    ) -> Provider:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "providers"),
                body=strip_none(
                    {"identifier": identifier, "issuer": issuer, "user_identifier_claim": user_identifier_claim}
                ),
                cast=Provider,
                idempotency_key=idempotency_key,
            )
        )

    async def update(
        self,
        idp: str,
        *,
        identifier: str = NOT_GIVEN,
        issuer: str = NOT_GIVEN,
        user_identifier_claim: str | None = NOT_GIVEN,
    ) -> Provider:
        return await self._client._request(
            RequestOptions(
                "PATCH",
                _path(None, "providers", idp),
                body=strip_not_given(
                    {"identifier": identifier, "issuer": issuer, "user_identifier_claim": user_identifier_claim}
                ),
                cast=Provider,
            )
        )

    async def delete(self, idp: str) -> None:
        """Deletes a provider; its users stay, with ``provider_id`` set to ``None``."""
        await self._client._request(RequestOptions("DELETE", _path(None, "providers", idp), expect="none"))


class AsyncSignIns(_AsyncResource):
    """``providers.sign_ins.*``."""

    async def create(
        self,
        idp: str,
        *,
        subject: str,
        claims: Mapping[str, Any],
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> SignIn:
        """Signs a user in through the provider: finds the user by (issuer,
        subject) or creates it from the claims, and records a session.
        ``result.created`` tells which."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "providers", idp, "sign-ins"),
                body=strip_none({"subject": subject, "claims": claims, "expires_at": expires_at}),
                cast=SignIn,
                idempotency_key=idempotency_key,
            )
        )


class AsyncZoneProviders(_AsyncResource):
    """``zones.providers.*``."""

    sign_ins: AsyncZoneSignIns

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.sign_ins = AsyncZoneSignIns(client)

    def list(
        self, zone: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[Provider]:
        return self._client._paginate(_path(zone, "providers"), cursor_params(after, before, limit), Provider)

    async def retrieve(self, zone: str, idp: str) -> Provider:
        return await self._client._request(RequestOptions("GET", _path(zone, "providers", idp), cast=Provider))

    get = retrieve

    async def create(
        self,
        zone: str,
        *,
        identifier: str,
        issuer: str,
        user_identifier_claim: str | None = None,
        idempotency_key: str | None = None,
    ) -> Provider:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "providers"),
                body=strip_none(
                    {"identifier": identifier, "issuer": issuer, "user_identifier_claim": user_identifier_claim}
                ),
                cast=Provider,
                idempotency_key=idempotency_key,
            )
        )

    async def update(
        self,
        zone: str,
        idp: str,
        *,
        identifier: str = NOT_GIVEN,
        issuer: str = NOT_GIVEN,
        user_identifier_claim: str | None = NOT_GIVEN,
    ) -> Provider:
        return await self._client._request(
            RequestOptions(
                "PATCH",
                _path(zone, "providers", idp),
                body=strip_not_given(
                    {"identifier": identifier, "issuer": issuer, "user_identifier_claim": user_identifier_claim}
                ),
                cast=Provider,
            )
        )

    async def delete(self, zone: str, idp: str) -> None:
        await self._client._request(RequestOptions("DELETE", _path(zone, "providers", idp), expect="none"))


class AsyncZoneSignIns(_AsyncResource):
    """``zones.providers.sign_ins.*``."""

    async def create(
        self,
        zone: str,
        idp: str,
        *,
        subject: str,
        claims: Mapping[str, Any],
        expires_at: DateTimeLike | None = None,
        idempotency_key: str | None = None,
    ) -> SignIn:
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(zone, "providers", idp, "sign-ins"),
                body=strip_none({"subject": subject, "claims": claims, "expires_at": expires_at}),
                cast=SignIn,
                idempotency_key=idempotency_key,
            )
        )


# ---------------------------------------------------------------------------
# API keys and operations


class AsyncApiKeys(_AsyncResource):
    """``api_keys.*`` (scope ``keys:write``)."""

    def list(
        self, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[ApiKey]:
        return self._client._paginate(_path(None, "api-keys"), cursor_params(after, before, limit), ApiKey)

    async def create(
        self,
        *,
        name: str,
        scopes: Sequence[str],
        zones: Sequence[str] | None = None,
        default_zone: str | None = None,
        idempotency_key: str | None = None,
    ) -> ApiKey:
        """Creates a key; its secret is in ``.key`` of the result, and only there."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "api-keys"),
                body=strip_none(
                    {
                        "name": name,
                        "scopes": [str(s) for s in scopes],
                        "zones": [str(z) for z in zones] if zones is not None else None,
                        "default_zone": default_zone,
                    }
                ),
                cast=ApiKey,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, id: str) -> ApiKey:
        """A key within the calling key's zones (never its secret); NotFoundError otherwise."""
        return await self._client._request(RequestOptions("GET", _path(None, "api-keys", id), cast=ApiKey))

    async def delete(self, id: str) -> None:
        """Revokes a key."""
        await self._client._request(RequestOptions("DELETE", _path(None, "api-keys", id), expect="none"))


class AsyncEvents(_AsyncResource):
    """``events.*``: the change feed, in commit order (scope ``events:read``)."""

    def list(
        self,
        *,
        after: str | None = None,
        limit: int | None = None,
        type: str | Sequence[str] | None = None,
        zone: str | None = None,
        user_id: str | None = None,
    ) -> AsyncPaginator[Event]:
        """Iterating goes through every event from ``after`` to the end of the feed as
        it stands; keep the last page's ``page_info.end_cursor`` to poll on from there.
        ``user_id`` keeps one user's events: its own and its sessions', grants' and
        role assignments'."""
        types = type if isinstance(type, str) or type is None else ",".join(type)
        params = strip_none(
            {"after": after, "limit": limit, "type": types, "zone": zone, "user_id": user_id}
        )
        return self._client._paginate(_path(None, "events"), [(k, str(v)) for k, v in params.items()], Event)


class AsyncWebhookDeliveries(_AsyncResource):
    """``webhook_endpoints.deliveries.*``: an endpoint's delivery attempts."""

    def list(
        self, id: str, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[WebhookDelivery]:
        return self._client._paginate(
            _path(None, "webhook-endpoints", id, "deliveries"), cursor_params(after, before, limit), WebhookDelivery
        )

    async def retry(self, id: str, delivery: str, *, idempotency_key: str | None = None) -> WebhookDelivery:
        """Sends the delivery's event again now; returns the new attempt."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "webhook-endpoints", id, "deliveries", delivery, "retry"),
                body={},
                cast=WebhookDelivery,
                idempotency_key=idempotency_key,
            )
        )


class AsyncWebhookEndpoints(_AsyncResource):
    """``webhook_endpoints.*`` (scope ``webhooks:write``, a key valid for every zone)."""

    deliveries: AsyncWebhookDeliveries

    def __init__(self, client: AsyncRoster) -> None:
        super().__init__(client)
        self.deliveries = AsyncWebhookDeliveries(client)

    def list(
        self, *, after: str | None = None, before: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[WebhookEndpoint]:
        return self._client._paginate(_path(None, "webhook-endpoints"), cursor_params(after, before, limit), WebhookEndpoint)

    async def create(
        self,
        *,
        url: str,
        event_types: Sequence[str] | None = None,
        zones: Sequence[str] | None = None,
        enabled: bool | None = None,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> WebhookEndpoint:
        """Creates an endpoint; its ``secret`` is in the result, and only there."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "webhook-endpoints"),
                body=strip_none(
                    {
                        "url": url,
                        "event_types": list(event_types) if event_types is not None else None,
                        "zones": list(zones) if zones is not None else None,
                        "enabled": enabled,
                        "description": description,
                    }
                ),
                cast=WebhookEndpoint,
                idempotency_key=idempotency_key,
            )
        )

    async def retrieve(self, id: str) -> WebhookEndpoint:
        return await self._client._request(
            RequestOptions("GET", _path(None, "webhook-endpoints", id), cast=WebhookEndpoint)
        )

    async def update(
        self,
        id: str,
        *,
        url: str = NOT_GIVEN,
        event_types: Sequence[str] = NOT_GIVEN,
        zones: Sequence[str] | None = NOT_GIVEN,
        enabled: bool = NOT_GIVEN,
        description: str | None = NOT_GIVEN,
    ) -> WebhookEndpoint:
        """Changes the endpoint; ``enabled=True`` resumes a disabled one where it stopped."""
        body = strip_not_given(
            {"url": url, "event_types": event_types, "zones": zones, "enabled": enabled, "description": description}
        )
        for key in ("event_types", "zones"):
            if isinstance(body.get(key), (list, tuple)):
                body[key] = list(body[key])
        return await self._client._request(
            RequestOptions("PATCH", _path(None, "webhook-endpoints", id), body=body, cast=WebhookEndpoint)
        )

    async def delete(self, id: str) -> None:
        await self._client._request(RequestOptions("DELETE", _path(None, "webhook-endpoints", id), expect="none"))

    async def rotate_secret(self, id: str, *, idempotency_key: str | None = None) -> WebhookEndpoint:
        """A new ``secret``; the previous one keeps signing beside it for 24 hours."""
        return await self._client._request(
            RequestOptions(
                "POST",
                _path(None, "webhook-endpoints", id, "rotate-secret"),
                body={},
                cast=WebhookEndpoint,
                idempotency_key=idempotency_key,
            )
        )


class AsyncHealth(_AsyncResource):
    """``health.*`` (no API key needed)."""

    async def check(self) -> HealthModel:
        """``GET /healthz``: the process is up."""
        return await self._client._request(RequestOptions("GET", "/healthz", cast=HealthModel))

    async def ready(self) -> HealthModel:
        """``GET /readyz``: the database answers (else a 503 error)."""
        return await self._client._request(RequestOptions("GET", "/readyz", cast=HealthModel))


class AsyncMetrics(_AsyncResource):
    """``metrics.*``."""

    async def get(self) -> str:
        """``GET /metrics``: Prometheus text."""
        return await self._client._request(RequestOptions("GET", "/metrics", headers={"Accept": "text/plain"}, expect="text"))


class AsyncOpenAPI(_AsyncResource):
    """``openapi.*``."""

    async def get(self) -> Dict[str, Any]:
        """``GET /openapi.json``: the OpenAPI 3.1 document."""
        return await self._client._request(RequestOptions("GET", "/openapi.json"))


class AsyncDocs(_AsyncResource):
    """``docs.*``."""

    async def get(self) -> str:
        """``GET /docs``: the human documentation (HTML)."""
        return await self._client._request(RequestOptions("GET", "/docs", headers={"Accept": "text/html"}, expect="text"))
