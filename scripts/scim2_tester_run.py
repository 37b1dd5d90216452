#!/usr/bin/env python3
"""Runs every scim2-tester check against one SCIM server (scripts/scim2-tester).

usage: SCIM2_TESTER_URL=http://127.0.0.1:8080/scim/v2 SCIM2_TESTER_KEY=... \
       scim2_tester_run.py NAME [MIN_CHECKS] [-v]

Exits 1 when any result is not SUCCESS (SKIPPED included: a skipped check
is one that was not made), or when fewer than MIN_CHECKS results came (a
failed discovery ends the run after a handful). Prints each result that is
not SUCCESS (every result with -v), the count of each status, then one
closing line: `NAME: N passed, N failed`.

check_server() runs discovery itself, then every checker on every resource
type the server publishes; no tag is excluded. (Excluding tags would also
skip the discovery checks, scim2-tester 0.5.2's `*` tag.)
"""

import collections
import os
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    name = args[0] if args else "scim2-tester"
    minimum = int(args[1]) if len(args) > 1 else 100
    url = os.environ["SCIM2_TESTER_URL"]
    key = os.environ["SCIM2_TESTER_KEY"]

    client = SyncSCIMClient(
        Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    )
    results = check_server(client, raise_exceptions=False)

    failed = 0
    for r in results:
        ok = r.status == Status.SUCCESS
        failed += not ok
        if verbose or not ok:
            reason = (r.reason or "").replace("\n", " ")
            print(f"{name}: {r.status.name:8} {r.resource_type or '-':6} {r.title}: {reason[:500]}")
            if not ok and r.data is not None:
                print(f"{name}:          data: {str(r.data)[:1000]}")
    counts = dict(collections.Counter(r.status.name for r in results))
    print(f"{name}: {counts}")
    print(f"{name}: {len(results) - failed} passed, {failed} failed")
    if len(results) < minimum:
        print(
            f"{name}: only {len(results)} checks ran (at least {minimum} wanted)",
            file=sys.stderr,
        )
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
