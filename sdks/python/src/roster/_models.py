"""Typed response models.

Every model is a keyword-only dataclass with attribute access. Timestamps are
timezone-aware ``datetime`` objects. Models are forward compatible: fields the
server sends that this SDK does not know yet are kept and readable as
attributes (``user.some_new_field``) and in ``to_dict()``. A model built from
a response never fails because a field is missing: it reads as ``None``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from ._encoding import parse_datetime

__all__ = [
    "BaseModel",
    "User",
    "Zone",
    "ApiKey",
    "Role",
    "RoleAssignment",
    "RoleAssignmentScope",
    "Session",
    "Grant",
    "Provider",
    "SignIn",
    "PageInfo",
    "Health",
    "FieldError",
    "Event",
    "EventActor",
    "EventData",
    "WebhookEndpoint",
    "WebhookDelivery",
    "BatchResult",
    "BatchResponse",
]

M = TypeVar("M", bound="BaseModel")


@dataclass(kw_only=True)
class BaseModel:
    """Base of every model: ``from_dict``, ``to_dict``, extra fields, ETag."""

    _hints: ClassVar[dict[str, Any] | None] = None

    @classmethod
    def _field_types(cls) -> dict[str, Any]:
        hints = cls.__dict__.get("_hints")
        if hints is None:
            all_hints = typing.get_type_hints(cls)
            names = {f.name for f in dataclasses.fields(cls)}
            hints = {k: v for k, v in all_hints.items() if k in names}
            cls._hints = hints
        return hints

    @classmethod
    def from_dict(cls: type[M], data: typing.Mapping[str, Any]) -> M:
        """Builds the model from a decoded JSON object (lenient, keeps extras)."""
        if not isinstance(data, typing.Mapping):
            raise TypeError(f"{cls.__name__}.from_dict expects a mapping, got {type(data).__name__}")
        obj = cls.__new__(cls)
        hints = cls._field_types()
        for name, tp in hints.items():
            raw = data.get(name)
            object.__setattr__(obj, name, _convert(tp, raw))
        object.__setattr__(obj, "_raw", dict(data))
        object.__setattr__(obj, "_etag", None)
        return obj

    def to_dict(self) -> dict[str, Any]:
        """The JSON object as the server sent it (or as built, for new models)."""
        raw = self.__dict__.get("_raw")
        if raw is not None:
            copied: dict[str, Any] = _copy_json(raw)
            return copied
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = _to_json(value)
        return out

    @property
    def model_extra(self) -> dict[str, Any]:
        """Fields the server sent that this model does not declare."""
        raw = self.__dict__.get("_raw") or {}
        known = {f.name for f in dataclasses.fields(self)}
        return {k: v for k, v in raw.items() if k not in known}

    @property
    def etag(self) -> str | None:
        """The response's ``ETag`` (users only), for ``if_match=`` / ``if_none_match=``."""
        return self.__dict__.get("_etag")

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: serve unknown server fields.
        if name.startswith("_"):
            raise AttributeError(name)
        raw = self.__dict__.get("_raw")
        if raw is not None and name in raw:
            return raw[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def __getitem__(self, key: str) -> Any:
        """Dict-style access to any field, known or extra."""
        if key in self._field_types():
            return getattr(self, key)
        raw = self.__dict__.get("_raw")
        if raw is not None and key in raw:
            return raw[key]
        raise KeyError(key)


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def _to_json(value: Any) -> Any:
    from ._encoding import format_datetime

    if isinstance(value, BaseModel):
        return value.to_dict()
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _convert(tp: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _convert(args[0], raw)
        return raw
    if tp is datetime:
        if isinstance(raw, str):
            try:
                return parse_datetime(raw)
            except ValueError:
                return raw
        return raw
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        if isinstance(raw, list):
            return [_convert(item, v) for v in raw]
        return raw
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if isinstance(raw, dict):
            return tp.from_dict(raw)
        return raw
    return raw


@dataclass(kw_only=True)
class PageInfo(BaseModel):
    """Relay-style page information."""

    has_next_page: bool
    """When paginating forwards, are there more items?"""
    has_previous_page: bool
    """When paginating backwards, are there more items?"""
    start_cursor: str | None = None
    """Cursor of the first item of the page; ``None`` when the page is empty."""
    end_cursor: str | None = None
    """Cursor of the last item of the page; ``None`` when the page is empty."""


@dataclass(kw_only=True)
class RoleAssignmentScope(BaseModel):
    """The resource a role assignment is limited to."""

    type: str
    id: str


@dataclass(kw_only=True)
class RoleAssignment(BaseModel):
    """A role held by a user, optionally limited to a resource."""

    role_id: str
    role_identifier: str
    id: str | None = None
    """``ra_…``; absent inside an expanded user."""
    user_id: str | None = None
    scope: RoleAssignmentScope | None = None
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(kw_only=True)
class User(BaseModel):
    """A user, as every endpoint returns it."""

    id: str
    """``user_`` + 26-character ULID."""
    organization_id: str
    zone_id: str
    identifier: str
    """Unique per zone, case-insensitive; defaults to ``id``."""
    email: str
    email_verified: bool
    first_name: str
    last_name: str
    name: str
    user_type: str
    """``saas_admin``, ``saas_user`` or ``saas_user_client``."""
    status: str
    """``active``, ``onboarding``, ``inactive``, ``suspended``, ``risky`` or ``disabled``."""
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    issuer: str | None = None
    provider_id: str | None = None
    subject: str | None = None
    external_id: str | None = None
    """A provisioning system's identifier (SCIM ``externalId``)."""
    authenticated_at: datetime | None = None
    created_by: str | None = None
    """Only with the ``users:metadata`` scope."""
    updated_by: str | None = None
    """Only with the ``users:metadata`` scope."""
    role_assignments: list[RoleAssignment] | None = None
    """Only with ``expand=["role_assignments"]``."""
    grant_count: int | None = None
    """Only with ``expand=["grant_count"]``."""
    session_count: int | None = None
    """Only with ``expand=["session_count"]``."""


@dataclass(kw_only=True)
class Zone(BaseModel):
    """A zone (tenant) inside the organization."""

    id: str
    organization_id: str
    identifier: str
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(kw_only=True)
class ApiKey(BaseModel):
    """An API key. ``key`` (the secret) is set only on the create response."""

    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    zones: list[str] | None = None
    """Zone ids the key is limited to; ``None`` for every zone."""
    default_zone_id: str | None = None
    last_used_at: datetime | None = None
    key: str | None = dataclasses.field(default=None, repr=False)
    """The secret: only in the response that created the key (hidden from ``repr``)."""


@dataclass(kw_only=True)
class Role(BaseModel):
    id: str
    identifier: str
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    external_id: str | None = None
    """A provisioning system's identifier (SCIM's Group ``externalId``)."""


@dataclass(kw_only=True)
class Session(BaseModel):
    """A recorded authentication."""

    id: str
    user_id: str
    status: str
    """``active``, ``expired`` or ``revoked``."""
    created_at: datetime
    provider_id: str | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    created_by: str | None = None


@dataclass(kw_only=True)
class Grant(BaseModel):
    """A delegated grant: a client may act on a resource for the user."""

    id: str
    user_id: str
    client_id: str
    resource: str
    scopes: list[str]
    status: str
    """``active``, ``expired`` or ``revoked``."""
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    created_by: str | None = None


@dataclass(kw_only=True)
class Provider(BaseModel):
    """An identity provider users sign in through."""

    id: str
    identifier: str
    issuer: str
    created_at: datetime
    updated_at: datetime
    user_identifier_claim: str | None = None


@dataclass(kw_only=True)
class SignIn(BaseModel):
    """The outcome of a sign-in: the user, the recorded session, and whether
    this sign-in created the user."""

    user: User
    session: Session
    created: bool


@dataclass(kw_only=True)
class Health(BaseModel):
    status: str


@dataclass(kw_only=True)
class FieldError(BaseModel):
    param: str
    detail: str


@dataclass(kw_only=True)
class EventActor(BaseModel):
    """Who made a change: ``api_key``, ``user`` (a sign-in) or ``system``."""

    type: str
    id: str | None = None


@dataclass(kw_only=True)
class EventData(BaseModel):
    object: dict[str, Any]
    """The object as ``GET`` returned it at the change (before it, for a deletion)."""
    changed_fields: list[str] | None = None
    """The fields a ``*.updated`` event changed."""


@dataclass(kw_only=True)
class Event(BaseModel):
    """A change, from ``events.list`` or a webhook delivery (``verify_webhook``)."""

    id: str
    type: str
    occurred_at: datetime
    organization_id: str
    zone_id: str
    actor: EventActor
    data: EventData


@dataclass(kw_only=True)
class WebhookEndpoint(BaseModel):
    """``secret`` is set only by ``create`` and ``rotate_secret``."""

    id: str
    url: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    zones: list[str] | None = None
    description: str | None = None
    disabled_reason: str | None = None
    secret: str | None = dataclasses.field(default=None, repr=False)


@dataclass(kw_only=True)
class WebhookDelivery(BaseModel):
    """One attempt to deliver an event."""

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int
    duration_ms: int
    succeeded: bool
    manual: bool
    created_at: datetime
    status_code: int | None = None
    error: str | None = None


@dataclass(kw_only=True)
class BatchResult(BaseModel):
    """One operation's result: ``status``, and ``body`` (the user) or ``problem``."""

    status: int
    body: User | None = None
    problem: dict[str, Any] | None = None


@dataclass(kw_only=True)
class BatchResponse(BaseModel):
    results: list[BatchResult]
