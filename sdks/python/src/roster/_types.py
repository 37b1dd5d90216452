"""Small shared types: the ``NOT_GIVEN`` sentinel and timeout aliases."""

from __future__ import annotations

from typing import Any, Final, Union

import httpx

__all__ = ["NotGiven", "NOT_GIVEN", "Timeout"]


class NotGiven:
    """Marks an argument the caller did not pass.

    In ``update`` calls (JSON merge patch) a field left ``NOT_GIVEN`` is not
    sent at all, while ``None`` is sent as ``null`` and clears the field.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final[Any] = NotGiven()

Timeout = Union[float, httpx.Timeout, None]


def strip_not_given(body: dict[str, Any]) -> dict[str, Any]:
    """Drops ``NOT_GIVEN`` values (a merge patch sends only what was passed)."""
    return {k: v for k, v in body.items() if v is not NOT_GIVEN}


def strip_none(body: dict[str, Any]) -> dict[str, Any]:
    """Drops ``None`` and ``NOT_GIVEN`` values (creates send only what was set)."""
    return {k: v for k, v in body.items() if v is not None and v is not NOT_GIVEN}
