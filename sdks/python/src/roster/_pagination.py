"""Pages of list results, with auto-pagination.

Every list call returns a page (``Page`` from :class:`~roster.Roster`,
``AsyncPage`` from :class:`~roster.AsyncRoster`). A page holds one response
(``data``, ``page_info``, ``total_count``, ``total_count_exact`` and, in page
mode, ``page`` and ``page_size``); iterating over it yields every matching item across all pages,
fetching the next page only when needed.

Cursor mode (the default) moves on with ``after=page_info.end_cursor``; page
mode (``page=`` given) with ``page + 1`` and the same size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from ._encoding import QueryParams, get_param, replace_params
from ._errors import NoNextPageError
from ._models import BaseModel, PageInfo

__all__ = ["Page", "AsyncPage", "AsyncPaginator"]

T = TypeVar("T", bound=BaseModel)


class _BasePage(Generic[T]):
    data: list[T]
    """The items of this page."""
    page_info: PageInfo
    total_count: int
    """Items matching the filters across all pages."""
    total_count_exact: bool
    """False when ``total_count`` is a lower bound: counting every match would
    have cost more than the page (the server sends the field only then)."""
    page: int | None
    """Page mode only: this page's number."""
    page_size: int | None
    """Page mode only: the effective page size."""

    def __init__(self, body: dict[str, Any], item_type: type[T], params: QueryParams) -> None:
        raw_items = body.get("data") or []
        self.data = [item_type.from_dict(item) for item in raw_items]
        self.page_info = PageInfo.from_dict(body.get("page_info") or {})
        self.total_count = int(body.get("total_count") or 0)
        self.total_count_exact = body.get("total_count_exact") is not False
        self.page = body.get("page")
        self.page_size = body.get("page_size")
        self._body = body
        self._params = params

    @property
    def is_page_mode(self) -> bool:
        return self.page is not None or get_param(self._params, "page") is not None

    def has_next_page(self) -> bool:
        """Whether a page follows this one."""
        if self.is_page_mode:
            if self.page_info.has_next_page:
                return True
            if self.page is not None and self.page_size:
                return self.page * self.page_size < self.total_count
            return False
        return bool(self.page_info.has_next_page and self.page_info.end_cursor)

    def next_page_params(self) -> QueryParams:
        """The query parameters of the next page's request."""
        if not self.has_next_page():
            raise NoNextPageError("This is the last page; check has_next_page() first.")
        if self.is_page_mode:
            current = self.page or int(get_param(self._params, "page") or 1)
            return replace_params(self._params, page=str(current + 1))
        return replace_params(self._params, after=self.page_info.end_cursor, before=None)

    def to_dict(self) -> dict[str, Any]:
        """The response body as the server sent it."""
        return dict(self._body)

    def __repr__(self) -> str:
        extra = f", page={self.page}, page_size={self.page_size}" if self.page is not None else ""
        return (
            f"{type(self).__name__}(data=<{len(self.data)} items>, total_count={self.total_count}, "
            f"has_next_page={self.page_info.has_next_page}{extra})"
        )


class Page(_BasePage[T]):
    """One page of a list; iterate over it to get every item across all pages."""

    def __init__(
        self,
        body: dict[str, Any],
        item_type: type[T],
        params: QueryParams,
        fetch: Callable[[QueryParams], Page[T]],
    ) -> None:
        super().__init__(body, item_type, params)
        self._fetch = fetch

    def next_page(self) -> Page[T]:
        """Fetches the next page (``after=end_cursor``, or ``page + 1`` in page
        mode). Raises :class:`NoNextPageError` on the last page."""
        return self._fetch(self.next_page_params())

    def iter_pages(self) -> Iterator[Page[T]]:
        """This page, then every following page."""
        page: Page[T] = self
        while True:
            yield page
            if not page.has_next_page() or not page.data:
                return
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        """Every item of this page and of every following page."""
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_BasePage[T]):
    """One page of a list; ``async for`` over it yields every item across all pages."""

    def __init__(
        self,
        body: dict[str, Any],
        item_type: type[T],
        params: QueryParams,
        fetch: Callable[[QueryParams], Awaitable[AsyncPage[T]]],
    ) -> None:
        super().__init__(body, item_type, params)
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T]:
        """Fetches the next page. Raises :class:`NoNextPageError` on the last page."""
        return await self._fetch(self.next_page_params())

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page() or not page.data:
                return
            page = await page.next_page()

    async def _iter_items(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()


class AsyncPaginator(Generic[T]):
    """What an async list call returns: ``await`` it for the first
    :class:`AsyncPage`, or ``async for`` over it for every item."""

    def __init__(self, fetch: Callable[[QueryParams], Awaitable[AsyncPage[T]]], params: QueryParams) -> None:
        self._fetch = fetch
        self._params = params

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._fetch(self._params).__await__()

    async def _iter_items(self) -> AsyncIterator[T]:
        page = await self._fetch(self._params)
        async for item in page:
            yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()
