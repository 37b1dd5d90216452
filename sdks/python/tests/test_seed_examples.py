"""The SDK examples of the seed pages, as close to verbatim as Python allows."""

from __future__ import annotations

import asyncio

import pytest

from conftest import Server, Tenant
from roster import AsyncRoster, Roster, User


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
