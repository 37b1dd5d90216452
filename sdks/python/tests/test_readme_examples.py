"""The README's seed examples, run as written in a fresh interpreter against a
live server.

The blocks are those of the README's "Seed examples" section. Only the
placeholders ``http://127.0.0.1:8080`` and ``YOUR_API_KEY`` are replaced, by
the test server's address and key; ``ROSTER_BASE_URL`` and ``ROSTER_API_KEY``
are set for the blocks that configure the client from the environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from conftest import Server

README = Path(__file__).resolve().parents[1] / "README.md"
PLACEHOLDER_URL = "http://127.0.0.1:8080"
PLACEHOLDER_KEY = "YOUR_API_KEY"


def seed_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Seed examples\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, "README.md has no '## Seed examples' section"
    return re.findall(r"^```python\n(.*?)^```", match.group(1), flags=re.S | re.M)


BLOCKS = seed_blocks()


@pytest.fixture(scope="module")
def seeded(server: Server) -> Iterator[Server]:
    """Users in the zone ``default`` (the bootstrap key's default zone)."""
    with server.client() as c:
        for i in range(3):
            c.users.create(email=f"readme{i}@example.com", first_name="Jane", last_name=f"Doe{i}")
    yield server


def run_block(block: str, server: Server) -> str:
    code = block.replace(PLACEHOLDER_URL, server.base_url).replace(PLACEHOLDER_KEY, server.api_key)
    env = dict(os.environ)
    env.update({"ROSTER_BASE_URL": server.base_url, "ROSTER_API_KEY": server.api_key})
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=README.parent.parent
    )
    assert result.returncode == 0, f"the README block failed:\n{block}\n--- stderr:\n{result.stderr}"
    return result.stdout


def test_the_readme_has_the_seed_blocks() -> None:
    assert len(BLOCKS) == 3
    assert "from roster import Client" in BLOCKS[0]
    assert "client = Client(" in BLOCKS[0] and PLACEHOLDER_KEY in BLOCKS[0]
    assert "client.users.list(page=1, limit=10)" in BLOCKS[0]
    assert "client = Roster()\n" in BLOCKS[1]
    assert 'client.zones.users.retrieve(users.data[0].id, zone_id="default")' in BLOCKS[2]


def test_readme_seed_004_client_alias_page_mode(seeded: Server) -> None:
    out = run_block(BLOCKS[0], seeded)
    assert out.split() == ["1", "3", "3"]  # page 1, 3 users on it, 3 in all


def test_readme_seed_000_roster_from_the_environment(seeded: Server) -> None:
    out = run_block(BLOCKS[1], seeded).split()
    assert len(out) == 2 and out[0].startswith("user_") and out[0] == out[1]


def test_readme_seed_003_zone_users(seeded: Server) -> None:
    with seeded.client() as c:
        zone_id = c.zones.retrieve("default").id
    user_id, user_zone, verified = run_block(BLOCKS[2], seeded).split()
    assert user_id.startswith("user_") and user_zone == zone_id and verified == "False"


def test_the_distribution_is_roster_sdk_and_imports_as_roster() -> None:
    dist = metadata.distribution("roster-sdk")
    assert dist.metadata["Name"] == "roster-sdk"
    assert "roster-sdk" in metadata.packages_distributions()["roster"]
    import roster

    assert dist.version == roster.__version__
