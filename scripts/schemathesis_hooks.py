"""Schemathesis hooks for scripts/schemathesis.

Each hook covers a rule OpenAPI 3.1 has no words for, and touches only the
schema-valid ("positive") cases that rule would turn into a 400, 412 or 422:
the server is right to refuse those, and every negative case still goes out
unchanged. Anything the schema *can* say is said in the Rust source the
document is generated from, never here.
"""

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import MutableMapping

import schemathesis

# Values only the server can mint: cursors are authenticated (HMAC over the
# zone, filters and position) and ETags name one version of one user. A
# generated one is never valid. The conformance and SDK suites page with
# real cursors and send real ETags.
MINTED_QUERY = ("after", "before")
MINTED_HEADERS = ("If-Match", "If-None-Match")

# Body fields that name another object (a provider, a zone): valid only when
# that object exists, which a schema cannot know. Unknown ones are a 400
# naming the field, as the conformance suite checks. (A role assignment's
# `scope` names a zone only when its type is `zone`; see below.)
REFERENCES = ("provider_id", "default_zone", "zones")

# The role a generated assignment names. A role is valid only once it
# exists, and the run itself deletes and renames roles and creates zones, so
# it is (re)created in the request's zone right before the assignment.
ROLE = "schemathesis"
BASE_URL = os.environ.get("ROSTER_SCHEMATHESIS_URL", "")
AUTHORIZATION = "Bearer " + os.environ.get("ROSTER_SCHEMATHESIS_KEY", "")

# `expires_at` must lie in the future, which a schema cannot say of a
# date-time.
FUTURE = "2099-01-01T00:00:00Z"

# A webhook URL must point at a public address, which a schema cannot say
# and which, with no network, only an address literal can show: a
# schema-valid URL is sent as this one (a public address; deliveries to it
# just fail in the background).
PUBLIC_URL = "http://93.184.216.34/roster-hook"

# Page mode serves the first 10 000 matches only (page x page size).
PAGE_WINDOW = 10_000


def _positive(case):
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def _query(query):
    """Drops what the list grammar refuses to combine, keeping the first."""
    for name in MINTED_QUERY:
        query.pop(name, None)
    # page_size and limit are the same size, spelled for two modes.
    if "page_size" in query and "limit" in query:
        query.pop("page_size")
    # sort is the multi-key spelling of sort_by + sort_order.
    if "sort" in query and ("sort_by" in query or "sort_order" in query):
        query.pop("sort")
    # A field sorts once; the pattern cannot say "no repeats".
    if isinstance(query.get("sort"), str):
        seen, keys = set(), []
        for key in query["sort"].split(","):
            field = key.strip().lstrip("+-")
            if field and field not in seen:
                seen.add(field)
                keys.append(key)
        query["sort"] = ",".join(keys)
    # search, q and query[] are all search terms: ten at most.
    terms = query.get("query[]")
    if isinstance(terms, list):
        room = 10 - ("search" in query) - ("q" in query)
        query["query[]"] = terms[: max(room, 0)]
    page, size = _int(query.get("page")), _int(query.get("page_size") or query.get("limit") or 50)
    if page is not None and size and page * size > PAGE_WINDOW:
        query["page"] = max(PAGE_WINDOW // size, 1)


def _int(value):
    """A query value as the server reads it (the coverage phase sends text)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# `before_call` rather than `map_case`: it sees every request of every phase
# (the examples and coverage phases bypass `map_case`).
@schemathesis.hook
def before_call(context, case, kwargs):
    if not _positive(case):
        return
    if isinstance(case.query, dict):
        _query(case.query)
    # A CaseInsensitiveDict, not a dict.
    if isinstance(case.headers, MutableMapping):
        for name in MINTED_HEADERS:
            case.headers.pop(name, None)
        # A key reused with another body is rightly a 422; each generated
        # body gets its own key.
        if "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if isinstance(case.body, dict):
        for name in REFERENCES:
            case.body.pop(name, None)
        scope = case.body.get("scope")
        if isinstance(scope, dict) and scope.get("type") == "zone":
            case.body.pop("scope")
        if isinstance(case.body.get("url"), str) and "webhook-endpoints" in case.operation.path:
            case.body["url"] = PUBLIC_URL
        if case.operation.path.endswith("/users/batch"):
            _batch(case.body)
        if isinstance(case.body.get("expires_at"), str):
            case.body["expires_at"] = FUTURE
        if "role_identifier" in case.body or "role_id" in case.body:
            case.body.pop("role_id", None)
            case.body["role_identifier"] = ROLE
            _ensure_role((case.path_parameters or {}).get("zone"))
        # A sign-in creates the user on first sight, which needs an email
        # claim; whether the subject is new is state, not schema.
        if "subject" in case.body and case.operation.path.endswith("/sign-ins"):
            claims = case.body.get("claims")
            if not isinstance(claims, dict):
                claims = case.body["claims"] = {}
            if not isinstance(claims.get("email"), str) or "@" not in claims["email"]:
                claims["email"] = f"{uuid.uuid4().hex}@example.com"
        # Attributes may hold no NUL at any depth; the schema states the
        # top level only (a recursive schema would also need the depth and
        # size limits, which JSON Schema cannot count).
        if "attributes" in case.body:
            case.body["attributes"] = _without_nul(case.body["attributes"])


def _batch(body):
    """A batch whose operations name what their `op` needs. Whether an atomic
    batch applies depends on the data (a taken email fails it), not on the
    schema: positive batches are sent non-atomic, each operation's result
    then in the 200."""
    body["atomic"] = False
    for op in body.get("operations") or []:
        if not isinstance(op, dict):
            continue
        kind = op.get("op")
        for key in [k for k in op if k not in {"create": ("op", "body"), "update": ("op", "id", "body", "if_match"), "delete": ("op", "id", "if_match")}.get(kind, ())]:
            op.pop(key)
        if kind in ("update", "delete") and not isinstance(op.get("id"), str):
            op["id"] = "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"
        if kind in ("create", "update") and not isinstance(op.get("body"), dict):
            op["body"] = {}
        op.pop("if_match", None)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _ensure_role(zone):
    """Creates ROLE in `zone` (the key's default zone when None); a 409
    means it is there already, anything else is left to the request."""
    path = f"/v1/zones/{zone}/roles" if zone else "/v1/roles"
    request = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps({"identifier": ROLE}).encode(),
        headers={"Authorization": AUTHORIZATION, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except (urllib.error.URLError, OSError):
        pass
