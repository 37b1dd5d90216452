"""Create, read, update and delete every kind of resource against a live server."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from conftest import Server, Tenant, unique_email
from roster import (
    ApiKey,
    AsyncRoster,
    AuthenticationError,
    Grant,
    Health,
    NotFoundError,
    Provider,
    Role,
    RoleAssignment,
    Roster,
    Session,
    SignIn,
    User,
    Zone,
)


def test_user_crud(tenant: Tenant) -> None:
    c = tenant.client
    email = unique_email("Jane")
    user = c.users.create(
        email=email,
        first_name="Jane",
        last_name="Doe",
        description="first",
        status="onboarding",
        user_type="saas_admin",
        attributes={"plan": "pro", "seats": 3},
    )
    assert isinstance(user, User)
    assert user.id.startswith("user_")
    assert user.email == email
    assert user.name == "Jane Doe"
    assert user.identifier == user.id
    assert user.zone_id == tenant.zone.id
    assert user.status == "onboarding" and user.user_type == "saas_admin"
    assert user.attributes == {"plan": "pro", "seats": 3}
    assert isinstance(user.created_at, datetime) and user.created_at.tzinfo is not None
    assert user.created_by == tenant.key_id and user.updated_by == tenant.key_id
    assert user.etag and user.etag.startswith('"')

    got = c.users.retrieve(user.id)
    assert got == user
    assert c.users.get(user.id) == user  # seed 004 spelling

    # Merge patch: attributes merged key by key, None clears nullable fields.
    updated = c.users.update(user.id, status="active", description=None, attributes={"seats": 5, "plan": None})
    assert updated.status == "active"
    assert updated.description is None
    assert updated.attributes == {"seats": 5}
    assert updated.name == "Jane Doe"  # PATCH never rewrites name implicitly
    assert updated.updated_at >= user.updated_at

    c.users.delete(user.id)
    with pytest.raises(NotFoundError):
        c.users.retrieve(user.id)


def test_update_sends_only_given_fields(tenant: Tenant) -> None:
    c = tenant.client
    user = c.users.create(email=unique_email(), description="keep me", first_name="A")
    updated = c.users.update(user.id, first_name="B")
    assert updated.first_name == "B"
    assert updated.description == "keep me"
    cleared = c.users.update(user.id, attributes=None)
    assert cleared.attributes == {}


def test_etags_if_match_and_if_none_match(tenant: Tenant) -> None:
    c = tenant.client
    user = c.users.create(email=unique_email())
    # Unchanged: a 304 reads as None.
    assert c.users.retrieve(user.id, if_none_match=user.etag) is None
    updated = c.users.update(user.id, name="New", if_match=user.etag)
    assert updated.etag != user.etag
    # Changed since: the full user comes back.
    fresh = c.users.retrieve(user.id, if_none_match=user.etag)
    assert fresh is not None and fresh.name == "New"
    c.users.delete(user.id, if_match=updated.etag)
    with pytest.raises(NotFoundError):
        c.users.get(user.id)


def test_zone_scoped_users(client: Roster, tenant: Tenant) -> None:
    zone = tenant.zone.identifier
    user = client.zones.users.create(zone, email=unique_email(), first_name="Zed")
    assert user.zone_id == tenant.zone.id
    assert client.zones.users.retrieve(zone, user.id) == user
    assert client.zones.users.get(tenant.zone.id, user.id) == user  # by id too
    # The same user is invisible from the bootstrap key's default zone.
    with pytest.raises(NotFoundError):
        client.users.retrieve(user.id)
    assert client.zones.users.retrieve(zone, user.id, if_none_match=user.etag) is None
    updated = client.zones.users.update(zone, user.id, last_name="Zulu", if_match=user.etag)
    assert updated.last_name == "Zulu"
    page = client.zones.users.list(zone)
    assert [u.id for u in page.data] == [user.id]
    client.zones.users.delete(zone, user.id, if_match=updated.etag)
    assert client.zones.users.list(zone).total_count == 0


def test_zones_crud(client: Roster) -> None:
    zone = client.zones.create(identifier="crud-zone", name="CRUD")
    assert isinstance(zone, Zone) and zone.id.startswith("zone_")
    assert client.zones.retrieve("crud-zone") == zone
    assert client.zones.retrieve(zone.id) == zone
    renamed = client.zones.update(zone.id, name="Renamed")
    assert renamed.name == "Renamed" and renamed.identifier == "crud-zone"
    ids = [z.id for z in client.zones.list()]
    assert zone.id in ids
    client.zones.delete(zone.id)
    with pytest.raises(NotFoundError):
        client.zones.retrieve(zone.id)


def test_roles_and_assignments(tenant: Tenant, client: Roster) -> None:
    c = tenant.client
    role = c.roles.create(identifier="admin", description="Admins")
    assert isinstance(role, Role) and role.name == "admin"
    assert c.roles.retrieve(role.id) == role
    role = c.roles.update(role.id, name="Administrators")
    assert role.name == "Administrators"
    assert [r.id for r in c.roles.list()] == [role.id]

    # The same role through the zone-scoped API.
    zone = tenant.zone.id
    assert client.zones.roles.retrieve(zone, role.id).name == "Administrators"
    other = client.zones.roles.create(zone, identifier="viewer")
    assert {r.identifier for r in client.zones.roles.list(zone)} == {"admin", "viewer"}
    client.zones.roles.update(zone, other.id, description="read only")

    user = c.users.create(email=unique_email())
    ra = c.users.role_assignments.create(user.id, role_identifier="admin", scope={"type": "zone", "id": zone})
    assert isinstance(ra, RoleAssignment) and ra.id and ra.role_id == role.id
    assert ra.scope is not None and ra.scope.type == "zone"
    ra2 = client.zones.users.role_assignments.create(zone, user.id, role_id=other.id)
    assert ra2.scope is None
    listed = c.users.role_assignments.list(user.id)
    assert {a.id for a in listed} == {ra.id, ra2.id}
    assert listed.total_count == 2
    assert {a.id for a in client.zones.users.role_assignments.list(zone, user.id)} == {ra.id, ra2.id}

    expanded = c.users.retrieve(user.id, expand=["role_assignments"])
    assert expanded.role_assignments is not None
    assert {a.role_identifier for a in expanded.role_assignments} == {"admin", "viewer"}

    assert c.users.role_assignments.retrieve(user.id, ra.id).id == ra.id
    assert client.zones.users.role_assignments.retrieve(zone, user.id, ra2.id).id == ra2.id
    c.users.role_assignments.delete(user.id, ra.id)
    client.zones.users.role_assignments.delete(zone, user.id, ra2.id)
    assert c.users.role_assignments.list(user.id).total_count == 0
    client.zones.roles.delete(zone, other.id)
    c.roles.delete(role.id)
    with pytest.raises(NotFoundError):
        c.roles.retrieve(role.id)


def test_sessions_and_grants(tenant: Tenant, client: Roster) -> None:
    c = tenant.client
    zone = tenant.zone.identifier
    user = c.users.create(email=unique_email())
    later = datetime.now(timezone.utc) + timedelta(days=1)
    s1 = c.users.sessions.create(user.id, expires_at=later)
    assert isinstance(s1, Session) and s1.status == "active" and s1.user_id == user.id
    assert s1.expires_at is not None and abs((s1.expires_at - later).total_seconds()) < 1
    s2 = client.zones.users.sessions.create(zone, user.id)
    assert {s.id for s in c.users.sessions.list(user.id)} == {s1.id, s2.id}
    assert {s.id for s in client.zones.users.sessions.list(zone, user.id)} == {s1.id, s2.id}
    assert c.users.retrieve(user.id).authenticated_at is not None

    g1 = c.users.grants.create(user.id, client_id="app", resource="https://api.example.com", scopes=["read"])
    assert isinstance(g1, Grant) and g1.scopes == ["read"] and g1.status == "active"
    g2 = client.zones.users.grants.create(zone, user.id, client_id="cli", resource="r", scopes=["read"], expires_at=later)
    assert {g.id for g in client.zones.users.grants.list(zone, user.id)} == {g1.id, g2.id}

    counted = c.users.retrieve(user.id, expand=["session_count", "grant_count"])
    assert counted.session_count == 2 and counted.grant_count == 2

    assert c.users.sessions.retrieve(user.id, s1.id).id == s1.id
    assert client.zones.users.grants.retrieve(zone, user.id, g2.id).client_id == "cli"
    c.users.sessions.delete(user.id, s1.id)
    client.zones.users.sessions.delete(zone, user.id, s2.id)
    c.users.grants.delete(user.id, g1.id)
    client.zones.users.grants.delete(zone, user.id, g2.id)
    assert c.users.sessions.retrieve(user.id, s1.id).status == "revoked"
    assert client.zones.users.sessions.retrieve(zone, user.id, s2.id).status == "revoked"
    assert c.users.grants.retrieve(user.id, g1.id).status == "revoked"
    counted = c.users.retrieve(user.id, expand="session_count,grant_count")
    assert counted.session_count == 0 and counted.grant_count == 0
    statuses = {s.status for s in c.users.sessions.list(user.id)}
    assert statuses == {"revoked"}


def test_providers_and_sign_ins(tenant: Tenant, client: Roster) -> None:
    c = tenant.client
    idp = c.providers.create(identifier="okta", issuer="https://example.okta.com", user_identifier_claim="login")
    assert isinstance(idp, Provider) and idp.id.startswith("idp_")
    assert c.providers.retrieve(idp.id) == idp
    idp = c.providers.update(idp.id, issuer="https://corp.okta.com")
    assert idp.issuer == "https://corp.okta.com"
    assert [p.id for p in c.providers.list()] == [idp.id]

    email = unique_email("sso")
    first = c.providers.sign_ins.create(idp.id, subject="sub-1", claims={"email": email, "login": "jdoe"})
    assert isinstance(first, SignIn) and first.created is True
    assert first.user.email == email and first.user.identifier == "jdoe"
    assert first.user.provider_id == idp.id and first.user.subject == "sub-1"
    assert isinstance(first.session, Session)
    again = c.providers.sign_ins.create(idp.id, subject="sub-1", claims={"email": email})
    assert again.created is False and again.user.id == first.user.id

    zone = tenant.zone.id
    other = client.zones.providers.create(zone, identifier="google", issuer="https://accounts.google.com")
    assert client.zones.providers.retrieve(zone, other.id) == other
    client.zones.providers.update(zone, other.id, user_identifier_claim=None)
    assert {p.identifier for p in client.zones.providers.list(zone)} == {"okta", "google"}
    zs = client.zones.providers.sign_ins.create(zone, other.id, subject="g-1", claims={"email": unique_email("g")})
    assert zs.created and zs.user.provider_id == other.id

    assert [u.id for u in c.users.list(provider_id=idp.id)] == [first.user.id]
    client.zones.providers.delete(zone, other.id)
    c.providers.delete(idp.id)
    # Deleting a provider keeps its users, unlinked.
    assert c.users.retrieve(first.user.id).provider_id is None


def test_api_keys(server: Server, client: Roster) -> None:
    key = client.api_keys.create(name="reader", scopes=["users:read"])
    assert isinstance(key, ApiKey) and key.key and key.key.startswith("rk_live_")
    assert key.key not in repr(key)  # the secret is kept out of reprs
    listed = {k.id: k for k in client.api_keys.list()}
    assert key.id in listed and listed[key.id].key is None
    fetched = client.api_keys.retrieve(key.id)
    assert fetched.id == key.id and fetched.key is None and fetched.scopes == ["users:read"]
    with server.client(api_key=key.key) as reader:
        reader.users.list()
        client.api_keys.delete(key.id)
        with pytest.raises(AuthenticationError):
            reader.users.list()
    with pytest.raises(NotFoundError):
        client.api_keys.retrieve(key.id)


def test_operations_endpoints(server: Server) -> None:
    # No key needed for these.
    with Roster(base_url=server.base_url, api_key=None) as c:
        assert c.health.check() == Health(status="ok")
        assert c.health.ready().status == "ready"
        assert "roster_http_requests_total" in c.metrics.get()
        doc = c.openapi.get()
        assert doc["openapi"].startswith("3.1")
        assert "<html" in c.docs.get().lower()


def test_base_url_with_v1_suffix_and_env(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_BASE_URL", server.base_url + "/v1/")
    monkeypatch.setenv("ROSTER_API_KEY", server.api_key)
    with Roster() as c:
        assert c.base_url == server.base_url
        c.users.list(limit=1)


def test_async_crud(server: Server, tenant: Tenant) -> None:
    async def main() -> None:
        async with AsyncRoster(base_url=server.base_url, api_key=tenant.key) as c:
            user = await c.users.create(email=unique_email("async"), first_name="As")
            assert isinstance(user, User)
            assert await c.users.retrieve(user.id) == user
            assert await c.users.get(user.id, if_none_match=user.etag) is None
            updated = await c.users.update(user.id, last_name="Ync")
            assert updated.name == "As" and updated.last_name == "Ync"
            zone = tenant.zone.identifier
            assert await c.zones.users.retrieve(zone, user.id) == updated
            session = await c.users.sessions.create(user.id)
            assert session.user_id == user.id
            assert (await c.health.check()).status == "ok"
            await c.users.delete(user.id)
            with pytest.raises(NotFoundError):
                await c.users.retrieve(user.id)

    asyncio.run(main())
