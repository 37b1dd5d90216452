"""Every response model has exactly the fields of its schema in openapi.json.

The SDK's models are written by hand; this holds them to the document the
server generates, so a field added, renamed or dropped on either side fails
here instead of drifting.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from conftest import REPO
from roster import _models, _pagination

SCHEMAS = json.loads((REPO / "openapi.json").read_text())["components"]["schemas"]
# Models whose schema has another name in the document.
SCHEMA_OF = {"RoleAssignmentScope": "AssignmentScopeView"}
MODELS = [name for name in _models.__all__ if name != "BaseModel"]


@pytest.mark.parametrize("model", MODELS)
def test_each_model_has_exactly_the_fields_of_its_openapi_schema(model: str) -> None:
    schema = SCHEMAS[SCHEMA_OF.get(model, model)]
    documented = set(schema.get("properties", {}))
    fields = {f.name for f in dataclasses.fields(getattr(_models, model))}
    assert fields == documented, (
        f"{model}: missing {sorted(documented - fields)}, not documented {sorted(fields - documented)}"
    )


def test_a_page_has_exactly_the_fields_of_a_list_response() -> None:
    documented = set(SCHEMAS["UserList"]["properties"])
    fields = set(_pagination._BasePage.__annotations__)
    assert fields == documented, (
        f"missing {sorted(documented - fields)}, not documented {sorted(fields - documented)}"
    )
