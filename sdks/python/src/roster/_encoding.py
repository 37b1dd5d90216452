"""Encoding of timestamps, request bodies and the query strings of list calls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Union, cast
from urllib.parse import quote

from ._types import NOT_GIVEN

__all__ = [
    "format_datetime",
    "parse_datetime",
    "jsonable",
    "path_segment",
    "QueryParams",
]

QueryParams = list[tuple[str, str]]

DateTimeLike = Union[datetime, date, str]
StrOrList = Union[str, Iterable[str]]

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_datetime(value: str) -> datetime:
    """Parses an RFC 3339 timestamp (any fraction length, ``Z`` or an offset).

    A timestamp without an offset is read as UTC. Fractions beyond
    microseconds are truncated.
    """
    m = _RFC3339.match(value)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    if m.group(9):
        sign = 1 if m.group(9) == "+" else -1
        from datetime import timedelta

        tz = timezone(sign * timedelta(hours=int(m.group(10)), minutes=int(m.group(11))))
    else:
        tz = timezone.utc
    # Leap second 60 is clamped to 59 (Python datetimes cannot hold it).
    return datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)


def format_datetime(value: DateTimeLike) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix; naive datetimes are taken as UTC.

    Strings pass through unchanged; a ``date`` is midnight UTC of that day.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return text + "Z"
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    raise TypeError(f"expected a datetime, date or str, got {type(value).__name__}")


def jsonable(value: Any) -> Any:
    """Makes a request body JSON-serialisable: datetimes become RFC 3339 strings,
    models become their dicts, tuples/sets become lists."""
    from ._models import BaseModel

    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    if isinstance(value, BaseModel):
        return jsonable(value.to_dict())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def path_segment(value: str) -> str:
    """Percent-encodes one path segment (ids never contain ``/``, but be safe)."""
    if not isinstance(value, str):
        raise TypeError(f"expected a str id, got {type(value).__name__}")
    if value == "":
        raise ValueError("an id must not be empty")
    return quote(value, safe="")


# ---------------------------------------------------------------------------
# Query strings


def _comma(value: StrOrList) -> str:
    if isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)


def _many(value: StrOrList) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _attribute_value(value: Any) -> str:
    """Encodes an ``attributes.<key>`` filter value.

    The server reads the value as JSON when it parses as a number, ``true``,
    ``false``, ``null`` or a quoted string, and as a plain string otherwise.
    Non-strings are therefore JSON-encoded, and a string is sent as it is
    unless the server would read it as something else (``"3"``, ``"true"``,
    ``'"x"'``), in which case it is sent JSON-quoted so it matches the string.
    """
    if isinstance(value, str):
        if value.startswith('"') or _looks_like_json_scalar(value):
            return json.dumps(value)
        return value
    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    return json.dumps(value, separators=(",", ":"))


def _looks_like_json_scalar(text: str) -> bool:
    if text in ("true", "false", "null"):
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return isinstance(parsed, (int, float)) and not isinstance(parsed, bool)


def cursor_params(
    after: str | None = None, before: str | None = None, limit: int | None = None
) -> QueryParams:
    params: QueryParams = []
    if after is not None:
        params.append(("after", after))
    if before is not None:
        params.append(("before", before))
    if limit is not None:
        params.append(("limit", str(int(limit))))
    return params


def expand_params(expand: StrOrList | None) -> QueryParams:
    if expand is None:
        return []
    return [("expand[]", v) for v in _many(expand)]


def user_list_params(
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
    extra_query: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
) -> QueryParams:
    """The query string of ``GET /v1/users`` from Python arguments."""
    params = cursor_params(after, before, limit)
    if page is not None:
        params.append(("page", str(int(page))))
    if page_size is not None:
        params.append(("page_size", str(int(page_size))))
    if id is not None:
        params.append(("id", _comma(id)))
    if email is not None:
        params.append(("email", email))
    if identifier is not None:
        params.append(("identifier", identifier))
    if user_type is not None:
        params.append(("user_type", _comma(user_type)))
    if status is not None:
        params.append(("status", _comma(status)))
    if created_by is not None:
        params.append(("created_by", created_by))
    if updated_by is not None:
        params.append(("updated_by", updated_by))
    for name, value in (
        ("created_at_from", created_at_from),
        ("created_at_to", created_at_to),
        ("updated_at_from", updated_at_from),
        ("updated_at_to", updated_at_to),
    ):
        if value is not None:
            params.append((name, format_datetime(value)))
    if provider_id is not None:
        params.append(("provider_id", provider_id))
    if external_id is not None:
        params.append(("external_id", external_id))
    if role is not None:
        params.append(("role", role))
    if search is not None:
        params.append(("search", search))
    if q is not None:
        params.append(("q", q))
    if query is not None:
        params.extend(("query[]", v) for v in _many(query))
    if sort_by is not None:
        params.append(("sort_by", sort_by))
    if sort_order is not None:
        params.append(("sort_order", sort_order))
    if sort is not None:
        params.append(("sort", _comma(sort)))
    params.extend(expand_params(expand))
    if attributes:
        for key, value in attributes.items():
            params.append((f"attributes.{key}", _attribute_value(value)))
    params.extend(extra_params(extra_query))
    return params


def extra_params(extra: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> QueryParams:
    if not extra:
        return []
    items: Iterable[tuple[str, Any]]
    if isinstance(extra, Mapping):
        items = cast("Mapping[str, Any]", extra).items()
    else:
        items = extra
    out: QueryParams = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            out.extend((str(key), _query_value(v)) for v in value)
        else:
            out.append((str(key), _query_value(value)))
    return out


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    return str(value)


def replace_params(params: QueryParams, **changes: str | None) -> QueryParams:
    """A copy of ``params`` with the named keys replaced (``None`` removes)."""
    out = [(k, v) for k, v in params if k not in changes]
    for key, value in changes.items():
        if value is not None:
            out.append((key, value))
    return out


def get_param(params: QueryParams, name: str) -> str | None:
    for key, value in params:
        if key == name:
            return value
    return None
