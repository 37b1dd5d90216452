"""Every operation of the OpenAPI document is reachable as ``client.<operationId>``."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Server
from roster import AsyncRoster, Roster

SDK = Path(__file__).resolve().parents[1]
SPEC = json.loads((REPO / "openapi.json").read_text())
METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    out = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = dict(item[method])
                op["parameters"] = shared + op.get("parameters", [])
                out.append((op["operationId"], method, path, op))
    return out


OPS = operations(SPEC)


def resolve(client: object, operation_id: str) -> Any:
    target = client
    for part in operation_id.split("."):
        target = getattr(target, part)
    return target


def python_name(param: dict[str, Any]) -> str:
    name = param["name"]
    special = {"query[]": "query", "expand[]": "expand", "attributes.<key>": "attributes"}
    if name in special:
        return special[name]
    return name.lower().replace("-", "_")


def test_spec_is_not_empty() -> None:
    assert len(OPS) >= 60
    ids = [op_id for op_id, *_ in OPS]
    assert len(ids) == len(set(ids)), "operation ids are unique"


@pytest.mark.parametrize("cls", [Roster, AsyncRoster])
def test_every_operation_is_callable(cls: type) -> None:
    client = cls(base_url="http://127.0.0.1:9", api_key="x" * 20)
    missing = []
    for op_id, *_ in OPS:
        try:
            fn = resolve(client, op_id)
        except AttributeError:
            missing.append(op_id)
            continue
        assert callable(fn), op_id
    assert not missing, f"{cls.__name__} lacks {missing}"


@pytest.mark.parametrize("cls", [Roster, AsyncRoster])
def test_signatures_follow_the_spec(cls: type) -> None:
    client = cls(base_url="http://127.0.0.1:9", api_key="x" * 20)
    problems = []
    for op_id, method, path, op in OPS:
        fn = resolve(client, op_id)
        sig = inspect.signature(fn)
        positional = [
            p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        keywords = set(sig.parameters)
        path_params = re.findall(r"{(\w+)}", path)
        # zone first, then the user id, then the sub-resource id.
        if len(positional) != len(path_params):
            problems.append(f"{op_id}: positional {positional} vs path {path_params}")
        if path_params and path_params[0] == "zone" and positional[:1] != ["zone"]:
            problems.append(f"{op_id}: the zone must come first")
        for param in op["parameters"]:
            if param["in"] in ("query", "header"):
                name = python_name(param)
                if name not in keywords:
                    problems.append(f"{op_id}: no argument for {param['in']} parameter {param['name']!r}")
        if method == "post" and "idempotency_key" not in keywords:
            problems.append(f"{op_id}: POST without idempotency_key=")
        body = op.get("requestBody", {}).get("content", {})
        for media in body.values():
            ref = media.get("schema", {}).get("$ref", "")
            schema = SPEC["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            for prop in schema.get("properties", {}):
                if prop not in keywords:
                    problems.append(f"{op_id}: no argument for body field {prop!r}")
            for prop in schema.get("required", []):
                if sig.parameters[prop].default is not inspect.Parameter.empty:
                    problems.append(f"{op_id}: required body field {prop!r} has a default")
        if cls is AsyncRoster:
            is_list = "AsyncPaginator" in str(sig.return_annotation)
            if not is_list and not inspect.iscoroutinefunction(fn):
                problems.append(f"{op_id}: async client method is not a coroutine function")
    assert not problems, "\n".join(problems)


def test_list_operations_return_pages() -> None:
    for cls, marker in ((Roster, "Page["), (AsyncRoster, "AsyncPaginator[")):
        client = cls(base_url="http://127.0.0.1:9", api_key="x" * 20)
        for op_id, method, path, op in OPS:
            schema = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref", "").endswith("List"):
                ret = str(inspect.signature(resolve(client, op_id)).return_annotation)
                assert ret.startswith(marker), f"{cls.__name__}.{op_id} returns {ret}"


def test_aliases() -> None:
    client = Roster(base_url="http://127.0.0.1:9")
    assert client.users.get.__func__ is client.users.retrieve.__func__  # type: ignore[attr-defined]
    assert client.zones.users.get.__func__ is client.zones.users.retrieve.__func__  # type: ignore[attr-defined]


def test_served_spec_matches_the_checked_in_one(server: Server) -> None:
    with server.client() as c:
        served = c.openapi.get()
    assert sorted(op_id for op_id, *_ in operations(served)) == sorted(op_id for op_id, *_ in OPS)


def test_sync_resources_are_generated_from_async() -> None:
    result = subprocess.run(
        [sys.executable, str(SDK / "tools" / "unasync.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
