"""problem+json responses become typed errors."""

from __future__ import annotations

import asyncio

import pytest

from conftest import Server, Tenant, unique_email
from roster import (
    APIStatusError,
    AsyncRoster,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    Roster,
    RosterError,
    UnprocessableEntityError,
)


def test_not_found(client: Roster) -> None:
    with pytest.raises(NotFoundError) as info:
        client.users.retrieve("user_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    err = info.value
    assert isinstance(err, APIStatusError) and isinstance(err, RosterError)
    assert err.status == 404 and err.status_code == 404
    assert err.code == "not_found"
    assert err.type == "urn:roster:problem:not_found"
    assert err.title and err.detail
    assert err.request_id and err.request_id.startswith("req_")
    assert "404" in str(err)
    # A malformed id in a path is a 404 too.
    with pytest.raises(NotFoundError):
        client.users.delete("not-an-id")
    with pytest.raises(NotFoundError):
        client.zones.users.list("no-such-zone")


def test_conflict_names_the_param(tenant: Tenant) -> None:
    c = tenant.client
    email = unique_email()
    c.users.create(email=email, identifier="taken")
    with pytest.raises(ConflictError) as info:
        c.users.create(email=email.upper())
    assert info.value.status == 409 and info.value.code == "conflict" and info.value.param == "email"
    with pytest.raises(ConflictError) as info:
        c.users.create(email=unique_email(), identifier="TAKEN")
    assert info.value.param == "identifier"


def test_bad_request_names_the_param(client: Roster) -> None:
    with pytest.raises(BadRequestError) as info:
        client.users.list(limit=0)
    err = info.value
    assert err.status == 400 and err.code == "invalid_parameter" and err.param == "limit"
    assert err.detail == "limit must be an integer from 1 to 1000"

    with pytest.raises(BadRequestError) as info:
        client.users.create(email="not-an-email")
    assert info.value.code == "invalid_body" and info.value.param == "email"

    with pytest.raises(BadRequestError) as info:
        client.users.list(sort_by="shoe_size")
    assert info.value.param == "sort_by"

    with pytest.raises(BadRequestError) as info:
        client.users.list(after="garbage")
    assert info.value.code == "invalid_cursor"

    with pytest.raises(BadRequestError) as info:
        client.users.list(created_at_from="yesterday")
    assert info.value.param == "created_at_from"


def test_unauthorized(server: Server) -> None:
    with Roster(base_url=server.base_url, api_key="rk_live_wrongwrongwrongwrongwrong") as c:
        with pytest.raises(AuthenticationError) as info:
            c.users.list()
    assert info.value.status == 401 and info.value.code == "unauthorized"
    assert info.value.headers.get("www-authenticate", "").startswith("Bearer")
    with Roster(base_url=server.base_url, api_key=None) as c:
        with pytest.raises(AuthenticationError):
            c.users.list()


def test_permission_denied(server: Server, client: Roster) -> None:
    key = client.api_keys.create(name="read-only", scopes=["users:read"])
    assert key.key
    with server.client(api_key=key.key) as reader:
        reader.users.list()
        with pytest.raises(PermissionDeniedError) as info:
            reader.users.create(email=unique_email())
        assert info.value.status == 403 and info.value.code == "insufficient_scope"
        # Metadata filters need users:metadata.
        with pytest.raises(PermissionDeniedError):
            reader.users.list(created_by="key_01ARZ3NDEKTSV4RRFFQ69G5FAV")
        # Without users:metadata the fields are simply absent.
        created = client.users.create(email=unique_email())
        seen = reader.users.retrieve(created.id)
        assert seen.created_by is None and "created_by" not in seen.to_dict()


def test_precondition_failed(tenant: Tenant) -> None:
    c = tenant.client
    user = c.users.create(email=unique_email())
    c.users.update(user.id, name="changed")
    with pytest.raises(PreconditionFailedError) as info:
        c.users.update(user.id, name="stale", if_match=user.etag)
    assert info.value.status == 412 and info.value.code == "precondition_failed"
    with pytest.raises(PreconditionFailedError):
        c.users.delete(user.id, if_match=user.etag)


def test_idempotency_key_reused_is_422(tenant: Tenant) -> None:
    c = tenant.client
    c.users.create(email=unique_email(), idempotency_key="reuse-me")
    with pytest.raises(UnprocessableEntityError) as info:
        c.users.create(email=unique_email(), idempotency_key="reuse-me")
    assert info.value.status == 422 and info.value.code == "idempotency_key_reused"


def test_conflicts_elsewhere(tenant: Tenant, client: Roster) -> None:
    tenant.client.users.create(email=unique_email())
    with pytest.raises(ConflictError) as info:
        client.zones.delete(tenant.zone.id)
    assert info.value.code == "zone_not_empty"
    user = tenant.client.users.create(email=unique_email(), status="disabled")
    with pytest.raises(ConflictError) as info:
        tenant.client.users.sessions.create(user.id)
    assert info.value.code == "user_disabled"


def test_async_errors(server: Server, tenant: Tenant) -> None:
    async def main() -> None:
        async with AsyncRoster(base_url=server.base_url, api_key=tenant.key) as c:
            with pytest.raises(NotFoundError):
                await c.users.retrieve("user_01ARZ3NDEKTSV4RRFFQ69G5FAV")
            with pytest.raises(BadRequestError) as info:
                await c.users.list(page_size=101)
            assert info.value.param == "page_size"
            email = unique_email()
            await c.users.create(email=email)
            with pytest.raises(ConflictError) as info2:
                await c.users.create(email=email)
            assert info2.value.param == "email"
        async with AsyncRoster(base_url=server.base_url, api_key="rk_live_nopenopenopenopenope") as bad:
            with pytest.raises(AuthenticationError):
                async for _ in bad.users.list():
                    pass

    asyncio.run(main())
