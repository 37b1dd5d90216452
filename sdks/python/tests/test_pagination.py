"""Cursor pages, page mode and auto-pagination (sync and async)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conftest import Server, Tenant
from roster import AsyncPage, AsyncPaginator, AsyncRoster, NoNextPageError, Page, Roster, User

N = 7  # with limit=3: pages of 3, 3 and 1


def _seed(c: Roster, n: int = N) -> list[User]:
    return [c.users.create(email=f"p{i:02d}-{c.api_key[-6:]}@example.com", first_name=f"P{i}") for i in range(n)]


class _Counter:
    """Counts GET /v1/.../users requests through an httpx event hook."""

    def __init__(self) -> None:
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> None:
        if request.method == "GET" and request.url.path.endswith("/users"):
            self.urls.append(request.url)


def test_cursor_pages_and_auto_pagination(server: Server, tenant: Tenant) -> None:
    users = _seed(tenant.client)
    counter = _Counter()
    with Roster(
        base_url=server.base_url, api_key=tenant.key, http_client=httpx.Client(event_hooks={"request": [counter]})
    ) as c:
        page = c.users.list(limit=3)
        assert isinstance(page, Page)
        assert [u.id for u in page.data] == [u.id for u in users[:3]]
        assert page.total_count == N
        assert page.page is None and page.page_size is None
        assert page.has_next_page() and page.page_info.end_cursor

        second = page.next_page()
        assert second.page_info.has_previous_page
        assert second.data[0].id == users[3].id
        assert dict(second._params)["after"] == page.page_info.end_cursor
        third = second.next_page()
        assert [u.id for u in third.data] == [users[6].id]
        assert not third.has_next_page()
        with pytest.raises(NoNextPageError):
            third.next_page()

        counter.urls.clear()
        every = list(c.users.list(limit=3))  # __iter__ walks every page
        assert [u.id for u in every] == [u.id for u in users]
        assert len(counter.urls) == 3
        assert all(isinstance(u, User) for u in every)

        # Each page is fetched only when the iteration reaches it.
        counter.urls.clear()
        it = iter(c.users.list(limit=3))
        for _ in range(3):
            next(it)
        assert len(counter.urls) == 1
        next(it)
        assert len(counter.urls) == 2

        pages = list(c.users.list(limit=3).iter_pages())
        assert [len(p.data) for p in pages] == [3, 3, 1]

        # Iterating from a later page goes on from there; filters are kept.
        assert [u.id for u in second] == [u.id for u in users[3:]]
        filtered = list(c.users.list(limit=2, search="p0", sort_by="email", sort_order="desc"))
        assert [u.id for u in filtered] == [u.id for u in reversed(users)]


def test_backward_cursor(tenant: Tenant) -> None:
    users = _seed(tenant.client)
    c = tenant.client
    last = c.users.list(limit=3).next_page().next_page()
    back = c.users.list(limit=3, before=last.page_info.start_cursor)
    assert [u.id for u in back.data] == [u.id for u in users[3:6]]


def test_page_mode(tenant: Tenant) -> None:
    users = _seed(tenant.client)
    c = tenant.client
    page = c.users.list(page=1, page_size=3)
    assert page.page == 1 and page.page_size == 3 and page.total_count == N
    assert [u.id for u in page.data] == [u.id for u in users[:3]]
    assert page.has_next_page()
    page2 = page.next_page()
    assert page2.page == 2 and [u.id for u in page2.data] == [u.id for u in users[3:6]]
    page3 = page2.next_page()
    assert page3.page == 3 and len(page3.data) == 1 and not page3.has_next_page()
    assert [u.id for u in c.users.list(page=1, page_size=3)] == [u.id for u in users]
    assert [u.id for u in c.users.list(page=2, limit=2)] == [u.id for u in users[2:]]
    # seed 004: page + limit
    ten = c.users.list(page=1, limit=10)
    assert ten.page == 1 and ten.page_size == 10 and len(ten.data) == N and not ten.has_next_page()
    # page_size alone is page mode, page 1
    alone = c.users.list(page_size=5)
    assert alone.page == 1 and alone.page_size == 5
    assert [u.id for u in alone] == [u.id for u in users]


def test_zone_users_auto_pagination(client: Roster, tenant: Tenant) -> None:
    users = _seed(tenant.client)
    got = [u.id for u in client.zones.users.list(tenant.zone.identifier, limit=2)]
    assert got == [u.id for u in users]
    got = [u.id for u in client.zones.users.list(tenant.zone.id, page=1, page_size=2)]
    assert got == [u.id for u in users]


def test_other_lists_paginate(tenant: Tenant) -> None:
    c = tenant.client
    roles = [c.roles.create(identifier=f"r{i}") for i in range(5)]
    page = c.roles.list(limit=2)
    assert page.total_count == 5 and len(page.data) == 2
    assert [r.id for r in page] == [r.id for r in roles]
    user = c.users.create(email="sess@example.com")
    sessions = [c.users.sessions.create(user.id) for _ in range(5)]
    assert [s.id for s in c.users.sessions.list(user.id, limit=2)] == [s.id for s in sessions]


def test_async_pagination(server: Server, tenant: Tenant) -> None:
    users = _seed(tenant.client)
    ids = [u.id for u in users]

    async def main() -> None:
        async with AsyncRoster(base_url=server.base_url, api_key=tenant.key) as c:
            paginator = c.users.list(limit=3)
            assert isinstance(paginator, AsyncPaginator)
            page = await paginator
            assert isinstance(page, AsyncPage)
            assert [u.id for u in page.data] == ids[:3] and page.has_next_page()
            second = await page.next_page()
            assert [u.id for u in second.data] == ids[3:6]

            assert [u.id async for u in c.users.list(limit=3)] == ids  # straight from the call
            assert [u.id async for u in page] == ids  # from a page
            pages = [p async for p in page.iter_pages()]
            assert [len(p.data) for p in pages] == [3, 3, 1]

            pm = await c.users.list(page=1, page_size=3)
            assert pm.page == 1 and [u.id async for u in pm] == ids
            last = await (await pm.next_page()).next_page()
            assert last.page == 3 and not last.has_next_page()
            with pytest.raises(NoNextPageError):
                await last.next_page()

            zone = tenant.zone.identifier
            async with AsyncRoster(base_url=server.base_url, api_key=server.api_key) as admin:
                assert [u.id async for u in admin.zones.users.list(zone, limit=2)] == ids

    asyncio.run(main())
