"""Filters, search, sorting and expansion of users.list, plus the query encoding."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import Tenant
from roster import Roster, User
from roster._encoding import format_datetime, parse_datetime, user_list_params


@pytest.fixture
def people(tenant: Tenant) -> dict[str, User]:
    c = tenant.client
    out: dict[str, User] = {}
    out["ann"] = c.users.create(
        email="Ann.Lee@Example.com",
        identifier="ann",
        first_name="Ann",
        last_name="Lee",
        user_type="saas_admin",
        attributes={"plan": "pro", "seats": 5, "beta": True, "code": "3"},
    )
    out["bob"] = c.users.create(
        email="bob@example.com",
        identifier="bob",
        first_name="Bob",
        last_name="Stone",
        status="onboarding",
        description="likes annals of history",
        attributes={"plan": "free", "seats": 1, "code": 3},
    )
    time.sleep(0.01)
    out["cat"] = c.users.create(
        email="cat@corp.example.org",
        identifier="cat",
        name="Catherine",
        status="risky",
        user_type="saas_user_client",
        attributes={"plan": "pro", "seats": 10, "beta": False},
    )
    out["dan"] = c.users.create(email="dan@example.com", identifier="dan", first_name="Dan", status="disabled")
    return out


def ids(users: object) -> list[str]:
    return [u.id for u in users]  # type: ignore[attr-defined]


def names(page: object) -> set[str]:
    return {u.identifier for u in page}  # type: ignore[attr-defined]


def test_enum_and_exact_filters(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    assert names(c.users.list(status="onboarding")) == {"bob"}
    assert names(c.users.list(status=["risky", "disabled"])) == {"cat", "dan"}
    assert names(c.users.list(status="risky,disabled")) == {"cat", "dan"}
    assert names(c.users.list(user_type="saas_admin")) == {"ann"}
    assert names(c.users.list(user_type=["saas_admin", "saas_user_client"])) == {"ann", "cat"}
    assert names(c.users.list(email="ann.lee@example.COM")) == {"ann"}
    assert names(c.users.list(identifier="BOB")) == {"bob"}
    assert names(c.users.list(id=[people["ann"].id, people["dan"].id])) == {"ann", "dan"}
    assert names(c.users.list(id=people["cat"].id)) == {"cat"}
    assert names(c.users.list(created_by=tenant.key_id)) == {"ann", "bob", "cat", "dan"}
    assert names(c.users.list(updated_by="key_01ARZ3NDEKTSV4RRFFQ69G5FAV")) == set()
    page = c.users.list(status="active", user_type="saas_admin")
    assert page.total_count == 1


def test_date_ranges(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    cat = people["cat"].created_at
    assert names(c.users.list(created_at_from=cat)) == {"cat", "dan"}
    assert names(c.users.list(created_at_to=cat)) == {"ann", "bob"}
    # Strings and other offsets work too.
    assert names(c.users.list(created_at_from=format_datetime(cat))) == {"cat", "dan"}
    plus2 = cat.astimezone(timezone(timedelta(hours=2)))
    assert names(c.users.list(created_at_from=plus2.isoformat())) == {"cat", "dan"}
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert names(c.users.list(updated_at_from=future)) == set()
    assert names(c.users.list(updated_at_to=future, updated_at_from=people["ann"].updated_at)) == {
        "ann",
        "bob",
        "cat",
        "dan",
    }


def test_attribute_filters(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    assert names(c.users.list(attributes={"plan": "pro"})) == {"ann", "cat"}
    assert names(c.users.list(attributes={"plan": "pro", "seats": 10})) == {"cat"}
    assert names(c.users.list(attributes={"beta": True})) == {"ann"}
    assert names(c.users.list(attributes={"beta": False})) == {"cat"}
    # "3" the string and 3 the number are different values.
    assert names(c.users.list(attributes={"code": "3"})) == {"ann"}
    assert names(c.users.list(attributes={"code": 3})) == {"bob"}
    assert names(c.users.list(attributes={"seats": 5.0})) == {"ann"}


def test_search(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    # "ann" is ann's whole identifier (ranked first), and a substring of bob's description.
    assert ids(c.users.list(search="ann")) == [people["ann"].id, people["bob"].id]
    assert ids(c.users.list(q="ANN")) == [people["ann"].id, people["bob"].id]
    assert names(c.users.list(search="corp.example")) == {"cat"}
    assert names(c.users.list(query=["ann", "history"])) == {"bob"}
    assert names(c.users.list(query="cather")) == {"cat"}
    assert names(c.users.list(search="nobody-matches-this")) == set()


def test_sorting(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    by_email = ["ann", "bob", "cat", "dan"]
    assert [u.identifier for u in c.users.list(sort_by="email")] == by_email
    assert [u.identifier for u in c.users.list(sort_by="email", sort_order="desc")] == by_email[::-1]
    assert [u.identifier for u in c.users.list(sort="-created_at")] == ["dan", "cat", "bob", "ann"]
    # status: active < disabled < onboarding < risky, then email descending
    assert [u.identifier for u in c.users.list(sort=["status", "-email"])] == ["ann", "dan", "bob", "cat"]
    # sorting holds across pages
    assert [u.identifier for u in c.users.list(sort_by="name", sort_order="desc", limit=1)] == [
        "dan",
        "cat",
        "bob",
        "ann",
    ]


def test_expand_and_role_filter(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    c.roles.create(identifier="editor")
    c.users.role_assignments.create(people["bob"].id, role_identifier="editor")
    c.users.sessions.create(people["bob"].id)
    c.users.grants.create(people["bob"].id, client_id="app", resource="docs", scopes=["read", "write"])
    c.users.grants.create(people["bob"].id, client_id="app2", resource="docs", scopes=["read"])

    page = c.users.list(identifier="bob", expand=["role_assignments", "grant_count", "session_count"])
    bob = page.data[0]
    assert bob.grant_count == 2 and bob.session_count == 1
    assert bob.role_assignments is not None and [a.role_identifier for a in bob.role_assignments] == ["editor"]

    plain = c.users.list(identifier="ann").data[0]
    assert plain.role_assignments is None and plain.grant_count is None and plain.session_count is None
    assert "grant_count" not in plain.to_dict()

    assert c.users.list(identifier="ann", expand="grant_count").data[0].grant_count == 0
    assert c.users.list(identifier="ann", expand=["role-assignments"]).data[0].role_assignments == []
    assert names(c.users.list(role="editor")) == {"bob"}


def test_extra_query_passes_keycard_spellings(tenant: Tenant, people: dict[str, User]) -> None:
    c = tenant.client
    assert names(c.users.list(extra_query={"filter[status]": "risky"})) == {"cat"}


def test_query_encoding_unit() -> None:
    params = user_list_params(
        id=["user_a", "user_b"],
        status=["active", "risky"],
        query=["a", "b"],
        expand=["grant_count", "session_count"],
        sort=["-created_at", "email"],
        attributes={"plan": "pro", "seats": 5, "beta": True, "code": "3", "q": '"x"', "none": None, "f": 1.5},
        created_at_from=datetime(2024, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        created_at_to=datetime(2024, 1, 15, 9, 30, 0, 120000),
        limit=10,
    )
    assert params == [
        ("limit", "10"),
        ("id", "user_a,user_b"),
        ("status", "active,risky"),
        ("created_at_from", "2024-01-15T08:30:00Z"),
        ("created_at_to", "2024-01-15T09:30:00.12Z"),
        ("query[]", "a"),
        ("query[]", "b"),
        ("sort", "-created_at,email"),
        ("expand[]", "grant_count"),
        ("expand[]", "session_count"),
        ("attributes.plan", "pro"),
        ("attributes.seats", "5"),
        ("attributes.beta", "true"),
        ("attributes.code", '"3"'),
        ("attributes.q", '"\\"x\\""'),
        ("attributes.none", "null"),
        ("attributes.f", "1.5"),
    ]


def test_parse_datetime_unit() -> None:
    assert parse_datetime("2024-01-15T09:30:00Z") == datetime(2024, 1, 15, 9, 30, tzinfo=timezone.utc)
    assert parse_datetime("2024-01-15T09:30:00.123456789Z").microsecond == 123456
    assert parse_datetime("2024-01-15T10:30:00.5+01:00") == datetime(2024, 1, 15, 9, 30, 0, 500000, tzinfo=timezone.utc)


def test_models_keep_unknown_fields() -> None:
    raw = {
        "id": "user_1",
        "email": "a@b.c",
        "created_at": "2024-01-15T09:30:00Z",
        "brand_new_field": {"x": 1},
        "role_assignments": [{"role_id": "role_1", "role_identifier": "admin", "scope": None, "future": 2}],
    }
    user = User.from_dict(raw)
    assert user.brand_new_field == {"x": 1}
    assert user["brand_new_field"] == {"x": 1}
    assert user.model_extra == {"brand_new_field": {"x": 1}}
    assert user.to_dict() == raw
    assert user.role_assignments is not None and user.role_assignments[0].future == 2
    assert user.status is None  # missing fields read as None rather than failing
    with pytest.raises(AttributeError):
        user.not_there  # noqa: B018


def test_default_zone_isolated(client: Roster, tenant: Tenant, people: dict[str, User]) -> None:
    assert people["ann"].id not in {u.id for u in client.users.list(search="ann")}
