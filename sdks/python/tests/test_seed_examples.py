"""The SDK examples of the seed pages, as close to verbatim as Python allows."""

from __future__ import annotations

import asyncio

import pytest

import roster._base_client
from conftest import Server, Tenant
from roster import APIConnectionError, AsyncClient, AsyncRoster, AuthenticationError, Client, Roster, User


@pytest.fixture
def env(server: Server, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Tenant:
    monkeypatch.setenv("ROSTER_BASE_URL", server.base_url)
    monkeypatch.setenv("ROSTER_API_KEY", tenant.key)
    for i in range(3):
        tenant.client.users.create(email=f"seed{i}@example.com", first_name="Jane", last_name=f"Doe{i}")
    return tenant


def test_seed_000_list_and_retrieve(env: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    client = Roster()
    page = client.users.list()
    page = page.data[0]
    print(page.id)
    assert capsys.readouterr().out.strip().startswith("user_")

    user = client.users.retrieve(
        page.id,
    )
    print(user.id)
    assert capsys.readouterr().out.strip() == page.id
    # the seed's User fields
    for field in ("id", "created_at", "email", "first_name", "last_name", "updated_at"):
        assert getattr(user, field) is not None


def test_seed_001_cursor_params(env: Tenant) -> None:
    client = Roster()
    first = client.users.list(limit=1)
    nxt = client.users.list(after=first.page_info.end_cursor, limit=1)
    prev = client.users.list(before=nxt.page_info.start_cursor, limit=1)
    assert prev.data[0].id == first.data[0].id
    assert first.total_count == 3
    assert first.page_info.has_next_page and not first.page_info.has_previous_page


def test_seed_003_zone_users(env: Tenant, server: Server) -> None:
    client = Roster(api_key=server.api_key)
    zone_id = env.zone.id
    users = client.zones.users.list(zone_id)
    assert users.total_count == 3
    user = client.zones.users.retrieve(zone_id, users.data[0].id)
    assert user.zone_id == zone_id and user.email_verified is False
    # every page, in the zone
    assert len([u for u in client.zones.users.list(zone_id, limit=2)]) == 3


def test_seed_004_client_page_limit_and_get(env: Tenant, server: Server) -> None:
    client = Roster(base_url=server.base_url, api_key=env.key)
    users = client.users.list(page=1, limit=10)
    assert users.page == 1 and len(users.data) == 3 and users.total_count == 3
    user = client.users.get(users.data[0].id)
    assert isinstance(user, User)
    created = client.users.create(name="John Doe", email="john@example.com")
    assert created.name == "John Doe"
    client.users.update(created.id, attributes={"plan": "pro"})
    client.users.delete(created.id)


def test_iterate_every_user(env: Tenant) -> None:
    client = Roster()
    emails = []
    for user in client.users.list():
        emails.append(user.email)
    assert sorted(emails) == [f"seed{i}@example.com" for i in range(3)]


def test_async_seed_style(env: Tenant) -> None:
    async def main() -> list[str]:
        client = AsyncRoster()
        page = await client.users.list()
        print(page.data[0].id)
        user = await client.users.retrieve(page.data[0].id)
        assert user.id == page.data[0].id
        out = [u.email async for u in client.users.list(limit=1)]
        await client.close()
        return out

    assert len(asyncio.run(main())) == 3


def test_seed_004_client_alias(env: Tenant, server: Server) -> None:
    # from dataflow import Client; client = Client(base_url=..., api_key=...)
    assert Client is Roster and AsyncClient is AsyncRoster
    client = Client(
        base_url=server.base_url,
        api_key=env.key,
    )
    users = client.users.list(page=1, limit=10)
    assert isinstance(client, Roster) and users.page == 1 and len(users.data) == 3
    client.close()


def test_roster_without_arguments_reads_the_environment(env: Tenant, server: Server) -> None:
    client = Roster()
    assert client.base_url == server.base_url and client.api_key == env.key
    assert client.users.list().total_count == 3


def test_no_api_key_is_a_clear_error(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_BASE_URL", server.base_url)
    monkeypatch.delenv("ROSTER_API_KEY", raising=False)
    with Roster() as client:
        assert client.api_key is None
        assert client.health.check().status == "ok"  # no key needed here
        with pytest.raises(AuthenticationError) as info:
            client.users.list()
    assert info.value.status == 401
    assert "ROSTER_API_KEY" in str(info.value) and "api_key=" in str(info.value)
    # A wrong key is not reported as a missing one.
    with Roster(api_key="rk_live_wrongwrongwrongwrongwrong") as client:
        with pytest.raises(AuthenticationError) as info:
            client.users.list()
    assert "ROSTER_API_KEY" not in str(info.value)


def test_no_base_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROSTER_BASE_URL", raising=False)
    # Port 9 (discard): nothing listens there, unlike 8080 on a developer's machine.
    monkeypatch.setattr(roster._base_client, "DEFAULT_BASE_URL", "http://127.0.0.1:9")
    with Roster(api_key="k" * 20, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            client.users.list()
    assert "ROSTER_BASE_URL" in str(info.value) and "base_url=" in str(info.value)
    with Roster(base_url="http://127.0.0.1:9", api_key="k" * 20, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            client.users.list()
    assert "ROSTER_BASE_URL" not in str(info.value)


def test_seed_003_retrieve_id_with_zone_id(env: Tenant, server: Server) -> None:
    # zones.users.retrieve(id, **params): the user id first, the zone as zone_id=.
    client = Roster(api_key=server.api_key)
    zone_id = env.zone.id
    users = client.zones.users.list(zone_id)
    user = client.zones.users.retrieve(users.data[0].id, zone_id=zone_id)
    assert user.id == users.data[0].id and user.zone_id == zone_id
    # by identifier, by keywords, and the zone-first form: the same user
    assert client.zones.users.retrieve(user.id, zone_id=env.zone.identifier) == user
    assert client.zones.users.retrieve(id=user.id, zone_id=zone_id) == user
    assert client.zones.users.retrieve(zone_id, user.id) == user
    assert client.zones.users.retrieve(zone=zone_id, id=user.id) == user
    assert client.zones.users.get(user.id, zone_id=zone_id) == user
    assert client.zones.users.retrieve(user.id, zone_id=zone_id, if_none_match=user.etag) is None
    # zones.users.list(zone_id=...)
    assert [u.id for u in client.zones.users.list(zone_id=zone_id)] == [u.id for u in users]
    with pytest.raises(TypeError, match="zone_id=zone"):
        client.zones.users.retrieve(user.id)  # which zone?
    with pytest.raises(TypeError, match="zone once"):
        client.zones.users.retrieve(zone_id, user.id, zone_id=zone_id)
    with pytest.raises(TypeError, match="two zones"):
        client.zones.users.list(zone_id, zone_id="default")
    with pytest.raises(TypeError, match="needs a zone"):
        client.zones.users.list()


def test_seed_003_retrieve_in_the_default_zone(server: Server) -> None:
    with server.client() as client:
        created = client.users.create(email="zone-default@example.com")
        try:
            user = client.zones.users.retrieve(created.id, zone_id="default")
            assert user.id == created.id
            assert created.id in [u.id for u in client.zones.users.list("default")]
        finally:
            client.users.delete(created.id)


def test_async_seed_003_retrieve_id_with_zone_id(env: Tenant, server: Server) -> None:
    async def main() -> None:
        async with AsyncClient(api_key=server.api_key) as client:
            page = await client.zones.users.list(zone_id=env.zone.id)
            user = await client.zones.users.retrieve(page.data[0].id, zone_id=env.zone.identifier)
            assert user.zone_id == env.zone.id
            assert await client.zones.users.retrieve(env.zone.id, user.id) == user

    asyncio.run(main())
