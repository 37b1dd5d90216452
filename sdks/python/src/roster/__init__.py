"""Python SDK for Roster, the self-hosted multi-tenant users API.

    from roster import Roster

    client = Roster()  # $ROSTER_BASE_URL, $ROSTER_API_KEY
    # or: from roster import Client; Client(base_url=..., api_key=...)
    page = client.users.list()
    print(page.data[0].id)
    for user in client.users.list():  # every page
        print(user.email)
"""

from ._client import AsyncRoster, Roster

#: Other names of the clients: ``from roster import Client``.
Client = Roster
AsyncClient = AsyncRoster
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NoNextPageError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    RosterError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from ._models import (
    ApiKey,
    BaseModel,
    BatchResponse,
    BatchResult,
    Event,
    EventActor,
    EventData,
    WebhookDelivery,
    WebhookEndpoint,
    FieldError,
    Grant,
    Health,
    PageInfo,
    Provider,
    Role,
    RoleAssignment,
    RoleAssignmentScope,
    Session,
    SignIn,
    User,
    Zone,
)
from ._pagination import AsyncPage, AsyncPaginator, Page
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from ._webhooks import WEBHOOK_TOLERANCE_SECONDS, WebhookVerificationError, verify_webhook

__all__ = [
    "Roster",
    "AsyncRoster",
    "Client",
    "AsyncClient",
    # pagination
    "Page",
    "AsyncPage",
    "AsyncPaginator",
    # models
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
    # webhooks
    "verify_webhook",
    "WebhookVerificationError",
    "WEBHOOK_TOLERANCE_SECONDS",
    # errors
    "RosterError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
    "APIConnectionError",
    "APITimeoutError",
    "NoNextPageError",
    # misc
    "NOT_GIVEN",
    "NotGiven",
    "__version__",
]
